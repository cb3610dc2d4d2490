//! The production store: one DynamoDB table, single-table design
//! (`backend/docs/dynamodb.md` has the item layout and the access patterns).
//!
//! Double booking is prevented by DynamoDB, not by a lock in the process (the
//! API runs as many Lambda copies): every booking write is one
//! `TransactWriteItems` that also updates the **schedule item** under the
//! condition that its `version` is still the one read before the check. The
//! schedule item holds the open calendar itself (every confirmed booking that
//! has not ended), so what the check saw and what the condition guards are
//! one and the same item: a strongly consistent `GetItem` of it is an exact
//! snapshot, and any booking, move or cancellation committed after that read
//! makes the transaction fail. A lost race is read again and checked again
//! (up to [`RACE_ATTEMPTS`] times): if the time was taken meanwhile, the check
//! now refuses it (409 "slot taken"); it is never a 500.
//!
//! Network trouble, timeouts and throttling are retried by the SDK (standard
//! mode, [`SDK_MAX_ATTEMPTS`] attempts, [`timeouts`]); what remains after that
//! is [`StoreError::Unavailable`] (503).

mod access;
mod errors;
mod items;
mod table;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig, retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::{
    Client,
    config::{ConfigBag, Credentials, Intercept, RuntimeComponents, interceptors::BeforeTransmitInterceptorContextRef},
    error::{BoxError, BuildError},
    operation::query::builders::QueryFluentBuilder,
    types::{AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, TransactWriteItem, Update},
};
use dk2020_model::{
    Act, Booking, BookingId, LocalTime, Municipalities, MunicipalityCode, Population,
    allocation::PlanParams,
    enrolment::{Rounds, StatusChange},
    lifecycle::{self, Event, Snapshot},
    mail::Recipient,
    outbox::{self, Delivery, Message},
    privacy,
    scenario::{MAX_SCENARIOS, Scenario, ScenarioId},
    schedule::Availability,
    subscription::{self, CalendarId, MAX_CALENDARS, Subscription},
};
use jiff::{SignedDuration, Timestamp};

pub use self::table::{IndexDefinition, TABLE, TableDefinition};
use self::{
    errors::{Tx, TxError, sdk_error},
    items::{Item, n, s},
};
use super::{
    BookingFilter, Bookings, Calendars, Created, EnrolmentLog, ManageLinks, NewBooking, Outbox, Scenarios, Setting,
    Settings, Store, StoreError, StoreResult, no_such_calendar, no_such_scenario, too_many_calendars,
    too_many_scenarios,
};
use crate::manage_link::ManageLink;

/// Attempts the SDK makes for one request (standard retry mode: exponential
/// backoff with jitter, throttling and transient errors only).
pub const SDK_MAX_ATTEMPTS: u32 = 3;

/// How often a write that lost a race (another write changed the schedule or
/// the enrolment history between our read and our transaction) is read,
/// checked and tried again before giving up with 503. Every round of a race
/// has a winner, so this many rounds let that many writers at the same moment
/// (more than all 19 municipalities booking at once) all get through.
pub const RACE_ATTEMPTS: u32 = 32;

/// How long ended bookings stay in the schedule item's `open` map. Checks only
/// look at bookings that end after "now"; the margin keeps the map exact for a
/// caller whose clock is somewhat behind the one that pruned it.
pub const KEEP_ENDED: SignedDuration = SignedDuration::from_hours(7 * 24);

/// At most this many ended entries are pruned by one write.
const PRUNE_PER_WRITE: usize = 20;

/// The region used when the environment names none but points at a local
/// endpoint (`AWS_ENDPOINT_URL`): local servers accept any.
pub const LOCAL_REGION: &str = "eu-north-1";

/// The SDK's retries: standard mode, [`SDK_MAX_ATTEMPTS`] attempts.
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(SDK_MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_secs(1))
}

/// Connect within 2 s, each attempt within 2 s, the whole call (with retries) within 5 s.
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build()
}

/// Generous timeouts for a local server (`DK2020_DYNAMODB_TIMEOUT_SECS`, read
/// by `config::Config`): moto answers one request at a time, so under the
/// tests' load a request can wait seconds in its queue.
pub fn local_timeouts(seconds: u64) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(seconds))
        .operation_timeout(Duration::from_secs(seconds))
        .build()
}

/// Counts the requests the SDK puts on the wire (retries included), by
/// operation (`GetItem`, `TransactWriteItems`, ...), from the `X-Amz-Target`
/// header. Cheap; used by tests and the request-count report.
#[derive(Debug, Clone, Default)]
struct RequestCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "dk2020-request-counter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = context
            .request()
            .headers()
            .get("x-amz-target")
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_string();
        *self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(operation).or_default() += 1;
        Ok(())
    }
}

/// The DynamoDB store. Cheap to clone; clones share the client.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
    requests: RequestCounter,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore").field("table", &self.table).finish_non_exhaustive()
    }
}

fn build_err(e: BuildError) -> StoreError {
    StoreError::Internal(anyhow::Error::new(e).context("building a DynamoDB request"))
}

/// A short random pause before trying a lost race again, growing with the
/// attempt up to 100 ms (full jitter, so the losers spread out).
async fn race_backoff(attempt: u32) {
    use rand::Rng;
    let ceiling = (5u64 << attempt.min(5)).min(100);
    let millis = rand::rng().random_range(1..=ceiling);
    tokio::time::sleep(Duration::from_millis(millis)).await;
}

fn race_lost(what: &str) -> StoreError {
    StoreError::Unavailable(format!(
        "{what} kept changing while this change was being checked (many changes at once); try again in a moment"
    ))
}

/// An update expression with its names and values.
#[derive(Default)]
struct Expr {
    set: Vec<String>,
    remove: Vec<String>,
    condition: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expr {
    fn name(&mut self, placeholder: &str, name: &str) -> &mut Self {
        self.names.insert(placeholder.to_string(), name.to_string());
        self
    }

    fn value(&mut self, placeholder: &str, value: AttributeValue) -> &mut Self {
        self.values.insert(placeholder.to_string(), value);
        self
    }

    fn update_expression(&self) -> String {
        let mut parts = Vec::new();
        if !self.set.is_empty() {
            parts.push(format!("SET {}", self.set.join(", ")));
        }
        if !self.remove.is_empty() {
            parts.push(format!("REMOVE {}", self.remove.join(", ")));
        }
        parts.join(" ")
    }
}

impl DynamoStore {
    /// The store on `table` with an SDK configuration made elsewhere
    /// (`config::Config::open_store` loads it the usual AWS way), with this
    /// store's retries and the given timeouts.
    pub fn from_sdk_config(sdk: &SdkConfig, table: &str, timeouts: TimeoutConfig) -> anyhow::Result<Self> {
        let mut config = aws_sdk_dynamodb::config::Builder::from(sdk);
        if sdk.region().is_none() {
            if sdk.endpoint_url().is_none() {
                anyhow::bail!("no AWS region is configured: set AWS_REGION (e.g. eu-north-1)");
            }
            config = config.region(Region::new(LOCAL_REGION));
        }
        let config = config.retry_config(retry_config()).timeout_config(timeouts);
        Ok(Self::with_config(config, table))
    }

    /// A store on a local DynamoDB-compatible server (the tests): fixed dummy
    /// credentials and region, no environment needed, and timeouts of 60 s
    /// (see [`local_timeouts`]).
    pub fn local(endpoint: &str, table: &str) -> Self {
        Self::local_with_timeouts(endpoint, table, local_timeouts(60))
    }

    /// [`DynamoStore::local`] with other timeouts.
    pub fn local_with_timeouts(endpoint: &str, table: &str, timeouts: TimeoutConfig) -> Self {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(LOCAL_REGION))
            .endpoint_url(endpoint)
            .credentials_provider(Credentials::new("test", "test", None, None, "dk2020-local"))
            .retry_config(retry_config())
            .timeout_config(timeouts);
        Self::with_config(config, table)
    }

    fn with_config(config: aws_sdk_dynamodb::config::Builder, table: &str) -> Self {
        let requests = RequestCounter::default();
        let client = Client::from_conf(config.interceptor(requests.clone()).build());
        Self { client, table: table.into(), requests }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table's definition (the same for every deployment).
    pub fn table_definition() -> &'static TableDefinition {
        &TABLE
    }

    /// Requests sent so far by this store and its clones, by operation.
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.requests.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Creates the table when it does not exist (waiting until it is active)
    /// and seeds what is missing. Returns whether the table was created now.
    pub async fn create_table_if_missing(&self) -> StoreResult<bool> {
        let created = table::create_if_missing(&self.client, &self.table).await?;
        self.seed().await?;
        Ok(created)
    }

    /// Deletes the table (tests clean up with this).
    pub async fn delete_table(&self) -> StoreResult<()> {
        self.client.delete_table().table_name(&*self.table).send().await.map_err(|e| sdk_error("DeleteTable", e))?;
        Ok(())
    }

    /// Writes what a new table lacks, like a new SQLite file gets: the 19
    /// populations, the default rounds, budget parameters and availability,
    /// an empty schedule and enrolment head. Every put is conditional on the
    /// item not existing, so seeding twice (or two processes at once) never
    /// overwrites anything.
    pub async fn seed(&self) -> StoreResult<()> {
        let mut seed: Vec<Item> =
            Municipalities::builtin().iter().map(|m| items::population_item(m.code, m.population)).collect();
        seed.push(items::default_setting_item::<Rounds>()?);
        seed.push(items::default_setting_item::<PlanParams>()?);
        seed.push(items::default_setting_item::<Availability>()?);
        let mut schedule = items::schedule_key();
        schedule.insert("type".into(), s("schedule"));
        schedule.insert("version".into(), n(0));
        schedule.insert("open".into(), AttributeValue::M(HashMap::new()));
        seed.push(schedule);
        let mut head = items::enrolment_head_key();
        head.insert("type".into(), s("enrolment_head"));
        head.insert("seq".into(), n(0));
        head.insert("last".into(), AttributeValue::M(HashMap::new()));
        seed.push(head);

        let mut tasks = tokio::task::JoinSet::new();
        for item in seed {
            let request = self
                .client
                .put_item()
                .table_name(&*self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", items::PK);
            tasks.spawn(async move {
                match request.send().await {
                    Ok(_) => Ok(()),
                    Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Ok(()),
                    Err(e) => Err(sdk_error("PutItem", e)),
                }
            });
        }
        while let Some(result) = tasks.join_next().await {
            result.map_err(|e| StoreError::Internal(anyhow::anyhow!("a seeding task failed: {e}")))??;
        }
        Ok(())
    }

    // -- Requests ----------------------------------------------------------

    /// A strongly consistent `GetItem`.
    async fn get(&self, key: Item) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(out.item)
    }

    /// Several items in one strongly consistent `BatchGetItem`, in the order
    /// of `keys` (`None` where there is no item).
    async fn get_many(&self, keys: Vec<Item>) -> StoreResult<Vec<Option<Item>>> {
        let wanted: Vec<(String, String)> = keys.iter().map(key_strings).collect();
        let mut found: Vec<Item> = Vec::new();
        let mut pending = keys;
        for attempt in 0..SDK_MAX_ATTEMPTS {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .consistent_read(true)
                .build()
                .map_err(build_err)?;
            let out = self
                .client
                .batch_get_item()
                .request_items(&*self.table, request)
                .send()
                .await
                .map_err(|e| sdk_error("BatchGetItem", e))?;
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(&*self.table).unwrap_or_default());
            }
            match out.unprocessed_keys.and_then(|mut u| u.remove(&*self.table)) {
                // Throttled in part: ask again for the rest.
                Some(rest) if !rest.keys.is_empty() => {
                    pending = rest.keys;
                    race_backoff(attempt + 2).await;
                }
                _ => {
                    let mut by_key: HashMap<(String, String), Item> =
                        found.into_iter().map(|item| (key_strings(&item), item)).collect();
                    return Ok(wanted.iter().map(|k| by_key.remove(k)).collect());
                }
            }
        }
        Err(StoreError::Unavailable(
            "the database is throttling reads right now (DynamoDB BatchGetItem); try again in a moment".into(),
        ))
    }

    /// Every page of a query.
    async fn query_all(&self, operation: QueryFluentBuilder) -> StoreResult<Vec<Item>> {
        let mut all = Vec::new();
        let mut start = None;
        loop {
            let page =
                operation.clone().set_exclusive_start_key(start).send().await.map_err(|e| sdk_error("Query", e))?;
            all.extend(page.items.unwrap_or_default());
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(all),
            }
        }
    }

    /// A strongly consistent query of one partition of the table.
    fn query_partition(&self, pk: &str) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&*self.table)
            .consistent_read(true)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_values(":pk", s(pk))
    }

    async fn put(&self, item: Item) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    /// Replaces an item that must exist: `missing()` when it does not (a
    /// change that ends after a delete does not bring the item back).
    async fn replace(&self, item: Item, missing: fn() -> StoreError) -> StoreResult<()> {
        let written = self
            .client
            .put_item()
            .table_name(&*self.table)
            .set_item(Some(item))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .send()
            .await;
        match written {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Err(missing()),
            Err(e) => Err(sdk_error("PutItem", e)),
        }
    }

    /// Deletes an item that must exist: `missing()` when it does not.
    async fn remove(&self, key: Item, missing: fn() -> StoreError) -> StoreResult<()> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&*self.table)
            .set_key(Some(key))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_conditional_check_failed_exception()) => Err(missing()),
            Err(e) => Err(sdk_error("DeleteItem", e)),
        }
    }

    async fn transact(&self, tx: Tx) -> Result<(), TxError> {
        let (names, items) = tx.into_items();
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| TxError::from_sdk(e, &names))?;
        Ok(())
    }

    /// A condition that the setting `name` is still as `read` (the item read
    /// for the check, `None` when there was none): a change of the
    /// coordinator's settings between the read and the write fails the
    /// transaction, which is then read and decided again.
    fn tx_unchanged_setting(&self, name: &str, read: Option<&Item>) -> StoreResult<TransactWriteItem> {
        let mut check = ConditionCheck::builder().table_name(&*self.table).set_key(Some(items::setting_key(name)));
        check = match read.and_then(|item| item.get("json")) {
            Some(json) => check
                .condition_expression("#json = :seen")
                .expression_attribute_names("#json", "json")
                .expression_attribute_values(":seen", json.clone()),
            None => {
                check.condition_expression("attribute_not_exists(#pk)").expression_attribute_names("#pk", items::PK)
            }
        };
        Ok(TransactWriteItem::builder().condition_check(check.build().map_err(build_err)?).build())
    }

    /// `tx` with a put of every message `event` owes, so they are written
    /// with the booking change or not at all.
    fn with_owed(&self, mut tx: Tx, event: &Event) -> StoreResult<Tx> {
        for message in outbox::owed_by(event) {
            let name = match message.recipient {
                Recipient::Contact => "message to the contact",
                Recipient::Coordinator => "message to the coordinator",
            };
            tx = tx.with(name, self.tx_put(items::message_item(&message)?, None)?);
        }
        Ok(tx)
    }

    fn tx_put(&self, item: Item, condition: Option<(&str, &str)>) -> StoreResult<TransactWriteItem> {
        let mut put = Put::builder().table_name(&*self.table).set_item(Some(item));
        if let Some((expression, pk_name)) = condition {
            put = put.condition_expression(expression).expression_attribute_names(pk_name, items::PK);
        }
        Ok(TransactWriteItem::builder().put(put.build().map_err(build_err)?).build())
    }

    fn tx_update(&self, key: Item, expr: Expr) -> StoreResult<TransactWriteItem> {
        let update = Update::builder()
            .table_name(&*self.table)
            .set_key(Some(key))
            .update_expression(expr.update_expression())
            .set_condition_expression(expr.condition)
            .set_expression_attribute_names(Some(expr.names).filter(|m| !m.is_empty()))
            .set_expression_attribute_values(Some(expr.values).filter(|m| !m.is_empty()))
            .build()
            .map_err(build_err)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    // -- Pieces of the operations ------------------------------------------

    /// The update of the schedule item that puts `booking` into the open map,
    /// prunes entries ended long ago and bumps the version, conditioned on
    /// the version read before the check.
    fn schedule_put_entry(schedule: &items::Schedule, booking: &Booking, now: Timestamp) -> StoreResult<Expr> {
        let mut e = Expr::default();
        e.name("#v", "version").name("#o", "open");
        e.value(":next", n(schedule.version.unwrap_or(0) + 1));
        e.set.push("#v = :next".into());
        let entry = AttributeValue::M(items::booking_attributes(booking)?);
        if schedule.open.is_some() {
            e.name("#id", booking.id.as_str()).value(":entry", entry);
            e.set.push("#o.#id = :entry".into());
            for (i, stale) in schedule.stale(now, PRUNE_PER_WRITE).iter().enumerate() {
                if *stale != booking.id {
                    let placeholder = format!("#p{i}");
                    e.name(&placeholder, stale.as_str());
                    e.remove.push(format!("#o.{placeholder}"));
                }
            }
        } else {
            e.value(":open", AttributeValue::M(HashMap::from([(booking.id.to_string(), entry)])));
            e.set.push("#o = :open".into());
        }
        e.condition = Some(match schedule.version {
            Some(seen) => {
                e.value(":seen", n(seen));
                "#v = :seen".into()
            }
            None => "attribute_not_exists(#v)".into(),
        });
        Ok(e)
    }

    /// The booking and its revision, or "not found".
    fn require_booking(item: Option<Item>, id: &BookingId) -> StoreResult<(Booking, u64)> {
        let item =
            item.ok_or_else(|| StoreError::NotFound(format!("there is no booking with id {:?}", id.as_str())))?;
        Ok((items::parse_booking(&item)?, items::booking_rev(&item)?))
    }

    /// The update of a booking item to `booking`, conditioned on the revision
    /// read (so no other change to it came in between).
    fn booking_update(booking: &Booking, rev: u64) -> StoreResult<Expr> {
        let mut e = Expr::default();
        let item = items::booking_item(booking, rev + 1)?;
        for (i, name) in items::PERSONAL_ATTRIBUTES.iter().enumerate().filter(|(_, name)| !item.contains_key(**name)) {
            let np = format!("#p{i}");
            e.remove.push(np.clone());
            e.name(&np, name);
        }
        let mut i = 0;
        for (name, value) in item {
            if name == items::PK || name == items::SK {
                continue;
            }
            let (np, vp) = (format!("#a{i}"), format!(":a{i}"));
            e.set.push(format!("{np} = {vp}"));
            e.name(&np, &name).value(&vp, value);
            i += 1;
        }
        e.name("#rev", "rev").value(":rev", n(rev));
        e.condition = Some("#rev = :rev".into());
        Ok(e)
    }
}

fn key_strings(item: &Item) -> (String, String) {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        _ => String::new(),
    };
    (text(items::PK), text(items::SK))
}

#[async_trait]
impl Store for DynamoStore {
    async fn health(&self) -> StoreResult<()> {
        // One cheap read of a key that need not exist: answers only if the
        // table exists and the credentials are accepted.
        self.client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(items::key(items::HEALTH, items::HEALTH)))
            .projection_expression("#pk")
            .expression_attribute_names("#pk", items::PK)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(())
    }
}

#[async_trait]
impl Settings for DynamoStore {
    async fn municipalities(&self) -> StoreResult<Municipalities> {
        let found = self.query_all(self.query_partition(items::POPULATIONS)).await?;
        let updates = found.iter().map(items::parse_population).collect::<StoreResult<Vec<_>>>()?;
        Ok(Municipalities::builtin().with_populations(updates))
    }

    async fn set_population(&self, municipality: MunicipalityCode, population: Population) -> StoreResult<()> {
        self.put(items::population_item(municipality, population)).await
    }

    async fn setting_json(&self, key: &'static str) -> StoreResult<Option<String>> {
        // Seeded on create; a missing item reads as the default.
        items::setting_json(self.get(items::setting_key(key)).await?.as_ref(), key)
    }

    async fn set_setting_json(&self, key: &'static str, json: String) -> StoreResult<()> {
        self.put(items::setting_item(key, json)).await
    }
}

#[async_trait]
impl EnrolmentLog for DynamoStore {
    async fn status_changes(&self) -> StoreResult<Vec<StatusChange>> {
        let query = self
            .query_partition(items::ENROLMENT)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#sk", items::SK)
            .expression_attribute_values(":prefix", s(items::CHANGE_PREFIX));
        // Sort keys carry the zero-padded sequence number: oldest first.
        self.query_all(query).await?.iter().map(items::parse_change).collect()
    }

    async fn record_status_change(&self, change: &StatusChange) -> StoreResult<()> {
        let code = change.municipality;
        for attempt in 0..RACE_ATTEMPTS {
            if attempt > 0 {
                race_backoff(attempt).await;
            }
            let head = items::parse_enrolment_head(self.get(items::enrolment_head_key()).await?.as_ref())?;
            let last = head.last.get(&code.get());
            super::check_appendable(change, last)?;
            let seq = head.seq.unwrap_or(0) + 1;
            let json = s(items::to_json(change)?);
            let mut e = Expr::default();
            e.name("#seq", "seq").name("#last", "last").value(":next", n(seq));
            e.set.push("#seq = :next".into());
            if head.has_last {
                e.name("#code", &code.get().to_string()).value(":change", json);
                e.set.push("#last.#code = :change".into());
            } else {
                e.value(":last", AttributeValue::M(HashMap::from([(code.get().to_string(), json)])));
                e.set.push("#last = :last".into());
            }
            e.condition = Some(match head.seq {
                Some(seen) => {
                    e.value(":seen", n(seen));
                    "#seq = :seen".into()
                }
                None => "attribute_not_exists(#seq)".into(),
            });
            let tx = Tx::default().with("head", self.tx_update(items::enrolment_head_key(), e)?).with(
                "change",
                self.tx_put(items::change_item(seq, change)?, Some(("attribute_not_exists(#pk)", "#pk")))?,
            );
            match self.transact(tx).await {
                Ok(()) => return Ok(()),
                // Another change was recorded meanwhile: read again.
                Err(TxError::Cancelled(c)) if c.failed("head") || c.failed("change") || c.transient() => {}
                Err(TxError::Cancelled(c)) => return Err(c.unexplained("status change")),
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(race_lost("the enrolment history"))
    }
}

#[async_trait]
impl Bookings for DynamoStore {
    async fn booking(&self, id: &BookingId) -> StoreResult<Booking> {
        let item = self.get(items::booking_key(id.as_str())).await?;
        Ok(Self::require_booking(item, id)?.0)
    }

    async fn bookings(&self, filter: &BookingFilter) -> StoreResult<Vec<Booking>> {
        let (index, pk, sk, partition) = match filter.municipality {
            Some(m) => (items::BY_MUNICIPALITY, items::GSI2PK, items::GSI2SK, items::municipality_partition(m)),
            None => (items::BY_END, items::GSI1PK, items::GSI1SK, items::ALL_BOOKINGS.to_string()),
        };
        let mut query = self
            .client
            .query()
            .table_name(&*self.table)
            .index_name(index)
            .expression_attribute_names("#pk", pk)
            .expression_attribute_values(":pk", s(partition));
        query = match filter.ends_after {
            // The index is ordered by end: only bookings ending after `t` are read.
            Some(t) => query
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#sk", sk)
                .expression_attribute_values(":after", s(items::ends_after_bound(t))),
            None => query.key_condition_expression("#pk = :pk"),
        };
        if !filter.include_cancelled {
            query = query
                .filter_expression("#state = :confirmed")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":confirmed", s("confirmed"));
        }
        let mut bookings =
            self.query_all(query).await?.iter().map(items::parse_booking).collect::<StoreResult<Vec<_>>>()?;
        bookings.retain(|b| filter.admits(b));
        items::sort_by_start(&mut bookings);
        Ok(bookings)
    }

    async fn create_booking(&self, new: NewBooking<'_>) -> StoreResult<Created> {
        let NewBooking { request: draft, id, by, idempotency_key, now } = new;
        let key_item = idempotency_key.map(|k| items::idempotency_key(draft.municipality, k));
        let municipalities = self.municipalities().await?;
        let busy = subscription::busy_times(&self.calendars().await?);
        for attempt in 0..RACE_ATTEMPTS {
            if attempt > 0 {
                race_backoff(attempt).await;
            }
            // One read: the schedule, the settings (and the idempotency key, if any).
            let mut keys = vec![items::schedule_key(), items::setting_key(Availability::KEY)];
            keys.extend(key_item.clone());
            let mut found = self.get_many(keys).await?.into_iter();
            let (schedule, settings, earlier) =
                (found.next().flatten(), found.next().flatten(), found.next().flatten());
            if let Some(earlier) = earlier {
                let id = items::get_s(&earlier, "booking_id", "an idempotency key")?;
                let id = BookingId::parse(id).map_err(|e| StoreError::corrupt("an idempotency key", e))?;
                return Ok(Created { booking: self.booking(&id).await?, event: None });
            }
            let schedule = items::parse_schedule(schedule.as_ref())?;
            let availability = items::parse_setting::<Availability>(settings.as_ref())?;
            let confirmed = schedule.confirmed_ending_after(now, None);
            let snapshot = Snapshot::new(&availability, &municipalities, &confirmed, &busy);
            let (booking, event) =
                lifecycle::book(snapshot, draft.clone(), id.clone(), by, now).map_err(StoreError::Refused)?;

            let mut tx = Tx::default()
                .with(
                    "booking",
                    self.tx_put(items::booking_item(&booking, 0)?, Some(("attribute_not_exists(#pk)", "#pk")))?,
                )
                .with(
                    "schedule",
                    self.tx_update(items::schedule_key(), Self::schedule_put_entry(&schedule, &booking, now)?)?,
                )
                .with("settings", self.tx_unchanged_setting(Availability::KEY, settings.as_ref())?);
            tx = self.with_owed(tx, &event)?;
            if let Some(key_item) = &key_item {
                let mut item = key_item.clone();
                item.insert("type".into(), s("idempotency"));
                item.insert("booking_id".into(), s(booking.id.as_str()));
                item.insert("created_at".into(), s(now.to_string()));
                tx = tx.with("idempotency key", self.tx_put(item, Some(("attribute_not_exists(#pk)", "#pk")))?);
            }
            match self.transact(tx).await {
                Ok(()) => return Ok(Created { booking, event: Some(event) }),
                Err(TxError::Cancelled(c)) if c.failed("booking") => {
                    return Err(StoreError::Conflict(format!(
                        "a booking with id {:?} already exists",
                        booking.id.as_str()
                    )));
                }
                // The same key won meanwhile (a concurrent retry): the next
                // read finds it and returns that booking. The schedule or the
                // settings changed: read and decide again.
                Err(TxError::Cancelled(c))
                    if c.failed("idempotency key") || c.failed("schedule") || c.failed("settings") || c.transient() => {
                }
                Err(TxError::Cancelled(c)) => return Err(c.unexplained("booking")),
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(race_lost("the calendar"))
    }

    async fn cancel_booking(&self, id: &BookingId, reason: Option<String>, act: Act) -> StoreResult<Event> {
        let Act { by, at: now } = act;
        for attempt in 0..RACE_ATTEMPTS {
            if attempt > 0 {
                race_backoff(attempt).await;
            }
            let item = self.get(items::booking_key(id.as_str())).await?;
            let (booking, rev) = Self::require_booking(item, id)?;
            let (cancelled, event) =
                lifecycle::cancel(&booking, by, reason.clone(), now).map_err(StoreError::Refused)?;
            // Freeing time needs no version check: a booking checked against
            // a calendar that still showed this one was checked against more.
            let mut free = Expr::default();
            free.name("#o", "open").name("#id", id.as_str());
            free.remove.push("#o.#id".into());
            free.condition = Some("attribute_exists(#o)".into());
            let update = || self.tx_update(items::booking_key(id.as_str()), Self::booking_update(&cancelled, rev)?);
            let tx =
                Tx::default().with("booking", update()?).with("schedule", self.tx_update(items::schedule_key(), free)?);
            match self.transact(self.with_owed(tx, &event)?).await {
                Ok(()) => return Ok(event),
                // Changed meanwhile (cancelled or moved): look again.
                Err(TxError::Cancelled(c)) if c.failed("booking") || c.transient() => {}
                // No open map at all: nothing to free, cancel the booking alone.
                Err(TxError::Cancelled(c)) if c.failed("schedule") => {
                    match self.transact(self.with_owed(Tx::default().with("booking", update()?), &event)?).await {
                        Ok(()) => return Ok(event),
                        Err(TxError::Cancelled(c)) if c.failed("booking") || c.transient() => {}
                        Err(TxError::Cancelled(c)) => return Err(c.unexplained("cancellation")),
                        Err(TxError::Other(e)) => return Err(e),
                    }
                }
                Err(TxError::Cancelled(c)) => return Err(c.unexplained("cancellation")),
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(race_lost(&format!("booking {id}")))
    }

    async fn reschedule_booking(&self, id: &BookingId, start: LocalTime, act: Act) -> StoreResult<Event> {
        let Act { by, at: now } = act;
        let municipalities = self.municipalities().await?;
        let busy = subscription::busy_times(&self.calendars().await?);
        for attempt in 0..RACE_ATTEMPTS {
            if attempt > 0 {
                race_backoff(attempt).await;
            }
            // One read: the booking, the schedule and the settings.
            let keys =
                vec![items::booking_key(id.as_str()), items::schedule_key(), items::setting_key(Availability::KEY)];
            let mut found = self.get_many(keys).await?.into_iter();
            let (booking_item, schedule, settings) =
                (found.next().flatten(), found.next().flatten(), found.next().flatten());
            let (booking, rev) = Self::require_booking(booking_item, id)?;
            let schedule = items::parse_schedule(schedule.as_ref())?;
            let availability = items::parse_setting::<Availability>(settings.as_ref())?;
            let confirmed = schedule.confirmed_ending_after(now, None);
            let snapshot = Snapshot::new(&availability, &municipalities, &confirmed, &busy);
            let (moved, event) =
                lifecycle::reschedule(snapshot, &booking, start, by, now).map_err(StoreError::Refused)?;

            let tx = Tx::default()
                .with("booking", self.tx_update(items::booking_key(id.as_str()), Self::booking_update(&moved, rev)?)?)
                .with(
                    "schedule",
                    self.tx_update(items::schedule_key(), Self::schedule_put_entry(&schedule, &moved, now)?)?,
                )
                .with("settings", self.tx_unchanged_setting(Availability::KEY, settings.as_ref())?);
            match self.transact(self.with_owed(tx, &event)?).await {
                Ok(()) => return Ok(event),
                Err(TxError::Cancelled(c))
                    if c.failed("booking") || c.failed("schedule") || c.failed("settings") || c.transient() => {}
                Err(TxError::Cancelled(c)) => return Err(c.unexplained("reschedule")),
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(race_lost("the calendar"))
    }

    /// The booking item under the revision read, and its entry in the
    /// schedule's open map where it has one (a confirmed booking not yet
    /// pruned): the same transaction, so neither keeps a copy of the data.
    async fn erase_booking(&self, id: &BookingId, at: Timestamp) -> StoreResult<bool> {
        for attempt in 0..RACE_ATTEMPTS {
            if attempt > 0 {
                race_backoff(attempt).await;
            }
            let item = self.get(items::booking_key(id.as_str())).await?;
            let (booking, rev) = Self::require_booking(item, id)?;
            if booking.is_erased() {
                return Ok(false);
            }
            let erased = privacy::erase_booking(&booking, at);
            let update = || self.tx_update(items::booking_key(id.as_str()), Self::booking_update(&erased, rev)?);
            let mut entry = Expr::default();
            entry.name("#o", "open").name("#id", id.as_str());
            entry.value(":entry", AttributeValue::M(items::booking_attributes(&erased)?));
            entry.set.push("#o.#id = :entry".into());
            entry.condition = Some("attribute_exists(#o.#id)".into());
            let tx = Tx::default()
                .with("booking", update()?)
                .with("schedule", self.tx_update(items::schedule_key(), entry)?);
            match self.transact(tx).await {
                Ok(()) => return Ok(true),
                Err(TxError::Cancelled(c)) if c.failed("booking") || c.transient() => {}
                // Not in the open map (cancelled, or ended and pruned): the booking alone.
                Err(TxError::Cancelled(c)) if c.failed("schedule") => {
                    match self.transact(Tx::default().with("booking", update()?)).await {
                        Ok(()) => return Ok(true),
                        Err(TxError::Cancelled(c)) if c.failed("booking") || c.transient() => {}
                        Err(TxError::Cancelled(c)) => return Err(c.unexplained("erasure")),
                        Err(TxError::Other(e)) => return Err(e),
                    }
                }
                Err(TxError::Cancelled(c)) => return Err(c.unexplained("erasure")),
                Err(TxError::Other(e)) => return Err(e),
            }
        }
        Err(race_lost(&format!("booking {id}")))
    }
}

#[async_trait]
impl Outbox for DynamoStore {
    async fn due_messages(&self, now: Timestamp, limit: usize) -> StoreResult<Vec<Message>> {
        let query = self
            .query_partition(&items::outbox_partition(Delivery::Due))
            .filter_expression("#due <= :now")
            .expression_attribute_names("#due", "due_s")
            .expression_attribute_values(":now", n(now.as_second()));
        let found = self.query_all(query).await?;
        let mut due = found.iter().map(items::parse_message).collect::<StoreResult<Vec<_>>>()?;
        due.retain(|m| m.due <= now);
        due.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        due.truncate(limit);
        Ok(due)
    }

    async fn failed_messages(&self) -> StoreResult<Vec<Message>> {
        let found = self.query_all(self.query_partition(&items::outbox_partition(Delivery::Failed))).await?;
        let mut failed = found.iter().map(items::parse_message).collect::<StoreResult<Vec<_>>>()?;
        failed.sort_by(|a, b| b.due.cmp(&a.due).then_with(|| a.id.cmp(&b.id)));
        Ok(failed)
    }

    async fn message(&self, id: &str) -> StoreResult<Message> {
        let keys = items::DELIVERIES.iter().map(|d| items::message_key(*d, id)).collect();
        match self.get_many(keys).await?.into_iter().flatten().next() {
            Some(item) => items::parse_message(&item),
            None => Err(StoreError::NotFound(format!("there is no message with id {id:?}"))),
        }
    }

    async fn update_message(&self, message: &Message) -> StoreResult<()> {
        // Into the partition of its new state, out of the others, at once.
        let mut tx = Tx::default().with("message", self.tx_put(items::message_item(message)?, None)?);
        for other in items::DELIVERIES.into_iter().filter(|d| *d != message.delivery) {
            let delete = Delete::builder()
                .table_name(&*self.table)
                .set_key(Some(items::message_key(other, &message.id)))
                .build()
                .map_err(build_err)?;
            tx = tx.with("old state", TransactWriteItem::builder().delete(delete).build());
        }
        match self.transact(tx).await {
            Ok(()) => Ok(()),
            Err(TxError::Cancelled(c)) => Err(c.unexplained("message update")),
            Err(TxError::Other(e)) => Err(e),
        }
    }

    /// One Query per delivery state.
    async fn all_messages(&self) -> StoreResult<Vec<Message>> {
        let mut all = Vec::new();
        for delivery in items::DELIVERIES {
            let found = self.query_all(self.query_partition(&items::outbox_partition(delivery))).await?;
            all.extend(found.iter().map(items::parse_message).collect::<StoreResult<Vec<_>>>()?);
        }
        all.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.id.cmp(&b.id)));
        Ok(all)
    }

    /// From every state's partition at once (it is in one of them).
    async fn delete_message(&self, id: &str) -> StoreResult<()> {
        let mut tx = Tx::default();
        for delivery in items::DELIVERIES {
            let delete = Delete::builder()
                .table_name(&*self.table)
                .set_key(Some(items::message_key(delivery, id)))
                .build()
                .map_err(build_err)?;
            tx = tx.with("message", TransactWriteItem::builder().delete(delete).build());
        }
        match self.transact(tx).await {
            Ok(()) => Ok(()),
            Err(TxError::Cancelled(c)) => Err(c.unexplained("message deletion")),
            Err(TxError::Other(e)) => Err(e),
        }
    }
}

#[async_trait]
impl Scenarios for DynamoStore {
    async fn scenarios(&self) -> StoreResult<Vec<Scenario>> {
        let mut scenarios = self
            .query_all(self.query_partition(items::SCENARIOS))
            .await?
            .iter()
            .map(items::parse_scenario)
            .collect::<StoreResult<Vec<_>>>()?;
        scenarios.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(scenarios)
    }

    /// The count is read before the write: two additions at the same moment
    /// could make 51, which does the secretariat no harm.
    async fn add_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        if self.scenarios().await?.len() >= MAX_SCENARIOS {
            return Err(too_many_scenarios());
        }
        self.put(items::scenario_item(scenario)?).await
    }

    async fn save_scenario(&self, scenario: &Scenario) -> StoreResult<()> {
        self.replace(items::scenario_item(scenario)?, no_such_scenario).await
    }

    async fn delete_scenario(&self, id: &ScenarioId) -> StoreResult<()> {
        self.remove(items::scenario_key(id), no_such_scenario).await
    }
}

#[async_trait]
impl Calendars for DynamoStore {
    async fn calendars(&self) -> StoreResult<Vec<Subscription>> {
        let mut calendars = self
            .query_all(self.query_partition(items::CALENDARS))
            .await?
            .iter()
            .map(items::parse_calendar)
            .collect::<StoreResult<Vec<_>>>()?;
        calendars.sort_by(|a, b| (a.added_at, &a.id).cmp(&(b.added_at, &b.id)));
        Ok(calendars)
    }

    /// The count is read before the write: two additions at the same moment
    /// could make eleven, which only the coordinator herself can cause.
    async fn add_calendar(&self, calendar: &Subscription) -> StoreResult<()> {
        if self.calendars().await?.len() >= MAX_CALENDARS {
            return Err(too_many_calendars());
        }
        self.put(items::calendar_item(calendar)?).await
    }

    async fn save_calendar(&self, calendar: &Subscription) -> StoreResult<()> {
        self.replace(items::calendar_item(calendar)?, no_such_calendar).await
    }

    async fn delete_calendar(&self, id: &CalendarId) -> StoreResult<()> {
        self.remove(items::calendar_key(id), no_such_calendar).await
    }
}

#[async_trait]
impl ManageLinks for DynamoStore {
    async fn add_manage_link(&self, link: &ManageLink) -> StoreResult<()> {
        self.put(items::manage_link_item(link)).await
    }

    async fn manage_link(&self, hash: &str) -> StoreResult<ManageLink> {
        match self.get(items::manage_link_key(hash)).await? {
            Some(item) => items::parse_manage_link(&item),
            None => Err(StoreError::NotFound("there is no such manage link".into())),
        }
    }

    /// Through the index, which is eventually consistent: a link recorded in
    /// the last second may escape, so the coordinator's view says to revoke
    /// again after a mail just went out.
    async fn revoke_manage_links(&self, booking: &BookingId) -> StoreResult<u32> {
        let query = self
            .client
            .query()
            .table_name(&*self.table)
            .index_name(items::BY_MUNICIPALITY)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", items::GSI2PK)
            .expression_attribute_values(":pk", s(items::manage_links_of(booking)));
        let mut revoked = 0;
        for item in self.query_all(query).await? {
            let link = items::parse_manage_link(&item)?;
            self.client
                .delete_item()
                .table_name(&*self.table)
                .set_key(Some(items::manage_link_key(&link.hash)))
                .send()
                .await
                .map_err(|e| sdk_error("DeleteItem", e))?;
            revoked += 1;
        }
        Ok(revoked)
    }
}
