//! The item layout of the one table: keys, and how domain values become
//! attribute maps and back. `backend/docs/dynamodb.md` describes the same
//! layout for people; keep the two in step.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use dk2020_model::{
    Booking, BookingId, ContactName, Email, LocalTime, MunicipalityCode, Population, SessionKind, Topic,
    enrolment::StatusChange,
    outbox::{Delivery, Message},
    scenario::{Scenario, ScenarioId},
    subscription::{CalendarId, Subscription},
};
use jiff::{Timestamp, civil::Date};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    manage_link::ManageLink,
    store::{self, Setting, StoreError, StoreResult},
};

pub type Item = HashMap<String, AttributeValue>;

// -- Attribute names ---------------------------------------------------------

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// The table's time-to-live attribute (epoch seconds): DynamoDB deletes an
/// item some time after it (sessions, revoked tokens).
pub const TTL: &str = "expires";
/// Keys of the index `by_end`: every booking, ordered by its end.
pub const GSI1PK: &str = "gsi1pk";
pub const GSI1SK: &str = "gsi1sk";
/// Keys of the index `by_municipality`: a municipality's bookings, ordered by end.
pub const GSI2PK: &str = "gsi2pk";
pub const GSI2SK: &str = "gsi2sk";

pub const BY_END: &str = "by_end";
pub const BY_MUNICIPALITY: &str = "by_municipality";

// -- Keys --------------------------------------------------------------------

pub const BOOKING_SK: &str = "BOOKING";
/// The partition of the `by_end` index that holds every booking.
pub const ALL_BOOKINGS: &str = "BOOKINGS";
/// The one item a booking check reads: the open calendar and its version.
pub const SCHEDULE: &str = "SCHEDULE";
pub const ENROLMENT: &str = "ENROLMENT";
pub const ENROLMENT_HEAD: &str = "HEAD";
pub const CHANGE_PREFIX: &str = "CHANGE#";
pub const POPULATIONS: &str = "POPULATIONS";
pub const SETTINGS: &str = "SETTINGS";
pub const IDEMPOTENCY_SK: &str = "IDEMPOTENCY";
pub const HEALTH: &str = "HEALTH";

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: impl std::fmt::Display) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

pub fn booking_key(id: &str) -> Item {
    key(format!("BOOKING#{id}"), BOOKING_SK)
}

pub fn schedule_key() -> Item {
    key(SCHEDULE, SCHEDULE)
}

pub fn enrolment_head_key() -> Item {
    key(ENROLMENT, ENROLMENT_HEAD)
}

/// A status change's sort key: the global sequence number, zero-padded so
/// that the string order is the numeric order.
pub fn change_sk(seq: u64) -> String {
    format!("{CHANGE_PREFIX}{seq:010}")
}

pub fn population_key(code: MunicipalityCode) -> Item {
    key(POPULATIONS, format!("MUNICIPALITY#{}", code.get()))
}

pub fn setting_key(name: &str) -> Item {
    key(SETTINGS, name)
}

pub fn idempotency_key(municipality: MunicipalityCode, key_: &str) -> Item {
    key(format!("IDEMPOTENCY#{}#{key_}", municipality.get()), IDEMPOTENCY_SK)
}

pub fn municipality_partition(code: MunicipalityCode) -> String {
    format!("MUNICIPALITY#{}", code.get())
}

/// Offset that makes every instant jiff can hold a positive number of
/// nanoseconds (jiff's range starts at -377,705,116,800 s).
const KEY_OFFSET_NANOS: i128 = 400_000_000_000 * 1_000_000_000;

/// A fixed-width, lexicographically ordered form of an instant (21 digits of
/// nanoseconds), for sort keys.
pub fn time_key(t: Timestamp) -> String {
    format!("{:021}", t.as_nanosecond() + KEY_OFFSET_NANOS)
}

/// The sort key of a booking in both indexes: `<end key>#<id>`.
pub fn end_sort_key(b: &Booking) -> String {
    format!("{}#{}", time_key(b.end.timestamp()), b.id.as_str())
}

/// The smallest sort key strictly after every booking that ends at or before
/// `t`: booking ids use `A-Z a-z 0-9 - _`, all of which sort after `$`, and `#`
/// sorts before `$`.
pub fn ends_after_bound(t: Timestamp) -> String {
    format!("{}$", time_key(t))
}

// -- Reading attributes ------------------------------------------------------

pub fn get_s<'a>(item: &'a Item, name: &str, what: &str) -> StoreResult<&'a str> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        Some(_) => Err(StoreError::corrupt(what, format_args!("attribute {name} is not a string"))),
        None => Err(StoreError::corrupt(what, format_args!("attribute {name} is missing"))),
    }
}

pub fn get_n<T: std::str::FromStr>(item: &Item, name: &str, what: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    match item.get(name) {
        Some(AttributeValue::N(v)) => {
            v.parse().map_err(|e| StoreError::corrupt(what, format_args!("attribute {name}: {e}")))
        }
        Some(_) => Err(StoreError::corrupt(what, format_args!("attribute {name} is not a number"))),
        None => Err(StoreError::corrupt(what, format_args!("attribute {name} is missing"))),
    }
}

/// A number attribute that may be absent (an item written before it existed).
pub fn get_n_opt<T: std::str::FromStr>(item: &Item, name: &str, what: &str) -> StoreResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    match item.get(name) {
        None => Ok(None),
        Some(_) => get_n(item, name, what).map(Some),
    }
}

/// A string attribute that may be absent (an erased booking's contact fields).
pub fn get_s_opt<'a>(item: &'a Item, name: &str, what: &str) -> StoreResult<Option<&'a str>> {
    match item.get(name) {
        None => Ok(None),
        Some(_) => get_s(item, name, what).map(Some),
    }
}

pub fn get_map<'a>(item: &'a Item, name: &str, what: &str) -> StoreResult<Option<&'a Item>> {
    match item.get(name) {
        Some(AttributeValue::M(m)) => Ok(Some(m)),
        Some(_) => Err(StoreError::corrupt(what, format_args!("attribute {name} is not a map"))),
        None => Ok(None),
    }
}

pub fn to_json<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.into()))
}

pub fn from_json<T: DeserializeOwned>(json: &str, what: &str) -> StoreResult<T> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt(what, e))
}

// -- Bookings ----------------------------------------------------------------

/// The attributes of a booking itself: what the booking item and an entry of
/// the schedule's `open` map both carry. Instants are RFC 3339 in UTC with
/// as many fractional digits as they have, so they read back exactly.
pub fn booking_attributes(b: &Booking) -> StoreResult<Item> {
    let mut item = HashMap::from([
        ("id".to_string(), s(b.id.as_str())),
        ("municipality".to_string(), n(b.municipality.get())),
        ("kind".to_string(), s(b.kind.as_str())),
        ("start".to_string(), s(b.start.timestamp().to_string())),
        ("end".to_string(), s(b.end.timestamp().to_string())),
        ("state".to_string(), s(b.status.state())),
        ("status".to_string(), s(to_json(&b.status)?)),
        ("created_at".to_string(), s(b.created_at.to_string())),
        ("changed_at".to_string(), s(b.changed_at.to_string())),
        ("sequence".to_string(), n(b.sequence)),
    ]);
    // Erased ones are absent (`PERSONAL_ATTRIBUTES`).
    let personal = [
        ("topic", b.topic.as_ref().map(|t| t.to_string())),
        ("contact_name", b.contact_name.as_ref().map(|n| n.to_string())),
        ("contact_email", b.contact_email.as_ref().map(|e| e.to_string())),
        ("erased_at", b.erased_at.map(|t| t.to_string())),
    ];
    item.extend(personal.into_iter().filter_map(|(name, value)| Some((name.to_string(), s(value?)))));
    Ok(item)
}

/// The booking attributes that come and go with the contact's personal data
/// (`erased_at` the other way round): an update of the item removes those
/// the booking no longer has.
pub const PERSONAL_ATTRIBUTES: [&str; 4] = ["topic", "contact_name", "contact_email", "erased_at"];

/// The booking item: its key, the attributes, its revision (every change
/// increments it) and the keys of both indexes.
pub fn booking_item(b: &Booking, rev: u64) -> StoreResult<Item> {
    let mut item = booking_attributes(b)?;
    item.extend(booking_key(b.id.as_str()));
    item.insert("type".into(), s("booking"));
    item.insert("rev".into(), n(rev));
    item.insert(GSI1PK.into(), s(ALL_BOOKINGS));
    item.insert(GSI1SK.into(), s(end_sort_key(b)));
    item.insert(GSI2PK.into(), s(municipality_partition(b.municipality)));
    item.insert(GSI2SK.into(), s(end_sort_key(b)));
    Ok(item)
}

pub fn parse_booking(item: &Item) -> StoreResult<Booking> {
    let id = get_s(item, "id", "a booking")?;
    let what = format!("booking {id:?}");
    let bad = |e: &dyn std::fmt::Display| StoreError::corrupt(&what, e);
    let text = |name: &str| get_s(item, name, &what);
    let instant = |name: &str| text(name)?.parse::<Timestamp>().map_err(|e| bad(&e));
    let optional = |name: &str| get_s_opt(item, name, &what);
    let code: u16 = get_n(item, "municipality", &what)?;
    Ok(Booking {
        id: BookingId::parse(id).map_err(|e| bad(&e))?,
        municipality: MunicipalityCode::new(code).map_err(|e| bad(&e))?,
        kind: text("kind")?.parse::<SessionKind>().map_err(|e| bad(&e))?,
        start: LocalTime::new(instant("start")?),
        end: LocalTime::new(instant("end")?),
        topic: optional("topic")?.map(Topic::parse).transpose().map_err(|e| bad(&e))?,
        contact_name: optional("contact_name")?.map(ContactName::parse).transpose().map_err(|e| bad(&e))?,
        contact_email: optional("contact_email")?.map(Email::parse).transpose().map_err(|e| bad(&e))?,
        status: from_json(text("status")?, &what)?,
        created_at: instant("created_at")?,
        changed_at: instant("changed_at")?,
        // Items written before the attribute existed: never changed since.
        sequence: get_n_opt(item, "sequence", &what)?.unwrap_or(0),
        erased_at: optional("erased_at")?.map(|t| t.parse::<Timestamp>()).transpose().map_err(|e| bad(&e))?,
    })
}

/// The revision of a booking item (0 if it has none).
pub fn booking_rev(item: &Item) -> StoreResult<u64> {
    Ok(get_n_opt(item, "rev", "a booking")?.unwrap_or(0))
}

// -- The schedule --------------------------------------------------------------

/// The schedule item as read: the version every booking write bumps and the
/// confirmed bookings that had not ended (less a margin) at the last write.
#[derive(Debug, Default)]
pub struct Schedule {
    /// `None` when the item or its version does not exist yet.
    pub version: Option<u64>,
    /// `None` when the item has no `open` map yet.
    pub open: Option<Vec<Booking>>,
}

pub fn parse_schedule(item: Option<&Item>) -> StoreResult<Schedule> {
    let Some(item) = item else { return Ok(Schedule::default()) };
    let what = "the schedule item";
    let version = get_n_opt(item, "version", what)?;
    let open = match get_map(item, "open", what)? {
        None => None,
        Some(map) => {
            let mut bookings = Vec::with_capacity(map.len());
            for (id, entry) in map {
                let AttributeValue::M(entry) = entry else {
                    return Err(StoreError::corrupt(what, format_args!("the open entry {id:?} is not a map")));
                };
                bookings.push(parse_booking(entry)?);
            }
            Some(bookings)
        }
    };
    Ok(Schedule { version, open })
}

impl Schedule {
    /// What a booking check sees: the confirmed bookings ending after `now`,
    /// less `except`, ordered by start.
    pub fn confirmed_ending_after(&self, now: Timestamp, except: Option<&BookingId>) -> Vec<Booking> {
        let mut bookings: Vec<Booking> = self
            .open
            .iter()
            .flatten()
            .filter(|b| b.is_confirmed() && b.end.timestamp() > now && Some(&b.id) != except)
            .cloned()
            .collect();
        sort_by_start(&mut bookings);
        bookings
    }

    /// Entries that ended long enough before `now` to be dropped from the map
    /// (at most `limit` of them, so the update expression stays small).
    pub fn stale(&self, now: Timestamp, limit: usize) -> Vec<BookingId> {
        let cutoff = now.checked_sub(super::KEEP_ENDED).unwrap_or(now);
        self.open.iter().flatten().filter(|b| b.end.timestamp() < cutoff).take(limit).map(|b| b.id.clone()).collect()
    }
}

/// Start order, as both stores list bookings; the id breaks ties.
pub fn sort_by_start(bookings: &mut [Booking]) {
    bookings.sort_by(|a, b| a.start.timestamp().cmp(&b.start.timestamp()).then_with(|| a.id.cmp(&b.id)));
}

// -- Enrolment -------------------------------------------------------------------

/// The enrolment head: the last sequence number and each municipality's last change.
#[derive(Debug, Default)]
pub struct EnrolmentHead {
    pub seq: Option<u64>,
    pub has_last: bool,
    pub last: HashMap<u16, StatusChange>,
}

pub fn parse_enrolment_head(item: Option<&Item>) -> StoreResult<EnrolmentHead> {
    let Some(item) = item else { return Ok(EnrolmentHead::default()) };
    let what = "the enrolment head item";
    let seq = get_n_opt(item, "seq", what)?;
    let mut head = EnrolmentHead { seq, ..EnrolmentHead::default() };
    if let Some(map) = get_map(item, "last", what)? {
        head.has_last = true;
        for (code, change) in map {
            let AttributeValue::S(json) = change else {
                return Err(StoreError::corrupt(what, format_args!("the last change of {code} is not a string")));
            };
            let code: u16 = code.parse().map_err(|e| StoreError::corrupt(what, e))?;
            head.last.insert(code, from_json(json, what)?);
        }
    }
    Ok(head)
}

pub fn change_item(seq: u64, change: &StatusChange) -> StoreResult<Item> {
    let mut item = key(ENROLMENT, change_sk(seq));
    item.insert("type".into(), s("status_change"));
    item.insert("seq".into(), n(seq));
    item.insert("municipality".into(), n(change.municipality.get()));
    item.insert("at".into(), s(change.at.to_string()));
    item.insert("change".into(), s(to_json(change)?));
    Ok(item)
}

pub fn parse_change(item: &Item) -> StoreResult<StatusChange> {
    let sk = get_s(item, SK, "a status change")?;
    let what = format!("status change {sk}");
    from_json(get_s(item, "change", &what)?, &what)
}

// -- Populations and settings ------------------------------------------------------

pub fn population_item(code: MunicipalityCode, p: Population) -> Item {
    let mut item = population_key(code);
    item.insert("type".into(), s("population"));
    item.insert("code".into(), n(code.get()));
    item.insert("inhabitants".into(), n(p.inhabitants));
    item.insert("as_of".into(), s(p.as_of.to_string()));
    item
}

pub fn parse_population(item: &Item) -> StoreResult<(MunicipalityCode, Population)> {
    let code: u16 = get_n(item, "code", "a population")?;
    let what = format!("population of municipality {code}");
    let code = MunicipalityCode::new(code).map_err(|e| StoreError::corrupt(&what, e))?;
    let inhabitants: u32 = get_n(item, "inhabitants", &what)?;
    let as_of = get_s(item, "as_of", &what)?.parse::<Date>().map_err(|e| StoreError::corrupt(&what, e))?;
    Ok((code, Population { inhabitants, as_of }))
}

/// The JSON of a setting from its item (read alone or with others in one
/// request); `None` for a missing item.
pub fn setting_json(item: Option<&Item>, name: &str) -> StoreResult<Option<String>> {
    item.map(|item| get_s(item, "json", &format!("setting {name:?}")).map(str::to_owned)).transpose()
}

/// A setting from its item; a missing one reads as the default.
pub fn parse_setting<S: Setting>(item: Option<&Item>) -> StoreResult<S> {
    store::parse_setting(S::KEY, setting_json(item, S::KEY)?.as_deref())
}

pub fn setting_item(name: &str, json: String) -> Item {
    let mut item = setting_key(name);
    item.insert("type".into(), s("setting"));
    item.insert("json".into(), s(json));
    item
}

/// The item of a setting's default value, as a new table is seeded with.
pub fn default_setting_item<S: Setting>() -> StoreResult<Item> {
    Ok(setting_item(S::KEY, to_json(&S::default())?))
}

// -- The outbox ----------------------------------------------------------------

/// Every delivery state, each a partition of its own (`OUTBOX#due`, …), so
/// the sender's query reads the due messages only, not every one ever sent.
pub const DELIVERIES: [Delivery; 4] = [Delivery::Due, Delivery::Sent, Delivery::Failed, Delivery::Dropped];

pub fn outbox_partition(delivery: Delivery) -> String {
    format!("OUTBOX#{}", delivery.as_str())
}

pub fn message_key(delivery: Delivery, id: &str) -> Item {
    key(outbox_partition(delivery), id)
}

pub fn message_item(message: &Message) -> StoreResult<Item> {
    let mut item = message_key(message.delivery, &message.id);
    item.insert("type".into(), s("message"));
    item.insert("due_s".into(), n(message.due.as_second()));
    item.insert("json".into(), s(to_json(message)?));
    Ok(item)
}

pub fn parse_message(item: &Item) -> StoreResult<Message> {
    let what = format!("message {:?}", get_s(item, SK, "a message")?);
    from_json(get_s(item, "json", &what)?, &what)
}

// -- Manage links -----------------------------------------------------------------

/// A link's item, by the hash of its key: `MANAGE#<hash>` / `LINK`. Its
/// booking's links share the `by_municipality` index under
/// `MANAGE_LINKS#<booking>`, which revoking queries.
pub fn manage_link_key(hash: &str) -> Item {
    key(format!("MANAGE#{hash}"), "LINK")
}

pub fn manage_links_of(booking: &BookingId) -> String {
    format!("MANAGE_LINKS#{}", booking.as_str())
}

pub fn manage_link_item(link: &ManageLink) -> Item {
    let mut item = manage_link_key(&link.hash);
    item.insert("type".into(), s("manage_link"));
    item.insert("hash".into(), s(link.hash.clone()));
    item.insert("booking".into(), s(link.booking.as_str()));
    item.insert("created_s".into(), n(link.created.as_second()));
    item.insert(GSI2PK.into(), s(manage_links_of(&link.booking)));
    item.insert(GSI2SK.into(), s(link.hash.clone()));
    item
}

pub fn parse_manage_link(item: &Item) -> StoreResult<ManageLink> {
    let what = "a manage link";
    let booking = BookingId::parse(get_s(item, "booking", what)?).map_err(|e| StoreError::corrupt(what, e))?;
    let created = Timestamp::from_second(get_n(item, "created_s", what)?).map_err(|e| StoreError::corrupt(what, e))?;
    Ok(ManageLink { hash: get_s(item, "hash", what)?.to_string(), booking, created })
}

/// The partition of the calendar subscriptions: one query lists them all.
pub const CALENDARS: &str = "CALENDARS";

pub fn calendar_key(id: &CalendarId) -> Item {
    key(CALENDARS, format!("CALENDAR#{id}"))
}

pub fn calendar_item(calendar: &Subscription) -> StoreResult<Item> {
    let mut item = calendar_key(&calendar.id);
    item.insert("type".into(), s("calendar"));
    item.insert("added_s".into(), n(calendar.added_at.as_second()));
    item.insert("json".into(), s(serde_json::to_string(calendar).map_err(|e| StoreError::Internal(e.into()))?));
    Ok(item)
}

pub fn parse_calendar(item: &Item) -> StoreResult<Subscription> {
    let what = "a calendar subscription";
    serde_json::from_str(get_s(item, "json", what)?).map_err(|e| StoreError::corrupt(what, e))
}

/// The partition of the budget scenarios: one query lists them all.
pub const SCENARIOS: &str = "SCENARIOS";

pub fn scenario_key(id: &ScenarioId) -> Item {
    key(SCENARIOS, format!("SCENARIO#{id}"))
}

pub fn scenario_item(scenario: &Scenario) -> StoreResult<Item> {
    let mut item = scenario_key(&scenario.id);
    item.insert("type".into(), s("scenario"));
    item.insert("created_s".into(), n(scenario.created_at.as_second()));
    item.insert("json".into(), s(serde_json::to_string(scenario).map_err(|e| StoreError::Internal(e.into()))?));
    Ok(item)
}

pub fn parse_scenario(item: &Item) -> StoreResult<Scenario> {
    let what = "a budget scenario";
    serde_json::from_str(get_s(item, "json", what)?).map_err(|e| StoreError::corrupt(what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_keys_sort_like_the_instants_they_encode() {
        let instants: Vec<Timestamp> = [
            "1900-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "1970-01-01T00:00:00Z",
            "2026-12-01T08:00:00Z",
            "2026-12-01T08:00:00.000000001Z",
            "2026-12-01T08:00:00.25Z",
            "9999-01-01T00:00:00Z",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let keys: Vec<String> = instants.iter().map(|t| time_key(*t)).collect();
        assert!(keys.iter().all(|k| k.len() == 21), "{keys:?}");
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
        assert_eq!(time_key(Timestamp::MIN).len(), 21);
        assert_eq!(time_key(Timestamp::MAX).len(), 21);
    }

    #[test]
    fn the_ends_after_bound_excludes_an_end_at_the_bound_and_includes_later_ones() {
        let t: Timestamp = "2026-12-01T09:00:00Z".parse().unwrap();
        let at = format!("{}#{}", time_key(t), "b-1");
        let later = format!("{}#{}", time_key(t + jiff::SignedDuration::from_nanos(1)), "_");
        assert!(at < ends_after_bound(t));
        assert!(later > ends_after_bound(t));
        for c in ['0', 'A', 'a', '-', '_'] {
            assert!(c > '$', "{c} sorts after the bound's $");
        }
    }
}
