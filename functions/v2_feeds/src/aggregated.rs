//! Reading v2 aggregated and notification feeds: groups newest-updated first, each as
//! `{id, group, verb, activities, activity_count, actor_count, created_at, updated_at}`,
//! notification groups with `is_seen`/`is_read` and the feed's `unseen`/`unread`. `mark_seen`
//! and `mark_read` (`true` or group ids) mark after the page is read, so the answer shows the
//! state before marking, as Stream's does. The groups are `tributary_core::groups`', shared
//! with v3.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use tributary_core::groups::{self, is_read, is_seen, Kind, MarkIds, Marks};
use tributary_domain::model::Activity;
use tributary_domain::time::now_nanos;
use tributary_domain::ApiResult;
use tributary_http::v2::V2Query;
use tributary_http::AppState;
use tributary_store::walk::id_of;
use tributary_v2::activity::render;
use tributary_v2::time;

use tributary_store::keys;

use crate::read::MAX_OFFSET;

/// `mark_seen` / `mark_read` as v2 sends them: `True`, or comma-separated ids (an empty
/// value marks nothing).
fn marks(q: &V2Query, name: &str) -> Option<Marks> {
    let raw = q.get(name)?;
    if raw.eq_ignore_ascii_case("true") {
        return Some(Marks::All);
    }
    let ids = q.all(name);
    (!ids.is_empty()).then_some(Marks::Ids(ids))
}

/// Where a grouped activity came from: `null` when it was written to this feed, otherwise the
/// feed it was written to (groups keep positions, not entries, so a follower's group names the
/// activity's first feed).
fn origin<'a>(a: &'a Activity, fid: &str) -> Option<&'a str> {
    if a.content.feeds.iter().any(|f| f == fid) {
        None
    } else {
        a.content.feeds.first().map(String::as_str)
    }
}

/// A page of `fid`'s groups as v2 shows it (`limit`, `offset`, `id_lt` a group id).
pub async fn read(state: &AppState, fid: &str, kind: Kind, q: &V2Query) -> ApiResult<Value> {
    let limit = crate::read::limit(q)?;
    let offset = q.number("offset", 0, MAX_OFFSET)?;
    // `id_lt` names a group: the page continues after it.
    let after = match q.get("id_lt") {
        Some(id) => match state
            .store
            .get_groups(fid, &[id.to_string()])
            .await?
            .get(id)
        {
            Some(g) => Some(keys::activity_group_by_update(fid, g.updated_at, &g.group).1),
            None => return Ok(json!({"results": [], "next": ""})),
        },
        None => None,
    };
    let loaded = groups::load(state, fid, kind, limit + offset, after.as_deref()).await?;
    let by_id: HashMap<&str, &Activity> = loaded
        .activities
        .iter()
        .map(|a| (a.id.as_str(), a))
        .collect();
    let results: Vec<Value> = loaded
        .groups
        .iter()
        .skip(offset)
        .map(|g| {
            let activities: Vec<&Activity> = g
                .positions
                .iter()
                .filter_map(|p| by_id.get(id_of(p)).copied())
                .collect();
            let mut out = Map::new();
            out.insert("id".into(), json!(g.group));
            out.insert("group".into(), json!(g.group));
            let verb = activities.first().map(|a| a.activity_type.clone());
            out.insert("verb".into(), json!(verb));
            out.insert(
                "activities".into(),
                Value::Array(
                    activities
                        .iter()
                        .map(|a| render(a, origin(a, fid)))
                        .collect(),
                ),
            );
            out.insert("activity_count".into(), json!(g.activity_count));
            out.insert("actor_count".into(), json!(g.user_count));
            out.insert("created_at".into(), json!(time::format(g.created_at)));
            out.insert("updated_at".into(), json!(time::format(g.updated_at)));
            if kind.track_seen {
                out.insert("is_seen".into(), json!(is_seen(g, &loaded.state)));
            }
            if kind.track_read {
                out.insert("is_read".into(), json!(is_read(g, &loaded.state)));
            }
            Value::Object(out)
        })
        .collect();
    let next = match (&loaded.more, loaded.groups.last()) {
        (Some(_), Some(last)) if !results.is_empty() => {
            let (g, id) = fid.split_once(':').unwrap_or_default();
            format!(
                "/api/v1.0/feed/{g}/{id}/?id_lt={}&limit={limit}",
                last.group
            )
        }
        _ => String::new(),
    };
    let mut reply = json!({"results": results, "next": next});
    if kind.is_notification() {
        let counts = groups::counts(state, fid, &loaded.state).await?;
        reply["unseen"] = json!(counts.unseen);
        reply["unread"] = json!(counts.unread);
        let (read, seen) = (marks(q, "mark_read"), marks(q, "mark_seen"));
        if read.is_some() || seen.is_some() {
            groups::apply_marks(state, fid, read, seen, now_nanos(), MarkIds::Groups).await?;
        }
    }
    Ok(reply)
}
