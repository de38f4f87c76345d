//! The link stage's output: the [`Graph`] of notes, sources with their quotes, concepts and
//! files, every link in it resolved to a [`Target`], and the reverse sides (backlinks, the
//! notes that cite a quote or discuss a source, a concept's members). Render, search and serve
//! read it; after the link stage only `relink` changes it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ids::{NoteId, QuoteIds, QuoteRef, SourceId};
use super::outline::Scan;
use super::resolve::Target;
use crate::config::Config;
use crate::load::{Asset, ConceptFile, Note, Quote, Source, Withholding};

#[derive(Debug)]
pub struct Graph {
    pub config: Config,
    /// In the corpus's order (by slug): a [`NoteId`] is a position here.
    pub notes: Vec<LinkedNote>,
    /// In the corpus's order (by id): a [`SourceId`] is a position here.
    pub sources: Vec<LinkedSource>,
    /// Every concept by canonical name, whether or not it has a file.
    pub concepts: BTreeMap<String, Concept>,
    /// The files under `content/` that the site publishes.
    pub assets: Vec<Asset>,
    /// The files it leaves out, and why (only withheld notes use them, say).
    pub withheld_assets: Vec<(Asset, Withholding)>,
    pub(super) quote_ids: QuoteIds,
}

impl Graph {
    /// A graph of no notes, sources or concepts, for reading a text without a site.
    pub(crate) fn empty(config: Config) -> Graph {
        Graph {
            config,
            notes: Vec::new(),
            sources: Vec::new(),
            concepts: BTreeMap::new(),
            assets: Vec::new(),
            withheld_assets: Vec::new(),
            quote_ids: Arc::default(),
        }
    }

    pub fn note(&self, id: NoteId) -> &LinkedNote {
        &self.notes[id.0]
    }

    pub fn source(&self, id: SourceId) -> &LinkedSource {
        &self.sources[id.0]
    }

    pub fn quote(&self, at: QuoteRef) -> &LinkedQuote {
        &self.sources[at.source.0].quotes[at.quote]
    }

    /// Every note's id, in order.
    pub fn note_ids(&self) -> impl Iterator<Item = NoteId> {
        (0..self.notes.len()).map(NoteId)
    }

    /// Every source's id, in order.
    pub fn source_ids(&self) -> impl Iterator<Item = SourceId> {
        (0..self.sources.len()).map(SourceId)
    }

    /// Every quote, source by source, each source's in file order.
    pub fn quote_refs(&self) -> impl Iterator<Item = QuoteRef> + '_ {
        self.source_ids().flat_map(move |s| {
            (0..self.source(s).quotes.len()).map(move |quote| QuoteRef { source: s, quote })
        })
    }

    /// The quote a global id (`ddia/q1`) names.
    pub fn quote_by_id(&self, global_id: &str) -> Option<QuoteRef> {
        self.quote_ids.get(global_id).copied()
    }

    /// A quote's global id: its source's id and its own (`ddia/q1`).
    pub fn quote_id(&self, at: QuoteRef) -> String {
        self.source(at.source)
            .source
            .quote_id(&self.quote(at).quote)
    }

    /// The note whose page is at `slug` (notes are sorted by their unique slugs).
    pub fn note_by_slug(&self, slug: &str) -> Option<NoteId> {
        self.notes
            .binary_search_by(|n| n.note.slug.as_str().cmp(slug))
            .ok()
            .map(NoteId)
    }

    /// Every text's outline: notes', quote annotations' and concept descriptions'.
    fn outlines(&self) -> impl Iterator<Item = &Outline> {
        let annotations = self
            .sources
            .iter()
            .flat_map(|s| s.quotes.iter().filter_map(|q| q.annotation.as_ref()));
        let descriptions = self
            .concepts
            .values()
            .filter_map(|c| c.description.as_ref());
        self.notes
            .iter()
            .map(|n| &n.outline)
            .chain(annotations)
            .chain(descriptions)
    }

    /// Whether any text of the site draws a Mermaid diagram, so the site needs Mermaid.
    pub fn has_diagrams(&self) -> bool {
        self.outlines().any(|o| o.scan.diagrams > 0)
    }

    /// Whether any text of the site has math, so the site needs its math font.
    pub fn has_math(&self) -> bool {
        self.outlines().any(|o| !o.scan.math.is_empty())
    }
}

/// A Markdown text's structure, with each link keyed by its byte offset.
#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub scan: Scan,
    pub links: BTreeMap<usize, Target>,
}

/// Something that links: the reverse side of a link, shown as a backlink.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ref {
    Note(NoteId),
    Quote(QuoteRef),
    Concept(String),
}

#[derive(Debug)]
pub struct LinkedNote {
    pub note: Note,
    pub outline: Outline,
    /// The wikilinks in its front matter's values, resolved, in the order written.
    pub properties: Vec<PropertyTarget>,
    /// Canonical concept names.
    pub concepts: Vec<String>,
    pub sources: Vec<SourceId>,
    pub backlinks: Vec<Ref>,
    /// Notes that share concepts with this one, most shared first, with how many they share.
    pub shares_concepts_with: Vec<(NoteId, usize)>,
}

/// A wikilink written as a front matter value, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyTarget {
    pub key: String,
    /// What the link shows: its `|label`, else what was written.
    pub label: String,
    pub target: Target,
}

#[derive(Debug)]
pub struct LinkedSource {
    /// The source's metadata; its quotes moved to `quotes` below.
    pub source: Source,
    pub quotes: Vec<LinkedQuote>,
    /// Quote indexes in locator order ("ch. 2" before "ch. 10").
    pub order: Vec<usize>,
    /// Notes that discuss the source, link to it or cite one of its quotes.
    pub notes: Vec<NoteId>,
}

#[derive(Debug)]
pub struct LinkedQuote {
    pub quote: Quote,
    pub concepts: Vec<String>,
    pub annotation: Option<Outline>,
    /// Notes (and other texts) that link to or embed this quote.
    pub cited_by: Vec<Ref>,
}

#[derive(Debug)]
pub struct Concept {
    pub name: String,
    pub title: String,
    pub file: Option<ConceptFile>,
    pub description: Option<Outline>,
    pub broader: Vec<String>,
    pub narrower: Vec<String>,
    pub quotes: Vec<QuoteRef>,
    /// Notes tagged with the concept or linking to it.
    pub notes: Vec<NoteId>,
    /// Concepts that appear on the same notes and quotes, with how often, most often first.
    pub appears_with: Vec<(String, usize)>,
}
