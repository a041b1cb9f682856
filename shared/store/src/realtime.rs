//! Realtime connections and the feeds they watch. A connection's record says who it signed
//! in as; watching a feed writes two items (the feed's watcher, and the connection's note of
//! it, so closing the connection finds every watch with one Query). Everything expires by
//! TTL as a backstop: API Gateway closes every connection within two hours.

use aws_sdk_dynamodb::types::AttributeValue;
use tributary_domain::time::now_nanos;
use tributary_domain::ApiResult;

use crate::batch::WriteOp;
use crate::keys::{self, PK};
use crate::{n, s, Item, Store};

/// How long connection items are kept (a connection lives at most two hours).
const KEEP_SECS: i64 = 3 * 3600;
/// Watchers an event reaches per feed (one Query page).
pub const MAX_WATCHERS: i32 = 1000;

/// A connection that signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: String,
    pub user_id: String,
}

/// A connection watching a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watcher {
    pub connection_id: String,
    pub user_id: String,
}

fn expiry() -> AttributeValue {
    n(now_nanos() / 1_000_000_000 + KEEP_SECS)
}

fn with(key: keys::Key, attrs: &[(&str, AttributeValue)]) -> Item {
    let mut item = key.to_item();
    for (k, v) in attrs {
        item.insert((*k).to_string(), v.clone());
    }
    item.insert(keys::TTL.to_string(), expiry());
    item
}

fn text(item: &Item, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

impl Store {
    /// Records that `connection_id` signed in as `user_id`.
    pub async fn put_connection(&self, connection_id: &str, user_id: &str) -> ApiResult<()> {
        let item = with(
            keys::connection(connection_id),
            &[("user_id", s(user_id)), ("created_at", n(now_nanos()))],
        );
        self.put_item("put connection", item).await
    }

    /// The connection, once it has signed in.
    pub async fn get_connection(&self, connection_id: &str) -> ApiResult<Option<Connection>> {
        let item = self
            .get_raw("get connection", keys::connection(connection_id), true)
            .await?;
        Ok(item.map(|item| Connection {
            id: connection_id.to_string(),
            user_id: text(&item, "user_id"),
        }))
    }

    /// Subscribes a connection to a feed's events.
    pub async fn watch(&self, connection: &Connection, fid: &str) -> ApiResult<()> {
        let watcher = with(
            keys::watcher(fid, &connection.id),
            &[("user_id", s(&connection.user_id))],
        );
        let note = with(
            keys::connection_watch(&connection.id, fid),
            &[("fid", s(fid))],
        );
        self.batch_write(vec![WriteOp::Put(watcher), WriteOp::Put(note)])
            .await
    }

    /// Unsubscribes a connection from a feed's events.
    pub async fn unwatch(&self, connection_id: &str, fid: &str) -> ApiResult<()> {
        self.batch_write(vec![
            WriteOp::Delete(keys::watcher(fid, connection_id)),
            WriteOp::Delete(keys::connection_watch(connection_id, fid)),
        ])
        .await
    }

    /// The connections watching `fid` (at most [`MAX_WATCHERS`]).
    pub async fn watchers(&self, fid: &str) -> ApiResult<Vec<Watcher>> {
        let query = self
            .query()
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(keys::watchers_partition(fid)))
            .limit(MAX_WATCHERS);
        let page = self.query_page("feed watchers", query, None).await?;
        Ok(page
            .items
            .iter()
            .map(|item| Watcher {
                connection_id: text(item, keys::SK),
                user_id: text(item, "user_id"),
            })
            .collect())
    }

    /// Forgets a connection and every watch it held.
    pub async fn drop_connection(&self, connection_id: &str) -> ApiResult<()> {
        let query = self
            .query()
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(keys::connection_partition(connection_id)));
        let items = self.query_all("connection items", query).await?;
        let mut ops = Vec::new();
        for item in &items {
            let sk = text(item, keys::SK);
            if let Some(fid) = sk.strip_prefix("WATCH#") {
                ops.push(WriteOp::Delete(keys::watcher(fid, connection_id)));
            }
            ops.push(WriteOp::Delete(keys::Key::new(
                keys::connection_partition(connection_id),
                sk,
            )));
        }
        self.batch_write(ops).await
    }
}
