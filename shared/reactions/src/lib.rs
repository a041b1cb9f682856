//! Reactions, shared by the families that serve them: reactions to activities (the
//! reactions family) and to comments (the comments family). [`rules`] says what adding,
//! removing and querying a reaction does; [`reply`] shapes what those endpoints answer.

pub mod reply;
pub mod rules;

pub use rules::*;
