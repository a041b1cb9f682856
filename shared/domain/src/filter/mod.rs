//! Stream's query filters: [`operands`] reads one field's condition, [`predicate`] parses a
//! whole filter and evaluates it against a record.

pub mod operands;
pub mod predicate;

pub use operands::{eq_or_in, operator, strings};
