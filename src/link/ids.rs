//! The names of things in the [`super::Graph`]: typed positions of notes, sources and quotes,
//! and the one table of quotes by global id.

use std::collections::HashMap;
use std::sync::Arc;

use crate::load::Source;

/// A note: its position in [`super::Graph::notes`], which is also its position in the
/// [`crate::load::Corpus`] it was linked from (notes sorted by slug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NoteId(pub usize);

/// A source: its position in [`super::Graph::sources`] (sources sorted by id). Not the id an
/// author writes (`ddia`), which is `Source::id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub usize);

/// A quote: its source, and its position among that source's quotes (in file order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuoteRef {
    pub source: SourceId,
    pub quote: usize,
}

/// Every quote by its global id (`ddia/q1`): made once when a site is linked, and shared by
/// the name lookup (links name quotes so) and the graph (the search index does).
pub(super) type QuoteIds = Arc<HashMap<String, QuoteRef>>;

pub(super) fn quote_ids(sources: &[Source]) -> QuoteIds {
    let mut ids = HashMap::new();
    for (s, source) in sources.iter().enumerate() {
        for (q, quote) in source.quotes.iter().enumerate() {
            let at = QuoteRef {
                source: SourceId(s),
                quote: q,
            };
            ids.insert(source.quote_id(quote), at);
        }
    }
    Arc::new(ids)
}
