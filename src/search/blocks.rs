//! ```` ```query ```` blocks: a note that writes a query shows the quotes it finds, listed in
//! reading order. Run against the index for the pages ([`run`]), or only read, without an
//! index, for `check` ([`check`]). Either way a block that is not a valid query is an error at
//! its line.

use std::collections::BTreeMap;

use super::engine::Engine;
use super::query::{QueryError, Syntax};
use super::{Lookups, SearchError};
use crate::diagnostic::Diagnostic;
use crate::link::{Graph, NoteId, QuoteRef};

/// The most quotes one block lists.
pub const LIMIT: usize = 500;

/// What the blocks of some notes found, by (note, byte offset of the block in its text).
pub type Results = BTreeMap<(NoteId, usize), Vec<QuoteRef>>;

/// Runs every block of `notes` against the engine's index.
pub fn run(
    engine: &Engine,
    graph: &Graph,
    notes: &[NoteId],
) -> Result<(Results, Vec<Diagnostic>), SearchError> {
    let mut results = Results::new();
    let mut diagnostics = Vec::new();
    let searching = engine.searching();
    for &n in notes {
        let note = graph.note(n);
        for block in &note.outline.scan.queries {
            match searching.collect(&block.query, LIMIT) {
                Ok(hits) => {
                    let quotes = hits
                        .iter()
                        .filter_map(|hit| graph.quote_by_id(&hit.id))
                        .collect();
                    results.insert((n, block.offset), quotes);
                }
                Err(QueryError::Tantivy(err)) => return Err(QueryError::Tantivy(err).into()),
                Err(problem) => diagnostics.push(problem_at(graph, n, block.offset, &problem)),
            }
        }
    }
    Ok((results, diagnostics))
}

/// Reads every block of the site, its syntax and its concepts, without an index.
pub fn check(graph: &Graph) -> Vec<Diagnostic> {
    let lookups = Lookups::of(graph);
    let syntax = Syntax {
        concept_paths: &lookups.concept_paths,
        aliases: &lookups.aliases,
    };
    let mut diagnostics = Vec::new();
    for n in graph.note_ids() {
        for block in &graph.note(n).outline.scan.queries {
            if let Err(problem) = syntax.parse(&block.query) {
                diagnostics.push(problem_at(graph, n, block.offset, &problem));
            }
        }
    }
    diagnostics
}

fn problem_at(graph: &Graph, n: NoteId, offset: usize, problem: &QueryError) -> Diagnostic {
    let body = &graph.note(n).note.body;
    Diagnostic::error(
        &body.file,
        body.pos(offset),
        format!("in this query block: {problem}"),
    )
}
