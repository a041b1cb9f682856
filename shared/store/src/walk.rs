//! Walks time-ordered partitions in merged order, loading candidates a round at a time and
//! keeping those a predicate accepts: the engine under `query_activities` and
//! `query_comments`.

use std::collections::HashMap;
use std::future::Future;

use crate::keys;
use crate::{Slice, Store, TimePartition};
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

/// Candidates read per round.
const ROUND: usize = 100;

/// Where a query's next page starts: after a position in time order, or at an offset of a
/// ranked list.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum PageCursor {
    After(String),
    Offset(usize),
}

/// A record's position in a time-ordered partition: `<20-digit time>#<id>`.
pub fn position(created_at: Nanos, id: &str) -> String {
    format!("{}#{id}", keys::time_part(created_at))
}

/// Inclusive position bounds for a `[from, to)` time range (open ends: everything).
pub fn bounds(range: (Option<Nanos>, Option<Nanos>)) -> (String, String) {
    (
        keys::time_part(range.0.unwrap_or(0)),
        range.1.map_or_else(|| "~".to_string(), keys::time_part),
    )
}

/// Pages records already in hand (an id filter read them directly) the way [`matches`]
/// pages a walk: within the bounds, after `after`, in order, `want` at most, with the
/// position to continue from when more remain.
pub fn page_in_memory<T>(
    mut list: Vec<T>,
    position_of: impl Fn(&T) -> String,
    walk: &Walk<'_>,
    after: Option<&str>,
) -> (Vec<T>, Option<String>) {
    list.retain(|x| {
        let p = position_of(x);
        let past = |a: &str| {
            if walk.newest_first {
                p.as_str() < a
            } else {
                p.as_str() > a
            }
        };
        p.as_str() >= walk.from && p.as_str() < walk.to && after.is_none_or(past)
    });
    list.sort_by_key(&position_of);
    if walk.newest_first {
        list.reverse();
    }
    let more = list.len() > walk.want;
    list.truncate(walk.want);
    let resume = more.then(|| list.last().map(&position_of)).flatten();
    (list, resume)
}

/// The id inside a position (`<time>#<id>`).
pub fn id_of(position: &str) -> &str {
    position.split_once('#').map_or(position, |(_, id)| id)
}

/// What to walk and how far.
pub struct Walk<'a> {
    pub parts: &'a [TimePartition],
    /// Inclusive position bounds.
    pub from: &'a str,
    pub to: &'a str,
    pub newest_first: bool,
    pub types: Option<&'a [String]>,
    /// Matches wanted.
    pub want: usize,
    /// Candidates one call may examine before it stops with a position to resume from.
    pub budget: usize,
}

/// Finds up to `walk.want` matches after `after`. Returns them and the position to continue
/// from when more may follow.
pub async fn matches<T, Load, Fut>(
    store: &Store,
    walk: &Walk<'_>,
    after: Option<String>,
    load: Load,
    accept: impl Fn(&T) -> bool,
) -> ApiResult<(Vec<T>, Option<String>)>
where
    Load: Fn(Vec<String>) -> Fut,
    Fut: Future<Output = ApiResult<HashMap<String, T>>>,
{
    let mut found: Vec<T> = Vec::new();
    let mut resume = after;
    let mut examined = 0;
    if walk.want == 0 {
        return Ok((found, None));
    }
    loop {
        let slice = Slice {
            from: walk.from,
            to: walk.to,
            newest_first: walk.newest_first,
            limit: ROUND,
            types: walk.types,
        };
        let (positions, next) = store
            .merged_positions(walk.parts, &slice, resume.as_deref())
            .await?;
        examined += positions.len();
        let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
        let mut loaded = if ids.is_empty() {
            HashMap::new()
        } else {
            load(ids).await?
        };
        for (i, p) in positions.iter().enumerate() {
            let Some(item) = loaded.remove(id_of(p)) else {
                continue;
            };
            if !accept(&item) {
                continue;
            }
            found.push(item);
            if found.len() == walk.want {
                // Continue after this match next time, unless nothing can follow it.
                let more = next.is_some() || i + 1 < positions.len();
                return Ok((found, more.then(|| p.clone())));
            }
        }
        resume = next;
        if resume.is_none() || examined >= walk.budget {
            return Ok((found, resume));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn in_memory_pages_follow_the_walk() {
        let list: Vec<(i64, &str)> = vec![(3, "c"), (1, "a"), (2, "b"), (4, "d")];
        let (from, to) = super::bounds((Some(2), None));
        let walk = super::Walk {
            parts: &[],
            from: &from,
            to: &to,
            newest_first: true,
            types: None,
            want: 2,
            budget: 10,
        };
        let at = |x: &(i64, &str)| super::position(x.0, x.1);
        let (page, resume) = super::page_in_memory(list.clone(), at, &walk, None);
        assert_eq!(page, vec![(4, "d"), (3, "c")]);
        let (rest, end) = super::page_in_memory(list, at, &walk, resume.as_deref());
        assert_eq!(rest, vec![(2, "b")]);
        assert_eq!(end, None);
    }

    #[test]
    fn positions_carry_ids() {
        assert_eq!(super::id_of("00000000000000000042#a-1"), "a-1");
        assert_eq!(super::id_of("00000000000000000042#a#b"), "a#b");
    }
}
