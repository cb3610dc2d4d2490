//! iCalendar (RFC 5545) files of bookings that Outlook, Google Calendar and
//! Apple Calendar import: one booking as a download, the coordinator's
//! subscribable feed of all confirmed bookings, and the invitations (iTIP,
//! RFC 5546) the booking e-mails carry. All three write a booking's event
//! through the one [`write_event`], so they describe it alike.
//!
//! Times are written as Copenhagen wall-clock times with
//! `TZID=Europe/Copenhagen` and a matching `VTIMEZONE` (the EU summer-time
//! rules in force since 1996), so a 09:00 session shows as 09:00 in winter and
//! in summer. Lines end in CRLF and are folded at 75 octets without splitting
//! a UTF-8 character.

use jiff::{
    Timestamp,
    civil::{Date, DateTime},
    tz::TimeZone,
};

use crate::{
    booking::{Booking, BookingId, BookingStatus, Email, SessionKind},
    format,
    municipality::{Municipalities, Municipality},
    schedule::{Leg, Stop, TravelRules, day_route},
    time::at_local,
};

/// `PRODID` of every file.
pub const PRODID: &str = "-//KD-Net Midtjylland//DK2020-planner//DA";

/// The `TZID` used for local times.
pub const TZID: &str = "Europe/Copenhagen";

/// The longest physical line, in octets, not counting the CRLF.
pub const MAX_LINE_OCTETS: usize = 75;

/// The organizer written into each event (`ORGANIZER;CN=…:mailto:…`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organizer {
    pub name: String,
    pub email: Email,
}

/// What the calendar says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarInfo {
    /// The feed's name in the calendar program (`X-WR-CALNAME`).
    pub name: String,
    /// Usually the coordinator; `None` leaves `ORGANIZER` out.
    pub organizer: Option<Organizer>,
}

impl Default for CalendarInfo {
    fn default() -> Self {
        Self { name: "DK2020-vejledning".to_string(), organizer: None }
    }
}

/// The iTIP method of an invitation (RFC 5546): a request that creates or
/// updates the event in the recipient's calendar, or its cancellation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Request,
    Cancel,
}

impl Method {
    /// What a calendar should do with `booking`: a confirmed booking is
    /// requested, a cancelled one cancelled.
    pub fn of(booking: &Booking) -> Self {
        if booking.is_confirmed() { Method::Request } else { Method::Cancel }
    }

    /// `REQUEST` or `CANCEL`: the `METHOD` property, and the `method`
    /// parameter of the attachment's `text/calendar` content type, which
    /// Outlook needs to treat the attachment as an invitation.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// The `UID` of a booking's event: `<id>@dk2020-planner`. Stable across
/// reschedules and cancellation, so calendars update the same event.
pub fn event_uid(id: &BookingId) -> String {
    format!("{id}@dk2020-planner")
}

/// A calendar file with one booking (for `GET /api/bookings/{id}/ics`). A
/// cancelled booking is written with `STATUS:CANCELLED` and "AFLYST: " in the
/// summary, so an imported copy shows the cancellation.
pub fn booking_to_ics(booking: &Booking, municipalities: &Municipalities, info: &CalendarInfo) -> String {
    let mut w = Writer::default();
    begin_calendar(&mut w, "PUBLISH", None);
    write_event(&mut w, booking, municipalities, &EventStyle::Published { organizer: info.organizer.as_ref() });
    w.line("END:VCALENDAR");
    w.out
}

/// The invitation attached to a booking's e-mails: `METHOD:REQUEST` while the
/// booking is confirmed, `METHOD:CANCEL` (with `STATUS:CANCELLED`) once it is
/// cancelled ([`Method::of`]). The coordinator is the `ORGANIZER`, the
/// booking's contact the one `ATTENDEE` (no reply asked: the planner, not
/// the calendar, is where a booking is changed). `SEQUENCE` is the booking's
/// [`Booking::sequence`] and `DTSTAMP` its last change, so every mail of the
/// same state of a booking carries the same invitation and calendars apply
/// the latest. An online session's `LOCATION` is "Onlinemøde" with the
/// meeting link, when there is one.
pub fn invitation(
    booking: &Booking,
    municipalities: &Municipalities,
    organizer: &Organizer,
    meeting_link: Option<&str>,
) -> String {
    let mut w = Writer::default();
    begin_calendar(&mut w, Method::of(booking).as_str(), None);
    write_event(&mut w, booking, municipalities, &EventStyle::Invitation { organizer, meeting_link });
    w.line("END:VCALENDAR");
    w.out
}

/// The coordinator's subscribable feed (`GET /api/calendar.ics`): every
/// confirmed booking, ordered by start. Cancelled bookings are left out, so
/// subscribed calendars drop them at the next refresh.
pub fn calendar_feed(
    bookings: &[Booking],
    municipalities: &Municipalities,
    travel: &TravelRules,
    info: &CalendarInfo,
) -> String {
    let mut confirmed: Vec<&Booking> = bookings.iter().filter(|b| b.is_confirmed()).collect();
    confirmed.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    let mut w = Writer::default();
    begin_calendar(&mut w, "PUBLISH", Some(&info.name));
    let style = EventStyle::Published { organizer: info.organizer.as_ref() };
    let mut dates: Vec<Date> = Vec::new();
    for booking in &confirmed {
        write_event(&mut w, booking, municipalities, &style);
        if booking.kind == SessionKind::Onsite && dates.last() != Some(&booking.start.date()) {
            dates.push(booking.start.date());
        }
    }
    let owned: Vec<Booking> = confirmed.into_iter().cloned().collect();
    for date in dates {
        for leg in day_route(date, &owned, municipalities, travel).iter().filter(|l| l.minutes > 0) {
            write_drive(&mut w, leg, &owned, municipalities);
        }
    }
    w.line("END:VCALENDAR");
    w.out
}

/// A drive of her day as its own event, so her calendar shows when she must
/// leave: "Kørsel Aarhus → Lemvig, ca. 2 t 19 min". Its UID follows the
/// visit it leads to (or, home, the visit it leaves), so a feed refresh
/// moves the same event.
fn write_drive(w: &mut Writer, leg: &Leg, bookings: &[Booking], municipalities: &Municipalities) {
    let (key, visit) = match (&leg.from, &leg.to) {
        (_, Stop::Visit { booking, .. }) => ("to", booking),
        (Stop::Visit { booking, .. }, Stop::Office) => ("home", booking),
        (Stop::Office, Stop::Office) => return,
    };
    let Some(booking) = bookings.iter().find(|b| &b.id == visit) else { return };
    let town = |stop: &Stop| match stop {
        Stop::Office => ("Aarhus".to_string(), 0),
        Stop::Visit { municipality, .. } => {
            let m = municipalities.get(*municipality);
            (m.town_hall.town.clone(), m.town_hall.ferry_minutes)
        }
    };
    let ((from, ferry_from), (to, ferry_to)) = (town(&leg.from), town(&leg.to));
    let ferry = if ferry_from + ferry_to > 0 { " inkl. færge" } else { "" };
    let length = format::duration(leg.minutes);
    let summary = format!("Kørsel {from} → {to}, ca. {length}{ferry}");
    let description = format!(
        "Anslået køretid {length}{ferry}, ud fra afstanden og reglerne for kørsel i planlæggeren. Hører til DK2020-vejledningen med {} Kommune (booking {}).",
        municipalities.get(booking.municipality).name,
        booking.id
    );
    w.line("BEGIN:VEVENT");
    w.line(&format!("UID:drive-{key}-{}", event_uid(&booking.id)));
    w.line(&format!("DTSTAMP:{}", utc(booking.changed_at)));
    w.line(&format!("DTSTART{}", local_property_value(leg.depart.timestamp())));
    w.line(&format!("DTEND{}", local_property_value(leg.arrive.timestamp())));
    w.line(&format!("SUMMARY:{}", escape_text(&summary)));
    w.line(&format!("DESCRIPTION:{}", escape_text(&description)));
    w.line("CATEGORIES:Kørsel");
    w.line(&format!("SEQUENCE:{}", booking.sequence));
    w.line("TRANSP:OPAQUE");
    w.line("CLASS:PUBLIC");
    w.line("END:VEVENT");
}

fn begin_calendar(w: &mut Writer, method: &str, feed_name: Option<&str>) {
    w.line("BEGIN:VCALENDAR");
    w.line("VERSION:2.0");
    w.line(&format!("PRODID:{PRODID}"));
    w.line("CALSCALE:GREGORIAN");
    w.line(&format!("METHOD:{method}"));
    if let Some(name) = feed_name {
        w.line(&format!("X-WR-CALNAME:{}", escape_text(name)));
        w.line(&format!("X-WR-TIMEZONE:{TZID}"));
        // Ask subscribers (Outlook: X-PUBLISHED-TTL) to refresh hourly.
        w.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
        w.line("X-PUBLISHED-TTL:PT1H");
    }
    for line in VTIMEZONE {
        w.line(line);
    }
}

/// Europe/Copenhagen: CET (+01:00) and, from the last Sunday of March to the
/// last Sunday of October, CEST (+02:00).
const VTIMEZONE: &[&str] = &[
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Copenhagen",
    "X-LIC-LOCATION:Europe/Copenhagen",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// How [`write_event`] writes a booking: as a published copy (the download
/// and the feed) or as an iTIP invitation.
enum EventStyle<'a> {
    Published {
        /// `None` leaves `ORGANIZER` out.
        organizer: Option<&'a Organizer>,
    },
    Invitation {
        organizer: &'a Organizer,
        meeting_link: Option<&'a str>,
    },
}

/// Where an on-site session takes place, as the calendar and the e-mails
/// name it: `Skive Rådhus, Skive Kommune`.
pub fn town_hall_label(municipality: &Municipality) -> String {
    format!("{} Rådhus, {} Kommune", municipality.town_hall.town, municipality.name)
}

fn write_event(w: &mut Writer, booking: &Booking, municipalities: &Municipalities, style: &EventStyle<'_>) {
    let municipality = municipalities.get(booking.municipality);
    let cancelled = !booking.is_confirmed();
    let (organizer, invitation_link) = match style {
        EventStyle::Published { organizer } => (*organizer, None),
        EventStyle::Invitation { organizer, meeting_link } => (Some(*organizer), Some(*meeting_link)),
    };
    let kind = match booking.kind {
        SessionKind::Onsite => "besøg på rådhuset",
        SessionKind::Online => "onlinemøde",
    };
    let summary =
        format!("{}DK2020-vejledning: {} Kommune ({kind})", if cancelled { "AFLYST: " } else { "" }, municipality.name);
    let location = match (booking.kind, invitation_link) {
        (SessionKind::Onsite, _) => town_hall_label(municipality),
        (SessionKind::Online, None) => "Online".to_string(),
        (SessionKind::Online, Some(None)) => "Onlinemøde".to_string(),
        (SessionKind::Online, Some(Some(link))) => format!("Onlinemøde: {link}"),
    };
    let contact = match (&booking.contact_name, &booking.contact_email) {
        (Some(name), Some(email)) => format!("{name} <{email}>"),
        _ => "(slettet)".to_string(),
    };
    let topic = booking.topic.as_ref().map_or("(slettet)", |t| t.as_str());
    let mut description = format!(
        "Emne: {topic}\nKontakt: {contact}\n{}: {} Kommune\nBooking: {}",
        booking.kind.label_da(),
        municipality.name,
        booking.id
    );
    if let (SessionKind::Online, Some(Some(link))) = (booking.kind, invitation_link) {
        description.push_str(&format!("\nMødelink: {link}"));
    }
    if let BookingStatus::Cancelled { by, reason } = &booking.status {
        description.push_str(&format!("\nAflyst af {by}"));
        if let Some(reason) = reason.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            description.push_str(&format!(": {reason}"));
        }
    }
    // The booking's own count of changes, in the download and the feed as in
    // the invitations, so a calendar that has seen one applies the other.
    let sequence = booking.sequence;

    w.line("BEGIN:VEVENT");
    w.line(&format!("UID:{}", event_uid(&booking.id)));
    w.line(&format!("DTSTAMP:{}", utc(booking.changed_at)));
    w.line(&format!("CREATED:{}", utc(booking.created_at)));
    w.line(&format!("LAST-MODIFIED:{}", utc(booking.changed_at)));
    w.line(&format!("DTSTART{}", local_property_value(booking.start.timestamp())));
    w.line(&format!("DTEND{}", local_property_value(booking.end.timestamp())));
    w.line(&format!("SUMMARY:{}", escape_text(&summary)));
    w.line(&format!("LOCATION:{}", escape_text(&location)));
    if booking.kind == SessionKind::Onsite {
        let at = municipality.town_hall.location;
        w.line(&format!("GEO:{:.6};{:.6}", at.lat, at.lon));
    }
    w.line(&format!("DESCRIPTION:{}", escape_text(&description)));
    if let Some(organizer) = organizer {
        w.line(&format!("ORGANIZER;CN={}:mailto:{}", param_value(&organizer.name), organizer.email));
    }
    if let (EventStyle::Invitation { .. }, Some(name), Some(email)) =
        (style, &booking.contact_name, &booking.contact_email)
    {
        w.line(&format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{email}",
            param_value(name.as_str()),
        ));
    }
    w.line(if cancelled { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
    w.line(&format!("SEQUENCE:{sequence}"));
    w.line("TRANSP:OPAQUE");
    w.line("CLASS:PUBLIC");
    w.line("END:VEVENT");
}

fn utc(ts: Timestamp) -> String {
    let dt = ts.to_zoned_datetime(TimeZone::UTC).datetime();
    format!("{}Z", basic(dt))
}

/// `;TZID=Europe/Copenhagen:20201103T100000`, or `:20201025T013000Z` for the
/// rare instant whose local time is ambiguous (the repeated hour in October),
/// where a local time would name the other instant.
fn local_property_value(ts: Timestamp) -> String {
    let dt = ts.to_zoned_datetime(crate::time::COPENHAGEN.clone()).datetime();
    if at_local(dt) == ts { format!(";TZID={TZID}:{}", basic(dt)) } else { format!(":{}", utc(ts)) }
}

/// `YYYYMMDDTHHMMSS`
fn basic(dt: DateTime) -> String {
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}", dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute(), dt.second())
}

/// Escapes a TEXT value: `\` `;` `,` and line breaks (`\n`, `\r\n`, `\r`
/// become `\n`); other control characters are dropped (tabs are kept).
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (e.g. `CN`): quoted when it holds `:` `;` or `,`;
/// double quotes and control characters, which a parameter cannot hold, are
/// replaced or dropped.
fn param_value(value: &str) -> String {
    let clean: String = value.chars().filter(|c| !c.is_control()).map(|c| if c == '"' { '\'' } else { c }).collect();
    if clean.contains([':', ';', ',']) { format!("\"{clean}\"") } else { clean }
}

/// Folds one content line (without line break) into physical lines of at
/// most [`MAX_LINE_OCTETS`] octets, each ended by CRLF; continuation lines
/// start with one space. Never splits a UTF-8 character.
pub fn fold_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut rest = line;
    let mut limit = MAX_LINE_OCTETS;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return out;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space counts towards the 75 octets.
        limit = MAX_LINE_OCTETS - 1;
    }
}

/// Undoes folding: removes every CRLF followed by one space or tab.
pub fn unfold(text: &str) -> String {
    text.replace("\r\n ", "").replace("\r\n\t", "")
}

#[derive(Default)]
struct Writer {
    out: String,
}

impl Writer {
    fn line(&mut self, line: &str) {
        self.out.push_str(&fold_line(line));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        actor::Actor,
        booking::{ContactName, Topic},
        municipality::MunicipalityCode,
        time::LocalTime,
    };
    use jiff::civil::date;
    use proptest::prelude::*;

    fn booking(id: &str, code: u16, kind: SessionKind, start: DateTime, minutes: i64) -> Booking {
        let start = LocalTime::from_local(start);
        let end = LocalTime::new(start.timestamp() + jiff::SignedDuration::from_mins(minutes));
        let created: Timestamp = "2020-09-01T08:00:00Z".parse().unwrap();
        Booking {
            id: BookingId::parse(id).unwrap(),
            municipality: MunicipalityCode::new(code).unwrap(),
            kind,
            start,
            end,
            topic: Some(Topic::parse("Klimaplanens første udkast; CO2-kortlægning, transport").unwrap()),
            contact_name: Some(ContactName::parse("Søren Ærbø").unwrap()),
            contact_email: Some(Email::parse("klima@skive.dk").unwrap()),
            status: BookingStatus::Confirmed,
            created_at: created,
            changed_at: created,
            sequence: 0,
            erased_at: None,
        }
    }

    fn lines(ics: &str) -> Vec<String> {
        unfold(ics).split("\r\n").map(str::to_string).collect()
    }

    fn info() -> CalendarInfo {
        CalendarInfo {
            name: "DK2020-vejledning, klimakoordinatoren".into(),
            organizer: Some(Organizer {
                name: "Klimakoordinator, KD-Net".into(),
                email: Email::parse("klimakoordinator@aarhus.dk").unwrap(),
            }),
        }
    }

    fn assert_crlf_and_short_lines(ics: &str) {
        assert!(ics.ends_with("\r\n"));
        for (i, b) in ics.bytes().enumerate() {
            if b == b'\n' {
                assert_eq!(ics.as_bytes()[i - 1], b'\r', "bare LF at byte {i}");
            }
            if b == b'\r' {
                assert_eq!(ics.as_bytes().get(i + 1), Some(&b'\n'), "bare CR at byte {i}");
            }
        }
        for line in ics.split("\r\n") {
            assert!(line.len() <= MAX_LINE_OCTETS, "{} octets: {line:?}", line.len());
        }
    }

    #[test]
    fn a_summer_booking_starts_at_local_time_in_copenhagen() {
        let b = booking("b1", 779, SessionKind::Onsite, date(2026, 6, 2).at(9, 0, 0, 0), 90);
        let l = lines(&booking_to_ics(&b, &Municipalities::builtin(), &info()));
        assert!(l.contains(&"DTSTART;TZID=Europe/Copenhagen:20260602T090000".to_string()), "{l:#?}");
        assert!(l.contains(&"DTEND;TZID=Europe/Copenhagen:20260602T103000".to_string()));
    }

    #[test]
    fn a_winter_booking_starts_at_local_time_in_copenhagen() {
        let b = booking("b2", 779, SessionKind::Online, date(2020, 11, 3).at(10, 0, 0, 0), 60);
        let l = lines(&booking_to_ics(&b, &Municipalities::builtin(), &info()));
        assert!(l.contains(&"DTSTART;TZID=Europe/Copenhagen:20201103T100000".to_string()), "{l:#?}");
        assert!(l.contains(&"DTEND;TZID=Europe/Copenhagen:20201103T110000".to_string()));
        assert!(l.contains(&"DTSTAMP:20200901T080000Z".to_string()));
    }

    #[test]
    fn the_repeated_october_hour_is_written_in_utc() {
        // 02:30 CET on 25 October 2026 comes after 02:30 CEST; a local time would name the first.
        let second: Timestamp = "2026-10-25T01:30:00Z".parse().unwrap();
        assert_eq!(local_property_value(second), ":20261025T013000Z");
        let first: Timestamp = "2026-10-25T00:30:00Z".parse().unwrap();
        assert_eq!(local_property_value(first), ";TZID=Europe/Copenhagen:20261025T023000");
    }

    #[test]
    fn the_vtimezone_rules_agree_with_the_time_zone_database() {
        let offset = |dt: DateTime| crate::time::COPENHAGEN.to_offset(at_local(dt)).seconds() / 3600;
        for year in 2020..=2040 {
            // The RRULEs: last Sunday of March at 02:00, last Sunday of October at 03:00.
            let mut march = date(year, 3, 31);
            while march.weekday() != jiff::civil::Weekday::Sunday {
                march = march.yesterday().unwrap();
            }
            let mut october = date(year, 10, 31);
            while october.weekday() != jiff::civil::Weekday::Sunday {
                october = october.yesterday().unwrap();
            }
            assert_eq!(offset(march.at(1, 59, 0, 0)), 1, "{year}");
            assert_eq!(offset(march.at(3, 0, 0, 0)), 2, "{year}");
            assert_eq!(offset(october.at(1, 59, 0, 0)), 2, "{year}");
            assert_eq!(offset(october.at(3, 0, 0, 0)), 1, "{year}");
        }
    }

    #[test]
    fn a_booking_file_has_the_calendar_the_time_zone_and_the_event() {
        let b = booking("01HXabc", 779, SessionKind::Onsite, date(2020, 11, 3).at(10, 0, 0, 0), 90);
        let ics = booking_to_ics(&b, &Municipalities::builtin(), &info());
        assert_crlf_and_short_lines(&ics);
        let l = lines(&ics);
        assert_eq!(l[0], "BEGIN:VCALENDAR");
        for expected in [
            "VERSION:2.0",
            "PRODID:-//KD-Net Midtjylland//DK2020-planner//DA",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Copenhagen",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "DTSTART:19701025T030000",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "DTSTART:19700329T020000",
            "END:VTIMEZONE",
            "UID:01HXabc@dk2020-planner",
            "SUMMARY:DK2020-vejledning: Skive Kommune (besøg på rådhuset)",
            "LOCATION:Skive Rådhus\\, Skive Kommune",
            "STATUS:CONFIRMED",
            "SEQUENCE:0",
            "ORGANIZER;CN=\"Klimakoordinator, KD-Net\":mailto:klimakoordinator@aarhus.dk",
        ] {
            assert!(l.iter().any(|x| x == expected), "missing {expected:?} in {l:#?}");
        }
        let description = l.iter().find(|x| x.starts_with("DESCRIPTION:")).unwrap();
        assert!(description.contains("Emne: Klimaplanens første udkast\\; CO2-kortlægning\\, transport\\n"));
        assert!(description.contains("Kontakt: Søren Ærbø <klima@skive.dk>"));
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VEVENT").count(), 1);
        assert!(!l.iter().any(|x| x.starts_with("X-WR-CALNAME")));
        assert_eq!(l[l.len() - 2], "END:VCALENDAR");
        assert_eq!(l[l.len() - 1], "");
    }

    #[test]
    fn an_online_booking_is_located_online_and_samsoe_at_its_town_hall() {
        let online = booking("b3", 779, SessionKind::Online, date(2020, 11, 3).at(10, 0, 0, 0), 60);
        let l = lines(&booking_to_ics(&online, &Municipalities::builtin(), &CalendarInfo::default()));
        assert!(l.contains(&"LOCATION:Online".to_string()));
        assert!(l.contains(&"SUMMARY:DK2020-vejledning: Skive Kommune (onlinemøde)".to_string()));
        assert!(!l.iter().any(|x| x.starts_with("GEO:") || x.starts_with("ORGANIZER")));
        let samsoe = booking("b4", 741, SessionKind::Onsite, date(2020, 11, 3).at(10, 0, 0, 0), 60);
        let l = lines(&booking_to_ics(&samsoe, &Municipalities::builtin(), &CalendarInfo::default()));
        assert!(l.contains(&"LOCATION:Tranebjerg Rådhus\\, Samsø Kommune".to_string()));
        assert!(l.contains(&"GEO:55.832500;10.595000".to_string()));
    }

    #[test]
    fn a_cancelled_booking_file_says_so() {
        let mut b = booking("b5", 779, SessionKind::Onsite, date(2020, 11, 3).at(10, 0, 0, 0), 90);
        b.status = BookingStatus::Cancelled { by: Actor::Coordinator, reason: Some("Sygdom".into()) };
        b.changed_at = b.created_at + jiff::SignedDuration::from_secs(3600);
        b.sequence = 1;
        let l = lines(&booking_to_ics(&b, &Municipalities::builtin(), &info()));
        assert!(l.contains(&"STATUS:CANCELLED".to_string()));
        assert!(l.contains(&"SEQUENCE:1".to_string()));
        assert!(l.iter().any(|x| x.starts_with("SUMMARY:AFLYST: DK2020-vejledning")));
        assert!(
            l.iter().any(|x| x.starts_with("DESCRIPTION:") && x.ends_with("\\nAflyst af klimakoordinatoren: Sygdom"))
        );
    }

    #[test]
    fn the_feed_has_the_confirmed_bookings_in_start_order() {
        let later = booking("b-later", 615, SessionKind::Onsite, date(2026, 6, 2).at(13, 0, 0, 0), 90);
        let earlier = booking("b-earlier", 741, SessionKind::Online, date(2026, 3, 30).at(9, 0, 0, 0), 60);
        let mut cancelled = booking("b-cancelled", 779, SessionKind::Onsite, date(2026, 4, 1).at(9, 0, 0, 0), 60);
        cancelled.status = BookingStatus::Cancelled { by: Actor::Secretariat, reason: None };
        let ics =
            calendar_feed(&[later, cancelled, earlier], &Municipalities::builtin(), &TravelRules::default(), &info());
        assert_crlf_and_short_lines(&ics);
        let l = lines(&ics);
        assert!(l.contains(&"X-WR-CALNAME:DK2020-vejledning\\, klimakoordinatoren".to_string()));
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VTIMEZONE").count(), 1);
        let uids: Vec<&String> = l.iter().filter(|x| x.starts_with("UID:") && !x.starts_with("UID:drive-")).collect();
        assert_eq!(uids, ["UID:b-earlier@dk2020-planner", "UID:b-later@dk2020-planner"]);
        // The two sessions, and the drives to and from the one on site.
        assert_eq!(l.iter().filter(|x| *x == "BEGIN:VEVENT").count(), 4);
        assert_eq!(l.iter().filter(|x| *x == "END:VEVENT").count(), 4);
        assert!(l.contains(&"DTSTART;TZID=Europe/Copenhagen:20260330T090000".to_string()));
        assert!(l.contains(&"DTSTART;TZID=Europe/Copenhagen:20260602T130000".to_string()));
    }

    #[test]
    fn the_feed_shows_each_drive_of_her_day_as_its_own_event_ferry_included() {
        let samsoe = booking("b-samsoe", 741, SessionKind::Onsite, date(2026, 12, 1).at(10, 30, 0, 0), 90);
        let odder = booking("b-odder", 727, SessionKind::Onsite, date(2026, 12, 1).at(14, 0, 0, 0), 90);
        let online = booking("b-online", 779, SessionKind::Online, date(2026, 12, 2).at(9, 0, 0, 0), 60);
        let travel = TravelRules::default();
        let all = Municipalities::builtin();
        let ics = calendar_feed(&[odder.clone(), online, samsoe.clone()], &all, &travel, &info());
        assert_crlf_and_short_lines(&ics);
        let text = unfold(&ics);
        let events: Vec<&str> = text.split("BEGIN:VEVENT").skip(1).collect();
        let drives: Vec<&str> = events.iter().copied().filter(|e| e.contains("CATEGORIES:Kørsel")).collect();
        assert_eq!(events.len() - drives.len(), 3, "the three sessions");
        assert_eq!(drives.len(), 3, "to Samsø, on to Odder, home; the online day has none");
        // Each drive at the times of the agenda's legs.
        let legs = day_route(date(2026, 12, 1), &[samsoe.clone(), odder.clone()], &all, &travel);
        for (drive, leg) in drives.iter().zip(&legs) {
            assert!(drive.contains(&format!("DTSTART{}", local_property_value(leg.depart.timestamp()))), "{drive}");
            assert!(drive.contains(&format!("DTEND{}", local_property_value(leg.arrive.timestamp()))), "{drive}");
            assert!(drive.contains(&format!("ca. {}", format::duration(leg.minutes))), "{drive}");
            assert!(drive.contains("TRANSP:OPAQUE"), "she is busy while she drives");
        }
        assert!(drives[0].contains("UID:drive-to-b-samsoe@dk2020-planner"), "{}", drives[0]);
        assert!(
            drives[0].contains("SUMMARY:Kørsel Aarhus → Tranebjerg\\, ca. 1 t 49 min inkl. færge"),
            "{}",
            drives[0]
        );
        assert!(drives[0].contains("DTSTART;TZID=Europe/Copenhagen:20261201T084100"), "{}", drives[0]);
        assert!(drives[1].contains("SUMMARY:Kørsel Tranebjerg → Odder") && drives[1].contains("inkl. færge"));
        assert!(drives[2].contains("UID:drive-home-b-odder@dk2020-planner") && !drives[2].contains("færge"));
        assert!(drives[2].contains("DTSTART;TZID=Europe/Copenhagen:20261201T153000"), "home when Odder ends");
    }

    #[test]
    fn an_empty_feed_is_still_a_valid_calendar() {
        let ics = calendar_feed(&[], &Municipalities::builtin(), &TravelRules::default(), &CalendarInfo::default());
        let l = lines(&ics);
        assert_eq!(l[0], "BEGIN:VCALENDAR");
        assert!(l.contains(&"END:VTIMEZONE".to_string()));
        assert!(!l.contains(&"BEGIN:VEVENT".to_string()));
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("linje 1\nlinje 2\r\nlinje 3\rslut"), r"linje 1\nlinje 2\nlinje 3\nslut");
        assert_eq!(escape_text("tab\there\u{7}"), "tab\there");
        assert_eq!(escape_text("Ærø: ok"), "Ærø: ok");
    }

    #[test]
    fn lines_with_danish_letters_fold_at_75_octets_without_splitting_a_letter() {
        for prefix in 0..6 {
            // "æ", "ø" and "å" are two octets each; shift them across the 75-octet boundary.
            let line = format!("SUMMARY:{}{}", "x".repeat(60 + prefix), "æøå".repeat(20));
            let folded = fold_line(&line);
            assert!(folded.ends_with("\r\n"));
            for physical in folded.trim_end_matches("\r\n").split("\r\n") {
                assert!(physical.len() <= MAX_LINE_OCTETS, "{} octets", physical.len());
            }
            for continuation in folded.trim_end_matches("\r\n").split("\r\n").skip(1) {
                assert!(continuation.starts_with(' ') && !continuation.starts_with("  "));
            }
            assert_eq!(unfold(&folded), format!("{line}\r\n"));
        }
        let short = "SUMMARY:kort";
        assert_eq!(fold_line(short), "SUMMARY:kort\r\n");
        let exact = "x".repeat(75);
        assert_eq!(fold_line(&exact), format!("{exact}\r\n"));
        assert_eq!(fold_line(&"x".repeat(76)), format!("{}\r\n x\r\n", "x".repeat(75)));
    }

    #[test]
    fn a_long_danish_description_survives_folding_in_a_file() {
        let mut b = booking("b6", 760, SessionKind::Onsite, date(2020, 12, 7).at(10, 0, 0, 0), 90);
        let topic =
            Topic::parse(&"Klimatilpasning og grøn omstilling på Ringkøbing-Skjerns ø-samfund, æ. ".repeat(2)).unwrap();
        b.topic = Some(topic.clone());
        let ics = booking_to_ics(&b, &Municipalities::builtin(), &info());
        assert_crlf_and_short_lines(&ics);
        let l = lines(&ics);
        let d = l.iter().find(|x| x.starts_with("DESCRIPTION:")).unwrap();
        assert!(d.contains(&escape_text(topic.as_str())));
    }

    proptest! {
        #[test]
        fn folding_keeps_every_line_within_75_octets_and_unfolds_to_the_original(
            text in "[a-zæøåÆØÅ€😀 ,;:\\\\]{0,300}"
        ) {
            let line = format!("DESCRIPTION:{}", escape_text(&text));
            let folded = fold_line(&line);
            for physical in folded.trim_end_matches("\r\n").split("\r\n") {
                prop_assert!(physical.len() <= MAX_LINE_OCTETS);
            }
            prop_assert_eq!(unfold(&folded), format!("{line}\r\n"));
        }
    }
}
