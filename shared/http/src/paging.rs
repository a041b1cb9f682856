//! Cursors for listings read by time from an index, both ways: `next` reads on in the
//! query's order from a page's last item, `prev` reads back from its first. A cursor names
//! its query (`scope` and order) and the index position to continue after; the listing walks
//! one item more than a page to know whether more follow.

use serde::{Deserialize, Serialize};
use tributary_domain::{ApiError, ApiResult};

use crate::cursor::CursorCodec;

/// What a cursor carries.
#[derive(Debug, Serialize, Deserialize)]
struct TimeCursor {
    scope: String,
    newest_first: bool,
    after: String,
}

/// How a page is read: from where, and whether backwards (a `prev` cursor).
#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub after: Option<String>,
    pub backwards: bool,
}

impl Paging {
    /// From the request's `next` or `prev`, which must belong to this query (`scope`, order).
    pub fn from_request(
        cursors: &CursorCodec,
        next: Option<&str>,
        prev: Option<&str>,
        scope: &str,
        newest_first: bool,
    ) -> ApiResult<Paging> {
        let (field, raw, backwards) = match (
            next.filter(|c| !c.is_empty()),
            prev.filter(|c| !c.is_empty()),
        ) {
            (Some(c), _) => ("next", c, false),
            (None, Some(c)) => ("prev", c, true),
            (None, None) => return Ok(Paging::default()),
        };
        let cursor: TimeCursor = cursors.decode(field, raw)?;
        if cursor.scope != scope || cursor.newest_first != newest_first {
            return Err(ApiError::field(
                field,
                format!("{field}: this cursor belongs to another query"),
            ));
        }
        Ok(Paging {
            after: Some(cursor.after),
            backwards,
        })
    }

    /// The order to walk the index in: the query's, or against it when going back.
    pub fn reads_newest_first(&self, newest_first: bool) -> bool {
        newest_first != self.backwards
    }

    /// Cuts a walk of `limit + 1` to `limit`, puts a page read backwards into the query's
    /// order, and gives its `next` and `prev` cursors. `resume` is where the walk stopped when
    /// more may follow in its direction (a budget of examined entries ran out).
    pub fn finish<T>(
        &self,
        cursors: &CursorCodec,
        scope: &str,
        newest_first: bool,
        page: &mut Vec<(String, T)>,
        limit: usize,
        resume: Option<String>,
    ) -> (Option<String>, Option<String>) {
        let resume = if page.len() > limit {
            page.truncate(limit);
            page.last().map(|(p, _)| p.clone())
        } else {
            resume
        };
        if self.backwards {
            page.reverse();
        }
        let at = |position: &str| {
            cursors.encode(&TimeCursor {
                scope: scope.to_string(),
                newest_first,
                after: position.to_string(),
            })
        };
        let first = page.first().map(|(p, _)| p.as_str());
        let last = page.last().map(|(p, _)| p.as_str());
        if self.backwards {
            (last.map(at), resume.as_deref().map(at))
        } else {
            let prev = first.filter(|_| self.after.is_some()).map(at);
            (resume.as_deref().map(at), prev)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(items: &[&str]) -> Vec<(String, ())> {
        items.iter().map(|p| (p.to_string(), ())).collect()
    }

    #[test]
    fn forward_and_back_pages_link_up() {
        let codec = CursorCodec::new("secret");
        let first = Paging::default();
        let mut p = page(&["9", "8", "7"]);
        let (next, prev) = first.finish(&codec, "q", true, &mut p, 2, None);
        assert_eq!(p.len(), 2);
        assert!(prev.is_none());
        let next = next.expect("more follow");
        let second = Paging::from_request(&codec, Some(&next), None, "q", true).unwrap();
        assert_eq!(second.after.as_deref(), Some("8"));
        assert!(second.reads_newest_first(true));
        let mut p = page(&["7"]);
        let (next, prev) = second.finish(&codec, "q", true, &mut p, 2, None);
        assert!(next.is_none());
        let back = Paging::from_request(&codec, None, prev.as_deref(), "q", true).unwrap();
        assert!(back.backwards && !back.reads_newest_first(true));
        // Walking back from "7" finds 8, 9 (in walk order), shown newest first.
        let mut p = page(&["8", "9"]);
        let (next, prev) = back.finish(&codec, "q", true, &mut p, 2, None);
        assert_eq!(p, page(&["9", "8"]));
        assert!(prev.is_none() && next.is_some());
        // A cursor of another query is refused, naming the field.
        assert!(Paging::from_request(&codec, Some(&next.unwrap()), None, "other", true).is_err());
    }
}
