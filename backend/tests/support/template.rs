//! `infra/template.yaml` as JSON, for the tests that check it against the
//! code (`infra_template.rs`, and the mailer's requests in `ses.rs`).
//!
//! The template is read with `serde_norway` (a maintained `serde_yaml`), which
//! keeps CloudFormation's short-form tags (`!Ref`, `!Sub`, ...) as tagged
//! values; [`to_json`] turns them into the long form (`{"Ref": …}`,
//! `{"Fn::Sub": …}`), the shape of a template in JSON.

#![allow(dead_code)]

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

use serde_json::{Value, json};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("backend/ is inside the workspace").to_path_buf()
}

/// The template as JSON, short-form tags turned into the long form.
pub fn template() -> Value {
    let path = workspace_root().join("infra/template.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let yaml: serde_norway::Value =
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    to_json(yaml)
}

/// YAML to JSON, with CloudFormation's short-form tags in their long form.
pub fn to_json(yaml: serde_norway::Value) -> Value {
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

/// The statement with `sid` of the inline policy `policy` of the role `role_id`.
pub fn role_statement<'a>(template: &'a Value, role_id: &str, policy: &str, sid: &str) -> &'a Value {
    let role = &template["Resources"][role_id];
    assert_eq!(role["Type"], "AWS::IAM::Role", "{role_id} is a role of infra/template.yaml");
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

/// The actions of a statement.
pub fn action_set(statement: &Value) -> BTreeSet<String> {
    match &statement["Action"] {
        Value::String(a) => [a.clone()].into(),
        Value::Array(list) => list.iter().map(|a| a.as_str().expect("an action is a string").to_string()).collect(),
        other => panic!("unexpected Action {other}"),
    }
}
