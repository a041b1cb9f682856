//! The records of background tasks (`GET /api/v2/tasks/{id}`) and the parts of exports.

use serde_json::Value;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::ApiResult;
use tributary_store::{keys, n, s, Item, Store};

/// A task's record as `GET /api/v2/tasks/{id}` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    pub id: String,
    pub status: String,
    pub result: Option<Value>,
    pub error: Option<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

fn parse(item: &Item) -> Option<TaskRecord> {
    let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
    let num = |k: &str| {
        item.get(k)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Some(TaskRecord {
        id: text("task_id")?,
        status: text("status")?,
        result: text("result").and_then(|r| serde_json::from_str(&r).ok()),
        error: text("error"),
        created_at: num("created_at"),
        updated_at: num("updated_at"),
    })
}

/// Creates a task's record, `waiting`.
pub async fn create(store: &Store, id: &str, kind: &str, user_id: &str) -> ApiResult<()> {
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
    store.put_item("create task", item).await
}

/// Sets a task's status, with its result or the error it last met.
pub async fn set_status(
    store: &Store,
    id: &str,
    status: &str,
    result: Option<Value>,
    error: Option<&str>,
) -> ApiResult<()> {
    let mut set = vec!["#status = :status", "updated_at = :now"];
    let mut request = store
        .update(keys::task(id))
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
    let request = request.update_expression(format!("SET {}", set.join(", ")));
    store.run("update task", request).await.map(|_| ())
}

pub async fn get(store: &Store, id: &str) -> ApiResult<Option<TaskRecord>> {
    let item = store.get_raw("get task", keys::task(id), true).await?;
    Ok(item.as_ref().and_then(parse))
}

/// Stores one part of an export (a step's worth), keyed by step so a repeated step
/// overwrites rather than duplicates.
pub async fn put_part(store: &Store, id: &str, seq: u64, part: &Value) -> ApiResult<()> {
    let mut item = keys::task_part(id, seq).to_item();
    item.insert("part".into(), s(part.to_string()));
    store.put_item("store export part", item).await
}

/// Every part of an export, in order.
pub async fn parts(store: &Store, id: &str) -> ApiResult<Vec<Value>> {
    let query = store
        .query()
        .key_condition_expression("pk = :pk AND begins_with(sk, :part)")
        .expression_attribute_values(":pk", s(keys::task(id).pk))
        .expression_attribute_values(":part", s("PART#"));
    let items = store.query_all("read export parts", query).await?;
    Ok(items
        .iter()
        .filter_map(|item| {
            item.get("part")
                .and_then(|p| p.as_s().ok())
                .and_then(|p| serde_json::from_str(p).ok())
        })
        .collect())
}
