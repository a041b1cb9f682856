//! Stream's query filters, parsed and evaluated in one place ([`predicate`]): the full
//! language for `query_activities` and `query_comments`, and [`predicate::parse_terms`] for
//! the filters that only AND string conditions (feed reads, the follow and feed queries).

pub mod predicate;
