//! Enriched v2 reads (`enrich/feed/{group}/{id}/`, `enrich/activities/`): the activities of
//! a rendered page with their references resolved and, when asked, their reactions.
//!
//! - A top-level field whose value is `SU:<user id>` becomes the user as `user/` add shows it
//!   ([`crate::user::render`]); `SO:<collection>:<id>` becomes the collection object as
//!   `collections/{name}/` add shows it ([`crate::collection::render`]). References to
//!   nothing stored (or malformed ones) stay strings.
//! - Every reference of the page is read in the same BatchGetItem calls, users and objects
//!   together; at most [`MAX_REFERENCES`] distinct ones per page are resolved.
//! - In aggregated pages the activities inside each group are enriched.
//! - Reactions (`withOwnReactions`, `withRecentReactions`, `withReactionCounts`,
//!   `reactionKindsFilter`, the reader from `user_id` or a user token) add
//!   `own_reactions`, `latest_reactions` and `reaction_counts`.

use std::collections::HashSet;

use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::collections::parse_reference;
use tributary_store::Store;

/// Most distinct references one page resolves (a bound on the reads a page costs).
pub const MAX_REFERENCES: usize = 1000;
/// Longest user id a reference may name.
const MAX_USER_ID: usize = 255;

/// What an enriched read adds besides references.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EnrichOptions {
    pub with_own: bool,
    pub with_recent: bool,
    pub with_counts: bool,
    /// Only these reaction kinds; empty means every kind.
    pub kinds: Vec<String>,
    /// Whose reactions are `own_reactions`: a user token's user, else the `user_id` query
    /// parameter (server tokens have no user).
    pub own_user: Option<String>,
}

/// A query flag as v2 clients send it (`True`/`False` from Python).
fn flag(pairs: &[(String, String)], name: &str) -> ApiResult<bool> {
    match value(pairs, name) {
        None => Ok(false),
        Some(v) => match v.to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(ApiError::field(
                name,
                format!("{name} must be true or false, got '{v}'"),
            )),
        },
    }
}

/// The last non-empty value of a query parameter.
fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

impl EnrichOptions {
    /// Reads the enrichment parameters of a query string's pairs.
    pub fn from_query(pairs: &[(String, String)], caller: &Caller) -> ApiResult<EnrichOptions> {
        let kinds = pairs
            .iter()
            .filter(|(k, _)| k == "reactionKindsFilter")
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        let own_user = match caller {
            Caller::User(me) => Some(me.clone()),
            _ => value(pairs, "user_id").map(str::to_string),
        };
        Ok(EnrichOptions {
            with_own: flag(pairs, "withOwnReactions")?,
            with_recent: flag(pairs, "withRecentReactions")?,
            with_counts: flag(pairs, "withReactionCounts")?,
            kinds,
            own_user,
        })
    }

    fn wants_reactions(&self) -> bool {
        self.with_own || self.with_recent || self.with_counts
    }
}

/// A reference a field may hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Reference {
    User(String),
    Object(String, String),
}

fn reference_in(v: &Value) -> Option<Reference> {
    let text = v.as_str()?;
    if let Some(user) = text.strip_prefix("SU:") {
        let ok = !user.is_empty() && user.len() <= MAX_USER_ID;
        return ok.then(|| Reference::User(user.to_string()));
    }
    let (name, id) = parse_reference(text.strip_prefix("SO:")?)?;
    Some(Reference::Object(name.to_string(), id.to_string()))
}

/// The activities of a rendered page: the results themselves, or in aggregated pages the
/// activities inside each group.
fn activities_mut(results: &mut [Value]) -> Vec<&mut Map<String, Value>> {
    let mut out = Vec::new();
    for result in results.iter_mut() {
        let Value::Object(obj) = result else { continue };
        if matches!(obj.get("activities"), Some(Value::Array(_))) {
            if let Some(Value::Array(inner)) = obj.get_mut("activities") {
                out.extend(inner.iter_mut().filter_map(Value::as_object_mut));
            }
        } else {
            out.push(obj);
        }
    }
    out
}

/// Enriches a rendered page of v2 activities (flat results or aggregated groups) in place.
pub async fn enrich(store: &Store, results: &mut [Value], opts: &EnrichOptions) -> ApiResult<()> {
    resolve_references(store, results).await?;
    if opts.wants_reactions() {
        add_reactions(store, results, opts).await?;
    }
    Ok(())
}

/// Replaces `SU:` and `SO:` references by the records they name.
async fn resolve_references(store: &Store, results: &mut [Value]) -> ApiResult<()> {
    let mut wanted: Vec<Reference> = Vec::new();
    let mut seen: HashSet<Reference> = HashSet::new();
    for activity in activities_mut(results) {
        for v in activity.values() {
            if let Some(r) = reference_in(v) {
                if wanted.len() < MAX_REFERENCES && seen.insert(r.clone()) {
                    wanted.push(r);
                }
            }
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let mut user_ids = Vec::new();
    let mut objects = Vec::new();
    for r in &wanted {
        match r {
            Reference::User(id) => user_ids.push(id.clone()),
            Reference::Object(name, id) => objects.push((name.clone(), id.clone())),
        }
    }
    let (users, found) = store.get_users_and_objects(&user_ids, &objects).await?;
    for activity in activities_mut(results) {
        for v in activity.values_mut() {
            let resolved = match reference_in(v) {
                Some(Reference::User(id)) => users.get(&id).map(crate::user::render),
                Some(Reference::Object(name, id)) => found
                    .get(&format!("{name}:{id}"))
                    .map(crate::collection::render),
                None => None,
            };
            if let Some(record) = resolved {
                *v = record;
            }
        }
    }
    Ok(())
}

/// Adds `own_reactions`, `latest_reactions` and `reaction_counts` as asked, for the whole
/// page at once (`crate::reactions::enrichment`).
async fn add_reactions(
    store: &Store,
    results: &mut [Value],
    opts: &EnrichOptions,
) -> ApiResult<()> {
    let ids: Vec<String> = activities_mut(results)
        .iter()
        .filter_map(|a| a.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    let found = crate::reactions::enrichment(
        store,
        &ids,
        opts.own_user.as_deref(),
        Some(&opts.kinds),
        opts.with_own,
        opts.with_recent,
        opts.with_counts,
    )
    .await?;
    for activity in activities_mut(results) {
        let id = activity
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // An activity shown twice (in two groups) gets the same reactions both times.
        let Some(e) = found.get(id).cloned() else {
            continue;
        };
        if opts.with_recent {
            activity.insert("latest_reactions".into(), Value::Object(e.latest_reactions));
        }
        if opts.with_own {
            activity.insert("own_reactions".into(), Value::Object(e.own_reactions));
        }
        if opts.with_counts {
            activity.insert("reaction_counts".into(), Value::Object(e.reaction_counts));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn options_from_the_query() {
        let q = pairs("withOwnReactions=True&withReactionCounts=false&reactionKindsFilter=like, comment,&user_id=mike");
        let o = EnrichOptions::from_query(&q, &Caller::Server).unwrap();
        assert!(o.with_own && !o.with_recent && !o.with_counts);
        assert_eq!(o.kinds, ["like", "comment"]);
        assert_eq!(o.own_user.as_deref(), Some("mike"));
        let as_user = EnrichOptions::from_query(&q, &Caller::User("amy".into())).unwrap();
        assert_eq!(as_user.own_user.as_deref(), Some("amy"));
        assert!(
            EnrichOptions::from_query(&pairs("withRecentReactions=maybe"), &Caller::Server)
                .is_err()
        );
        assert!(!EnrichOptions::default().wants_reactions());
    }

    #[test]
    fn references_are_users_and_collection_objects() {
        assert_eq!(
            reference_in(&json!("SU:42")),
            Some(Reference::User("42".into()))
        );
        assert_eq!(
            reference_in(&json!("SO:items:42")),
            Some(Reference::Object("items".into(), "42".into()))
        );
        for plain in [
            json!("mike"),
            json!("SU:"),
            json!("SO:items"),
            json!("SO:a:b:c"),
            json!(5),
        ] {
            assert_eq!(reference_in(&plain), None, "{plain}");
        }
    }

    #[test]
    fn aggregated_groups_expose_their_activities() {
        let mut page = vec![
            json!({"id": "g1", "activities": [{"actor": "SU:a"}, {"actor": "SU:b"}]}),
            json!({"id": "a3", "actor": "SU:c"}),
        ];
        let actors: Vec<String> = activities_mut(&mut page)
            .iter()
            .map(|a| a["actor"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(actors, ["SU:a", "SU:b", "SU:c"]);
    }
}
