//! What a rendered reaction shows of its children: `children_counts` (per kind), and
//! `latest_children` (per kind, the newest [`LATEST_CHILDREN`], each rendered whole with its
//! own children one level further; deeper levels show none, as v2 nests three levels), and
//! with `with_own_children` the reader's children as `own_children`.
//!
//! Costs: one consistent BatchGetItem of the v2-only counts per level; children are read
//! only for reactions that have some, at most [`CHILDREN_READ`] per reaction.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use tributary_domain::ApiResult;
use tributary_store::Store;

use super::model::{Children, Holder, V2Reaction, COMMENT_KIND};
use super::read::newest_children;

/// Per kind, how many of its newest children a reaction shows.
pub const LATEST_CHILDREN: usize = 5;
/// The newest children read per reaction, to find each kind's newest and the reader's own.
pub const CHILDREN_READ: usize = 100;
/// Reactions whose children are read at once.
const CONCURRENCY: usize = 8;

/// Who `own_children` are for, when they are asked for.
#[derive(Clone, Copy, Debug, Default)]
pub struct OwnChildren<'a> {
    pub wanted: bool,
    pub user_id: Option<&'a str>,
}

/// Per kind, the counts of each reaction's live children.
async fn counts_of(store: &Store, list: &[V2Reaction]) -> ApiResult<Vec<BTreeMap<String, i64>>> {
    let scopes: Vec<String> = list.iter().map(V2Reaction::child_scope).collect();
    let own = store.v2_reaction_counts(&scopes).await?;
    Ok(list
        .iter()
        .zip(&scopes)
        .map(|(r, scope)| {
            let mut counts = own.get(scope).cloned().unwrap_or_default();
            if let Holder::Comment(c) = &r.holder {
                if c.reply_count > 0 {
                    *counts.entry(COMMENT_KIND.to_string()).or_default() += c.reply_count;
                }
                for (kind, group) in &c.reaction_groups {
                    *counts.entry(kind.clone()).or_default() += group.count;
                }
            }
            counts.retain(|_, n| *n > 0);
            counts
        })
        .collect())
}

/// Each reaction's counts and newest children (newest first), read for those that have any.
async fn children_of(
    store: &Store,
    list: &[V2Reaction],
) -> ApiResult<Vec<(BTreeMap<String, i64>, Vec<V2Reaction>)>> {
    let counts = counts_of(store, list).await?;
    // Owned items: a stream's closures may not take borrowed arguments and stay `Send`.
    stream::iter(list.iter().cloned().zip(counts))
        .map(|(r, counts)| async move {
            let children = if counts.is_empty() {
                Vec::new()
            } else {
                newest_children(store, &r, CHILDREN_READ).await?
            };
            Ok::<_, tributary_domain::ApiError>((counts, children))
        })
        .buffered(CONCURRENCY)
        .try_collect()
        .await
}

/// Per kind, the first `LATEST_CHILDREN` of `children` (newest first) that `keep` accepts.
fn by_kind(
    children: &[V2Reaction],
    keep: impl Fn(&V2Reaction) -> bool,
) -> BTreeMap<String, Vec<&V2Reaction>> {
    let mut out: BTreeMap<String, Vec<&V2Reaction>> = BTreeMap::new();
    for c in children.iter().filter(|c| keep(c)) {
        let shown = out.entry(c.kind.clone()).or_default();
        if shown.len() < LATEST_CHILDREN {
            shown.push(c);
        }
    }
    out
}

fn counts_json(counts: &BTreeMap<String, i64>) -> Map<String, Value> {
    counts
        .iter()
        .map(|(k, n)| (k.clone(), Value::from(*n)))
        .collect()
}

fn group_json(groups: BTreeMap<String, Vec<Value>>) -> Map<String, Value> {
    groups
        .into_iter()
        .map(|(k, list)| (k, Value::Array(list)))
        .collect()
}

/// Renders reactions with their children (two levels down).
pub async fn render_all(
    store: &Store,
    list: &[V2Reaction],
    own: OwnChildren<'_>,
) -> ApiResult<Vec<Value>> {
    let top = children_of(store, list).await?;
    // The children each reaction shows, and what they show of theirs.
    let shown: Vec<BTreeMap<String, Vec<&V2Reaction>>> = top
        .iter()
        .map(|(_, children)| by_kind(children, |_| true))
        .collect();
    let second: Vec<V2Reaction> = shown
        .iter()
        .flat_map(|kinds| kinds.values().flatten().map(|c| (*c).clone()))
        .collect();
    let below = children_of(store, &second).await?;
    let mut rendered_second = second
        .iter()
        .zip(below)
        .map(|(child, (counts, grandchildren))| {
            let latest = by_kind(&grandchildren, |_| true)
                .into_iter()
                .map(|(k, list)| {
                    let list = list.iter().map(|g| g.render(Children::default())).collect();
                    (k, list)
                })
                .collect();
            child.render(Children {
                latest: group_json(latest),
                counts: counts_json(&counts),
                own: None,
            })
        });
    let mut out = Vec::with_capacity(list.len());
    for ((r, (counts, children)), kinds) in list.iter().zip(&top).zip(shown) {
        let latest: BTreeMap<String, Vec<Value>> = kinds
            .into_iter()
            .map(|(k, list)| {
                (
                    k,
                    list.iter().filter_map(|_| rendered_second.next()).collect(),
                )
            })
            .collect();
        let own_children = own.wanted.then(|| {
            let mine = by_kind(children, |c| Some(c.user_id.as_str()) == own.user_id);
            mine.into_iter()
                .map(|(k, list)| {
                    let list = list.iter().map(|c| c.render(Children::default())).collect();
                    (k, Value::Array(list))
                })
                .collect()
        });
        out.push(r.render(Children {
            latest: group_json(latest),
            counts: counts_json(counts),
            own: own_children,
        }));
    }
    Ok(out)
}
