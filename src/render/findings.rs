//! What the search stage hands the renderer: the quotes ```` ```query ```` blocks find, and
//! the notes and quotes alike by their words. An input render reads beside the graph, never
//! written into it.

use std::collections::BTreeMap;

use crate::link::{NoteId, QuoteRef, SourceId};

/// How many related notes, and related quotes, a page shows.
pub const RELATED: usize = 5;

/// What the search index adds to pages, found after linking (`search` finds them, render
/// only reads them): the quotes each ```` ```query ```` block lists, and the notes and quotes
/// most like each one by their words. Empty where nothing was searched: `check`, which
/// writes no index, and texts read alone.
#[derive(Debug, Default)]
pub struct Findings {
    /// By note and the byte offset of the block in the note's text, in reading order.
    pub query_results: BTreeMap<(NoteId, usize), Vec<QuoteRef>>,
    /// At most [`RELATED`] by note, most alike first.
    pub similar_notes: BTreeMap<NoteId, Vec<NoteId>>,
    /// At most [`RELATED`] by quote, most alike first.
    pub similar_quotes: BTreeMap<QuoteRef, Vec<QuoteRef>>,
}

impl Findings {
    /// What the block at `offset` in note `note` found, if it was run.
    pub fn query_results(&self, note: NoteId, offset: usize) -> Option<&[QuoteRef]> {
        self.query_results.get(&(note, offset)).map(Vec::as_slice)
    }

    pub fn similar_notes(&self, note: NoteId) -> &[NoteId] {
        self.similar_notes.get(&note).map_or(&[], Vec::as_slice)
    }

    pub fn similar_quotes(&self, quote: QuoteRef) -> &[QuoteRef] {
        self.similar_quotes.get(&quote).map_or(&[], Vec::as_slice)
    }

    /// Moves every note to where `moved` says, after notes came or went in a live preview;
    /// what a removed note found, and where it was found, is dropped.
    /// Moves source `s`'s quotes to where `moved` says (by their old positions), after its
    /// quote file changed in a live preview; a removed quote's list, and its place on others,
    /// is dropped.
    pub fn renumber_quotes(&mut self, s: SourceId, moved: &[Option<usize>]) {
        let follow = |at: QuoteRef| -> Option<QuoteRef> {
            if at.source != s {
                return Some(at);
            }
            let quote = moved.get(at.quote).copied().flatten()?;
            Some(QuoteRef { source: s, quote })
        };
        self.similar_quotes = std::mem::take(&mut self.similar_quotes)
            .into_iter()
            .filter_map(|(at, similar)| {
                let similar = similar.into_iter().filter_map(follow).collect();
                Some((follow(at)?, similar))
            })
            .collect();
        for found in self.query_results.values_mut() {
            *found = found.iter().copied().filter_map(follow).collect();
        }
    }

    pub fn renumber_notes(&mut self, moved: &dyn Fn(NoteId) -> Option<NoteId>) {
        self.query_results = std::mem::take(&mut self.query_results)
            .into_iter()
            .filter_map(|((n, offset), found)| Some(((moved(n)?, offset), found)))
            .collect();
        self.similar_notes = std::mem::take(&mut self.similar_notes)
            .into_iter()
            .filter_map(|(n, similar)| {
                let similar = similar.into_iter().filter_map(moved).collect();
                Some((moved(n)?, similar))
            })
            .collect();
    }
}
