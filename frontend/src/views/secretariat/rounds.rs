//! The application rounds: each round's deadline (firm, or only expected,
//! as round 2's "forventet oktober 2021" in the papers) and how many
//! municipalities are expected in it; a later round if DK2020 opens one
//! ("Tilføj runde 3"). Checked with the model's own `Rounds::new` before it
//! is sent; the API refuses to remove a round anyone was enrolled in.

use dk2020_model::{
    api::RoundsBody,
    enrolment::{Round, Rounds, RoundsError},
    format,
};
use gloo_net::http::Method;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    api::Api,
    components::{Notice, load_error, loading, parse_date},
};

/// One editable round.
#[derive(Clone, Copy)]
struct RoundFields {
    round: Round,
    deadline: RwSignal<String>,
    expected: RwSignal<bool>,
    min: RwSignal<String>,
    max: RwSignal<String>,
}

impl RoundFields {
    fn new(round: Round) -> Self {
        Self {
            round,
            deadline: RwSignal::new(round.deadline.to_string()),
            expected: RwSignal::new(round.deadline_expected),
            min: RwSignal::new(round.expected_min.to_string()),
            max: RwSignal::new(round.expected_max.to_string()),
        }
    }

    fn read(&self) -> Result<Round, String> {
        let n = self.round.number;
        let deadline = parse_date(&self.deadline.get_untracked())
            .ok_or_else(|| format!("Runde {n}: angiv ansøgningsfristen som en dato."))?;
        let count = |s: RwSignal<String>| s.get_untracked().trim().parse::<u8>().ok().filter(|c| *c <= 19);
        let (Some(expected_min), Some(expected_max)) = (count(self.min), count(self.max)) else {
            return Err(format!("Runde {n}: skriv det forventede antal kommuner som hele tal fra 0 til 19."));
        };
        Ok(Round {
            deadline,
            expected_min,
            expected_max,
            deadline_expected: self.expected.get_untracked(),
            ..self.round
        })
    }
}

/// A problem of the rounds, in Danish.
pub fn rounds_problem_da(e: &RoundsError) -> String {
    match e {
        RoundsError::Duplicate(n) => format!("Runde {n} står der to gange."),
        RoundsError::ExpectedRange { round, min, max } => {
            format!("Runde {round}: det forventede mindste antal ({min}) er større end det største ({max}).")
        }
        RoundsError::DeadlineOrder { first, second } => format!(
            "Fristerne skal følge rundernes rækkefølge: {} ligger ikke efter {}.",
            format::date(*second),
            format::date(*first)
        ),
    }
}

pub fn editor(api: Api, notice: RwSignal<Option<Notice>>, changed: RwSignal<u32>) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let load_api = api.clone();
    let rounds = LocalResource::new(move || {
        refresh.get();
        let api = load_api.clone();
        async move { api.get::<RoundsBody>("/api/enrolment/rounds").await }
    });
    move || match rounds.get() {
        None => loading().into_any(),
        Some(Err(e)) => load_error(&e, move || refresh.update(|n| *n += 1)).into_any(),
        Some(Ok(body)) => form(api.clone(), body.rounds, notice, changed).into_any(),
    }
}

fn form(api: Api, rounds: Rounds, notice: RwSignal<Option<Notice>>, changed: RwSignal<u32>) -> impl IntoView {
    let fields = RwSignal::new(rounds.iter().copied().map(RoundFields::new).collect::<Vec<_>>());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let read_all =
        move || -> Result<Vec<Round>, String> { fields.get_untracked().iter().map(RoundFields::read).collect() };
    // A later round, after the last one (its deadline a year later, only expected).
    let add = move |_| match read_all().ok().and_then(|list| Rounds::new(list).ok()).and_then(|r| r.next_round()) {
        Some(next) => fields.update(|f| f.push(RoundFields::new(next))),
        None => problem.set(Some("Ret runderne først; der kan højst være fem.".into())),
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let read = read_all();
        let rounds = match read.and_then(|list| Rounds::new(list).map_err(|e| rounds_problem_da(&e))) {
            Ok(rounds) => rounds,
            Err(p) => {
                problem.set(Some(p));
                return;
            }
        };
        problem.set(None);
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            let body = RoundsBody { rounds };
            match api.send::<_, RoundsBody>(Method::PUT, "/api/enrolment/rounds", &body, None).await {
                Ok(_) => {
                    notice.set(Some(Notice::ok("Ansøgningsrunderne er gemt.")));
                    changed.update(|n| *n += 1);
                }
                Err(e) => notice.set(Some(Notice::api(&e))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="rounds" on:submit=save novalidate>
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Runde"</th>
                        <th scope="col">"Ansøgningsfrist"</th>
                        <th scope="col">"Kun forventet"</th>
                        <th scope="col">"Forventet antal kommuner"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        fields.get().into_iter().map(|f| round_row(f, fields)).collect_view()
                    }}
                </tbody>
            </table>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    "Gem runderne"
                </button>
                <button type="button" class="secondary" on:click=add>
                    {move || format!("Tilføj runde {}", fields.with(Vec::len) + 1)}
                </button>
            </div>
        </form>
    }
}

fn round_row(f: RoundFields, all: RwSignal<Vec<RoundFields>>) -> impl IntoView {
    let n = f.round.number;
    // Rounds 1 and 2 stay; a later one may be removed (the API refuses it
    // once a municipality has been enrolled in it).
    let remove = (n.get() > 2).then(|| {
        view! {
            <button
                type="button"
                class="secondary"
                on:click=move |_| all.update(|list| list.retain(|r| r.round.number != n))
            >
                {format!("Fjern runde {n}")}
            </button>
        }
    });
    let input = |id: String, label: String, value: RwSignal<String>| {
        view! {
            <label class="visually-hidden" for=id.clone()>{label}</label>
            <input
                id=id
                type="text"
                inputmode="numeric"
                class="count"
                prop:value=move || value.get()
                on:change=move |ev| value.set(event_target_value(&ev))
            />
        }
    };
    view! {
        <tr>
            <th scope="row">{format!("Runde {n}")}</th>
            <td>
                <label class="visually-hidden" for=format!("round-{n}-deadline")>
                    {format!("Ansøgningsfrist for runde {n}")}
                </label>
                <input
                    id=format!("round-{n}-deadline")
                    type="date"
                    prop:value=move || f.deadline.get()
                    on:change=move |ev| f.deadline.set(event_target_value(&ev))
                />
            </td>
            <td>
                <input
                    id=format!("round-{n}-expected")
                    type="checkbox"
                    prop:checked=move || f.expected.get()
                    on:change=move |ev| f.expected.set(event_target_checked(&ev))
                />
                <label for=format!("round-{n}-expected")>"Fristen er kun forventet (vis måneden)"</label>
            </td>
            <td>
                {input(format!("round-{n}-min"), format!("Runde {n}: mindst forventet"), f.min)}
                " – "
                {input(format!("round-{n}-max"), format!("Runde {n}: højst forventet"), f.max)}
                {remove}
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use dk2020_model::enrolment::RoundNumber;
    use jiff::civil::date;

    use super::*;

    #[test]
    fn every_problem_of_the_rounds_is_told_in_danish() {
        for e in [
            RoundsError::Duplicate(RoundNumber::FIRST),
            RoundsError::ExpectedRange { round: RoundNumber::SECOND, min: 9, max: 8 },
            RoundsError::DeadlineOrder { first: date(2020, 10, 21), second: date(2020, 1, 1) },
        ] {
            let text = rounds_problem_da(&e);
            assert!(text.ends_with('.') && !text.contains(" must "), "{text}");
        }
        let order = RoundsError::DeadlineOrder { first: date(2020, 10, 21), second: date(2020, 1, 1) };
        assert_eq!(
            rounds_problem_da(&order),
            "Fristerne skal følge rundernes rækkefølge: 1. januar 2020 ligger ikke efter 21. oktober 2020."
        );
    }
}
