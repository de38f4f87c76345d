//! Stages 5 and 6: the Tantivy index of every note, quote, concept and source, and the queries
//! `commonplace search` runs against it.

pub mod index;
pub mod schema;
