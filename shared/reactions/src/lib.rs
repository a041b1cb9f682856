//! Reactions, shared by the families that serve them: reactions to activities (the
//! reactions family) and to comments (the comments family). [`rules`] says what adding and
//! removing a reaction does, [`query`] how they are listed; [`reply`] shapes the answers.

pub mod query;
pub mod reply;
pub mod rules;

pub use query::{query, On, QueryReactionsRequest, SortParam};
pub use rules::*;
