//! The operations both wire dialects (v3 under `/api/v2`, v2 under `/api/v1.0`) share, on the
//! domain's records rather than on either dialect's shapes: a dialect parses its request into
//! these, calls them, and renders what they answer its own way.
//!
//! - [`activities`]: publishing an activity into its feeds (groups checked, permission, counts,
//!   fan-out) and removing it.
//! - [`follows`]: following, answering follow requests, unfollowing (counts, history copy).
//! - [`groups`]: aggregated and notification feeds' groups: loading, counts, marks.
//! - [`feed_page`]: a page of a feed's activities, with cursors, filters and visibility.
//! - [`ranked`]: ranked reads: a window of a feed scored by its ranking, paged by position.

pub mod activities;
pub mod feed_page;
pub mod follows;
pub mod groups;
pub mod pull;
pub mod ranked;
pub mod revisions;
