//! The v2 wire format: how Stream's Feeds API v2 (`stream-python`, `stream-go2`) writes and
//! reads records, mapped onto the same domain records the v3 dialect uses, so that what one
//! dialect writes the other reads.
//!
//! - [`time`]: v2 times (`%Y-%m-%dT%H:%M:%S.%f`, UTC, no zone).
//! - [`activity`]: v2 activities (`actor`, `verb`, `object`, `foreign_id`, `time`, `to`, any
//!   other field) to and from domain activities; the mapping is in `docs/v2.md`.
//! - [`user`], [`collection`]: v2 users and collection objects over the records v3 shares.
//! - [`enrich`]: enriched reads (`SU:`/`SO:` references, reactions).

pub mod activity;
pub mod collection;
pub mod enrich;
pub mod partial;
pub mod reactions;
pub mod time;
pub mod user;
