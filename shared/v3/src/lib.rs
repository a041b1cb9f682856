//! Stream's Feeds v3 wire format: what requests carry ([`requests`]), the response shapes
//! clients parse ([`responses`], [`feed_read`], and the endpoint envelopes in [`replies`]), and
//! turning stored records into them ([`render`]).
//! Another wire dialect sits beside this crate and reuses the domain and the store.

pub mod bookmarks;
pub mod collections;
pub mod feed_read;
pub mod members;
pub mod own;
pub mod polls;
pub mod render;
pub mod replies;
pub mod requests;
pub mod responses;
