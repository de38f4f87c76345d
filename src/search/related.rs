//! Related notes and related quotes by more-like-this: the documents that share the most
//! distinctive words with this one, not merely its concepts.
//!
//! Tantivy's `MoreLikeThisQuery` re-reads each document's text, picks its terms from a
//! `HashMap` (so among terms of equal weight it picks differently on every run) and runs one
//! query per document against the whole index, notes and quotes mixed. On a realistic
//! vocabulary that cost more than rendering every page. Here the index's postings are read
//! once and turned around into each document's words, kept apart by kind; every document's
//! query is then its most distinctive words, ties broken by the word, scored by BM25 against
//! the documents of its own kind in memory. Reading the postings costs what the index holds,
//! not what the vocabulary looks like, and each query touches only the postings of its own
//! kind.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use tantivy::postings::Postings;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocSet, SegmentReader, TERMINATED};

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

/// How many of a text's most distinctive words make its query.
const QUERY_TERMS: usize = 10;
/// BM25's parameters, Tantivy's and Lucene's defaults.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// The notes most like every note, and the quotes most like every quote, from the engine's
/// index.
pub fn similar(engine: &Engine, graph: &Graph) -> Result<Similar, IndexError> {
    let notes: Vec<NoteId> = graph.note_ids().collect();
    let quotes: Vec<QuoteRef> = graph.quote_refs().collect();
    let mut note_at: HashMap<String, u32> = HashMap::with_capacity(notes.len());
    for (i, &n) in notes.iter().enumerate() {
        note_at.insert(
            super::documents::key(Kind::Note, &graph.note(n).note.slug),
            i as u32,
        );
    }
    let mut quote_at: HashMap<String, u32> = HashMap::with_capacity(quotes.len());
    for (i, &q) in quotes.iter().enumerate() {
        quote_at.insert(
            super::documents::key(Kind::Quote, &graph.quote_id(q)),
            i as u32,
        );
    }
    let mut stop = super::schema::StopWords::new(engine.language());
    let mut words = Words::default();
    let mut note_words = vec![Vec::new(); notes.len()];
    let mut quote_words = vec![Vec::new(); quotes.len()];
    let searcher = engine.searcher();
    let fields = engine.fields();
    for segment in searcher.segment_readers() {
        let owners = owners(engine, segment, fields, &note_at, &quote_at)?;
        for field in [fields.title, fields.body] {
            read_words(
                engine,
                segment,
                field,
                &owners,
                &mut stop,
                &mut words,
                &mut note_words,
                &mut quote_words,
            )?;
        }
    }
    // Terms numbered in the order of their bytes, so that ties between equally weighted
    // terms are broken by the term, whatever order the segments held them in.
    let renumber = words.sorted_numbers();
    for list in note_words.iter_mut().chain(quote_words.iter_mut()) {
        for (term, _) in list.iter_mut() {
            *term = renumber[*term as usize];
        }
        list.sort_unstable();
        // A word in a note's title and its body counts once for each.
        list.dedup_by(|b, a| {
            let same = a.0 == b.0;
            if same {
                a.1 += b.1;
            }
            same
        });
    }
    let term_count = renumber.len();
    Ok(Similar {
        notes: by_id(&notes, Collection::new(note_words, term_count).most_alike()),
        quotes: by_id(
            &quotes,
            Collection::new(quote_words, term_count).most_alike(),
        ),
    })
}

/// Lists by position (`alike[i]` of `ids[i]`, naming others by position) as lists by id.
fn by_id<T: Copy + Ord>(ids: &[T], alike: Vec<Vec<u32>>) -> BTreeMap<T, Vec<T>> {
    alike
        .into_iter()
        .enumerate()
        .map(|(i, list)| (ids[i], list.into_iter().map(|j| ids[j as usize]).collect()))
        .collect()
}

/// Whose a document of a segment is: a note's or a quote's position, or neither (a concept, a
/// source, a deleted document).
#[derive(Clone, Copy)]
enum Owner {
    None,
    Note(u32),
    Quote(u32),
}

/// Every live document of `segment` by its owner, from the `key` field's postings (one
/// document each), which costs far less than reading every stored document.
fn owners(
    engine: &Engine,
    segment: &SegmentReader,
    fields: Fields,
    note_at: &HashMap<String, u32>,
    quote_at: &HashMap<String, u32>,
) -> Result<Vec<Owner>, IndexError> {
    let mut owners = vec![Owner::None; segment.max_doc() as usize];
    let inverted = segment
        .inverted_index(fields.key)
        .map_err(|e| engine.error(e))?;
    let mut terms = inverted
        .terms()
        .stream()
        .map_err(|e| engine.error(e.into()))?;
    while terms.advance() {
        let Ok(key) = std::str::from_utf8(terms.key()) else {
            continue;
        };
        let owner = if let Some(&i) = note_at.get(key) {
            Owner::Note(i)
        } else if let Some(&i) = quote_at.get(key) {
            Owner::Quote(i)
        } else {
            continue;
        };
        let mut postings = inverted
            .read_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)
            .map_err(|e| engine.error(e.into()))?;
        while postings.doc() != TERMINATED {
            let doc = postings.doc();
            if segment
                .alive_bitset()
                .is_none_or(|alive| alive.is_alive(doc))
            {
                owners[doc as usize] = owner;
            }
            postings.advance();
        }
    }
    Ok(owners)
}

/// The terms of every segment, numbered as first met.
#[derive(Default)]
struct Words {
    numbers: HashMap<Vec<u8>, u32>,
}

impl Words {
    fn number(&mut self, term: &[u8]) -> u32 {
        if let Some(&n) = self.numbers.get(term) {
            return n;
        }
        let n = self.numbers.len() as u32;
        self.numbers.insert(term.to_vec(), n);
        n
    }

    /// For each number, the term's rank in byte order.
    fn sorted_numbers(self) -> Vec<u32> {
        let mut terms: Vec<(Vec<u8>, u32)> = self.numbers.into_iter().collect();
        terms.sort_unstable();
        let mut renumber = vec![0; terms.len()];
        for (rank, (_, n)) in terms.into_iter().enumerate() {
            renumber[n as usize] = rank as u32;
        }
        renumber
    }
}

/// Adds each term of `field` in `segment`, with its count, to the words of the note or quote
/// that holds it. Stop words are left out: they say nothing of what a text is about, however
/// few documents a small site has.
#[allow(clippy::too_many_arguments)]
fn read_words(
    engine: &Engine,
    segment: &SegmentReader,
    field: Field,
    owners: &[Owner],
    stop: &mut super::schema::StopWords,
    words: &mut Words,
    note_words: &mut [Vec<(u32, u32)>],
    quote_words: &mut [Vec<(u32, u32)>],
) -> Result<(), IndexError> {
    let inverted = segment.inverted_index(field).map_err(|e| engine.error(e))?;
    let mut terms = inverted
        .terms()
        .stream()
        .map_err(|e| engine.error(e.into()))?;
    while terms.advance() {
        let key = terms.key();
        // Single letters and pairs are initials, units and debris more than words.
        if key.len() < 3 || std::str::from_utf8(key).is_ok_and(|t| stop.contains(t)) {
            continue;
        }
        let term = words.number(key);
        let mut postings = inverted
            .read_postings_from_terminfo(terms.value(), IndexRecordOption::WithFreqs)
            .map_err(|e| engine.error(e.into()))?;
        while postings.doc() != TERMINATED {
            let tf = postings.term_freq();
            match owners[postings.doc() as usize] {
                Owner::Note(i) => note_words[i as usize].push((term, tf)),
                Owner::Quote(i) => quote_words[i as usize].push((term, tf)),
                Owner::None => {}
            }
            postings.advance();
        }
    }
    Ok(())
}

/// The documents of one kind, each as its words, and the same turned around: each word's
/// documents.
struct Collection {
    /// Each document's terms (sorted, distinct) with their counts.
    words: Vec<Vec<(u32, u32)>>,
    /// Each term's documents with its count there, in document order.
    postings: Vec<Vec<(u32, u32)>>,
    /// Each term's inverse document frequency, BM25's.
    idf: Vec<f32>,
    /// Each document's length in words, over the average: BM25's length normalisation.
    length_norm: Vec<f32>,
}

impl Collection {
    fn new(words: Vec<Vec<(u32, u32)>>, term_count: usize) -> Collection {
        let mut postings: Vec<Vec<(u32, u32)>> = vec![Vec::new(); term_count];
        for (doc, list) in words.iter().enumerate() {
            for &(term, tf) in list {
                postings[term as usize].push((doc as u32, tf));
            }
        }
        let documents = words.len() as f32;
        let idf = postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                (1.0 + (documents - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let lengths: Vec<f32> = words
            .iter()
            .map(|list| list.iter().map(|&(_, tf)| tf as f32).sum())
            .collect();
        let average = (lengths.iter().sum::<f32>() / documents.max(1.0)).max(1.0);
        let length_norm = lengths
            .iter()
            .map(|&len| K1 * (1.0 - B + B * len / average))
            .collect();
        Collection {
            words,
            postings,
            idf,
            length_norm,
        }
    }

    /// For every document, the others most like it, best first.
    fn most_alike(&self) -> Vec<Vec<u32>> {
        let n = self.words.len();
        // A word in more than a tenth of the documents says little about any one of them; a
        // word in one document (this one) finds nothing.
        let common = (n / 10).max(20);
        (0..n)
            .into_par_iter()
            .map_init(
                || Scores::new(n),
                |scores, doc| self.alike(doc, common, scores),
            )
            .collect()
    }

    fn alike(&self, doc: usize, common: usize, scores: &mut Scores) -> Vec<u32> {
        let mut weighted: Vec<(f32, u32)> = self.words[doc]
            .iter()
            .filter(|&&(term, _)| (2..=common).contains(&self.postings[term as usize].len()))
            .map(|&(term, tf)| (tf as f32 * self.idf[term as usize], term))
            .collect();
        weighted.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        weighted.truncate(QUERY_TERMS);
        for &(_, term) in &weighted {
            let idf = self.idf[term as usize];
            for &(other, tf) in &self.postings[term as usize] {
                let tf = tf as f32;
                scores.add(
                    other,
                    idf * tf * (K1 + 1.0) / (tf + self.length_norm[other as usize]),
                );
            }
        }
        scores.best(doc as u32, RELATED)
    }
}

/// One thread's score accumulator: a score per document, and the documents touched.
struct Scores {
    score: Vec<f32>,
    touched: Vec<u32>,
}

impl Scores {
    fn new(n: usize) -> Scores {
        Scores {
            score: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, doc: u32, score: f32) {
        let slot = &mut self.score[doc as usize];
        if *slot == 0.0 {
            self.touched.push(doc);
        }
        *slot += score;
    }

    /// The `count` best documents but `this`, ties broken by position, and the scores
    /// cleared for the next query.
    fn best(&mut self, this: u32, count: usize) -> Vec<u32> {
        let mut found: Vec<(f32, u32)> = self
            .touched
            .iter()
            .filter(|&&d| d != this)
            .map(|&d| (self.score[d as usize], d))
            .collect();
        for &d in &self.touched {
            self.score[d as usize] = 0.0;
        }
        self.touched.clear();
        let by_score = |a: &(f32, u32), b: &(f32, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if found.len() > count {
            found.select_nth_unstable_by(count, by_score);
            found.truncate(count);
        }
        found.sort_unstable_by(by_score);
        // Not `collect()`, which would keep `found`'s allocation, sized for every candidate,
        // for each of tens of thousands of lists.
        let mut best = Vec::with_capacity(found.len());
        best.extend(found.into_iter().map(|(_, d)| d));
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collection(docs: &[&[(u32, u32)]]) -> Collection {
        let terms = docs
            .iter()
            .flat_map(|d| d.iter().map(|&(t, _)| t as usize + 1))
            .max()
            .unwrap_or(0);
        Collection::new(docs.iter().map(|d| d.to_vec()).collect(), terms)
    }

    #[test]
    fn documents_sharing_rarer_words_come_first() {
        // Term 0 is in every document, term 1 in two, term 2 in three.
        let c = collection(&[
            &[(0, 1), (1, 1), (2, 1)],
            &[(0, 1), (1, 1)],
            &[(0, 1), (2, 1)],
            &[(0, 1), (2, 1)],
            &[(0, 1)],
        ]);
        let alike = c.most_alike();
        assert_eq!(alike[0][..3], [1, 2, 3]);
        // The same words and length as its own come first.
        assert_eq!(alike[3][..2], [2, 0]);
        assert_eq!(alike[2][..2], [3, 0]);
    }

    #[test]
    fn a_word_of_one_document_finds_nothing() {
        let c = collection(&[&[(0, 3)], &[(1, 1)]]);
        assert_eq!(c.most_alike(), vec![Vec::<u32>::new(), Vec::new()]);
    }
}
