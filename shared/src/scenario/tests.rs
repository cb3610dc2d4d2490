use super::*;
use crate::allocation::{Key, Percent};

fn scenario(id: &str, name: &str, params: PlanParams) -> Scenario {
    let now = Timestamp::UNIX_EPOCH;
    Scenario::new(
        ScenarioId::parse(id).unwrap(),
        ScenarioName::parse(name).unwrap(),
        params,
        &Municipalities::builtin(),
        now,
    )
    .unwrap()
}

fn hybrid25() -> Key {
    Key::Hybrid { equal_percent: Percent::whole(25).unwrap() }
}

#[test]
fn seventeen_participants_next_to_nineteen_show_what_each_pays_more() {
    // The GovTech annex: the key for 19 next to the key for 17 (Viborg and Samsø out).
    let all = Municipalities::builtin();
    let nineteen = scenario("scn_a", "19 deltagere", PlanParams { key: hybrid25(), ..PlanParams::default() });
    let out = [MunicipalityCode::new(791).unwrap(), MunicipalityCode::new(741).unwrap()];
    let seventeen = scenario(
        "scn_b",
        "Uden Viborg og Samsø",
        PlanParams { key: hybrid25(), exclude: out.into_iter().collect(), ..PlanParams::default() },
    );
    let c = compare(&nineteen, &seventeen, &all).unwrap();
    assert_eq!(c.years.iter().map(|y| y.label.as_str()).collect::<Vec<_>>(), ["2021", "2022", "2023"]);
    assert_eq!(c.rows.len(), 19);
    for r in &c.rows {
        assert_eq!(r.difference_total, r.b_total as i64 - r.a_total as i64);
        if out.contains(&r.code) {
            assert!(!r.in_b && r.b_total == 0 && r.difference_total < 0, "{r:?}");
        } else {
            assert!(r.in_a && r.in_b && r.difference.iter().all(|&d| d > 0), "{r:?}");
        }
    }
    // The same money is shared either way: the differences add up to nothing.
    for i in 0..3 {
        assert_eq!(c.rows.iter().map(|r| r.difference[i]).sum::<i64>(), 0);
    }
    let csv = c.to_csv();
    assert!(csv.starts_with("code,name,a_2021,b_2021,difference_2021,"), "{csv}");
    assert_eq!(csv.lines().count(), 20);
}

#[test]
fn plans_of_different_years_line_up_by_calendar_year() {
    let all = Municipalities::builtin();
    let early = scenario("scn_a", "2021-2023", PlanParams::default());
    let late = scenario("scn_b", "2022-2025", PlanParams { years: 4, start_year: Some(2022), ..PlanParams::default() });
    let c = compare(&early, &late, &all).unwrap();
    let labels: Vec<_> = c.years.iter().map(|y| (y.label.as_str(), y.a, y.b)).collect();
    assert_eq!(
        labels,
        [
            ("2021", 1_000_000, 0),
            ("2022", 1_000_000, 750_000),
            ("2023", 1_000_000, 750_000),
            ("2024", 0, 750_000),
            ("2025", 0, 750_000)
        ]
    );
    // Without start years they line up by number.
    let plain = scenario("scn_c", "Uden år", PlanParams { start_year: None, ..PlanParams::default() });
    let c = compare(&plain, &late, &all).unwrap();
    assert_eq!(c.years.iter().map(|y| y.label.as_str()).collect::<Vec<_>>(), ["År 1", "År 2", "År 3", "År 4"]);
}

#[test]
fn a_scenarios_parameters_read_as_one_danish_sentence() {
    let params = PlanParams {
        key: hybrid25(),
        contribution_per_year: 500_000,
        exclude: [MunicipalityCode::new(741).unwrap()].into_iter().collect(),
        ..PlanParams::default()
    };
    assert_eq!(
        describe_da(&params),
        "3.000.000 kr. over 3 år (2021-2023), 25 % ligeligt og resten efter indbyggertal; \
         KD-Nets ramme 0 kr. pr. år; bidrag udefra 500.000 kr. pr. år; fravalgt: Samsø"
    );
}

#[test]
fn a_scenario_that_cannot_make_a_plan_is_refused() {
    let everyone = PlanParams { exclude: MunicipalityCode::all().into_iter().collect(), ..PlanParams::default() };
    let refused = Scenario::new(
        ScenarioId::parse("scn_x").unwrap(),
        ScenarioName::parse("Ingen").unwrap(),
        everyone,
        &Municipalities::builtin(),
        Timestamp::UNIX_EPOCH,
    );
    assert_eq!(refused, Err(AllocationError::EveryoneExcluded));
    assert!(ScenarioId::parse("scn_").is_none());
    assert!(ScenarioId::parse("cal_abc").is_none());
    assert!(ScenarioName::parse("  ").is_err());
}
