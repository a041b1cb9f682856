//! Walks time-ordered partitions in merged order, loading candidates a round at a time and
//! keeping those a predicate accepts: the engine under `query_activities` and
//! `query_comments`.

use std::collections::HashMap;
use std::future::Future;

use crate::store::{Slice, Store, TimePartition};
use crate::ApiResult;

/// Candidates read per round.
const ROUND: usize = 100;

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
    fn positions_carry_ids() {
        assert_eq!(super::id_of("00000000000000000042#a-1"), "a-1");
        assert_eq!(super::id_of("00000000000000000042#a#b"), "a#b");
    }
}
