//! `infra/template.yaml` against the code it deploys: one source of truth.
//!
//! - The DynamoDB table in the template has exactly the keys, attribute
//!   definitions, global secondary indexes (names, key schemas, projections)
//!   and billing mode that `DynamoStore` creates locally
//!   ([`DynamoStore::table_definition`]), plus the production settings the
//!   local tables lack (point-in-time recovery, deletion protection, Retain).
//! - Each function's IAM policy allows exactly the DynamoDB actions its code
//!   sends, on the table and its indexes only: the API's, every action of the
//!   store (read from `backend/src/store/dynamo/`); the mailer's, those of the
//!   store methods the sender calls (read from `backend/src/mail.rs`;
//!   `tests/ses.rs` also checks them against the requests it really makes).
//! - Each function's package, runtime and environment are the ones its binary
//!   and `cargo xtask lambda` agree on; the token secret is a Secrets Manager
//!   reference, never a value.
//! - The mailer is woken by the table's keys-only stream, filtered to new due
//!   outbox items, and by a schedule; it runs one at a time; it may send
//!   through the configured SES identity only, from the one address.
//!
//! The template is read as JSON by `support/template.rs`.

use std::collections::BTreeSet;

use dk2020_api::store::DynamoStore;
use serde_json::{Value, json};

#[path = "support/template.rs"]
mod template_support;

use template_support::{action_set, role_statement, template, workspace_root};

/// The API's function and the mailer's (logical ids in infra/template.yaml).
const API: &str = "ApiFunction";
const MAILER: &str = "MailerFunction";
const CALENDARS: &str = "CalendarsFunction";
const RETENTION: &str = "RetentionFunction";

/// The resources of `template` of CloudFormation type `kind`, by logical id.
fn resources_of_type<'a>(template: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    template["Resources"]
        .as_object()
        .expect("the template has Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The one resource of type `kind`.
fn the_resource<'a>(template: &'a Value, kind: &str) -> (&'a str, &'a Value) {
    let found = resources_of_type(template, kind);
    assert_eq!(found.len(), 1, "expected exactly one {kind} in infra/template.yaml, found {found:?}");
    found[0]
}

/// `list` sorted by the string at `key` of each element (CloudFormation does
/// not care about the order of attribute definitions or indexes).
fn sorted_by(list: &Value, key: &str) -> Vec<Value> {
    let mut items = list.as_array().unwrap_or_else(|| panic!("expected a list, got {list}")).clone();
    items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
    items
}

#[test]
fn the_table_is_the_one_dynamo_store_creates() {
    let template = template();
    let (id, table) = the_resource(&template, "AWS::DynamoDB::Table");
    let properties = &table["Properties"];
    let expected = DynamoStore::table_definition().cloudformation_properties();

    assert_eq!(properties["BillingMode"], expected["BillingMode"], "{id}: BillingMode");
    assert_eq!(properties["KeySchema"], expected["KeySchema"], "{id}: KeySchema (order matters: HASH, then RANGE)");
    assert_eq!(
        sorted_by(&properties["AttributeDefinitions"], "AttributeName"),
        sorted_by(&expected["AttributeDefinitions"], "AttributeName"),
        "{id}: AttributeDefinitions"
    );
    assert_eq!(
        sorted_by(&properties["GlobalSecondaryIndexes"], "IndexName"),
        sorted_by(&expected["GlobalSecondaryIndexes"], "IndexName"),
        "{id}: GlobalSecondaryIndexes (names, key schemas, projections)"
    );
    assert_eq!(
        properties["TimeToLiveSpecification"], expected["TimeToLiveSpecification"],
        "{id}: TimeToLiveSpecification (sessions and revoked tokens expire by it)"
    );
    // Nothing else that shapes the table or its capacity.
    for absent in ["LocalSecondaryIndexes", "ProvisionedThroughput"] {
        assert!(properties.get(absent).is_none(), "{id}: {absent} is not part of DynamoStore's table");
    }
    // The definition the test compares with is itself complete.
    for key in expected.as_object().expect("an object").keys() {
        assert!(properties.get(key).is_some(), "{id}: {key} is missing");
    }
}

#[test]
fn the_table_survives_mistakes() {
    let template = template();
    let (id, table) = the_resource(&template, "AWS::DynamoDB::Table");
    assert_eq!(table["DeletionPolicy"], "Retain", "{id}: DeletionPolicy");
    assert_eq!(table["UpdateReplacePolicy"], "Retain", "{id}: UpdateReplacePolicy");
    let properties = &table["Properties"];
    assert_eq!(properties["DeletionProtectionEnabled"], true, "{id}: DeletionProtectionEnabled");
    assert_eq!(
        properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true,
        "{id}: point-in-time recovery"
    );
    assert_eq!(properties["BillingMode"], "PAY_PER_REQUEST", "{id}: on-demand capacity");
}

/// The IAM action(s) of a DynamoDB client call in the store's code.
fn actions_of_operation(operation: &str) -> Option<&'static [&'static str]> {
    Some(match operation {
        "get_item" => &["dynamodb:GetItem"],
        "put_item" => &["dynamodb:PutItem"],
        "update_item" => &["dynamodb:UpdateItem"],
        "delete_item" => &["dynamodb:DeleteItem"],
        "query" => &["dynamodb:Query"],
        "scan" => &["dynamodb:Scan"],
        "batch_get_item" => &["dynamodb:BatchGetItem"],
        "batch_write_item" => &["dynamodb:BatchWriteItem"],
        // Authorised per item: the item kinds are counted below.
        "transact_get_items" => &["dynamodb:GetItem"],
        "transact_write_items" => &[],
        _ => return None,
    })
}

/// Calls that manage the table itself. Only `serve --create-table` and the
/// tests make them (`DynamoStore::create_table_if_missing`, `delete_table`);
/// the function never does (checked below), and the stack creates the table.
const TABLE_MANAGEMENT: &[&str] =
    &["create_table", "describe_table", "delete_table", "wait_until_table_exists", "update_time_to_live"];

/// The items a `TransactWriteItems` may hold, as built in the store's code.
const TRANSACTION_ITEMS: &[(&str, &str)] = &[
    ("Put::builder()", "dynamodb:PutItem"),
    ("Update::builder()", "dynamodb:UpdateItem"),
    ("Delete::builder()", "dynamodb:DeleteItem"),
    ("ConditionCheck::builder()", "dynamodb:ConditionCheckItem"),
];

/// Every `client.<operation>()` call in `source` (whitespace removed first, so
/// that chains split over lines are found too).
fn client_calls(source: &str) -> Vec<String> {
    let compact: String = source.chars().filter(|c| !c.is_whitespace()).collect();
    let mut calls = Vec::new();
    let mut rest = compact.as_str();
    while let Some(at) = rest.find("client.") {
        rest = &rest[at + "client.".len()..];
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() && rest[name.len()..].starts_with("()") {
            calls.push(name);
        }
    }
    calls
}

/// The IAM actions the store's code needs on the table, and whether it queries an index.
fn store_actions() -> (BTreeSet<String>, bool) {
    let dir = workspace_root().join("backend/src/store/dynamo");
    let mut actions = BTreeSet::new();
    let mut queries_an_index = false;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no source files in {}", dir.display());
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        for call in client_calls(&source) {
            if TABLE_MANAGEMENT.contains(&call.as_str()) {
                continue;
            }
            let Some(needed) = actions_of_operation(&call) else {
                panic!(
                    "{}: the store calls `client.{call}()`, which this test does not know: add its IAM action(s) \
                     to `actions_of_operation` and to the function's policy in infra/template.yaml",
                    file.display()
                );
            };
            actions.extend(needed.iter().map(|a| a.to_string()));
            if call == "transact_write_items" || source.contains("TransactWriteItem::builder()") {
                for (builder, action) in TRANSACTION_ITEMS {
                    if source.contains(builder) {
                        actions.insert(action.to_string());
                    }
                }
            }
        }
        // A query on a global secondary index names it with `.index_name(…)`.
        queries_an_index |= source.chars().filter(|c| !c.is_whitespace()).collect::<String>().contains(".index_name(");
    }
    (actions, queries_an_index)
}

/// The logical ids and ARN patterns a `Resource` names (through `!If`, `!GetAtt`, `!Sub`).
fn resource_texts(resource: &Value) -> Vec<String> {
    match resource {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list.iter().flat_map(resource_texts).collect(),
        Value::Object(map) => {
            if let Some(Value::Array(branches)) = map.get("Fn::If") {
                branches.iter().skip(1).flat_map(resource_texts).collect()
            } else if let Some(Value::Array(get_att)) = map.get("Fn::GetAtt") {
                vec![format!("${{{}}}", get_att.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("."))]
            } else if let Some(sub) = map.get("Fn::Sub") {
                resource_texts(sub)
            } else {
                panic!("unexpected Resource {resource}")
            }
        }
        other => panic!("unexpected Resource {other}"),
    }
}

/// The function `id` of the template.
fn function<'a>(template: &'a Value, id: &str) -> &'a Value {
    let function = &template["Resources"][id];
    assert_eq!(function["Type"], "AWS::Serverless::Function", "{id} is a function of infra/template.yaml");
    function
}

/// The logical id of the role of function `id` (`Role: !GetAtt <role>.Arn`).
fn role_of<'a>(template: &'a Value, id: &str) -> &'a str {
    function(template, id)["Properties"]["Role"]["Fn::GetAtt"][0]
        .as_str()
        .unwrap_or_else(|| panic!("{id}'s Role is !GetAtt <a role of this template>.Arn"))
}

#[test]
fn there_are_exactly_the_four_functions() {
    let template = template();
    let ids: BTreeSet<&str> =
        resources_of_type(&template, "AWS::Serverless::Function").into_iter().map(|f| f.0).collect();
    assert_eq!(ids, [API, MAILER, CALENDARS, RETENTION].into(), "the API, the mailer, the calendars, the retention");
    let roles: BTreeSet<&str> = [API, MAILER, CALENDARS, RETENTION].iter().map(|f| role_of(&template, f)).collect();
    assert_eq!(roles.len(), 4, "each function has a role of its own");
}

/// The table statements of `role`'s policy: `Items` exactly `needed` on the
/// one table, `Indexes` only queries on its indexes; logs on its own group.
fn check_role(template: &Value, function_id: &str, needed: &BTreeSet<String>) {
    let role = role_of(template, function_id);
    let items = role_statement(template, role, "table", "Items");
    assert_eq!(items["Effect"], "Allow");
    assert_eq!(
        action_set(items),
        *needed,
        "{role}'s DynamoDB actions (infra/template.yaml) differ from what its code sends"
    );
    let table_id = the_resource(template, "AWS::DynamoDB::Table").0;
    let on_items = resource_texts(&items["Resource"]);
    assert!(on_items.iter().all(|r| !r.contains('*')), "{role}: the table actions name one table: {on_items:?}");
    assert!(
        on_items.contains(&format!("${{{table_id}.Arn}}")),
        "{role}: the table actions are on {table_id}: {on_items:?}"
    );

    let indexes = role_statement(template, role, "table", "Indexes");
    assert_eq!(action_set(indexes), [String::from("dynamodb:Query")].into(), "{role}: only queries on the indexes");
    for r in resource_texts(&indexes["Resource"]) {
        assert!(r.ends_with("/index/*"), "{role}: the index statement names the table's indexes only: {r}");
    }

    // Logs: its own log group only.
    let logs = role_statement(template, role, "logs", "OwnLogGroup");
    assert_eq!(action_set(logs), ["logs:CreateLogStream".to_string(), "logs:PutLogEvents".to_string()].into());
    let log_group =
        function(template, function_id)["Properties"]["LoggingConfig"]["LogGroup"]["Ref"].as_str().unwrap_or_else(
            || panic!("{function_id} logs to a log group of this template (LoggingConfig.LogGroup: !Ref …)"),
        );
    assert_eq!(template["Resources"][log_group]["Type"], "AWS::Logs::LogGroup");
    assert_eq!(
        resource_texts(&logs["Resource"]),
        [format!("${{{log_group}.Arn}}")],
        "{role}: logs on its own log group"
    );
}

#[test]
fn the_api_function_may_do_exactly_what_the_store_does() {
    let template = template();
    let (needed, queries_an_index) = store_actions();
    assert!(needed.contains("dynamodb:GetItem"), "the scan of the store's code found nothing: {needed:?}");
    assert!(queries_an_index, "the store queries no index any more: drop the Indexes statements");
    check_role(&template, API, &needed);
}

/// The IAM actions of each store method the sender's path calls (as
/// `backend/src/store/dynamo/mod.rs` implements them).
const SENDER_METHODS: &[(&str, &[&str])] = &[
    // Bookings starting within the reminder lead: a query of the by_end index.
    ("bookings", &["dynamodb:Query"]),
    ("booking", &["dynamodb:GetItem"]),
    // The message under each state's key, in one BatchGetItem.
    ("message", &["dynamodb:BatchGetItem"]),
    // The partition OUTBOX#due.
    ("due_messages", &["dynamodb:Query"]),
    // A TransactWriteItems: Put into the new state's partition, Delete from the others.
    ("update_message", &["dynamodb:PutItem", "dynamodb:DeleteItem"]),
    ("municipalities", &["dynamodb:Query"]),
    // `SettingsExt::setting`, through `setting_json`: a GetItem.
    ("setting", &["dynamodb:GetItem"]),
    // The key of a contact's manage link, recorded before its mail is sent.
    ("add_manage_link", &["dynamodb:PutItem"]),
];

/// Every `store.<method>` the code of `files` calls.
fn store_calls(files: &[&str]) -> BTreeSet<String> {
    let mut calls = BTreeSet::new();
    for file in files {
        let source = std::fs::read_to_string(workspace_root().join(file)).expect("a source file");
        let compact: String = source.chars().filter(|c| !c.is_whitespace()).collect();
        let mut rest = compact.as_str();
        while let Some(at) = rest.find("store.") {
            rest = &rest[at + "store.".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let after = &rest[name.len()..];
            // A call (`store.x(` or `store.x::<T>(`), not `store.as_ref()`.
            if !name.is_empty() && name != "as_ref" && (after.starts_with('(') || after.starts_with("::<")) {
                calls.insert(name);
            }
        }
    }
    calls
}

/// The DynamoDB actions of `calls`, as `methods` lists them; `role` names
/// the template's role to add an unknown one to.
fn actions_of(calls: &BTreeSet<String>, methods: &[(&str, &[&str])], role: &str) -> BTreeSet<String> {
    let mut needed = BTreeSet::new();
    for call in calls {
        let Some((_, actions)) = methods.iter().find(|(method, _)| method == call) else {
            panic!("the code calls `store.{call}`, which this test does not know: add its actions here and to {role}")
        };
        needed.extend(actions.iter().map(|a| a.to_string()));
    }
    needed
}

#[test]
fn the_mailer_may_do_exactly_what_the_sender_does() {
    let template = template();
    let calls = store_calls(&["backend/src/mail.rs", "backend/src/mailer.rs"]);
    assert!(calls.contains("due_messages"), "the scan of the sender's code found nothing: {calls:?}");
    let needed = actions_of(&calls, SENDER_METHODS, "MailerRole");
    let (store, _) = store_actions();
    assert!(needed.is_subset(&store), "the sender needs only what the store does: {needed:?} ⊄ {store:?}");
    check_role(&template, MAILER, &needed);
}

/// The IAM actions of each store method the calendar refresh calls
/// (`backend/src/subscriptions/mod.rs`).
const CALENDAR_METHODS: &[(&str, &[&str])] = &[
    // The partition CALENDARS.
    ("calendars", &["dynamodb:Query"]),
    ("calendar", &["dynamodb:Query"]),
    // A conditional PutItem (the subscription must still exist).
    ("save_calendar", &["dynamodb:PutItem"]),
    // Only the API adds one, but the same file says how: a Query (the count), a PutItem.
    ("add_calendar", &["dynamodb:Query", "dynamodb:PutItem"]),
];

#[test]
fn the_calendar_refresher_may_do_exactly_what_the_refresh_does_on_the_calendar_items_only() {
    let template = template();
    let needed = actions_of(&store_calls(&["backend/src/subscriptions/mod.rs"]), CALENDAR_METHODS, "CalendarsRole");
    assert!(needed.contains("dynamodb:PutItem"), "the scan found the refresh's writes: {needed:?}");
    let role = role_of(&template, CALENDARS);
    let items = role_statement(&template, role, "table", "Items");
    assert_eq!(action_set(items), needed, "{role}'s DynamoDB actions differ from what the refresh sends");
    assert_eq!(
        items["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"],
        json!(["CALENDARS"]),
        "{role}: only the partition of the calendar subscriptions"
    );
    let statements = template["Resources"][role]["Properties"]["Policies"].as_array().unwrap();
    let names: BTreeSet<&str> = statements.iter().filter_map(|p| p["PolicyName"].as_str()).collect();
    assert_eq!(names, ["logs", "table"].into(), "{role}: no stream, no SES, no index");
    check_package(&template, CALENDARS, "dk2020-calendars");
    let p = &function(&template, CALENDARS)["Properties"];
    assert_eq!(p["Events"]["Schedule"]["Properties"]["Schedule"], "rate(5 minutes)");
    let env = &p["Environment"]["Variables"];
    // Ten calendars, fetched one after another with the parse's 2 s, fit in the Timeout.
    let fetch: u64 =
        env["DK2020_CALENDAR_TIMEOUT_SECS"].as_str().and_then(|t| t.parse().ok()).expect("a fetch timeout");
    assert!(10 * (fetch + 2) <= p["Timeout"].as_u64().unwrap(), "{CALENDARS}: {fetch} s a calendar");
    let api = &function(&template, API)["Properties"];
    let api_fetch: u64 =
        api["Environment"]["Variables"]["DK2020_CALENDAR_TIMEOUT_SECS"].as_str().and_then(|t| t.parse().ok()).unwrap();
    assert!(api_fetch + 2 < api["Timeout"].as_u64().unwrap(), "{API}: an added calendar is fetched within the request");
    for absent in ["DK2020_JWT_SECRET", "DK2020_CALENDAR_ALLOW_PRIVATE", "DK2020_SMTP_URL"] {
        assert!(env.get(absent).is_none(), "{CALENDARS}: {absent}");
    }
}

/// The IAM actions of each store method the retention calls
/// (`backend/src/privacy.rs`, as `backend/src/store/dynamo/` implements them).
const RETENTION_METHODS: &[(&str, &[&str])] = &[
    // Through the by_end index.
    ("bookings", &["dynamodb:Query"]),
    // A GetItem, then one TransactWriteItems of the booking and the schedule's copy: two UpdateItems.
    ("erase_booking", &["dynamodb:GetItem", "dynamodb:UpdateItem"]),
    // Through the by_municipality index, then a DeleteItem each.
    ("revoke_manage_links", &["dynamodb:Query", "dynamodb:DeleteItem"]),
    // A Query of each delivery state's partition.
    ("all_messages", &["dynamodb:Query"]),
    // A TransactWriteItems deleting it from every state's partition.
    ("delete_message", &["dynamodb:DeleteItem"]),
    // A Query per month, and a conditional PutItem of an entry in its place.
    ("audit", &["dynamodb:Query"]),
    ("save_audit", &["dynamodb:PutItem"]),
    ("credentials", &["dynamodb:Query"]),
    ("delete_credential", &["dynamodb:DeleteItem"]),
    // Erasure on request only (the API's), in the same file.
    ("save_credential", &["dynamodb:PutItem"]),
];

#[test]
fn the_retention_may_do_exactly_what_the_retention_does() {
    let template = template();
    let needed = actions_of(&store_calls(&["backend/src/privacy.rs"]), RETENTION_METHODS, "RetentionRole");
    assert!(needed.contains("dynamodb:UpdateItem"), "the scan found the retention's writes: {needed:?}");
    let (store, _) = store_actions();
    assert!(needed.is_subset(&store), "the retention needs only what the store does: {needed:?} ⊄ {store:?}");
    check_role(&template, RETENTION, &needed);
    let role = role_of(&template, RETENTION);
    let statements = template["Resources"][role]["Properties"]["Policies"].as_array().unwrap();
    let names: BTreeSet<&str> = statements.iter().filter_map(|p| p["PolicyName"].as_str()).collect();
    assert_eq!(names, ["logs", "table"].into(), "{role}: no stream, no SES");
    check_package(&template, RETENTION, "dk2020-retention");
    let p = &function(&template, RETENTION)["Properties"];
    assert_eq!(p["Events"]["Schedule"]["Properties"]["Schedule"], "rate(1 day)");
    let env = &p["Environment"]["Variables"];
    assert_eq!(env["DK2020_RETENTION_MONTHS"], json!({"Ref": "RetentionMonths"}), "the notice and the erasing agree");
    let api_env = &function(&template, API)["Properties"]["Environment"]["Variables"];
    assert_eq!(api_env["DK2020_RETENTION_MONTHS"], env["DK2020_RETENTION_MONTHS"]);
    for absent in ["DK2020_JWT_SECRET", "DK2020_SMTP_URL", "DK2020_OIDC_CLIENT_SECRET"] {
        assert!(env.get(absent).is_none(), "{RETENTION}: {absent}");
    }
}

#[test]
fn the_mailer_reads_the_tables_keys_only_stream_and_nothing_else() {
    let template = template();
    let (table_id, table) = the_resource(&template, "AWS::DynamoDB::Table");
    assert_eq!(
        table["Properties"]["StreamSpecification"],
        json!({"StreamViewType": "KEYS_ONLY"}),
        "{table_id}: a stream of keys only (no personal data flows through it)"
    );
    let role = role_of(&template, MAILER);
    let read = role_statement(&template, role, "stream", "ReadStream");
    assert_eq!(
        action_set(read),
        ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"].map(String::from).into()
    );
    assert_eq!(resource_texts(&read["Resource"]), [format!("${{{table_id}.StreamArn}}")], "{role}: its table's stream");
    let list = role_statement(&template, role, "stream", "ListStreams");
    assert_eq!(action_set(list), [String::from("dynamodb:ListStreams")].into());
    assert_eq!(
        resource_texts(&list["Resource"]),
        [format!("${{{table_id}.Arn}}/stream/*")],
        "{role}: its table's streams"
    );
    // The API reads no stream and sends no mail.
    let api_role = &template["Resources"][role_of(&template, API)];
    let api_policies: Vec<&str> = api_role["Properties"]["Policies"]
        .as_array()
        .expect("policies")
        .iter()
        .filter_map(|p| p["PolicyName"].as_str())
        .collect();
    assert_eq!(api_policies, ["logs", "table"], "the API's role");
}

#[test]
fn the_mailer_wakes_on_new_due_outbox_items_and_on_a_schedule() {
    let template = template();
    let table_id = the_resource(&template, "AWS::DynamoDB::Table").0;
    let p = &function(&template, MAILER)["Properties"];
    let events = p["Events"].as_object().expect("the mailer has Events");
    assert_eq!(events.len(), 2, "a stream and a schedule: {events:?}");
    let (_, stream) = events.iter().find(|(_, e)| e["Type"] == "DynamoDB").expect("a DynamoDB stream event");
    let sp = &stream["Properties"];
    assert_eq!(sp["Stream"], json!({"Fn::GetAtt": [table_id, "StreamArn"]}), "the table's stream");
    let filters = sp["FilterCriteria"]["Filters"].as_array().expect("the stream event is filtered");
    assert_eq!(filters.len(), 1, "{filters:?}");
    let pattern: Value = serde_json::from_str(filters[0]["Pattern"].as_str().expect("a pattern is JSON text"))
        .expect("the filter pattern is JSON");
    // What the store writes for a booking change: a new item in the partition of due
    // messages (`items::outbox_partition` in backend/src/store/dynamo/items.rs).
    let due = format!("OUTBOX#{}", dk2020_model::outbox::Delivery::Due.as_str());
    assert_eq!(pattern, json!({"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [due]}}}}));
    assert!(sp["MaximumRetryAttempts"].as_u64().is_some_and(|n| n <= 5), "a failing batch is let go: {sp}");

    let (_, schedule) = events.iter().find(|(_, e)| e["Type"] == "Schedule").expect("a schedule event");
    let rate = schedule["Properties"]["Schedule"].as_str().expect("a schedule expression");
    let minutes: u64 = rate
        .strip_prefix("rate(")
        .and_then(|r| r.strip_suffix(" minutes)"))
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("a rate in minutes: {rate}"));
    assert!((1..=15).contains(&minutes), "every few minutes, for the retries: {rate}");

    // One invocation at a time: no two send the same message at once.
    assert_eq!(p["ReservedConcurrentExecutions"], 1, "{MAILER}: reserved concurrency");
}

#[test]
fn the_mailer_sends_only_from_the_configured_identity_and_address() {
    let template = template();
    let role = role_of(&template, MAILER);
    let send = role_statement(&template, role, "ses", "SendFromTheDomain");
    assert_eq!(send["Effect"], "Allow");
    assert_eq!(action_set(send), ["ses:SendEmail", "ses:SendRawEmail"].map(String::from).into());
    assert_eq!(
        resource_texts(&send["Resource"]),
        ["arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${SendingDomain}"],
        "{role}: the one identity"
    );
    let from = "${MailFromLocalPart}@${SendingDomain}";
    assert_eq!(send["Condition"], json!({"StringEquals": {"ses:FromAddress": {"Fn::Sub": from}}}), "{role}");
    // The address the condition allows is the one the mailer sends from.
    let env = &function(&template, MAILER)["Properties"]["Environment"]["Variables"];
    let mail_from = env["DK2020_MAIL_FROM"]["Fn::Sub"].as_str().expect("DK2020_MAIL_FROM is a !Sub");
    assert!(mail_from.ends_with(&format!("<{from}>")), "the mailer sends from {from}: {mail_from}");
    assert_eq!(template["Parameters"]["SendingDomain"]["Type"], "String");
}

#[test]
fn no_function_manages_the_table() {
    // The Lambda entries build their store with `Config::open_store` and serve
    // or send; creating, describing or deleting the table is left to the stack.
    for file in
        ["backend/src/lambda.rs", "backend/src/mailer.rs", "backend/src/bin/dk2020-mailer.rs", "backend/src/config.rs"]
    {
        let source = std::fs::read_to_string(workspace_root().join(file)).expect("a source file");
        for call in ["create_table_if_missing", "delete_table", "describe_table"] {
            assert!(!source.contains(call), "{file} calls {call}: grant it in infra/template.yaml (and here) first");
        }
    }
}

/// What both functions share: the zip `cargo xtask lambda` writes for `binary`, the runtime, sizes.
fn check_package(template: &Value, id: &str, binary: &str) {
    let p = &function(template, id)["Properties"];
    // `cargo xtask lambda` writes this zip (xtask/src/lambda.rs), relative to infra/.
    assert_eq!(p["CodeUri"], format!("../target/lambda/{binary}/bootstrap.zip"), "{id}: CodeUri");
    assert_eq!(p["Handler"], "bootstrap", "{id}: Handler");
    assert_eq!(p["Runtime"], "provided.al2023", "{id}: Runtime");
    assert_eq!(p["Architectures"], json!(["arm64"]), "{id}: Architectures");
    let memory = p["MemorySize"].as_u64().expect("MemorySize is set");
    let timeout = p["Timeout"].as_u64().expect("Timeout is set");
    assert!((128..=1024).contains(&memory) && (3..=120).contains(&timeout), "{id}: {memory} MB, {timeout} s");
    let env = &p["Environment"]["Variables"];
    assert_eq!(env["DK2020_STORE"], "dynamodb", "{id}: the DynamoDB store");
    assert!(env.get("DK2020_TABLE").is_some(), "{id}: {env}");
    assert!(env.get("DK2020_DB").is_none() && env.get("DK2020_NOW").is_none(), "{id}: no local settings");
}

#[test]
fn the_api_function_is_the_package_xtask_builds() {
    let template = template();
    check_package(&template, API, "dk2020-api");
    let p = &function(&template, API)["Properties"];
    // The HTTP API gives up at 30 s.
    assert!(p["Timeout"].as_u64().is_some_and(|t| t <= 29), "{API}: Timeout");
    let env = &p["Environment"]["Variables"];
    assert!(env.get("DK2020_ALLOWED_ORIGINS").is_some(), "{API}: {env}");
    // The secret is resolved from Secrets Manager at deploy time, never written down.
    let secret = env["DK2020_JWT_SECRET"]["Fn::Sub"].as_str().expect("DK2020_JWT_SECRET is a !Sub of a reference");
    assert!(
        secret.starts_with("{{resolve:secretsmanager:") && secret.ends_with("}}"),
        "{API}: DK2020_JWT_SECRET must be a Secrets Manager dynamic reference, not {secret:?}"
    );
}

#[test]
fn the_mailer_is_the_package_xtask_builds_and_sends_through_ses() {
    let template = template();
    check_package(&template, MAILER, "dk2020-mailer");
    let env = &function(&template, MAILER)["Properties"]["Environment"]["Variables"];
    assert_eq!(env["DK2020_MAIL_TRANSPORT"], "ses", "{MAILER}: {env}");
    for variable in ["DK2020_MAIL_FROM", "DK2020_COORDINATOR_EMAIL", "DK2020_COORDINATOR_NAME", "DK2020_REMINDER_HOURS"]
    {
        assert!(env.get(variable).is_some(), "{MAILER}: {variable}: {env}");
    }
    // The page of the manage link: the widget's own distribution.
    assert_eq!(
        env["DK2020_MANAGE_URL"],
        json!({"Fn::Sub": "https://${WidgetDistribution.DomainName}/manage.html?api=https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}"})
    );
    // The mailer signs no tokens and sends no SMTP.
    for absent in ["DK2020_JWT_SECRET", "DK2020_SMTP_URL", "DK2020_SMTP_PASSWORD"] {
        assert!(env.get(absent).is_none(), "{MAILER}: {absent}");
    }
}

#[test]
fn the_widget_bucket_is_private() {
    let template = template();
    let (id, bucket) = the_resource(&template, "AWS::S3::Bucket");
    let block = &bucket["Properties"]["PublicAccessBlockConfiguration"];
    for setting in ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"] {
        assert_eq!(block[setting], true, "{id}: {setting}");
    }
    assert!(bucket["Properties"]["BucketEncryption"].is_object(), "{id}: encryption");
    let (_, oac) = the_resource(&template, "AWS::CloudFront::OriginAccessControl");
    assert_eq!(oac["Properties"]["OriginAccessControlConfig"]["SigningBehavior"], "always");
}
