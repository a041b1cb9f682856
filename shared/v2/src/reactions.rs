//! v2 reactions over the records v3 reads: one store, two dialects.
//!
//! v3 keeps at most one reaction per user and type on an activity or a comment (counted on
//! it, listed in its newest reactions), and comments as records of their own with threads of
//! replies. v2 has one kind of record, the reaction, with any number per user and kind,
//! children to three levels, and soft deletes. A v2 reaction is held where v3 can hold it:
//!
//! | v2 reaction | held as (what v3 reads) |
//! | --- | --- |
//! | kind `comment` on a live activity | a comment on it: `text` = `data.text` when that is a string, `custom` = the rest of `data`; its id is the reaction's |
//! | any other kind on a live activity | the user's v3 reaction of that type (`custom` = `data`), when the user has none yet |
//! | child of kind `comment` of a comment | a reply to that comment |
//! | child of another kind of a comment | the user's v3 reaction of that type to the comment, when the user has none yet |
//! | anything else | a v2-only record (`tributary_store::V2ReactionRecord`), which v3 does not see |
//!
//! "Anything else" is what v3 cannot hold: reactions to activities that do not exist (v2
//! accepts them) or are deleted, a user's second reaction of one kind, children of reactions
//! that are not comments, kinds or user ids v3's keys cannot take, and reactions whose id the
//! client chose where v3 names reactions by key and has no ids.
//!
//! Read back, v3 records are v2 reactions: a v3 reaction is a reaction of kind = its type,
//! `data` = its custom data; a comment is a `comment` with `data` = its custom data plus
//! `text`; replies and reactions to a comment are its children. v3 reactions have no id, so
//! their v2 id carries their key: `<uuid>.<key>` ([`ids`]), where the UUID (v7 layout) holds
//! the reaction's creation time, so ids order by time like every other v2 id.
//!
//! Counts (`reaction_counts`, `children_counts`) add v3's counters (per-type reaction counts,
//! `comment_count`, a comment's `reply_count`) and the v2-only records' counts. v3 counts
//! replies in an activity's `comment_count`, so v2's count of `comment` includes them.
//!
//! Soft deletes: comments use v3's own (v3 shows them as deleted). v3 cannot soft-delete a
//! reaction it holds by key, so soft-deleting one through v2 takes it out of v3 (its counts
//! drop) into a deleted v2-only record under the same id; restoring puts it back into v3 when
//! v3 can hold it again, and otherwise leaves it v2-only.
//!
//! - [`model`]: the v2 reaction over its holder, and its JSON.
//! - [`ids`]: v2 ids, time-ordered, and the ids of reactions v3 holds by key.
//! - [`read`]: one reaction by id; reactions by activity, user or parent, by time.
//! - [`expand`]: `latest_children`, `children_counts` and `own_children`.
//! - [`enrich`]: `latest_reactions`, `own_reactions` and `reaction_counts` of activities.

pub mod enrich;
pub mod expand;
pub mod ids;
pub mod model;
pub mod read;
mod sources;

pub use enrich::{enrichment, ReactionEnrichment};
pub use model::{Holder, V2Reaction, COMMENT_KIND};
