//! Fixtures are under `tests/fixtures/calendars/` (shared with the API tests), written as the products write them (CRLF, folded lines).
//! Every window is explicit; nothing here reads today's date.

use super::*;
use proptest::prelude::*;

const OUTLOOK: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calendars/outlook.ics"));
const OUTLOOK_NO_VTIMEZONE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calendars/outlook-no-vtimezone.ics"));
const GOOGLE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calendars/google.ics"));
const NEXTCLOUD: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/calendars/nextcloud.ics"));
const FIXTURES: [&str; 4] = [OUTLOOK, OUTLOOK_NO_VTIMEZONE, GOOGLE, NEXTCLOUD];

/// An instant given as Copenhagen wall-clock time.
fn cph(year: i16, month: i8, day: i8, hour: i8, minute: i8) -> Timestamp {
    let wall = civil::date(year, month, day).at(hour, minute, 0, 0);
    wall.to_zoned_datetime(COPENHAGEN.clone()).expect("a Copenhagen time").timestamp()
}

/// A span within one Copenhagen day, e.g. `local((2027, 3, 2), (9, 0), (10, 0))`.
fn local((y, m, d): (i16, i8, i8), (h1, m1): (i8, i8), (h2, m2): (i8, i8)) -> BusySpan {
    BusySpan { start: cph(y, m, d, h1, m1), end: cph(y, m, d, h2, m2) }
}

fn utc(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 instant")
}

/// March and April 2027, Copenhagen time.
fn window(tentative_is_busy: bool) -> ParseOptions {
    ParseOptions { from: cph(2027, 3, 1, 0, 0), to: cph(2027, 5, 1, 0, 0), tentative_is_busy, max_spans: 5000 }
}

/// The spans of a text that must read without skipping anything.
fn spans(ics: &str) -> Vec<BusySpan> {
    let parsed = busy_spans(ics, &window(false)).expect("the calendar reads");
    assert_eq!(parsed.skipped, 0, "nothing skipped");
    parsed.spans
}

/// A VCALENDAR around the given lines, CRLF-terminated.
fn calendar(lines: &[&str]) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//dk2020-planner//tests//EN\r\n");
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text + "END:VCALENDAR\r\n"
}

fn covers(spans: &[BusySpan], at: Timestamp) -> bool {
    spans.iter().any(|s| s.start <= at && at < s.end)
}

fn outlook_expected() -> Vec<BusySpan> {
    vec![
        local((2027, 3, 2), (9, 0), (10, 0)),
        local((2027, 3, 4), (10, 0), (11, 30)),
        local((2027, 3, 9), (9, 0), (10, 0)),
        local((2027, 3, 16), (13, 0), (14, 0)),
        local((2027, 3, 30), (9, 0), (10, 0)),
        BusySpan { start: cph(2027, 4, 1, 0, 0), end: cph(2027, 4, 3, 0, 0) },
        local((2027, 4, 13), (9, 0), (10, 0)),
        local((2027, 4, 20), (9, 0), (10, 0)),
        local((2027, 4, 27), (9, 0), (10, 0)),
    ]
}

#[test]
fn outlook_fixture_yields_exactly_these_spans() {
    assert_eq!(spans(OUTLOOK), outlook_expected());
    // The same file with a byte-order mark, or with bare LF line ends as some servers send it.
    assert_eq!(spans(&format!("\u{feff}{OUTLOOK}")), outlook_expected());
    assert_eq!(spans(&OUTLOOK.replace("\r\n", "\n")), outlook_expected());
}

#[test]
fn weekly_meeting_stays_at_nine_local_across_summer_time() {
    let spans = spans(OUTLOOK);
    // 09:00 is 08:00 UTC before the change on Sunday 28 March 2027 and 07:00 UTC after it.
    assert!(spans.contains(&BusySpan { start: utc("2027-03-09T08:00:00Z"), end: utc("2027-03-09T09:00:00Z") }));
    assert!(spans.contains(&BusySpan { start: utc("2027-03-30T07:00:00Z"), end: utc("2027-03-30T08:00:00Z") }));
    for day in [2, 9, 30] {
        assert!(spans.contains(&local((2027, 3, day), (9, 0), (10, 0))), "Tuesday 2027-03-{day:02}");
    }
    // UNTIL=20270427T070000Z is 09:00 on the last Tuesday: inclusive.
    for day in [13, 20, 27] {
        assert!(spans.contains(&local((2027, 4, day), (9, 0), (10, 0))), "Tuesday 2027-04-{day:02}");
    }
    assert!(!covers(&spans, cph(2027, 5, 4, 9, 30)));
}

#[test]
fn moved_occurrence_is_busy_at_its_new_time_only() {
    let spans = spans(OUTLOOK);
    assert!(spans.contains(&local((2027, 3, 16), (13, 0), (14, 0))));
    assert!(!covers(&spans, cph(2027, 3, 16, 9, 30)));
}

#[test]
fn cancelled_occurrence_and_exdate_are_free() {
    let spans = spans(OUTLOOK);
    assert!(!covers(&spans, cph(2027, 3, 23, 9, 30)), "EXDATE");
    assert!(!covers(&spans, cph(2027, 4, 6, 9, 30)), "override with STATUS:CANCELLED");
}

#[test]
fn tentative_counts_only_when_configured() {
    let tentative = local((2027, 4, 8), (17, 0), (19, 0));
    assert!(!spans(OUTLOOK).contains(&tentative));
    let parsed = busy_spans(OUTLOOK, &window(true)).expect("reads");
    assert!(parsed.spans.contains(&tentative));

    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:tentative@example.com",
        "DTSTART:20270310T090000Z",
        "DTEND:20270310T100000Z",
        "STATUS:TENTATIVE",
        "END:VEVENT",
    ]);
    assert!(spans(&ics).is_empty());
    assert_eq!(busy_spans(&ics, &window(true)).expect("reads").spans.len(), 1);
}

#[test]
fn windows_time_zone_without_vtimezone_is_read_as_copenhagen() {
    assert_eq!(
        spans(OUTLOOK_NO_VTIMEZONE),
        vec![
            local((2027, 3, 4), (14, 0), (15, 30)), // W. Europe Standard Time
            local((2027, 3, 5), (11, 0), (12, 0)),  // GMT Standard Time: 10:00 in London
            local((2027, 3, 25), (8, 30), (8, 45)), // daily on weekdays, across the summer-time change
            local((2027, 3, 26), (8, 30), (8, 45)),
            local((2027, 3, 29), (8, 30), (8, 45)),
            local((2027, 3, 30), (8, 30), (8, 45)),
            local((2027, 3, 31), (8, 30), (8, 45)),
            local((2027, 4, 14), (9, 0), (10, 0)),  // TZID=UTC 07:00
            local((2027, 4, 15), (15, 0), (16, 0)), // Eastern Standard Time: 09:00 in New York
        ]
    );
}

#[test]
fn google_fixture_yields_exactly_these_spans() {
    assert_eq!(
        spans(GOOGLE),
        vec![
            local((2027, 3, 3), (12, 0), (13, 0)),
            local((2027, 3, 18), (10, 0), (11, 30)),
            local((2027, 4, 1), (10, 0), (11, 30)),
            local((2027, 4, 6), (10, 0), (11, 30)),
            BusySpan { start: cph(2027, 4, 12, 0, 0), end: cph(2027, 4, 14, 0, 0) },
            local((2027, 4, 15), (10, 0), (11, 30)),
        ]
    );
}

#[test]
fn nextcloud_fixture_yields_exactly_these_spans() {
    assert_eq!(
        spans(NEXTCLOUD),
        vec![
            local((2027, 3, 8), (9, 0), (11, 30)), // floating time
            BusySpan { start: cph(2027, 3, 24, 13, 0), end: cph(2027, 3, 26, 12, 0) }, // multi-day, vendor-prefixed TZID
            local((2027, 4, 7), (14, 0), (15, 0)),                                     // "Customized Time Zone"
            local((2027, 4, 19), (12, 0), (12, 45)), // DURATION:PT45M instead of DTEND
        ]
    );
}

#[test]
fn all_day_event_blocks_the_whole_copenhagen_day() {
    // Google's two-day event: Copenhagen midnight to Copenhagen midnight, DTEND exclusive.
    let google = spans(GOOGLE);
    assert!(google.contains(&BusySpan { start: utc("2027-04-11T22:00:00Z"), end: utc("2027-04-13T22:00:00Z") }));
    // Outlook's OOF days.
    assert!(spans(OUTLOOK).contains(&BusySpan { start: cph(2027, 4, 1, 0, 0), end: cph(2027, 4, 3, 0, 0) }));
    // No DTEND: one day, in winter time.
    let ics = calendar(&["BEGIN:VEVENT", "UID:day@example.com", "DTSTART;VALUE=DATE:20261203", "END:VEVENT"]);
    let december = ParseOptions { from: utc("2026-12-01T00:00:00Z"), to: utc("2027-01-01T00:00:00Z"), ..window(false) };
    let parsed = busy_spans(&ics, &december).expect("reads");
    assert_eq!(parsed.spans, vec![BusySpan { start: utc("2026-12-02T23:00:00Z"), end: utc("2026-12-03T23:00:00Z") }]);
}

#[test]
fn free_transparent_and_cancelled_events_do_not_block() {
    let outlook = spans(OUTLOOK);
    assert!(!covers(&outlook, cph(2027, 3, 10, 14, 0)), "BUSYSTATUS:FREE");
    assert!(!covers(&outlook, cph(2027, 3, 12, 12, 0)), "BUSYSTATUS:WORKINGELSEWHERE");
    let google = spans(GOOGLE);
    assert!(!covers(&google, utc("2027-03-09T13:00:00Z")), "STATUS:CANCELLED");
    assert!(!covers(&google, cph(2027, 3, 22, 12, 0)), "all-day TRANSP:TRANSPARENT");
    assert!(!covers(&spans(NEXTCLOUD), cph(2027, 3, 15, 8, 15)), "TRANSP:TRANSPARENT");
}

#[test]
fn floating_time_is_copenhagen() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:floating@example.com",
        "DTSTART:20270308T090000",
        "DTEND:20270308T113000",
        "END:VEVENT",
    ]);
    let expected = BusySpan { start: utc("2027-03-08T08:00:00Z"), end: utc("2027-03-08T10:30:00Z") };
    assert_eq!(spans(&ics), vec![expected]);
    assert!(spans(NEXTCLOUD).contains(&expected), "the Nextcloud fixture's floating event");
}

#[test]
fn all_day_series_ends_on_its_until_date_and_skips_exdates() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:weekly-day@example.com",
        "DTSTART;VALUE=DATE:20270322",
        "DTEND;VALUE=DATE:20270323",
        "RRULE:FREQ=WEEKLY;UNTIL=20270412",
        "EXDATE;VALUE=DATE:20270405",
        "END:VEVENT",
    ]);
    let day =
        |month: i8, day: i8| BusySpan { start: cph(2027, month, day, 0, 0), end: cph(2027, month, day + 1, 0, 0) };
    assert_eq!(spans(&ics), vec![day(3, 22), day(3, 29), day(4, 12)]);
}

#[test]
fn custom_vtimezone_rules_are_read_when_the_name_says_nothing() {
    // US Eastern rules under an invented name: summer time starts on 14 March 2027, two weeks before Europe's.
    let ics = calendar(&[
        "BEGIN:VTIMEZONE",
        "TZID:Company HQ Time",
        "BEGIN:STANDARD",
        "DTSTART:20071104T020000",
        "TZOFFSETFROM:-0400",
        "TZOFFSETTO:-0500",
        "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:20070311T020000",
        "TZOFFSETFROM:-0500",
        "TZOFFSETTO:-0400",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        "BEGIN:VEVENT",
        "UID:hq@example.com",
        "DTSTART;TZID=Company HQ Time:20270310T090000",
        "DTEND;TZID=Company HQ Time:20270310T100000",
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "END:VEVENT",
    ]);
    assert_eq!(
        spans(&ics),
        vec![
            BusySpan { start: utc("2027-03-10T14:00:00Z"), end: utc("2027-03-10T15:00:00Z") },
            BusySpan { start: utc("2027-03-17T13:00:00Z"), end: utc("2027-03-17T14:00:00Z") },
        ]
    );
}

#[test]
fn unknown_tzid_without_vtimezone_is_copenhagen() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:unknown-zone@example.com",
        "DTSTART;TZID=Mars/Olympus_Mons:20270405T100000",
        "DTEND;TZID=Mars/Olympus_Mons:20270405T110000",
        "END:VEVENT",
    ]);
    assert_eq!(spans(&ics), vec![local((2027, 4, 5), (10, 0), (11, 0))]);
}

#[test]
fn zone_names_map_to_iana_zones() {
    let summer = civil::date(2027, 7, 1).at(12, 0, 0, 0);
    let offset = |name: &str| zone_by_name(name).map(|z| z.to_ambiguous_timestamp(summer).compatible().ok());
    let hours = |h: i64| Some(Some(utc("2027-07-01T12:00:00Z") - SignedDuration::from_hours(h)));
    assert_eq!(offset("Europe/Copenhagen"), hours(2));
    assert_eq!(offset("Romance Standard Time"), hours(2));
    assert_eq!(offset("W. Europe Standard Time"), hours(2));
    assert_eq!(offset("GMT Standard Time"), hours(1));
    assert_eq!(offset("UTC"), hours(0));
    assert_eq!(offset("Eastern Standard Time"), hours(-4));
    assert_eq!(offset("Pacific Standard Time"), hours(-7));
    assert_eq!(offset("/freeassociation.sourceforge.net/Europe/Copenhagen"), hours(2));
    assert_eq!(offset("/freeassociation.sourceforge.net/Tzfile/Europe/Copenhagen"), hours(2));
    assert_eq!(offset("/mozilla.org/20050126_1/America/New_York"), hours(-4));
    assert_eq!(offset("(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"), hours(2));
    assert_eq!(offset("Customized Time Zone"), None);
}

#[test]
fn time_in_the_spring_forward_gap_moves_forward() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:gap@example.com",
        "DTSTART;TZID=Europe/Copenhagen:20270328T023000",
        "DURATION:PT1H",
        "END:VEVENT",
    ]);
    // 02:30 does not exist that night; RFC 5545 reads it as 03:30 summer time.
    assert_eq!(spans(&ics), vec![BusySpan { start: utc("2027-03-28T01:30:00Z"), end: utc("2027-03-28T02:30:00Z") }]);
}

#[test]
fn garbage_is_an_error_not_an_empty_calendar() {
    let html = "<!DOCTYPE html>\r\n<html><head><title>Log på</title></head><body><form>…</form></body></html>\r\n";
    let json = r#"{"error":{"code":"ErrorItemNotFound","message":"The calendar was not found."}}"#;
    let bare_event = "BEGIN:VEVENT\r\nDTSTART:20270301T090000Z\r\nEND:VEVENT\r\n";
    for text in [html, json, "", "\u{0}\u{1}\u{fffd}garbage\r\n\r\n", bare_event] {
        assert_eq!(busy_spans(text, &window(false)), Err(ParseError::NotICalendar), "{text:?}");
    }
    let empty = calendar(&[]);
    assert_eq!(busy_spans(&empty, &window(false)), Ok(Parsed { spans: Vec::new(), skipped: 0 }));
    assert!(ParseError::NotICalendar.to_string().contains("ICS"));
}

#[test]
fn one_broken_event_is_skipped_the_rest_kept() {
    let broken = OUTLOOK.replace(
        "DTSTART;TZID=Romance Standard Time:20270304T100000",
        "DTSTART;TZID=Romance Standard Time:20270231T100000",
    );
    assert_ne!(broken, OUTLOOK);
    let parsed = busy_spans(&broken, &window(false)).expect("reads");
    let mut expected = outlook_expected();
    expected.retain(|s| *s != local((2027, 3, 4), (10, 0), (11, 30)));
    assert_eq!(parsed, Parsed { spans: expected, skipped: 1 });

    let more = calendar(&[
        "BEGIN:VEVENT",
        "UID:bad-rule@example.com",
        "DTSTART:20270302T090000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=FORTNIGHTLY",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:ends-before-it-starts@example.com",
        "DTSTART:20270303T090000Z",
        "DTEND:20270303T080000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:good@example.com",
        "DTSTART:20270304T090000Z",
        "DTEND:20270304T100000Z",
        "END:VEVENT",
    ]);
    let parsed = busy_spans(&more, &window(false)).expect("reads");
    assert_eq!(parsed.skipped, 2);
    assert_eq!(parsed.spans, vec![BusySpan { start: utc("2027-03-04T09:00:00Z"), end: utc("2027-03-04T10:00:00Z") }]);
}

#[test]
fn spans_are_clipped_to_the_window_and_merged() {
    let options = ParseOptions { from: cph(2027, 3, 2, 9, 30), to: cph(2027, 3, 4, 11, 0), ..window(false) };
    let parsed = busy_spans(OUTLOOK, &options).expect("reads");
    assert_eq!(parsed.spans, vec![local((2027, 3, 2), (9, 30), (10, 0)), local((2027, 3, 4), (10, 0), (11, 0))]);

    let touching = calendar(&[
        "BEGIN:VEVENT",
        "UID:a@example.com",
        "DTSTART:20270305T100000Z",
        "DTEND:20270305T110000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:b@example.com",
        "DTSTART:20270305T110000Z",
        "DTEND:20270305T120000Z",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:c@example.com",
        "DTSTART:20270305T103000Z",
        "DTEND:20270305T104500Z",
        "END:VEVENT",
    ]);
    assert_eq!(
        spans(&touching),
        vec![BusySpan { start: utc("2027-03-05T10:00:00Z"), end: utc("2027-03-05T12:00:00Z") }]
    );
}

#[test]
fn more_spans_than_the_cap_is_an_error() {
    let options = ParseOptions { max_spans: 3, ..window(false) };
    assert_eq!(busy_spans(OUTLOOK, &options), Err(ParseError::TooManySpans { max: 3 }));
    // The cap also holds while an endless series is still being collected.
    let daily = calendar(&[
        "BEGIN:VEVENT",
        "UID:d@example.com",
        "DTSTART:19900101T090000Z",
        "DURATION:PT1H",
        "RRULE:FREQ=DAILY",
        "END:VEVENT",
    ]);
    let wide = ParseOptions {
        from: utc("1990-01-01T00:00:00Z"),
        to: utc("2027-01-01T00:00:00Z"),
        max_spans: 10,
        ..window(false)
    };
    assert_eq!(busy_spans(&daily, &wide), Err(ParseError::TooManySpans { max: 10 }));
}

#[test]
fn empty_window_is_an_error() {
    let options = ParseOptions { to: cph(2027, 3, 1, 0, 0), ..window(false) };
    assert!(matches!(busy_spans(OUTLOOK, &options), Err(ParseError::EmptyWindow { .. })));
}

#[test]
fn rdate_adds_occurrences_and_exdate_in_utc_matches_a_local_occurrence() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:rdate@example.com",
        "DTSTART;TZID=Europe/Copenhagen:20270301T140000",
        "DTEND;TZID=Europe/Copenhagen:20270301T150000",
        "RRULE:FREQ=WEEKLY;COUNT=3",
        "EXDATE:20270308T130000Z",
        "RDATE;TZID=Europe/Copenhagen:20270303T080000,20270304T080000",
        "RDATE;VALUE=PERIOD:20270305T120000Z/20270305T150000Z",
        "END:VEVENT",
    ]);
    assert_eq!(
        spans(&ics),
        vec![
            local((2027, 3, 1), (14, 0), (15, 0)),
            local((2027, 3, 3), (8, 0), (9, 0)),
            local((2027, 3, 4), (8, 0), (9, 0)),
            local((2027, 3, 5), (13, 0), (16, 0)),
            local((2027, 3, 15), (14, 0), (15, 0)),
        ]
    );
}

#[test]
fn series_started_years_ago_still_reaches_the_window() {
    let ics = calendar(&[
        "BEGIN:VEVENT",
        "UID:old@example.com",
        "DTSTART;TZID=Romance Standard Time:20100104T083000",
        "DTEND;TZID=Romance Standard Time:20100104T090000",
        "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "END:VEVENT",
    ]);
    let spans = spans(&ics);
    assert_eq!(spans.len(), 23 + 22, "weekdays in March and April 2027");
    assert_eq!(spans.first(), Some(&local((2027, 3, 1), (8, 30), (9, 0))));
}

#[test]
fn vfreebusy_busy_periods_count() {
    let ics = calendar(&[
        "BEGIN:VFREEBUSY",
        "UID:fb@example.com",
        "DTSTART:20270301T000000Z",
        "DTEND:20270401T000000Z",
        "FREEBUSY:20270302T080000Z/20270302T090000Z,20270303T080000Z/PT30M",
        "FREEBUSY;FBTYPE=FREE:20270304T080000Z/20270304T090000Z",
        "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20270305T080000Z/20270305T090000Z",
        "END:VFREEBUSY",
    ]);
    assert_eq!(
        spans(&ics),
        vec![
            BusySpan { start: utc("2027-03-02T08:00:00Z"), end: utc("2027-03-02T09:00:00Z") },
            BusySpan { start: utc("2027-03-03T08:00:00Z"), end: utc("2027-03-03T08:30:00Z") },
        ]
    );
}

/// A calendar of one recurring event; `dtstart` is a floating DATE-TIME.
fn recurring(dtstart: &str, rule: &str) -> String {
    calendar(&[
        "BEGIN:VEVENT",
        "UID:r@example.com",
        &format!("DTSTART:{dtstart}"),
        "DURATION:PT1H",
        &format!("RRULE:{rule}"),
        "END:VEVENT",
    ])
}

#[test]
fn hostile_recurrences_are_bounded() {
    let cases = [
        ("20270301T090000", "FREQ=SECONDLY"),
        ("00010101T000000", "FREQ=SECONDLY;UNTIL=99991231T235959Z"),
        ("20270301T090000", "FREQ=MINUTELY;COUNT=1000000000"),
        ("20270228T090000", "FREQ=SECONDLY;BYHOUR=0;BYMINUTE=0;BYSECOND=0"),
        ("00010101T090000", "FREQ=DAILY;COUNT=1000000000"),
        ("00010101T090000", "FREQ=YEARLY"),
        ("99991231T230000", "FREQ=DAILY"),
        ("99991231T230000", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
        ("20270301T090000", "FREQ=DAILY;INTERVAL=0"),
        ("20270301T090000", "FREQ=DAILY;INTERVAL=65535"),
        ("20270301T090000", "FREQ=WEEKLY;BYSETPOS=7;BYDAY=MO"),
        ("20270301T090000", "FREQ=YEARLY;BYDAY=53MO;BYWEEKNO=53;BYYEARDAY=-366"),
        ("20270301T090000", "FREQ=MONTHLY;UNTIL=20270201T000000Z"),
        ("20270301T090000", "FREQ=MONTHLY;BYMONTH=13;BYMONTHDAY=32"),
    ];
    for (dtstart, rule) in cases {
        let options = window(false);
        match busy_spans(&recurring(dtstart, rule), &options) {
            Ok(parsed) => {
                assert!(parsed.spans.iter().all(|s| options.from <= s.start && s.end <= options.to), "{rule}")
            }
            // Only a machine too loaded to finish in MAX_PARSE_TIME gets here; bounded all the same.
            Err(error) => assert_eq!(error, ParseError::TooComplex, "{rule}"),
        }
    }
    // A month of seconds is past the per-event limit: the event is skipped, not expanded.
    assert_eq!(busy_spans(&recurring("20270301T090000", "FREQ=SECONDLY"), &window(false)).map(|p| p.skipped), Ok(1));
}

#[test]
fn rules_that_never_match_hit_the_time_limit() {
    // Each event makes rrule walk thousands of years looking for 30 February.
    let event = [
        "BEGIN:VEVENT",
        "DTSTART:20270301T090000",
        "DURATION:PT1H",
        "RRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",
        "END:VEVENT",
    ];
    let lines: Vec<&str> = event.iter().copied().cycle().take(event.len() * 2000).collect();
    assert_eq!(busy_spans(&calendar(&lines), &window(false)), Err(ParseError::TooComplex));
}

#[test]
fn deeply_nested_components_do_not_overflow_the_stack() {
    let mut text = String::from("BEGIN:VCALENDAR\r\n");
    text.push_str(&"BEGIN:VEVENT\r\n".repeat(200_000));
    assert!(busy_spans(&text, &window(false)).is_ok());
}

/// What every result must satisfy, whatever the input.
fn check_result(ics: &str, options: &ParseOptions) -> Result<(), TestCaseError> {
    if let Ok(parsed) = busy_spans(ics, options) {
        prop_assert!(parsed.spans.len() <= options.max_spans);
        for span in &parsed.spans {
            prop_assert!(options.from <= span.start && span.start < span.end && span.end <= options.to);
        }
        for pair in parsed.spans.windows(2) {
            prop_assert!(pair[0].end < pair[1].start, "sorted, merged: {pair:?}");
        }
    }
    Ok(())
}

/// Lines spliced into fixtures: the shapes that have broken calendar parsers before.
const SNIPPETS: [&str; 16] = [
    "BEGIN:VEVENT",
    "END:VEVENT",
    "END:VCALENDAR",
    "BEGIN:VCALENDAR",
    "RRULE:FREQ=SECONDLY",
    "RRULE:FREQ=DAILY;COUNT=1000000000",
    "RRULE:FREQ=WEEKLY;UNTIL=99991231T235959Z;BYDAY=MO,TU,WE,TH,FR,SA,SU",
    "DTSTART:00010101T000000",
    "DTSTART:99991231T235959Z",
    "DTEND;VALUE=DATE:99991231",
    "DURATION:P99999999W",
    "EXDATE:20270302T080000Z",
    "RECURRENCE-ID;TZID=Romance Standard Time:20270309T090000",
    "DTSTART;TZID=Customized Time Zone:20270328T023000",
    " folded continuation",
    "TZOFFSETTO:+9999",
];

fn mutate(fixture: &str, edits: &[(prop::sample::Index, u8, usize)]) -> String {
    let mut lines: Vec<String> = fixture.split("\r\n").map(str::to_owned).collect();
    for (index, op, snippet) in edits {
        if lines.is_empty() {
            break;
        }
        let at = index.index(lines.len());
        let snippet = SNIPPETS[snippet % SNIPPETS.len()];
        match op % 5 {
            0 => drop(lines.remove(at)),
            1 => lines.insert(at, lines[at].clone()),
            2 => lines.insert(at, snippet.to_owned()),
            // Digits become other digits: dates turn invalid, offsets and counts odd.
            3 => lines[at] = lines[at].chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect(),
            _ => lines.truncate(at),
        }
    }
    lines.join("\r\n")
}

fn rule_part() -> impl Strategy<Value = String> {
    let list = |name: &'static str, range: std::ops::Range<i32>| {
        prop::collection::vec(range, 1..4)
            .prop_map(move |v| format!("{name}={}", v.iter().map(i32::to_string).collect::<Vec<_>>().join(",")))
    };
    prop_oneof![
        list("BYSETPOS", -400..400),
        list("BYMONTHDAY", -33..33),
        list("BYYEARDAY", -370..370),
        list("BYWEEKNO", -55..55),
        list("BYMONTH", 0..14),
        list("BYHOUR", 0..25),
        list("BYMINUTE", 0..61),
        list("BYSECOND", 0..61),
        (prop::option::of(-55i32..55), prop::sample::select(vec!["MO", "TU", "WE", "TH", "FR", "SA", "SU"]))
            .prop_map(|(n, d)| format!("BYDAY={}{d}", n.map(|n| n.to_string()).unwrap_or_default())),
        prop::sample::select(vec![
            "WKST=SU",
            "COUNT=0",
            "COUNT=1000000000",
            "UNTIL=20270401T000000Z",
            "UNTIL=19000101"
        ])
        .prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in any::<String>(), calendar_header in any::<bool>(), max_spans in 0usize..50) {
        let text = if calendar_header { format!("BEGIN:VCALENDAR\r\n{text}") } else { text };
        check_result(&text, &ParseOptions { max_spans, ..window(true) })?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        fixture in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), any::<usize>()), 1..8),
        max_spans in 0usize..20,
    ) {
        check_result(&mutate(FIXTURES[fixture], &edits), &ParseOptions { max_spans, ..window(false) })?;
    }

    #[test]
    fn random_recurrence_rules_are_bounded(
        freq in prop::sample::select(vec!["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]),
        interval in prop::option::of(0u32..70_000),
        parts in prop::collection::vec(rule_part(), 0..4),
        year in prop_oneof![1u16..=9999, 1990u16..2028],
        month in 1u8..=12,
        day in 1u8..=28,
        zone in prop::sample::select(vec!["", ";TZID=Europe/Copenhagen", ";TZID=Romance Standard Time", ";TZID=Nowhere"]),
    ) {
        let mut rule = format!("FREQ={freq}");
        if let Some(interval) = interval {
            rule.push_str(&format!(";INTERVAL={interval}"));
        }
        for part in parts {
            rule.push(';');
            rule.push_str(&part);
        }
        let ics = calendar(&[
            "BEGIN:VEVENT",
            "UID:random@example.com",
            &format!("DTSTART{zone}:{year:04}{month:02}{day:02}T093000"),
            "DURATION:PT45M",
            &format!("RRULE:{rule}"),
            "END:VEVENT",
        ]);
        check_result(&ics, &window(false))?;
    }
}

#[test]
fn the_planners_own_sessions_and_drives_in_her_calendar_are_not_busy_times() {
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n\
        BEGIN:VEVENT\r\nUID:b01hx@dk2020-planner\r\nDTSTART:20270302T090000Z\r\nDTEND:20270302T100000Z\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:drive-to-b01hx@dk2020-planner\r\nDTSTART:20270302T070000Z\r\nDTEND:20270302T090000Z\r\nEND:VEVENT\r\n\
        BEGIN:VEVENT\r\nUID:meeting-1@example.dk\r\nDTSTART:20270303T090000Z\r\nDTEND:20270303T100000Z\r\nEND:VEVENT\r\n\
        END:VCALENDAR\r\n";
    let parsed = busy_spans(ics, &window(false)).unwrap();
    assert_eq!(parsed.spans.len(), 1, "only the meeting: {:?}", parsed.spans);
    assert_eq!(parsed.spans[0].start, "2027-03-03T09:00:00Z".parse().unwrap());
}
