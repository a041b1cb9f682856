//! Reading v2 reactions: one by id, and the reactions of an activity, of a user, or the
//! children of a reaction, newest first, from every record that holds them.

use tributary_domain::model::reaction::Subject;
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::{keys, Store};

use super::ids;
use super::model::{Holder, V2Reaction};
use super::sources::{self, Edge, Source, Window};

/// Longest id a lookup takes (ids of reactions v3 holds carry their key, so they run longer
/// than the 255 characters of other ids).
pub const MAX_LOOKUP_ID: usize = 1024;

fn check_id(field: &str, id: &str) -> ApiResult<()> {
    if id.is_empty() || id.len() > MAX_LOOKUP_ID {
        return Err(ApiError::field(
            field,
            format!("{field} must be 1 to {MAX_LOOKUP_ID} characters"),
        ));
    }
    Ok(())
}

/// The reaction with this v2 id, soft-deleted ones included; `None` when there is none.
pub async fn get(store: &Store, id: &str) -> ApiResult<Option<V2Reaction>> {
    check_id("id", id)?;
    if let Some(key) = ids::parse_held(id) {
        let subject = if key.on_comment {
            Subject::Comment(&key.subject)
        } else {
            Subject::Activity(&key.subject)
        };
        let (own, held) = futures::try_join!(
            store.get_v2_reaction(id),
            store.get_reaction(subject, &key.user_id, &key.kind)
        )?;
        // A soft-deleted one left v3 for a v2-only record under the same id.
        if let Some(own) = own {
            return Ok(Some(V2Reaction::from_record(own)));
        }
        return Ok(held
            .filter(|r| r.created_at == key.created_at)
            .map(V2Reaction::from_reaction));
    }
    let (own, comment) = futures::try_join!(store.get_v2_reaction(id), store.get_comment(id))?;
    Ok(match (own, comment) {
        (Some(own), _) => Some(V2Reaction::from_record(own)),
        (None, Some(c)) => Some(V2Reaction::from_comment(c)),
        (None, None) => None,
    })
}

/// What a filter looks reactions up by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Top-level reactions to an activity.
    Activity(String),
    /// The children of a reaction.
    Reaction(String),
    /// A user's top-level reactions.
    User(String),
}

/// Where a page starts: `id_lt`, `id_lte` (older than a reaction), `id_gt`, `id_gte`
/// (newer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    Lt(String),
    Lte(String),
    Gt(String),
    Gte(String),
}

/// A filter request.
#[derive(Clone, Debug)]
pub struct Filter {
    pub lookup: Lookup,
    pub kinds: Option<Vec<String>>,
    pub limit: usize,
    pub bound: Option<Bound>,
}

/// The records that hold the children of `parent`: v2-only children of any reaction, and
/// for a comment its replies and its reactions.
pub(crate) fn child_sources(parent: &V2Reaction) -> Vec<Source> {
    let mut out = vec![Source::Own(parent.child_scope())];
    if let Holder::Comment(c) = &parent.holder {
        out.push(Source::Comments {
            object_type: c.object_type.clone(),
            object_id: c.object_id.clone(),
            parent: Some(c.id.clone()),
        });
        out.push(Source::CommentReactions {
            comment_id: c.id.clone(),
            activity_id: c.object_id.clone(),
        });
    }
    out
}

/// Where a reaction named by a bound stands: the reaction's own position, or for an id
/// that names none, the time a time-based UUID carries.
async fn edge(store: &Store, field: &str, id: &str) -> ApiResult<(Nanos, String)> {
    check_id(field, id)?;
    if let Some(r) = get(store, id).await? {
        return Ok((r.created_at, r.id));
    }
    ids::time_of(id)
        .map(|t| (t, id.to_string()))
        .ok_or_else(|| ApiError::field(field, format!("{field}: '{id}' is not a reaction id")))
}

/// A page of reactions by a lookup, newest first, and whether more lie beyond it.
pub async fn filter(store: &Store, f: &Filter) -> ApiResult<(Vec<V2Reaction>, bool)> {
    let sources = match &f.lookup {
        Lookup::Activity(id) => {
            check_id("activity_id", id)?;
            vec![
                Source::ActivityReactions(id.clone()),
                Source::Comments {
                    object_type: "activity".into(),
                    object_id: id.clone(),
                    parent: None,
                },
                Source::Own(keys::v2_scope_activity(id)),
            ]
        }
        Lookup::User(id) => {
            check_id("user_id", id)?;
            vec![
                Source::UserReactions(id.clone()),
                Source::UserComments(id.clone()),
                Source::Own(keys::v2_scope_user(id)),
            ]
        }
        Lookup::Reaction(id) => match get(store, id).await? {
            Some(parent) => child_sources(&parent),
            None => return Ok((Vec::new(), false)),
        },
    };
    let mut window = Window {
        limit: f.limit,
        kinds: f.kinds.clone(),
        ..Window::default()
    };
    match &f.bound {
        None => {}
        Some(Bound::Lt(id)) => window.before = Some(at(store, "id_lt", id, false).await?),
        Some(Bound::Lte(id)) => window.before = Some(at(store, "id_lte", id, true).await?),
        Some(Bound::Gt(id)) => window.after = Some(at(store, "id_gt", id, false).await?),
        Some(Bound::Gte(id)) => window.after = Some(at(store, "id_gte", id, true).await?),
    }
    sources::collect(store, &sources, &window).await
}

async fn at(store: &Store, field: &str, id: &str, inclusive: bool) -> ApiResult<Edge> {
    Ok(Edge {
        at: edge(store, field, id).await?,
        inclusive,
    })
}

/// The newest children of `parent` (of `kinds`), up to `limit`, newest first.
pub(crate) async fn newest_children(
    store: &Store,
    parent: &V2Reaction,
    limit: usize,
) -> ApiResult<Vec<V2Reaction>> {
    let window = Window {
        limit,
        ..Window::default()
    };
    Ok(sources::collect(store, &child_sources(parent), &window)
        .await?
        .0)
}
