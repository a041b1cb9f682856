//! The records v2 reactions are read from, each a partition ordered by time, read a slice
//! at a time and merged by time ([`collect`]).

use std::collections::HashSet;

use futures::future::try_join_all;
use tributary_domain::model::reaction::Subject;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;
use tributary_store::walk::id_of;
use tributary_store::{keys, Slice, Store, TimePartition};

use super::model::{V2Reaction, COMMENT_KIND};

/// Reads one source makes to fill what it was asked for, skipping what filters drop.
const ROUNDS: usize = 4;
/// Most positions one read asks for.
const READ_MAX: usize = 200;

/// A partition of reactions, by time.
#[derive(Clone, Debug)]
pub(crate) enum Source {
    /// v3 reactions to an activity.
    ActivityReactions(String),
    /// v3 reactions to a comment (on `activity_id`).
    CommentReactions {
        comment_id: String,
        activity_id: String,
    },
    /// v3 comments on an object: top-level ones, or the replies to `parent`.
    Comments {
        object_type: String,
        object_id: String,
        parent: Option<String>,
    },
    /// v2-only reactions listed in a scope (`keys::v2_scope_*`).
    Own(String),
    /// A user's v3 reactions to activities.
    UserReactions(String),
    /// A user's top-level v3 comments on activities.
    UserComments(String),
}

/// What to read: times in `[lo, hi]`, in one direction, `want` reactions of `kinds`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Span<'a> {
    pub lo: Nanos,
    pub hi: Nanos,
    pub newest_first: bool,
    pub want: usize,
    pub kinds: Option<&'a [String]>,
}

impl Span<'_> {
    fn wants(&self, kind: &str) -> bool {
        self.kinds.is_none_or(|k| k.iter().any(|x| x == kind))
    }
}

/// What a source gave: reactions in the span's order and, when it may hold more in that
/// direction, the time it read up to.
pub(crate) struct Found {
    pub list: Vec<V2Reaction>,
    pub stopped: Option<Nanos>,
}

/// The time at the start of a position (`<20-digit time>#...`).
fn time_of(position: &str) -> Nanos {
    position.get(..20).and_then(|t| t.parse().ok()).unwrap_or(0)
}

impl Source {
    /// Up to `span.want` reactions, reading a few slices at most.
    pub async fn read(&self, store: &Store, span: &Span<'_>) -> ApiResult<Found> {
        let mut from = keys::time_part(span.lo);
        let mut to = format!("{}~", keys::time_part(span.hi));
        let mut list: Vec<V2Reaction> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for _ in 0..ROUNDS {
            // One more than needed: the bound is inclusive, so the last position comes back.
            let need = (span.want.saturating_sub(list.len()) + 1).min(READ_MAX);
            let (batch, stopped) = self.read_once(store, (&from, &to), span, need).await?;
            list.extend(batch.into_iter().filter(|r| seen.insert(r.id.clone())));
            let Some(p) = stopped else {
                return Ok(Found {
                    list,
                    stopped: None,
                });
            };
            if span.newest_first {
                to = p.clone();
            } else {
                from = p.clone();
            }
            if list.len() >= span.want {
                return Ok(Found {
                    list,
                    stopped: Some(time_of(&p)),
                });
            }
        }
        let stopped = Some(time_of(if span.newest_first { &to } else { &from }));
        Ok(Found { list, stopped })
    }

    async fn read_once(
        &self,
        store: &Store,
        range: (&str, &str),
        span: &Span<'_>,
        limit: usize,
    ) -> ApiResult<(Vec<V2Reaction>, Option<String>)> {
        let newest = span.newest_first;
        match self {
            Source::ActivityReactions(id) => {
                let (list, stopped) = store
                    .reactions_between(Subject::Activity(id), id, range, newest, limit)
                    .await?;
                Ok((held(list, span), stopped))
            }
            Source::CommentReactions {
                comment_id,
                activity_id,
            } => {
                let (list, stopped) = store
                    .reactions_between(
                        Subject::Comment(comment_id),
                        activity_id,
                        range,
                        newest,
                        limit,
                    )
                    .await?;
                Ok((held(list, span), stopped))
            }
            Source::Comments {
                object_type,
                object_id,
                parent,
            } => {
                if !span.wants(COMMENT_KIND) {
                    return Ok((Vec::new(), None));
                }
                let part = TimePartition::table(
                    keys::comment_thread(object_type, object_id),
                    &keys::thread_prefix(parent.as_deref()),
                );
                let (positions, stopped) = positions(store, &part, range, newest, limit).await?;
                let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
                Ok((comments(store, &ids, false).await?, stopped))
            }
            Source::Own(scope) => {
                let (positions, stopped) = store
                    .v2_reaction_positions(scope, range, newest, limit, span.kinds)
                    .await?;
                let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
                let found = store.get_v2_reactions(&ids).await?;
                let list = ids
                    .iter()
                    .filter_map(|id| found.get(id))
                    .filter(|r| r.deleted_at.is_none())
                    .map(|r| V2Reaction::from_record(r.clone()))
                    .collect();
                Ok((list, stopped))
            }
            Source::UserReactions(user) => {
                let part = TimePartition::index(keys::GSI2, keys::reactions_of_user(user));
                let (positions, stopped) = positions(store, &part, range, newest, limit).await?;
                // `<time>#<type>#a:<activity id>`: reactions to comments are children.
                let wanted: Vec<keys::Key> = positions
                    .iter()
                    .filter_map(|p| {
                        let (_, rest) = p.split_once('#')?;
                        let (kind, subject) = rest.split_once('#')?;
                        let activity = subject.strip_prefix("a:")?;
                        span.wants(kind)
                            .then(|| keys::reaction(activity, user, kind))
                    })
                    .collect();
                let list = store.get_reactions(wanted).await?;
                Ok((held(list, span), stopped))
            }
            Source::UserComments(user) => {
                if !span.wants(COMMENT_KIND) {
                    return Ok((Vec::new(), None));
                }
                let part = TimePartition::index(keys::GSI1, keys::comments_of_user(user));
                let (positions, stopped) = positions(store, &part, range, newest, limit).await?;
                let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
                Ok((comments(store, &ids, true).await?, stopped))
            }
        }
    }
}

async fn positions(
    store: &Store,
    part: &TimePartition,
    (from, to): (&str, &str),
    newest_first: bool,
    limit: usize,
) -> ApiResult<(Vec<String>, Option<String>)> {
    let slice = Slice {
        from,
        to,
        newest_first,
        limit,
        types: None,
    };
    store.positions(part, &slice).await
}

fn held(
    list: Vec<tributary_domain::model::reaction::Reaction>,
    span: &Span<'_>,
) -> Vec<V2Reaction> {
    list.into_iter()
        .filter(|r| span.wants(&r.kind))
        .map(V2Reaction::from_reaction)
        .collect()
}

/// The live comments among `ids`, in that order; with `top_level_only`, only top-level
/// comments on activities.
async fn comments(
    store: &Store,
    ids: &[String],
    top_level_only: bool,
) -> ApiResult<Vec<V2Reaction>> {
    let found = store.get_comments(ids).await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.get(id))
        .filter(|c| c.deleted_at.is_none())
        .filter(|c| !top_level_only || (c.parent_id.is_none() && c.object_type == "activity"))
        .map(|c| V2Reaction::from_comment(c.clone()))
        .collect())
}

/// A bound on one side of a read: the position of a reaction, inclusive or not.
#[derive(Clone, Debug)]
pub(crate) struct Edge {
    pub at: (Nanos, String),
    pub inclusive: bool,
}

/// What [`collect`] reads: `limit` reactions older than `before` (newest first) or, with
/// `after`, the `limit` nearest newer than it (answered newest first too).
#[derive(Clone, Debug, Default)]
pub(crate) struct Window {
    pub before: Option<Edge>,
    pub after: Option<Edge>,
    pub limit: usize,
    pub kinds: Option<Vec<String>>,
}

/// Reads every source within the window, merges them by time and keeps `limit`. Returns
/// them newest first, and whether more lie beyond them in the window's direction.
pub(crate) async fn collect(
    store: &Store,
    sources: &[Source],
    window: &Window,
) -> ApiResult<(Vec<V2Reaction>, bool)> {
    let newest_first = window.after.is_none();
    let span = Span {
        lo: window.after.as_ref().map_or(0, |e| e.at.0),
        hi: window.before.as_ref().map_or(Nanos::MAX, |e| e.at.0),
        newest_first,
        want: window.limit + 1,
        kinds: window.kinds.as_deref(),
    };
    if window.limit == 0 || span.lo > span.hi {
        return Ok((Vec::new(), false));
    }
    let found = try_join_all(sources.iter().map(|s| s.read(store, &span))).await?;
    // The least advanced source bounds what is known in merged order.
    let horizon = found.iter().filter_map(|f| f.stopped).reduce(|a, b| {
        if newest_first {
            a.max(b)
        } else {
            a.min(b)
        }
    });
    let mut all: Vec<V2Reaction> = found.into_iter().flat_map(|f| f.list).collect();
    let mut seen = HashSet::new();
    all.retain(|r| seen.insert(r.id.clone()));
    all.retain(|r| {
        let at = (r.created_at, r.id.as_str());
        let below = |e: &Edge| {
            let edge = (e.at.0, e.at.1.as_str());
            at < edge || (e.inclusive && at == edge)
        };
        let above = |e: &Edge| {
            let edge = (e.at.0, e.at.1.as_str());
            at > edge || (e.inclusive && at == edge)
        };
        window.before.as_ref().is_none_or(below) && window.after.as_ref().is_none_or(above)
    });
    all.sort_by(|a, b| a.order().cmp(&b.order()));
    if newest_first {
        all.reverse();
    }
    let mut more = horizon.is_some();
    if let Some(h) = horizon {
        all.retain(|r| {
            if newest_first {
                r.created_at >= h
            } else {
                r.created_at <= h
            }
        });
    }
    if all.len() > window.limit {
        all.truncate(window.limit);
        more = true;
    }
    if !newest_first {
        all.reverse();
    }
    Ok((all, more))
}
