//! `GET /privatliv`: the privacy notice in Danish (GDPR articles 13 and 14),
//! linked from the staff page and from every view of the widget. What it
//! says about retention and the data controller comes from the
//! configuration (`crate::state::Privacy`), so the notice and the product
//! cannot disagree.

use axum::{Router, extract::State, http::StatusCode, response::Response, routing::get};

use crate::{
    routes::sign_in::{escape, page},
    state::AppState,
};

pub const NOTICE_TITLE: &str = "Sådan behandler vi personoplysninger";

pub fn router() -> Router<AppState> {
    Router::new().route("/privatliv", get(notice))
}

async fn notice(State(state): State<AppState>) -> Response {
    let p = &state.privacy;
    let months = p.retention.booking_months;
    let mail_days = p.retention.delivered_mail.as_hours() / 24;
    let key_days = p.retention.revoked_credentials.as_hours() / 24;
    let ask = match &p.contact {
        Some(email) => format!(
            "Skriv til <a href=\"mailto:{e}\">{e}</a>. Vi svarer inden for en måned.",
            e = escape(email.as_str())
        ),
        None => "Skriv til KKR Midtjyllands sekretariat. Vi svarer inden for en måned.".to_string(),
    };
    let body = format!(
        r#"<p>DK2020-planlæggeren bruges af de 19 kommuner i Region Midtjylland til at booke vejledning hos den fælles klimakoordinator, til overblikket over tilmeldingen til DK2020 og til fordelingen af udgifterne.</p>
<h3>Dataansvarlig</h3>
<p>{controller}</p>
<h3>Hvad vi gemmer, og hvorfor</h3>
<ul>
<li><strong>Når du booker vejledning:</strong> dit navn, din arbejdsmail og mødets emne, og en eventuel begrundelse for en aflysning. Vi bruger dem til at holde mødet, sende dig bekræftelse, kalenderinvitation og påmindelse og til at give dig et link, hvor du kan flytte eller aflyse mødet. Grundlaget er kommunernes opgave med den fælles klimaindsats (databeskyttelsesforordningens artikel 6, stk. 1, litra e).</li>
<li><strong>Mails om bookingen:</strong> en kopi af bookingen i hver mail, indtil den er sendt.</li>
<li><strong>Når du logger ind som medarbejder:</strong> din arbejdsmail og din rolle, mens du er logget ind.</li>
<li><strong>Revisionsloggen:</strong> hvem der har ændret hvad og hvornår, så en ændring kan forklares bagefter.</li>
</ul>
<p>Vi gemmer ikke personoplysninger i programmets driftslog, og de indgår ikke i adresser (links), som programmet laver.</p>
<h3>Hvor længe</h3>
<ul>
<li>Navn, mail, emne og begrundelse på en booking slettes {months} måneder efter mødet. Tilbage bliver kun kommune, mødeform, tidspunkt og status til statistikken.</li>
<li>Sendte mails slettes efter {mail_days} dage; links i mails virker kun, til mødet er holdt.</li>
<li>Et log-in gælder højst 8 timer uden brug og højst 7 dage, og slettes derefter.</li>
<li>Personoplysninger i revisionsloggen slettes efter {months} måneder; tilbagekaldte nøgler efter {key_days} dage.</li>
</ul>
<h3>Dine rettigheder</h3>
<p>Du kan få at vide, hvad vi har gemt om dig (indsigt), og bede os slette det (sletning). {ask}</p>
<p>Du kan klage til <a href="https://www.datatilsynet.dk">Datatilsynet</a>.</p>"#,
        controller = escape(&p.controller),
    );
    page(StatusCode::OK, NOTICE_TITLE, &body)
}
