//! Adding a v2 reaction (`POST reaction/`), to an activity (`activity_id`) or as a child of
//! another reaction (`parent`), into the record that can hold it: a comment or a reply, a
//! v3 reaction to the activity or to a comment, or else a v2-only record
//! (`tributary_v2::reactions` has the table). Whatever v3 refuses on the way (the user
//! reacted with that type meanwhile, the activity went away) lands in a v2-only record, so
//! an add v2 accepts is never lost.

use serde_json::{Map, Value};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::comment::Comment;
use tributary_domain::model::reaction::{Reaction, Subject, LATEST_KEPT};
use tributary_domain::time::Nanos;
use tributary_domain::validate::{self, MAX_ID_LEN};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_store::{Added, CommentConflict, Store, V2ReactionRecord};
use tributary_v2::reactions::model::split_comment_data;
use tributary_v2::reactions::{ids, read, Holder, V2Reaction, COMMENT_KIND};

use crate::feeds;

/// How deep reactions nest: a reaction, its child, and the child's child.
pub const MAX_DEPTH: u8 = 3;
/// How many of an activity's newest comment ids it keeps listed (as v3 does).
const KEEP_LISTED_COMMENTS: usize = 10;

/// A reaction as a v2 client sends it, checked.
#[derive(Clone, Debug)]
pub struct NewReaction {
    pub id: Option<String>,
    pub kind: String,
    pub activity_id: Option<String>,
    pub parent: Option<String>,
    pub user_id: String,
    pub data: Map<String, Value>,
    pub target_feeds: Vec<String>,
    pub extra: Map<String, Value>,
}

/// A string field, absent when missing, null or empty.
fn text(obj: &Map<String, Value>, name: &str) -> ApiResult<Option<String>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(name, format!("{name} must be a string"))),
    }
}

/// An object field, `{}` when missing or null.
pub fn object(obj: &Map<String, Value>, name: &str) -> ApiResult<Map<String, Value>> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::field(name, format!("{name} must be an object"))),
    }
}

/// Checks `data` as every record's custom data is checked.
pub fn check_data(data: &Map<String, Value>) -> ApiResult<()> {
    validate::document("data", &Value::Object(data.clone()))
}

impl NewReaction {
    pub fn parse(body: &Value, caller: &Caller) -> ApiResult<NewReaction> {
        let obj = body
            .as_object()
            .ok_or_else(|| ApiError::input("a reaction must be a JSON object"))?;
        let kind = text(obj, "kind")?
            .ok_or_else(|| ApiError::field("kind", "kind is a required field"))?;
        if kind.len() > MAX_ID_LEN {
            return Err(ApiError::field(
                "kind",
                format!("kind is longer than {MAX_ID_LEN} characters"),
            ));
        }
        let parent = text(obj, "parent")?;
        let activity_id = text(obj, "activity_id")?;
        match (&parent, &activity_id) {
            (Some(p), _) => validate::id("parent", p)?,
            (None, Some(a)) => validate::id("activity_id", a)?,
            (None, None) => {
                return Err(ApiError::field(
                    "activity_id",
                    "activity_id is a required field",
                ))
            }
        }
        let user_id = caller.require_user(text(obj, "user_id")?.as_deref())?;
        validate::id("user_id", &user_id)?;
        let id = text(obj, "id")?;
        if let Some(id) = &id {
            validate::id("id", id)?;
        }
        let data = object(obj, "data")?;
        check_data(&data)?;
        Ok(NewReaction {
            id,
            kind,
            activity_id,
            parent,
            user_id,
            data,
            target_feeds: feeds::parse_targets(obj.get("target_feeds"))?,
            extra: object(obj, "target_feeds_extra_data")?,
        })
    }
}

/// Adds the reaction, and its activity to the target feeds.
pub async fn add(state: &AppState, caller: &Caller, new: NewReaction) -> ApiResult<V2Reaction> {
    let store = &state.store;
    if let Some(id) = &new.id {
        if let Some(existing) = read::get(store, id).await? {
            return same_request(existing, &new);
        }
    }
    feeds::check(state, caller, &new.target_feeds).await?;
    let now = tributary_v2::time::next_time();
    let r = match &new.parent {
        Some(parent) => add_child(state, caller, &new, parent, now).await?,
        None => add_top(state, caller, &new, now).await?,
    };
    feeds::publish(state, caller, &r, &new.target_feeds, &new.extra).await?;
    Ok(r)
}

/// A retried add with a client-chosen id answers the reaction it made; any other reaction
/// under that id is a conflict.
fn same_request(existing: V2Reaction, new: &NewReaction) -> ApiResult<V2Reaction> {
    let same_place = match &new.parent {
        Some(p) => existing.parent.as_ref() == Some(p),
        None => {
            existing.parent.is_none() && new.activity_id.as_ref() == Some(&existing.activity_id)
        }
    };
    if same_place && existing.kind == new.kind && existing.user_id == new.user_id {
        return Ok(existing);
    }
    Err(ApiError::field(
        "id",
        format!("a reaction with id '{}' already exists", existing.id),
    ))
}

/// Whether v3's keys can hold a reaction of `kind` by `user` (types of letters, digits, `_`
/// and `-`, at most 64; user ids without `#`).
fn keyable(kind: &str, user: &str) -> bool {
    !kind.is_empty()
        && kind.len() <= 64
        && kind
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !user.contains('#')
}

async fn add_top(
    state: &AppState,
    caller: &Caller,
    new: &NewReaction,
    now: Nanos,
) -> ApiResult<V2Reaction> {
    let store = &state.store;
    let activity_id = new.activity_id.clone().unwrap_or_default();
    let activity = store
        .get_activity(&activity_id)
        .await?
        .filter(|a| a.deleted_at.is_none());
    if let Some(a) = &activity {
        if !caller.is_server() {
            let cap = if new.kind == COMMENT_KIND {
                Capability::AddComment
            } else {
                Capability::AddActivityReaction
            };
            store.require_on_activity(caller, a, cap).await?;
        }
        let held = if new.kind == COMMENT_KIND {
            let place = Place {
                object: ("activity".into(), a.id.clone()),
                parent: None,
                feeds: a.content.feeds.clone(),
                listed: a.latest_comment_ids.len(),
            };
            comment(store, new, place, now).await?
        } else if new.id.is_none() && keyable(&new.kind, &new.user_id) {
            let listed = a.latest_reactions.len();
            reaction(store, Subject::Activity(&a.id), &a.id, new, now, listed).await?
        } else {
            None
        };
        if let Some(r) = held {
            return Ok(r);
        }
    }
    own(store, new, activity_id, None, 1, now).await
}

async fn add_child(
    state: &AppState,
    caller: &Caller,
    new: &NewReaction,
    parent_id: &str,
    now: Nanos,
) -> ApiResult<V2Reaction> {
    let store = &state.store;
    let parent = read::get(store, parent_id)
        .await?
        .filter(V2Reaction::is_live)
        .ok_or_else(|| ApiError::not_found(format!("reaction '{parent_id}' does not exist")))?;
    let depth = depth_of(store, &parent).await?;
    if depth >= MAX_DEPTH {
        return Err(ApiError::field(
            "parent",
            format!("reactions nest at most {MAX_DEPTH} levels; '{parent_id}' is at the deepest"),
        ));
    }
    let activity = store.get_activity(&parent.activity_id).await?;
    if let (false, Some(a)) = (caller.is_server(), &activity) {
        store
            .require_on_activity(caller, a, Capability::AddActivityReaction)
            .await?;
    }
    if let Holder::Comment(c) = &parent.holder {
        let held = if new.kind == COMMENT_KIND {
            let place = Place {
                object: (c.object_type.clone(), c.object_id.clone()),
                parent: Some(c.id.clone()),
                feeds: activity.map(|a| a.content.feeds).unwrap_or_default(),
                listed: 0,
            };
            comment(store, new, place, now).await?
        } else if new.id.is_none() && keyable(&new.kind, &new.user_id) {
            reaction(store, Subject::Comment(&c.id), &c.object_id, new, now, 0).await?
        } else {
            None
        };
        if let Some(r) = held {
            return Ok(r);
        }
    }
    own(
        store,
        new,
        parent.activity_id.clone(),
        Some(parent.id.clone()),
        depth + 1,
        now,
    )
    .await
}

/// Where a comment goes: its object, its parent comment, the feeds whose comment counts it
/// adds to, and how many comment ids its activity lists.
struct Place {
    object: (String, String),
    parent: Option<String>,
    feeds: Vec<String>,
    listed: usize,
}

/// A v3 comment (or reply); `None` when its object or parent went away meanwhile.
async fn comment(
    store: &Store,
    new: &NewReaction,
    place: Place,
    now: Nanos,
) -> ApiResult<Option<V2Reaction>> {
    let (text, custom) = split_comment_data(&new.data);
    let id = new.id.clone().unwrap_or_else(|| ids::new_id(now));
    let mut c = Comment::new(id, place.object, new.user_id.clone(), text, now);
    c.custom = custom;
    c.parent_id = place.parent;
    match store.create_comment(&c).await? {
        Ok(()) => {}
        Err(CommentConflict::IdTaken) => {
            return Err(ApiError::field(
                "id",
                format!("a reaction with id '{}' already exists", c.id),
            ))
        }
        Err(_) => return Ok(None),
    }
    for fid in &place.feeds {
        store.bump_feed_counter(fid, "comment_count", 1).await?;
    }
    let listed = place.listed + 1;
    if c.object_type == "activity" && c.parent_id.is_none() && listed > 2 * KEEP_LISTED_COMMENTS {
        store
            .trim_activity_list(
                &c.object_id,
                "latest_comment_ids",
                KEEP_LISTED_COMMENTS,
                listed,
            )
            .await?;
    }
    Ok(Some(V2Reaction::from_comment(c)))
}

/// The user's v3 reaction of this type to the subject; `None` when the user has one (or
/// the subject went away).
async fn reaction(
    store: &Store,
    subject: Subject<'_>,
    activity_id: &str,
    new: &NewReaction,
    now: Nanos,
    listed: usize,
) -> ApiResult<Option<V2Reaction>> {
    if store
        .get_reaction(subject, &new.user_id, &new.kind)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let r = Reaction {
        activity_id: activity_id.to_string(),
        comment_id: match subject {
            Subject::Comment(c) => Some(c.to_string()),
            Subject::Activity(_) => None,
        },
        user_id: new.user_id.clone(),
        kind: new.kind.clone(),
        custom: new.data.clone(),
        created_at: now,
        updated_at: now,
    };
    if store.add_reaction(&r).await? != Added::Added {
        return Ok(None);
    }
    if let Subject::Activity(id) = subject {
        if listed + 1 > 2 * LATEST_KEPT {
            store
                .trim_activity_list(id, "latest_reactions", LATEST_KEPT, listed + 1)
                .await?;
        }
    }
    Ok(Some(V2Reaction::from_reaction(r)))
}

/// A v2-only record.
async fn own(
    store: &Store,
    new: &NewReaction,
    activity_id: String,
    parent: Option<String>,
    depth: u8,
    now: Nanos,
) -> ApiResult<V2Reaction> {
    let record = V2ReactionRecord {
        id: new.id.clone().unwrap_or_else(|| ids::new_id(now)),
        kind: new.kind.clone(),
        activity_id,
        user_id: new.user_id.clone(),
        parent,
        custom: new.data.clone(),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        depth,
    };
    if !store.create_v2_reaction(&record).await? {
        return Err(ApiError::field(
            "id",
            format!("a reaction with id '{}' already exists", record.id),
        ));
    }
    Ok(V2Reaction::from_record(record))
}

/// How deep a reaction stands: 1 for a reaction to an activity.
pub async fn depth_of(store: &Store, r: &V2Reaction) -> ApiResult<u8> {
    match &r.holder {
        Holder::Own(record) => Ok(record.depth),
        Holder::Reaction(x) => match &x.comment_id {
            None => Ok(1),
            Some(c) => Ok(comment_depth(store, Some(c.clone())).await? + 1),
        },
        Holder::Comment(c) => Ok(comment_depth(store, c.parent_id.clone()).await? + 1),
    }
}

/// The depth of the comment `parent` names (0 for none), counting up to past the limit.
async fn comment_depth(store: &Store, mut parent: Option<String>) -> ApiResult<u8> {
    let mut depth = 0;
    while let Some(id) = parent {
        depth += 1;
        if depth >= MAX_DEPTH {
            break;
        }
        parent = store.get_comment(&id).await?.and_then(|c| c.parent_id);
    }
    Ok(depth)
}
