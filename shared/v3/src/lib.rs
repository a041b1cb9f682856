//! Stream's Feeds v3 wire format: what requests carry ([`requests`]), the response shapes
//! clients parse ([`responses`]), and turning stored records into them ([`render`]).
//! Another wire dialect sits beside this crate and reuses the domain and the store.

pub mod render;
pub mod replies;
pub mod requests;
pub mod responses;
