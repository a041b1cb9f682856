//! The reactions an enriched v2 read adds to each activity: `reaction_counts` (kind →
//! count), `latest_reactions` (kind → the newest [`LATEST_PER_KIND`], newest first) and
//! `own_reactions` (the same, of one user). Only kinds that have reactions appear, and all
//! three keep to `kinds` when given.
//!
//! Comments count as v2 counts them, live top-level ones, where that is known: an
//! activity's list of newest comment ids (kept by v3, trimmed to [`LISTED_AFTER_TRIM`] once
//! it grows past twice that, never shortened otherwise) holds every top-level comment while
//! it is shorter than that, so those are counted one by one. Beyond, the count is v3's
//! `comment_count`, which also counts replies and soft-deleted comments.
//!
//! Reads, for a whole page of activities at once: one BatchGetItem of the activities (their
//! v3 counters, newest reactions and newest comment ids) beside one of their v2-only counts;
//! then only what those do not answer: the comments the newest ids name (one BatchGetItem),
//! an activity's reactions by time when its newest-reactions list shows too few of a kind,
//! the v2-only reactions of activities that have some, and for `own_reactions` one
//! BatchGetItem of the user's v3 reactions and one read of the user's newest comments.

use std::collections::{BTreeMap, HashMap, HashSet};

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Map, Value};
use tributary_domain::model::Activity;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::{keys, Store};

use super::expand::{render_all, OwnChildren};
use super::model::{V2Reaction, COMMENT_KIND};
use super::sources::{Source, Span};

/// Per kind, how many of the newest reactions `latest_reactions` and `own_reactions` show.
pub const LATEST_PER_KIND: usize = 5;
/// The most v3 reactions read for one activity whose newest-reactions list falls short.
const REACTIONS_READ: usize = 300;
/// The user's newest comments read to find theirs on the page's activities.
const OWN_COMMENTS_READ: usize = 200;
/// The most v2-only reactions read for one activity, for `own_reactions`.
const OWN_RECORDS_READ: usize = 100;
/// Activities whose reactions are read at once.
const CONCURRENCY: usize = 8;
/// How many comment ids v3 keeps in an activity's newest list when it trims it (its
/// `KEEP_LISTED`): a shorter list was never trimmed.
const LISTED_AFTER_TRIM: usize = 10;

/// What an enriched read adds to one activity. Each map is filled only when its flag was
/// set; the caller adds the keys it was asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReactionEnrichment {
    pub latest_reactions: Map<String, Value>,
    pub own_reactions: Map<String, Value>,
    pub reaction_counts: Map<String, Value>,
}

type ByKind = BTreeMap<String, Vec<V2Reaction>>;

/// Everything an activity's enrichment is built from.
struct Gathered {
    counts: BTreeMap<String, i64>,
    latest: ByKind,
    own: ByKind,
}

/// The enrichment of each of `activity_ids` (each present in the answer, unknown ones
/// empty). `kinds`: only these kinds (`None` or empty: all). `own_user`: whose reactions
/// are `own_reactions`.
pub async fn enrichment(
    store: &Store,
    activity_ids: &[String],
    own_user: Option<&str>,
    kinds: Option<&[String]>,
    with_own: bool,
    with_recent: bool,
    with_counts: bool,
) -> ApiResult<HashMap<String, ReactionEnrichment>> {
    let kinds = kinds.filter(|k| !k.is_empty());
    let wants = |kind: &str| kinds.is_none_or(|k| k.iter().any(|x| x == kind));
    let mut ids: Vec<String> = activity_ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut out: HashMap<String, ReactionEnrichment> = ids
        .iter()
        .map(|id| (id.clone(), ReactionEnrichment::default()))
        .collect();
    if ids.is_empty() || !(with_own || with_recent || with_counts) {
        return Ok(out);
    }
    let scopes: Vec<String> = ids.iter().map(|id| keys::v2_scope_activity(id)).collect();
    let (activities, own_counts) = futures::try_join!(
        store.get_activities(&ids),
        store.v2_reaction_counts(&scopes)
    )?;
    // The comments each activity lists as its newest, all in one read.
    let comment_ids: Vec<String> = if wants(COMMENT_KIND) && (with_counts || with_recent) {
        activities
            .values()
            .filter(|a| a.comment_count > 0)
            .flat_map(|a| a.latest_comment_ids.iter().cloned())
            .collect()
    } else {
        Vec::new()
    };
    let comments = store.get_comments(&comment_ids).await?;
    let listed = |a: &Activity| -> Vec<V2Reaction> {
        a.latest_comment_ids
            .iter()
            .filter_map(|id| comments.get(id))
            .filter(|c| c.deleted_at.is_none() && c.parent_id.is_none())
            .map(|c| V2Reaction::from_comment(c.clone()))
            .collect()
    };
    let mut gathered: HashMap<String, Gathered> = ids
        .iter()
        .map(|id| {
            let own = own_counts.get(&keys::v2_scope_activity(id));
            let mut counts = v3_counts(activities.get(id), listed);
            for (k, n) in own.into_iter().flatten() {
                *counts.entry(k.clone()).or_default() += n;
            }
            counts.retain(|k, n| *n > 0 && wants(k));
            let g = Gathered {
                counts,
                latest: ByKind::new(),
                own: ByKind::new(),
            };
            (id.clone(), g)
        })
        .collect();
    if with_recent {
        for a in activities.values() {
            if let Some(g) = gathered.get_mut(&a.id) {
                keep_newest(&mut g.latest, listed(a));
            }
        }
        newest(store, &activities, &own_counts, &mut gathered, kinds).await?;
    }
    if let (true, Some(user)) = (with_own, own_user) {
        own(store, user, &activities, &own_counts, &mut gathered, kinds).await?;
    }
    // Every reaction shown is rendered once, with its children, in one pass.
    let mut shown: Vec<V2Reaction> = Vec::new();
    let mut seen = HashSet::new();
    for g in gathered.values() {
        for r in g.latest.values().chain(g.own.values()).flatten() {
            if seen.insert(r.id.clone()) {
                shown.push(r.clone());
            }
        }
    }
    let rendered: HashMap<String, Value> = shown
        .iter()
        .map(|r| r.id.clone())
        .zip(render_all(store, &shown, OwnChildren::default()).await?)
        .collect();
    let json = |by_kind: &ByKind| -> Map<String, Value> {
        by_kind
            .iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(k, list)| {
                let list = list.iter().filter_map(|r| rendered.get(&r.id).cloned());
                (k.clone(), Value::Array(list.collect()))
            })
            .collect()
    };
    for (id, g) in &gathered {
        let e = out.entry(id.clone()).or_default();
        if with_counts {
            e.reaction_counts = g
                .counts
                .iter()
                .map(|(k, n)| (k.clone(), Value::from(*n)))
                .collect();
        }
        if with_recent {
            e.latest_reactions = json(&g.latest);
        }
        if with_own {
            e.own_reactions = json(&g.own);
        }
    }
    Ok(out)
}

/// The counts of what v3 holds of an activity: per reaction type, and its comments (live
/// top-level ones when `listed`, its live listed comments, are all of them).
fn v3_counts(
    a: Option<&Activity>,
    listed: impl Fn(&Activity) -> Vec<V2Reaction>,
) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    if let Some(a) = a {
        for (kind, g) in &a.reaction_groups {
            *counts.entry(kind.clone()).or_default() += g.count;
        }
        let comments = if a.comment_count > 0 && a.latest_comment_ids.len() < LISTED_AFTER_TRIM {
            listed(a).len() as i64
        } else {
            a.comment_count
        };
        if comments > 0 {
            *counts.entry(COMMENT_KIND.to_string()).or_default() += comments;
        }
    }
    counts
}

/// Adds `list` to `by_kind`, keeping each kind's newest [`LATEST_PER_KIND`].
fn keep_newest(by_kind: &mut ByKind, list: impl IntoIterator<Item = V2Reaction>) {
    for r in list {
        let entry = by_kind.entry(r.kind.clone()).or_default();
        if !entry.iter().any(|x| x.id == r.id) {
            entry.push(r);
        }
    }
    for entry in by_kind.values_mut() {
        entry.sort_by(|a, b| b.order().cmp(&a.order()));
        entry.truncate(LATEST_PER_KIND);
    }
}

/// Everything of one activity in a time-ordered source, newest first, up to `want`.
async fn read_all(
    store: &Store,
    source: Source,
    want: usize,
    kinds: Option<&[String]>,
) -> ApiResult<Vec<V2Reaction>> {
    let span = Span {
        lo: 0,
        hi: i64::MAX,
        newest_first: true,
        want,
        kinds,
    };
    Ok(source.read(store, &span).await?.list)
}

/// Fills `latest` of every activity with its reactions (its listed comments are in).
async fn newest(
    store: &Store,
    activities: &HashMap<String, Activity>,
    own_counts: &HashMap<String, BTreeMap<String, i64>>,
    gathered: &mut HashMap<String, Gathered>,
    kinds: Option<&[String]>,
) -> ApiResult<()> {
    let wants = |kind: &str| kinds.is_none_or(|k| k.iter().any(|x| x == kind));
    // v3 reactions: the activity's newest-reactions list, unless it shows too few of a kind.
    let mut reads: Vec<(String, Source, Vec<String>)> = Vec::new();
    for a in activities.values() {
        let Some(g) = gathered.get_mut(&a.id) else {
            continue;
        };
        let listed: Vec<V2Reaction> = a
            .latest_reactions
            .iter()
            .filter(|r| wants(&r.kind))
            .map(|r| V2Reaction::from_reaction(r.clone()))
            .collect();
        let short: Vec<String> = a
            .reaction_groups
            .iter()
            .filter(|(k, group)| {
                let shown = listed.iter().filter(|r| &r.kind == *k).count() as i64;
                wants(k) && shown < group.count.min(LATEST_PER_KIND as i64)
            })
            .map(|(k, _)| k.clone())
            .collect();
        keep_newest(&mut g.latest, listed);
        if !short.is_empty() {
            reads.push((a.id.clone(), Source::ActivityReactions(a.id.clone()), short));
        }
    }
    // v2-only reactions of each kind the activity has some of.
    for (id, g) in gathered.iter() {
        if let Some(counts) = own_counts.get(&keys::v2_scope_activity(id)) {
            for kind in counts.keys().filter(|k| g.counts.contains_key(*k)) {
                reads.push((
                    id.clone(),
                    Source::Own(keys::v2_scope_activity(id)),
                    vec![kind.clone()],
                ));
            }
        }
    }
    let found: Vec<(String, Vec<V2Reaction>)> = stream::iter(reads)
        .map(|(id, source, kinds)| async move {
            let want = match source {
                Source::ActivityReactions(_) => REACTIONS_READ,
                _ => LATEST_PER_KIND,
            };
            let list = read_all(store, source, want, Some(&kinds)).await?;
            Ok::<_, ApiError>((id, list))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for (id, list) in found {
        if let Some(g) = gathered.get_mut(&id) {
            keep_newest(&mut g.latest, list);
        }
    }
    Ok(())
}

/// Fills `own` of every activity with `user`'s reactions.
async fn own(
    store: &Store,
    user: &str,
    activities: &HashMap<String, Activity>,
    own_counts: &HashMap<String, BTreeMap<String, i64>>,
    gathered: &mut HashMap<String, Gathered>,
    kinds: Option<&[String]>,
) -> ApiResult<()> {
    let wants = |kind: &str| kinds.is_none_or(|k| k.iter().any(|x| x == kind));
    // v3 keeps one reaction per user and type: a key per activity and type it has.
    let v3_keys: Vec<keys::Key> = activities
        .values()
        .flat_map(|a| {
            a.reaction_groups
                .keys()
                .filter(|k| wants(k))
                .map(move |k| keys::reaction(&a.id, user, k))
        })
        .collect();
    let commented = wants(COMMENT_KIND) && activities.values().any(|a| a.comment_count > 0);
    let with_records: Vec<String> = gathered
        .keys()
        .filter(|id| own_counts.contains_key(&keys::v2_scope_activity(id)))
        .cloned()
        .collect();
    let records = stream::iter(with_records)
        .map(|id| async move {
            let source = Source::Own(keys::v2_scope_activity(&id));
            read_all(store, source, OWN_RECORDS_READ, kinds).await
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<Vec<V2Reaction>>>();
    let comments = async {
        if commented {
            read_all(
                store,
                Source::UserComments(user.to_string()),
                OWN_COMMENTS_READ,
                None,
            )
            .await
        } else {
            Ok(Vec::new())
        }
    };
    let (reactions, comments, records) =
        futures::try_join!(store.get_reactions(v3_keys), comments, records)?;
    let mine = reactions
        .into_iter()
        .map(V2Reaction::from_reaction)
        .chain(comments)
        .chain(records.into_iter().flatten())
        .filter(|r| r.user_id == user && wants(&r.kind));
    for r in mine {
        if let Some(g) = gathered.get_mut(&r.activity_id) {
            keep_newest(&mut g.own, std::iter::once(r));
        }
    }
    Ok(())
}
