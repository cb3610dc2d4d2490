//! The table definition, in one place: `serve --create-table`, the tests'
//! fresh tables and (checked against it) `infra/template.yaml` all use it.

use std::time::Duration;

use aws_sdk_dynamodb::{
    Client,
    client::Waiters,
    error::ProvideErrorMetadata,
    types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
        ScalarAttributeType, TableStatus, TimeToLiveSpecification,
    },
};
use serde_json::{Value, json};

use super::{errors::sdk_error, items};
use crate::store::{StoreError, StoreResult};

/// A secondary index: string keys, every attribute projected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: &'static str,
    pub partition_key: &'static str,
    pub sort_key: &'static str,
}

/// The table: string partition and sort keys, two global secondary indexes
/// (both `ProjectionType: ALL`), on-demand billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDefinition {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [IndexDefinition],
    /// `PAY_PER_REQUEST`: a few hundred bookings a year need no provisioning.
    pub billing_mode: &'static str,
    /// The time-to-live attribute (epoch seconds): sessions and revoked
    /// tokens are removed by DynamoDB some time after it.
    pub ttl_attribute: &'static str,
}

/// The one table of the DynamoDB store.
pub const TABLE: TableDefinition = TableDefinition {
    partition_key: items::PK,
    sort_key: items::SK,
    indexes: &[
        IndexDefinition { name: items::BY_END, partition_key: items::GSI1PK, sort_key: items::GSI1SK },
        IndexDefinition { name: items::BY_MUNICIPALITY, partition_key: items::GSI2PK, sort_key: items::GSI2SK },
    ],
    billing_mode: "PAY_PER_REQUEST",
    ttl_attribute: items::TTL,
};

impl TableDefinition {
    /// Every key attribute (of the table and the indexes); all are strings.
    pub fn key_attributes(&self) -> Vec<&'static str> {
        let mut names = vec![self.partition_key, self.sort_key];
        for index in self.indexes {
            names.extend([index.partition_key, index.sort_key]);
        }
        names
    }

    /// The same definition as the `Properties` of an `AWS::DynamoDB::Table`
    /// in CloudFormation/SAM (without `TableName` and options such as point-in-time
    /// recovery), for comparing with `infra/template.yaml`.
    pub fn cloudformation_properties(&self) -> Value {
        let key_schema = |pk: &str, sk: &str| {
            json!([
                {"AttributeName": pk, "KeyType": "HASH"},
                {"AttributeName": sk, "KeyType": "RANGE"},
            ])
        };
        json!({
            "BillingMode": self.billing_mode,
            "AttributeDefinitions": self
                .key_attributes()
                .into_iter()
                .map(|name| json!({"AttributeName": name, "AttributeType": "S"}))
                .collect::<Vec<_>>(),
            "KeySchema": key_schema(self.partition_key, self.sort_key),
            "GlobalSecondaryIndexes": self
                .indexes
                .iter()
                .map(|i| json!({
                    "IndexName": i.name,
                    "KeySchema": key_schema(i.partition_key, i.sort_key),
                    "Projection": {"ProjectionType": "ALL"},
                }))
                .collect::<Vec<_>>(),
            "TimeToLiveSpecification": {"AttributeName": self.ttl_attribute, "Enabled": true},
        })
    }
}

fn build_err(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Internal(anyhow::Error::new(e).context("building a DynamoDB request"))
}

fn key_schema(pk: &str, sk: &str) -> StoreResult<Vec<KeySchemaElement>> {
    Ok(vec![
        KeySchemaElement::builder().attribute_name(pk).key_type(KeyType::Hash).build().map_err(build_err)?,
        KeySchemaElement::builder().attribute_name(sk).key_type(KeyType::Range).build().map_err(build_err)?,
    ])
}

/// Creates the table `name` with [`TABLE`] unless it exists, and waits until
/// it is active. Returns whether it was created now.
pub async fn create_if_missing(client: &Client, name: &str) -> StoreResult<bool> {
    match client.describe_table().table_name(name).send().await {
        Ok(out) => {
            if out.table().and_then(|t| t.table_status()) != Some(&TableStatus::Active) {
                wait_until_active(client, name).await?;
            }
            return Ok(false);
        }
        Err(e) if e.code() == Some("ResourceNotFoundException") => {}
        Err(e) => return Err(sdk_error("DescribeTable", e)),
    }
    let mut request = client.create_table().table_name(name).billing_mode(BillingMode::PayPerRequest);
    for attribute in TABLE.key_attributes() {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attribute)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_err)?,
        );
    }
    request = request.set_key_schema(Some(key_schema(TABLE.partition_key, TABLE.sort_key)?));
    for index in TABLE.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.partition_key, index.sort_key)?))
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
                .build()
                .map_err(build_err)?,
        );
    }
    let created = match request.send().await {
        Ok(_) => true,
        // Someone else created it meanwhile (another `serve --create-table`).
        Err(e) if e.code() == Some("ResourceInUseException") => false,
        Err(e) => return Err(sdk_error("CreateTable", e)),
    };
    wait_until_active(client, name).await?;
    if created {
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(TABLE.ttl_attribute)
            .enabled(true)
            .build()
            .map_err(build_err)?;
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| sdk_error("UpdateTimeToLive", e))?;
    }
    Ok(created)
}

async fn wait_until_active(client: &Client, name: &str) -> StoreResult<()> {
    client.wait_until_table_exists().table_name(name).wait(Duration::from_secs(120)).await.map_err(|e| {
        StoreError::Unavailable(format!(
            "the DynamoDB table {name} did not become active: {}",
            aws_sdk_dynamodb::error::DisplayErrorContext(e)
        ))
    })?;
    Ok(())
}
