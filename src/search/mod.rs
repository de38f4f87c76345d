//! Stages 5 and 6: the Tantivy index of every note, quote, concept and source, and the queries
//! `commonplace search` runs against it.

pub mod bundle;
pub mod index;
pub mod query;
pub mod related;
pub mod schema;

use crate::link::Graph;
use query::{QueryError, SearchRequest, SearchResults, Searching};

/// Runs `request` against the index in `index_dir`, made with these lookups.
pub fn search(
    index_dir: &std::path::Path,
    language: &str,
    lookups: &index::Lookups,
    request: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    let (index, fields, _) = index::open(index_dir, language)?;
    let searching = Searching {
        searcher: index.reader().map_err(QueryError::from)?.searcher(),
        index: &index,
        language: language.to_string(),
        fields,
        concept_paths: &lookups.concept_paths,
        aliases: &lookups.aliases,
    };
    Ok(searching.search(request)?)
}

/// Brings the index in `index_dir` up to date with `graph`, which was loaded from content with
/// this stamp.
pub fn refresh(
    index_dir: &std::path::Path,
    graph: &Graph,
    stamp: u64,
    compaction: index::Compaction,
) -> Result<Refreshed, SearchError> {
    let lookups = index::Lookups::of(graph);
    let docs = index::documents(graph);
    let report = index::update(
        index_dir,
        &graph.config.language,
        &docs,
        stamp,
        &lookups,
        compaction,
    )?;
    Ok(Refreshed {
        report,
        lookups,
        docs,
    })
}

/// What [`refresh`] did and made: the documents keep their plain text, which the related
/// lists reuse rather than parse every note again.
pub struct Refreshed {
    pub report: index::IndexReport,
    pub lookups: index::Lookups,
    pub docs: std::collections::BTreeMap<String, index::SearchDoc>,
}

/// The most quotes one ```` ```query ```` block lists.
pub const QUERY_BLOCK_LIMIT: usize = 500;

/// Runs every ```` ```query ```` block of every note against the index in `index_dir` and keeps
/// the quotes found in `graph.queries`. A block that is not a valid query is an error at its
/// line.
pub fn run_query_blocks(
    index_dir: &std::path::Path,
    graph: &mut Graph,
    lookups: &index::Lookups,
) -> Result<Vec<crate::diagnostic::Diagnostic>, SearchError> {
    let notes: Vec<usize> = (0..graph.notes.len()).collect();
    run_query_blocks_of(index_dir, graph, lookups, &notes)
}

/// [`run_query_blocks`] for the blocks of some notes only, replacing what they found before.
pub fn run_query_blocks_of(
    index_dir: &std::path::Path,
    graph: &mut Graph,
    lookups: &index::Lookups,
    notes: &[usize],
) -> Result<Vec<crate::diagnostic::Diagnostic>, SearchError> {
    let blocks: Vec<(usize, usize, String)> = notes
        .iter()
        .flat_map(|&n| {
            graph.notes[n]
                .outline
                .scan
                .queries
                .iter()
                .map(move |q| (n, q.offset, q.query.clone()))
        })
        .collect();
    graph
        .queries
        .retain(|(n, _), _| notes.binary_search(n).is_err());
    let mut diagnostics = Vec::new();
    if blocks.is_empty() {
        return Ok(diagnostics);
    }
    let (index, fields, _) = index::open(index_dir, &graph.config.language)?;
    let searching = Searching {
        searcher: index.reader().map_err(QueryError::from)?.searcher(),
        index: &index,
        language: graph.config.language.clone(),
        fields,
        concept_paths: &lookups.concept_paths,
        aliases: &lookups.aliases,
    };
    let position: std::collections::HashMap<String, (usize, usize)> =
        graph
            .sources
            .iter()
            .enumerate()
            .flat_map(|(s, source)| {
                source.quotes.iter().enumerate().map(move |(q, quote)| {
                    (format!("{}/{}", source.source.id, quote.quote.id), (s, q))
                })
            })
            .collect();
    for (n, offset, query) in blocks {
        match searching.collect(&query, QUERY_BLOCK_LIMIT) {
            Ok(hits) => {
                let quotes = hits
                    .iter()
                    .filter_map(|h| position.get(&h.id).copied())
                    .collect();
                graph.queries.insert((n, offset), quotes);
            }
            Err(QueryError::Tantivy(err)) => return Err(QueryError::Tantivy(err).into()),
            Err(problem) => {
                let body = &graph.notes[n].note.body;
                diagnostics.push(crate::diagnostic::Diagnostic::error(
                    &body.file,
                    body.pos(offset),
                    format!("in this query block: {problem}"),
                ));
            }
        }
    }
    Ok(diagnostics)
}

/// Checks every ```` ```query ```` block's syntax and concepts without an index (for `check`).
pub fn check_query_blocks(graph: &Graph) -> Vec<crate::diagnostic::Diagnostic> {
    let lookups = index::Lookups::of(graph);
    let syntax = query::Syntax {
        concept_paths: &lookups.concept_paths,
        aliases: &lookups.aliases,
    };
    let mut diagnostics = Vec::new();
    for note in &graph.notes {
        for block in &note.outline.scan.queries {
            if let Err(problem) = syntax.parse(&block.query) {
                let body = &note.note.body;
                diagnostics.push(crate::diagnostic::Diagnostic::error(
                    &body.file,
                    body.pos(block.offset),
                    format!("in this query block: {problem}"),
                ));
            }
        }
    }
    diagnostics
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] index::IndexError),
    #[error(transparent)]
    Query(#[from] QueryError),
}
