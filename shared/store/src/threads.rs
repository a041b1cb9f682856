//! The orders a comment thread level can be read in (Stream's `first`, `last`, `top`,
//! `best`, `controversial`) and the ranking behind the vote-based ones.

use crate::Store;
use tributary_domain::model::comment::{confidence, controversy, Comment};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

/// How a thread level is ordered: by time, or ranked by votes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Oldest,
    Newest,
    /// Highest score (upvotes minus downvotes).
    Top,
    /// Highest confidence that the comment is good (Wilson lower bound of its upvotes).
    Best,
    /// Most votes, most evenly split.
    Controversial,
}

impl Order {
    /// Parses a sort name; `field` names the parameter in errors.
    pub fn parse(field: &str, sort: Option<&str>, default: Order) -> ApiResult<Order> {
        match sort {
            None => Ok(default),
            Some("first" | "oldest") => Ok(Order::Oldest),
            Some("last" | "newest") => Ok(Order::Newest),
            Some("top") => Ok(Order::Top),
            Some("best") => Ok(Order::Best),
            Some("controversial") => Ok(Order::Controversial),
            Some(other) => Err(ApiError::field(
                field,
                format!("{field}: '{other}' is not one of first, last, top, best, controversial"),
            )),
        }
    }

    pub fn is_ranked(self) -> bool {
        !matches!(self, Order::Oldest | Order::Newest)
    }
}

/// Ranked orders rank at most this many comments of a level (the newest ones).
pub const RANK_WINDOW: usize = 1000;

/// Sorts comments by a ranked order, best first (ties: newest first).
pub fn rank(list: &mut [Comment], order: Order) {
    let key = |c: &Comment| -> f64 {
        match order {
            Order::Top => c.score() as f64,
            Order::Best => confidence(c.upvote_count, c.downvote_count),
            Order::Controversial => controversy(c.upvote_count, c.downvote_count),
            Order::Oldest => -(c.created_at as f64),
            Order::Newest => c.created_at as f64,
        }
    };
    list.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then(b.created_at.cmp(&a.created_at))
    });
}

/// The ids of a thread level (top-level comments, or one comment's replies) ranked by
/// `order`, from the level's newest [`RANK_WINDOW`] comments.
pub async fn ranked_ids(
    store: &Store,
    object_type: &str,
    object_id: &str,
    parent: Option<&str>,
    order: Order,
) -> ApiResult<Vec<String>> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    while ids.len() < RANK_WINDOW {
        let (page, next) = store
            .thread_page(
                object_type,
                object_id,
                parent,
                RANK_WINDOW - ids.len(),
                after.as_deref(),
                true,
            )
            .await?;
        ids.extend(page);
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let found = store.get_comments(&ids).await?;
    let mut list: Vec<Comment> = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
    rank(&mut list, order);
    Ok(list.into_iter().map(|c| c.id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(id: &str, up: i64, down: i64, at: i64) -> Comment {
        serde_json::from_value(serde_json::json!({
            "id": id, "object_id": "a", "object_type": "activity", "user_id": "u",
            "created_at": at, "updated_at": at, "upvote_count": up, "downvote_count": down
        }))
        .unwrap()
    }

    #[test]
    fn ranked_orders() {
        let base = vec![
            comment("liked", 10, 0, 1),
            comment("split", 6, 5, 2),
            comment("few", 1, 0, 3),
        ];
        let ids = |order| {
            let mut list = base.clone();
            rank(&mut list, order);
            list.into_iter().map(|c| c.id).collect::<Vec<_>>()
        };
        assert_eq!(ids(Order::Top), ["liked", "few", "split"]);
        assert_eq!(ids(Order::Best)[0], "liked");
        assert_eq!(ids(Order::Controversial)[0], "split");
        assert_eq!(ids(Order::Newest), ["few", "split", "liked"]);
    }

    #[test]
    fn names() {
        assert_eq!(
            Order::parse("sort", None, Order::Oldest).unwrap(),
            Order::Oldest
        );
        assert_eq!(
            Order::parse("sort", Some("best"), Order::Oldest).unwrap(),
            Order::Best
        );
        let err = Order::parse("comment_sort", Some("loudest"), Order::Newest).unwrap_err();
        assert!(err.to_string().contains("comment_sort"));
    }
}
