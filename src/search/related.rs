//! Related notes and related quotes by more-like-this: the documents that share the most
//! distinctive words with this one, not merely its concepts.
//!
//! Tantivy's `MoreLikeThisQuery` picks its terms from a `HashMap`, so among terms of equal
//! weight it picks differently on every run, and two builds of the same site would differ. The
//! same idea is written out here with a stable order: the words of the text weighted by
//! tf × idf, ties broken by the word, the top ones OR-ed into a query scored by BM25.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::documents::{key, SearchDoc};
use super::engine::{Engine, IndexError};
use super::schema::Fields;
use crate::kind::Kind;
use crate::link::{Graph, NoteId, QuoteRef};
use crate::render::RELATED;

/// Notes alike by their words, and quotes alike by theirs, at most [`RELATED`] each.
pub struct Similar {
    pub notes: BTreeMap<NoteId, Vec<NoteId>>,
    pub quotes: BTreeMap<QuoteRef, Vec<QuoteRef>>,
}

/// The notes most like every note, and the quotes most like every quote, from the engine's
/// index. `docs` are the site's search documents (from [`super::refresh`]): their plain text
/// is what the words are taken from.
pub fn similar(
    engine: &Engine,
    graph: &Graph,
    docs: &BTreeMap<String, SearchDoc>,
) -> Result<Similar, IndexError> {
    let searcher = engine.searcher();
    let fields = engine.fields();
    let total_docs = searcher.num_docs();

    // Every document's key (`kind:id`) by address, read once: fetching stored fields for
    // every hit of every page would cost far more.
    let mut ids = HashMap::new();
    for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
        let store = segment
            .get_store_reader(64)
            .map_err(|e| engine.error(e.into()))?;
        for doc_id in segment.doc_ids_alive() {
            let doc: TantivyDocument = store.get(doc_id).map_err(|e| engine.error(e))?;
            if let Some(key) = doc.get_first(fields.key).and_then(|v| v.as_str()) {
                ids.insert(DocAddress::new(segment_ord as u32, doc_id), key.to_string());
            }
        }
    }
    // Document frequencies of every indexed word, read once from the term dictionaries.
    let mut doc_freqs: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment
            .inverted_index(fields.body)
            .map_err(|e| engine.error(e))?;
        let mut terms = inverted
            .terms()
            .stream()
            .map_err(|e| engine.error(e.into()))?;
        while terms.advance() {
            if let Ok(term) = std::str::from_utf8(terms.key()) {
                *doc_freqs.entry(term.to_string()).or_default() +=
                    u64::from(terms.value().doc_freq);
            }
        }
    }
    let analyzer = super::schema::WordsForSimilarity::new(engine.language())
        .expect("the engine's language has a stemmer");
    let finder = Finder {
        searcher: &searcher,
        fields,
        total_docs,
        ids: &ids,
        doc_freqs: &doc_freqs,
    };

    let notes: BTreeMap<NoteId, Vec<NoteId>> = graph
        .notes
        .par_iter()
        .enumerate()
        .map_init(
            || analyzer.clone(),
            |analyzer, (n, note)| {
                let key = key(Kind::Note, &note.note.slug);
                let text = docs
                    .get(&key)
                    .map(|d| format!("{}\n{}", d.title, d.body))
                    .unwrap_or_default();
                let alike = finder
                    .similar(analyzer, &text, Kind::Note, &key)
                    .into_iter()
                    .filter_map(|slug| graph.note_by_slug(&slug))
                    .collect();
                (NoteId(n), alike)
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    let quote_refs: Vec<QuoteRef> = graph.quote_refs().collect();
    let quotes: BTreeMap<QuoteRef, Vec<QuoteRef>> = quote_refs
        .par_iter()
        .map_init(
            || analyzer.clone(),
            |analyzer, &at| {
                let key = key(Kind::Quote, &graph.quote_id(at));
                let text = docs.get(&key).map_or("", |d| d.body.as_str());
                let alike = finder
                    .similar(analyzer, text, Kind::Quote, &key)
                    .into_iter()
                    .filter_map(|id| graph.quote_by_id(&id))
                    .collect();
                (at, alike)
            },
        )
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    Ok(Similar { notes, quotes })
}

struct Finder<'a> {
    searcher: &'a Searcher,
    fields: Fields,
    total_docs: u64,
    ids: &'a HashMap<DocAddress, String>,
    doc_freqs: &'a HashMap<String, u64>,
}

/// How many of a text's most distinctive words make its query.
const QUERY_TERMS: usize = 10;

impl Finder<'_> {
    /// The ids of the documents of `kind` most like `text`, leaving out the one keyed `key`.
    fn similar(
        &self,
        analyzer: &mut super::schema::WordsForSimilarity,
        text: &str,
        kind: Kind,
        key: &str,
    ) -> Vec<String> {
        let f = self.fields;
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        analyzer.for_each_term(text, |term| {
            if term.len() >= 3 {
                *counts.entry(term.to_string()).or_default() += 1;
            }
        });
        // Words in more than a tenth of all documents say little about any one of them.
        let common = (self.total_docs / 10).max(20);
        let mut weighted: Vec<(f32, String)> = counts
            .into_iter()
            .filter_map(|(term, tf)| {
                let df = *self.doc_freqs.get(&term)?;
                (df <= common).then(|| {
                    let idf = ((self.total_docs as f32 + 1.0) / (df as f32 + 1.0)).ln() + 1.0;
                    (tf as f32 * idf, term)
                })
            })
            .collect();
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        weighted.truncate(QUERY_TERMS);
        if weighted.is_empty() {
            return Vec::new();
        }
        let like = BooleanQuery::new(
            weighted
                .into_iter()
                .map(|(_, term)| {
                    let query = TermQuery::new(
                        Term::from_field_text(f.body, &term),
                        IndexRecordOption::WithFreqs,
                    );
                    (Occur::Should, Box::new(query) as Box<dyn Query>)
                })
                .collect(),
        );
        // Quotes are most of an index, so for them the best matches are filtered afterwards,
        // which is cheaper than intersecting with every quote; notes are too few for that.
        let filter_in_query = kind != Kind::Quote;
        let mut clauses = vec![(Occur::Must, Box::new(like) as Box<dyn Query>)];
        if filter_in_query {
            let facet = Facet::from_path([kind.name()]);
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_facet(f.kind, &facet),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        // More than shown: the document itself and other kinds are dropped below, and equal
        // scores at the cut are settled by id rather than by where documents happen to sit in
        // the index, so two builds agree.
        let wanted = if filter_in_query {
            2 * RELATED + 1
        } else {
            4 * RELATED
        };
        let top = match self
            .searcher
            .search(&query, &TopDocs::with_limit(wanted).order_by_score())
        {
            Ok(top) => top,
            // A query that cannot run (a text with no usable words) has nothing related.
            Err(_) => return Vec::new(),
        };
        let mut found: Vec<(f32, String)> = top
            .into_iter()
            .filter_map(|(score, address)| {
                let found_key = self.ids.get(&address)?;
                let (found_kind, id) = found_key.split_once(':')?;
                (found_kind == kind.name() && found_key != key).then(|| (score, id.to_string()))
            })
            .collect();
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        found.truncate(RELATED);
        found.into_iter().map(|(_, id)| id).collect()
    }
}
