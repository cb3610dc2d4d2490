//! `infra/template.yaml` against the code it deploys: one source of truth.
//!
//! - The DynamoDB table in the template has exactly the keys, attribute
//!   definitions, global secondary indexes (names, key schemas, projections)
//!   and billing mode that `DynamoStore` creates locally
//!   ([`DynamoStore::table_definition`]), plus the production settings the
//!   local tables lack (point-in-time recovery, deletion protection, Retain).
//! - The function's IAM policy allows exactly the DynamoDB actions the store's
//!   code sends (read from `backend/src/store/dynamo/`), on the table and its
//!   indexes only.
//! - The function's package, runtime and environment are the ones the binary
//!   and `cargo xtask lambda` agree on; the token secret is a Secrets Manager
//!   reference, never a value.
//!
//! The template is read with `serde_norway` (a maintained `serde_yaml`), which
//! keeps CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) as tagged
//! values; [`to_json`] turns them into the long form (`{"Ref": …}`,
//! `{"Fn::Sub": …}`), the shape of a template in JSON.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use dk2020_api::store::DynamoStore;
use serde_json::{Value, json};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("backend/ is inside the workspace").to_path_buf()
}

/// The template as JSON, short-form tags turned into the long form.
fn template() -> Value {
    let path = workspace_root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let yaml: serde_norway::Value =
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    to_json(yaml)
}

/// YAML to JSON, with CloudFormation's short-form tags in their long form.
fn to_json(yaml: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                json!(n.as_f64())
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!').to_string();
            let value = to_json(tagged.value);
            match name.as_str() {
                "Ref" | "Condition" => json!({ name: value }),
                // `!GetAtt Resource.Attribute` is `{"Fn::GetAtt": ["Resource", "Attribute"]}`.
                "GetAtt" => match value {
                    Value::String(s) => {
                        let (resource, attribute) = s.split_once('.').unwrap_or((s.as_str(), ""));
                        json!({ "Fn::GetAtt": [resource, attribute] })
                    }
                    other => json!({ "Fn::GetAtt": other }),
                },
                _ => json!({ format!("Fn::{name}"): value }),
            }
        }
    }
}

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
const TABLE_MANAGEMENT: &[&str] = &["create_table", "describe_table", "delete_table", "wait_until_table_exists"];

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

/// The statement with `sid` of the inline policy `policy` of the function's role.
fn role_statement<'a>(template: &'a Value, policy: &str, sid: &str) -> &'a Value {
    let (_, function) = the_resource(template, "AWS::Serverless::Function");
    let role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
        .as_str()
        .expect("the function's Role is !GetAtt <a role of this template>.Arn");
    let role = &template["Resources"][role_id];
    assert_eq!(role["Type"], "AWS::IAM::Role", "{role_id} is the function's role");
    let policies = role["Properties"]["Policies"].as_array().expect("the role has inline Policies");
    let document = &policies
        .iter()
        .find(|p| p["PolicyName"] == policy)
        .unwrap_or_else(|| panic!("{role_id} has no inline policy {policy:?}"))["PolicyDocument"];
    document["Statement"]
        .as_array()
        .expect("a policy has Statements")
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("{role_id}'s policy {policy:?} has no statement {sid:?}"))
}

fn action_set(statement: &Value) -> BTreeSet<String> {
    match &statement["Action"] {
        Value::String(a) => [a.clone()].into(),
        Value::Array(list) => list.iter().map(|a| a.as_str().expect("an action is a string").to_string()).collect(),
        other => panic!("unexpected Action {other}"),
    }
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

#[test]
fn the_function_may_do_exactly_what_the_store_does() {
    let template = template();
    let (needed, queries_an_index) = store_actions();
    assert!(needed.contains("dynamodb:GetItem"), "the scan of the store's code found nothing: {needed:?}");

    let items = role_statement(&template, "table", "Items");
    assert_eq!(items["Effect"], "Allow");
    assert_eq!(
        action_set(items),
        needed,
        "the function's DynamoDB actions (infra/template.yaml, ApiRole) differ from what backend/src/store/dynamo/ \
         sends"
    );
    let table_id = the_resource(&template, "AWS::DynamoDB::Table").0;
    let on_items = resource_texts(&items["Resource"]);
    assert!(on_items.iter().all(|r| !r.contains('*')), "the table actions name one table: {on_items:?}");
    assert!(on_items.contains(&format!("${{{table_id}.Arn}}")), "the table actions are on {table_id}: {on_items:?}");

    let indexes = role_statement(&template, "table", "Indexes");
    assert_eq!(action_set(indexes), [String::from("dynamodb:Query")].into(), "only queries on the indexes");
    assert!(queries_an_index, "the store queries no index any more: drop the Indexes statement");
    for r in resource_texts(&indexes["Resource"]) {
        assert!(r.ends_with("/index/*"), "the index statement names the table's indexes only: {r}");
    }

    // Logs: its own log group only.
    let logs = role_statement(&template, "logs", "OwnLogGroup");
    assert_eq!(action_set(logs), ["logs:CreateLogStream".to_string(), "logs:PutLogEvents".to_string()].into());
    let (_, function) = the_resource(&template, "AWS::Serverless::Function");
    let log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        .as_str()
        .expect("the function logs to a log group of this template (LoggingConfig.LogGroup: !Ref …)");
    assert_eq!(template["Resources"][log_group]["Type"], "AWS::Logs::LogGroup");
    assert_eq!(resource_texts(&logs["Resource"]), [format!("${{{log_group}.Arn}}")], "logs: its own log group");
}

#[test]
fn the_function_never_manages_the_table() {
    // The Lambda entry builds its store with `Config::open_store` and serves;
    // creating, describing or deleting the table is left to the stack.
    for file in ["backend/src/lambda.rs", "backend/src/config.rs"] {
        let source = std::fs::read_to_string(workspace_root().join(file)).expect("a source file");
        for call in ["create_table_if_missing", "delete_table", "describe_table"] {
            assert!(!source.contains(call), "{file} calls {call}: grant it in infra/template.yaml (and here) first");
        }
    }
}

#[test]
fn the_function_is_the_package_xtask_builds() {
    let template = template();
    let (id, function) = the_resource(&template, "AWS::Serverless::Function");
    let p = &function["Properties"];
    // `cargo xtask lambda` writes this zip (xtask/src/lambda.rs), relative to infra/.
    assert_eq!(p["CodeUri"], "../target/lambda/dk2020-api/bootstrap.zip", "{id}: CodeUri");
    assert_eq!(p["Handler"], "bootstrap", "{id}: Handler");
    assert_eq!(p["Runtime"], "provided.al2023", "{id}: Runtime");
    assert_eq!(p["Architectures"], json!(["arm64"]), "{id}: Architectures");
    let memory = p["MemorySize"].as_u64().expect("MemorySize is set");
    let timeout = p["Timeout"].as_u64().expect("Timeout is set");
    assert!((128..=1024).contains(&memory) && (3..=29).contains(&timeout), "{id}: {memory} MB, {timeout} s");

    let env = &p["Environment"]["Variables"];
    assert_eq!(env["DK2020_STORE"], "dynamodb", "{id}: the DynamoDB store");
    assert!(env.get("DK2020_TABLE").is_some() && env.get("DK2020_ALLOWED_ORIGINS").is_some(), "{id}: {env}");
    // The secret is resolved from Secrets Manager at deploy time, never written down.
    let secret = env["DK2020_JWT_SECRET"]["Fn::Sub"].as_str().expect("DK2020_JWT_SECRET is a !Sub of a reference");
    assert!(
        secret.starts_with("{{resolve:secretsmanager:") && secret.ends_with("}}"),
        "{id}: DK2020_JWT_SECRET must be a Secrets Manager dynamic reference, not {secret:?}"
    );
    assert!(env.get("DK2020_DB").is_none() && env.get("DK2020_NOW").is_none(), "{id}: no local settings");
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
