//! Stages 5 and 6: the Tantivy index of every note, quote, concept and source, and the queries
//! `commonplace search` runs against it.

pub mod index;
pub mod query;
pub mod schema;

use std::collections::BTreeMap;

use crate::link::Graph;
use query::{QueryError, SearchRequest, SearchResults, Searching};

/// Brings the index under `root` up to date with `graph`, then runs `request` against it.
pub fn search(
    root: &std::path::Path,
    graph: &Graph,
    request: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    let docs = index::documents(graph);
    index::update(root, &graph.config.language, &docs)?;
    let (index, fields, _) = index::open(root, &graph.config.language)?;
    let concept_paths = index::concept_paths(graph);
    let mut aliases = BTreeMap::new();
    for concept in graph.concepts.values() {
        for alias in concept.file.iter().flat_map(|f| &f.aliases) {
            aliases.insert(crate::slug::slugify(alias), concept.name.clone());
        }
    }
    let searching = Searching {
        index: &index,
        fields,
        concept_paths: &concept_paths,
        aliases: &aliases,
    };
    Ok(searching.search(request)?)
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] index::IndexError),
    #[error(transparent)]
    Query(#[from] QueryError),
}
