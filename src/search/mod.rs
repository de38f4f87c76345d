//! Stage 3, search: the Tantivy index of every note, quote, concept and source, and everything read
//! from it. This module is the only one that names Tantivy's types; everything else holds an
//! [`Engine`].
//!
//! - `documents.rs`: the documents (and lookups) a [`Graph`] makes;
//! - `engine.rs`: the index on disk and the [`Engine`] that opens, updates and reads it;
//! - `query.rs`: the query language and its ranking;
//! - `blocks.rs`: ```` ```query ```` blocks in notes, run for their pages;
//! - `related.rs`: notes and quotes alike by their words (more-like-this);
//! - `bundle.rs`: the static bundle the browser searches, exported from the index;
//! - `schema.rs`: fields, the analyzer and the languages.

pub mod blocks;
pub mod bundle;
pub mod documents;
pub mod engine;
pub mod query;
pub mod related;
pub mod schema;

pub use documents::{Lookups, SearchDoc};
pub use engine::{content_stamp, Compaction, Engine, IndexError, IndexReport};
pub use query::{QueryError, SearchRequest, SearchResults};

use crate::link::Graph;

/// Brings the engine's index up to date with `graph`, which was loaded from content with this
/// stamp. Returns what changed.
pub fn refresh(
    engine: &mut Engine,
    graph: &Graph,
    stamp: u64,
    compaction: Compaction,
) -> Result<IndexReport, IndexError> {
    let docs = documents::documents(graph);
    engine.update(&docs, stamp, Lookups::of(graph), compaction)
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Query(#[from] QueryError),
}
