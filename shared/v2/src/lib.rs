//! The v2 wire format: how Stream's Feeds API v2 (`stream-python`, `stream-go2`) writes and
//! reads records, mapped onto the same domain records the v3 dialect uses, so that what one
//! dialect writes the other reads.
//!
//! - [`time`]: v2 times (`%Y-%m-%dT%H:%M:%S.%f`, UTC, no zone).
//! - [`activity`]: v2 activities (`actor`, `verb`, `object`, `foreign_id`, `time`, `to`, any
//!   other field) to and from domain activities; the mapping is in `docs/v2.md`.

pub mod activity;
pub mod partial;
pub mod reactions;
pub mod time;
