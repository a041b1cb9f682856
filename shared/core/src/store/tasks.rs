//! Background tasks' records and their export parts.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use serde_json::Value;

use super::capacity::Kind;
use super::{n, s, sdk_error, Store};
use crate::keys;
use crate::time::now_nanos;
use crate::user_data::{parse_task, TaskRecord};
use crate::ApiResult;

impl Store {
    /// Creates a task's record, `waiting`.
    pub async fn create_task(&self, id: &str, kind: &str, user_id: &str) -> ApiResult<()> {
        let now = now_nanos();
        let mut item = keys::task(id).to_item();
        for (k, v) in [
            ("task_id", id),
            ("kind", kind),
            ("user_id", user_id),
            ("status", "waiting"),
        ] {
            item.insert(k.into(), s(v));
        }
        item.insert("created_at".into(), n(now));
        item.insert("updated_at".into(), n(now));
        let out = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error("create task", e))?;
        self.meter.record(Kind::Write, out.consumed_capacity());
        Ok(())
    }

    pub async fn set_task_status(
        &self,
        id: &str,
        status: &str,
        result: Option<Value>,
        error: Option<&str>,
    ) -> ApiResult<()> {
        let mut set = vec!["#status = :status", "updated_at = :now"];
        let mut request = self
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::task(id).to_item()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status))
            .expression_attribute_values(":now", n(now_nanos()));
        if let Some(result) = result {
            set.push("#result = :result");
            request = request
                .expression_attribute_names("#result", "result")
                .expression_attribute_values(":result", s(result.to_string()));
        }
        if let Some(error) = error {
            set.push("#error = :error");
            request = request
                .expression_attribute_names("#error", "error")
                .expression_attribute_values(":error", s(error));
        }
        let out = request
            .update_expression(format!("SET {}", set.join(", ")))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error("update task", e))?;
        self.meter.record(Kind::Write, out.consumed_capacity());
        Ok(())
    }

    pub async fn get_task(&self, id: &str) -> ApiResult<Option<TaskRecord>> {
        let out = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(keys::task(id).to_item()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error("get task", e))?;
        self.meter.record(Kind::Read, out.consumed_capacity());
        Ok(out.item.as_ref().and_then(parse_task))
    }

    /// Stores one part of an export (a step's worth), keyed by step so a repeated step
    /// overwrites rather than duplicates.
    pub async fn put_task_part(&self, id: &str, seq: u64, part: &Value) -> ApiResult<()> {
        let mut item = keys::task_part(id, seq).to_item();
        item.insert("part".into(), s(part.to_string()));
        let out = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error("store export part", e))?;
        self.meter.record(Kind::Write, out.consumed_capacity());
        Ok(())
    }

    /// Every part of an export, in order.
    pub async fn task_parts(&self, id: &str) -> ApiResult<Vec<Value>> {
        let mut parts = Vec::new();
        let mut start: Option<std::collections::HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(self.table())
                .key_condition_expression("pk = :pk AND begins_with(sk, :part)")
                .expression_attribute_values(":pk", s(keys::task(id).pk))
                .expression_attribute_values(":part", s("PART#"))
                .set_exclusive_start_key(start.take())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|e| sdk_error("read export parts", e))?;
            self.meter.record(Kind::Read, out.consumed_capacity());
            for item in out.items.unwrap_or_default() {
                if let Some(part) = item
                    .get("part")
                    .and_then(|p| p.as_s().ok())
                    .and_then(|p| serde_json::from_str(p).ok())
                {
                    parts.push(part);
                }
            }
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(parts),
            }
        }
    }
}
