//! The e-mails of the booking lifecycle: what the booking's contact person
//! and the coordinator each get when a session is booked, moved or cancelled,
//! and the reminder before it. Pure functions of a lifecycle [`Event`] (or a
//! booking, for the reminder) and a [`MailContext`]: no I/O and no clock, so
//! the outbox can compose a message in the same transaction as the change and
//! a resend composes the very same message.
//!
//! Each [`Mail`] has a Danish plain-text body, the same content as accessible
//! HTML (every interpolated value escaped, no remote images, no scripts, links
//! only to the meeting and manage links of the context), and an iCalendar
//! invitation (iTIP, RFC 5546) that Outlook and other clients apply to the
//! calendar: one `UID` per booking, its `SEQUENCE` rising with each change,
//! `METHOD:CANCEL` once cancelled (see [`ical::invitation`]).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::{
    actor::Actor,
    booking::{Booking, BookingStatus, Email, SessionKind},
    format,
    ical::{self, Organizer},
    lifecycle::Event,
    municipality::Municipalities,
    time::LocalTime,
};

pub use crate::ical::Method;

/// Who a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The booking's contact person at the municipality.
    Contact,
    /// The coordinator, who is also the invitation's organizer.
    Coordinator,
}

impl Recipient {
    /// `contact` or `coordinator`, as in a [`message_id`].
    pub fn as_str(self) -> &'static str {
        match self {
            Recipient::Contact => "contact",
            Recipient::Coordinator => "coordinator",
        }
    }
}

/// Which message of a booking: one per lifecycle event, and the reminder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    Booked,
    Rescheduled,
    Cancelled,
    Reminder,
}

impl MailKind {
    /// The message an event sends.
    pub fn of(event: &Event) -> Self {
        match event {
            Event::Booked { .. } => MailKind::Booked,
            Event::Rescheduled { .. } => MailKind::Rescheduled,
            Event::Cancelled { .. } => MailKind::Cancelled,
        }
    }

    /// `booked`, `rescheduled`, `cancelled` or `reminder`.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Booked => "booked",
            MailKind::Rescheduled => "rescheduled",
            MailKind::Cancelled => "cancelled",
            MailKind::Reminder => "reminder",
        }
    }

    /// What the mail is, in Danish.
    pub fn danish(self) -> &'static str {
        match self {
            MailKind::Booked => "Bekræftelse",
            MailKind::Rescheduled => "Flytning",
            MailKind::Cancelled => "Aflysning",
            MailKind::Reminder => "Påmindelse",
        }
    }
}

/// What the mails need besides the event.
#[derive(Clone, Copy, Debug)]
pub struct MailContext<'a> {
    pub municipalities: &'a Municipalities,
    /// The coordinator: ORGANIZER of the invitation, and the address of `Recipient::Coordinator`.
    pub coordinator: &'a Organizer,
    /// The link of her online meetings, if she has one (online sessions show it).
    pub meeting_link: Option<&'a str>,
    /// Where the contact moves or cancels this booking (a later feature); `None`: the text says to use the booking
    /// page on the intranet or to answer this mail. Only the contact's mail carries it: it is the contact's key to
    /// the booking.
    pub manage_link: Option<&'a str>,
}

/// The calendar attachment of a mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub method: Method,
    /// The iCalendar text, lines ended by CRLF.
    pub ics: String,
}

impl Invitation {
    /// The attachment's MIME type, e.g. `text/calendar; charset=utf-8; method=REQUEST`: Outlook offers an
    /// attachment as an invitation only when the `method` parameter matches the file's `METHOD`.
    pub fn content_type(&self) -> String {
        format!("text/calendar; charset=utf-8; method={}", self.method.as_str())
    }
}

/// One e-mail, ready for a transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mail {
    /// The booking's contact_email, or the coordinator's.
    pub to: Email,
    /// The contact's name, or the coordinator's, on one line.
    pub to_name: String,
    /// One line: never CR, LF or another control character.
    pub subject: String,
    /// Plain text, Danish, lines ended by LF.
    pub text: String,
    /// The same content as an accessible HTML document.
    pub html: String,
    /// The `.ics` attachment.
    pub invitation: Invitation,
}

/// The mail `recipient` gets about `event`; `None` for the contact once the
/// booking's personal data was erased (there is nobody to write to).
pub fn compose(event: &Event, recipient: Recipient, ctx: &MailContext<'_>) -> Option<Mail> {
    let (kind, by, moved_from) = match event {
        Event::Booked { by, .. } => (MailKind::Booked, Some(*by), None),
        Event::Rescheduled { from, from_end, by, .. } => (MailKind::Rescheduled, Some(*by), Some((*from, *from_end))),
        Event::Cancelled { by, .. } => (MailKind::Cancelled, Some(*by), None),
    };
    build(event.booking(), kind, by, moved_from, recipient, ctx)
}

/// The reminder before a session (same invitation, METHOD:REQUEST, same SEQUENCE). The sender sends reminders
/// only for confirmed bookings; a cancelled one (should a reminder be due after all) gets the cancellation again,
/// never a reminder of a session that will not take place.
pub fn reminder(booking: &Booking, recipient: Recipient, ctx: &MailContext<'_>) -> Option<Mail> {
    let kind = if booking.is_confirmed() { MailKind::Reminder } else { MailKind::Cancelled };
    build(booking, kind, None, None, recipient, ctx)
}

/// The stable Message-ID of a message (without angle brackets):
/// `<booking-id>.<sequence>.<kind>.<recipient>@dk2020-planner`. The same event and recipient always give the
/// same id, so a resend after a crash is recognisably the same mail; each change of the booking raises its
/// sequence, so two moves give two ids. (Booking ids are `A-Z a-z 0-9 - _`: valid in a Message-ID as they are.)
pub fn message_id(booking: &Booking, kind: MailKind, recipient: Recipient) -> String {
    format!("{}.{}.{}.{}@dk2020-planner", booking.id, booking.sequence, kind.as_str(), recipient.as_str())
}

/// One piece of a line of the mail.
enum Part {
    Text(String),
    /// A link: `label` is what the reader sees (the plain text adds the address).
    Link {
        label: String,
        url: String,
    },
}

/// A labelled value of the session's details ("Hvornår: …").
struct Fact {
    label: &'static str,
    value: Vec<Part>,
}

/// A headed group of paragraphs ("Flyt eller aflys").
struct Section {
    heading: &'static str,
    paragraphs: Vec<Vec<Part>>,
}

/// What a mail says, rendered once as text and once as HTML so the two never
/// differ in content.
struct Content {
    subject: String,
    heading: String,
    greeting: Option<String>,
    intro: String,
    facts: Vec<Fact>,
    sections: Vec<Section>,
    signature: Vec<String>,
}

const FOOTER: &str = "Denne mail er sendt automatisk af DK2020-planlæggeren, KD-Net Midtjylland.";

fn text(s: impl Into<String>) -> Part {
    Part::Text(s.into())
}

fn build(
    booking: &Booking,
    kind: MailKind,
    by: Option<Actor>,
    moved_from: Option<(LocalTime, LocalTime)>,
    recipient: Recipient,
    ctx: &MailContext<'_>,
) -> Option<Mail> {
    let contact_email = match (recipient, &booking.contact_email) {
        (Recipient::Contact, None) => return None,
        (_, email) => email.clone(),
    };
    let municipality = ctx.municipalities.get(booking.municipality);
    let kommune = format!("{} Kommune", municipality.name);
    let contact_name = booking.contact_name.as_ref().map_or_else(|| ERASED.to_string(), |n| clean(n.as_str()));
    // A blank setting is no link, in the text and in the invitation alike.
    let meeting_link = ctx.meeting_link.map(str::trim).filter(|l| !l.is_empty());
    let cancelled_by = match &booking.status {
        BookingStatus::Cancelled { by, reason } => Some((*by, reason.as_deref().map(clean).filter(|r| !r.is_empty()))),
        BookingStatus::Confirmed => None,
    };

    let with = match recipient {
        Recipient::Contact => "DK2020-koordinatoren".to_string(),
        Recipient::Coordinator => kommune.clone(),
    };
    let when = format::date_time(booking.start);
    let subject = one_line(&match kind {
        MailKind::Booked => format!("Bekræftet: 1:1-vejledning med {with} {when}"),
        MailKind::Rescheduled => format!("Flyttet: 1:1-vejledning med {with} til {when}"),
        MailKind::Cancelled => format!("Aflyst: 1:1-vejledning med {with} {when}"),
        MailKind::Reminder => format!("Påmindelse: 1:1-vejledning med {with} {when}"),
    });

    let (heading, intro) = match recipient {
        Recipient::Contact => {
            let session = "jeres 1:1-vejledning med den fælleskommunale klimakoordinator";
            match kind {
                MailKind::Booked => {
                    ("Jeres 1:1-vejledning er bekræftet".to_string(), format!("Tak, {session} er booket."))
                }
                MailKind::Rescheduled => (
                    "Jeres 1:1-vejledning er flyttet".to_string(),
                    format!("{} er flyttet til et nyt tidspunkt.", capitalised(session)),
                ),
                MailKind::Cancelled => (
                    "Jeres 1:1-vejledning er aflyst".to_string(),
                    match cancelled_by {
                        Some((Actor::Coordinator, _)) => {
                            "Klimakoordinatoren har desværre måttet aflyse jeres 1:1-vejledning.".to_string()
                        }
                        _ => format!("{} er aflyst.", capitalised(session)),
                    },
                ),
                MailKind::Reminder => ("Påmindelse om jeres 1:1-vejledning".to_string(), format!("Husk {session}.")),
            }
        }
        Recipient::Coordinator => match kind {
            MailKind::Booked => {
                (format!("Ny booking: {kommune}"), format!("Der er booket en 1:1-vejledning med {kommune}."))
            }
            MailKind::Rescheduled => {
                (format!("Flyttet: {kommune}"), format!("En 1:1-vejledning med {kommune} er flyttet."))
            }
            MailKind::Cancelled => {
                (format!("Aflyst: {kommune}"), format!("En 1:1-vejledning med {kommune} er aflyst."))
            }
            MailKind::Reminder => {
                (format!("Påmindelse: {kommune}"), format!("Du har en 1:1-vejledning med {kommune}."))
            }
        },
    };

    let mut facts = Vec::new();
    let span = format::date_time_span(booking.start, booking.end);
    match moved_from {
        Some((from, from_end)) => {
            facts.push(Fact { label: "Nyt tidspunkt", value: vec![text(span)] });
            facts
                .push(Fact { label: "Tidligere tidspunkt", value: vec![text(format::date_time_span(from, from_end))] });
        }
        None => facts.push(Fact { label: "Hvornår", value: vec![text(span)] }),
    }
    match booking.kind {
        SessionKind::Onsite => {
            facts.push(Fact { label: "Hvor", value: vec![text(ical::town_hall_label(municipality))] });
        }
        SessionKind::Online => {
            facts.push(Fact { label: "Hvor", value: vec![text("Onlinemøde")] });
            // A cancelled session has no meeting to join.
            if let (Some(link), None) = (meeting_link, &cancelled_by) {
                facts.push(Fact { label: "Mødelink", value: vec![link_or_text(link, link)] });
            }
        }
    }
    let topic = booking.topic.as_ref().map_or_else(|| ERASED.to_string(), |t| clean(t.as_str()));
    facts.push(Fact { label: "Emne", value: vec![text(topic)] });
    facts.push(Fact { label: "Kommune", value: vec![text(kommune.clone())] });
    facts.push(Fact {
        label: "Kontaktperson",
        value: vec![text(match &contact_email {
            Some(email) => format!("{contact_name} ({email})"),
            None => contact_name.clone(),
        })],
    });
    match (kind, by) {
        (MailKind::Booked, Some(by)) => facts.push(Fact { label: "Booket af", value: vec![text(actor_label(by))] }),
        (MailKind::Rescheduled, Some(by)) => {
            facts.push(Fact { label: "Flyttet af", value: vec![text(actor_label(by))] })
        }
        _ => {}
    }
    if let Some((by, reason)) = &cancelled_by {
        facts.push(Fact { label: "Aflyst af", value: vec![text(actor_label(*by))] });
        if let Some(reason) = reason {
            facts.push(Fact { label: "Begrundelse", value: vec![text(reason.clone())] });
        }
    }

    let cancelled = cancelled_by.is_some();
    let mut sections = Vec::new();
    match (recipient, cancelled) {
        (Recipient::Contact, false) => {
            let paragraphs = match ctx.manage_link.map(str::trim).filter(|l| !l.is_empty()) {
                Some(link) => vec![
                    vec![
                        text("Skal mødet flyttes eller aflyses? "),
                        link_or_text("Se, flyt eller aflys jeres booking", link),
                    ],
                    vec![text(
                        "Linket gælder kun denne booking. Del det kun med dem, der skal kunne flytte eller aflyse den.",
                    )],
                ],
                None => vec![vec![text(
                    "Skal mødet flyttes eller aflyses? Brug bookingsiden på jeres intranet, eller svar på denne mail.",
                )]],
            };
            sections.push(Section { heading: "Flyt eller aflys", paragraphs });
        }
        (Recipient::Contact, true) => sections.push(Section {
            heading: "Book en ny tid",
            paragraphs: vec![vec![text(
                "Vil I stadig gerne have vejledning, kan I booke en ny tid på bookingsiden på jeres intranet.",
            )]],
        }),
        (Recipient::Coordinator, false) => sections.push(Section {
            heading: "Flyt eller aflys",
            paragraphs: vec![vec![text("Du kan flytte eller aflyse bookingen i koordinatorvisningen.")]],
        }),
        (Recipient::Coordinator, true) => {}
    }
    sections.push(Section {
        heading: "Kalender",
        paragraphs: vec![vec![text(if cancelled {
            "Den vedhæftede kalenderfil (.ics) fjerner mødet fra din kalender."
        } else {
            "Den vedhæftede kalenderinvitation (.ics) sætter mødet i din kalender og holder det opdateret."
        })]],
    });

    let coordinator_name = one_line(&ctx.coordinator.name);
    let (to, to_name, greeting, signature) = match recipient {
        Recipient::Contact => (
            contact_email?,
            one_line(&contact_name),
            Some(format!("Hej {}", one_line(&contact_name))),
            vec!["Venlig hilsen".to_string(), coordinator_name, ctx.coordinator.email.to_string()],
        ),
        Recipient::Coordinator => (ctx.coordinator.email.clone(), coordinator_name, None, Vec::new()),
    };

    let content = Content { subject, heading, greeting, intro, facts, sections, signature };
    let ics = ical::invitation(booking, ctx.municipalities, ctx.coordinator, meeting_link);
    Some(Mail {
        to,
        to_name,
        text: render_text(&content),
        html: render_html(&content),
        subject: content.subject,
        invitation: Invitation { method: Method::of(booking), ics },
    })
}

/// What a mail shows for a contact's field that was erased.
const ERASED: &str = "(slettet)";

/// Who did something, as the start of a value: `Skive Kommune`, `Klimakoordinatoren`, `Sekretariatet`.
fn actor_label(by: Actor) -> String {
    capitalised(&by.to_string())
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A link when `url` is a plain http(s) address, else the address as text: a
/// `javascript:` or otherwise odd link from the settings never becomes
/// clickable.
fn link_or_text(label: &str, url: &str) -> Part {
    let lower = url.to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    let plain = !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '`'));
    if web && plain { Part::Link { label: label.to_string(), url: url.to_string() } } else { Part::Text(one_line(url)) }
}

/// A value for the body: line breaks normalised to LF, other control characters dropped (tabs kept).
fn clean(s: &str) -> String {
    let normalised = s.replace("\r\n", "\n").replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n");
    normalised.chars().filter(|c| !c.is_control() || matches!(c, '\n' | '\t')).collect::<String>().trim().to_string()
}

/// One line for a header: every control character and line separator becomes a space, runs of spaces one.
fn one_line(s: &str) -> String {
    let spaced: String =
        s.chars().map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn render_text(c: &Content) -> String {
    let mut out = String::new();
    out.push_str(&c.heading);
    out.push_str("\n\n");
    if let Some(greeting) = &c.greeting {
        out.push_str(greeting);
        out.push_str("\n\n");
    }
    out.push_str(&c.intro);
    out.push_str("\n\n");
    for fact in &c.facts {
        // Continuation lines of a value (a topic of several lines) are indented under it.
        let value = parts_text(&fact.value).replace('\n', "\n  ");
        let _ = writeln!(out, "{}: {value}", fact.label);
    }
    for section in &c.sections {
        let _ = write!(out, "\n{}\n", section.heading);
        for paragraph in &section.paragraphs {
            out.push_str(&parts_text(paragraph));
            out.push('\n');
        }
    }
    if !c.signature.is_empty() {
        out.push('\n');
        for line in &c.signature {
            out.push_str(line);
            out.push('\n');
        }
    }
    // The conventional signature separator, so mail programs can fold the footer away.
    let _ = write!(out, "\n-- \n{FOOTER}\n");
    out
}

fn parts_text(parts: &[Part]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Link { label, url } if label == url => out.push_str(url),
            Part::Link { label, url } => {
                let _ = write!(out, "{label}: {url}");
            }
        }
    }
    out
}

const TH_STYLE: &str = "text-align:left;vertical-align:top;padding:4px 16px 4px 0;font-weight:bold";
const TD_STYLE: &str = "vertical-align:top;padding:4px 0";

fn render_html(c: &Content) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n</head>\n\
         <body style=\"margin:0;padding:16px;background:#ffffff;color:#1a1a1a;\
         font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5\">\n\
         <div role=\"article\" aria-label=\"{}\" lang=\"da\" style=\"max-width:40em\">\n",
        escape_html(&c.subject),
        escape_html(&c.subject)
    );
    let _ = writeln!(out, "<h1 style=\"font-size:22px;margin:0 0 16px\">{}</h1>", escape_html(&c.heading));
    if let Some(greeting) = &c.greeting {
        let _ = writeln!(out, "<p>{}</p>", escape_html(greeting));
    }
    let _ = writeln!(out, "<p>{}</p>", escape_html(&c.intro));
    out.push_str("<h2 style=\"font-size:18px;margin:24px 0 8px\">Mødet</h2>\n");
    out.push_str("<table style=\"border-collapse:collapse\">\n");
    for fact in &c.facts {
        let _ = writeln!(
            out,
            "<tr><th scope=\"row\" style=\"{TH_STYLE}\">{}</th><td style=\"{TD_STYLE}\">{}</td></tr>",
            escape_html(fact.label),
            parts_html(&fact.value)
        );
    }
    out.push_str("</table>\n");
    for section in &c.sections {
        let _ = writeln!(out, "<h2 style=\"font-size:18px;margin:24px 0 8px\">{}</h2>", escape_html(section.heading));
        for paragraph in &section.paragraphs {
            let _ = writeln!(out, "<p>{}</p>", parts_html(paragraph));
        }
    }
    if !c.signature.is_empty() {
        let lines: Vec<String> = c.signature.iter().map(|l| escape_html(l)).collect();
        let _ = writeln!(out, "<p>{}</p>", lines.join("<br>"));
    }
    // #595959 on white: a contrast of 7:1.
    let _ = writeln!(out, "<p style=\"margin-top:32px;font-size:14px;color:#595959\">{}</p>", escape_html(FOOTER));
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

fn parts_html(parts: &[Part]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(&escape_html(t).replace('\n', "<br>")),
            Part::Link { label, url } => {
                let _ = write!(out, "<a href=\"{}\">{}</a>", escape_html(url), escape_html(label));
            }
        }
    }
    out
}

/// Escapes text for HTML content and (double- or single-quoted) attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
