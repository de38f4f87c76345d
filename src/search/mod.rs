//! Stages 5 and 6: the Tantivy index of every note, quote, concept and source, and the queries
//! `commonplace search` runs against it.

pub mod index;
pub mod query;
pub mod schema;

use crate::link::Graph;
use query::{QueryError, SearchRequest, SearchResults, Searching};

/// Runs `request` against the index under `root`, made with these lookups.
pub fn search(
    root: &std::path::Path,
    language: &str,
    lookups: &index::Lookups,
    request: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    let (index, fields, _) = index::open(root, language)?;
    let searching = Searching {
        index: &index,
        fields,
        concept_paths: &lookups.concept_paths,
        aliases: &lookups.aliases,
    };
    Ok(searching.search(request)?)
}

/// Brings the index under `root` up to date with `graph`, which was loaded from content with
/// this stamp.
pub fn refresh(
    root: &std::path::Path,
    graph: &Graph,
    stamp: u64,
) -> Result<(index::IndexReport, index::Lookups), SearchError> {
    let lookups = index::Lookups::of(graph);
    let report = index::update(
        root,
        &graph.config.language,
        &index::documents(graph),
        stamp,
        &lookups,
    )?;
    Ok((report, lookups))
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] index::IndexError),
    #[error(transparent)]
    Query(#[from] QueryError),
}
