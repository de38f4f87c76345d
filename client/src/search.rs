//! Ranking over the bundle: the words of a query, each a term searched in every field, all
//! required (`-word` excludes), scored with Tantivy's BM25 from the exported constants, with
//! the same operations in the same order as Tantivy, so scores are equal to the last bit and
//! the order is `commonplace search`'s.

use std::collections::HashMap;

use crate::analyzer::Analyzer;
use crate::bundle::{Meta, TermEntry, K1};

/// A query as the bundle can answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub words: Vec<Word>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word's terms: one for most words; several for `fan-out` or `p99.9`, which the
    /// terminal searches as a phrase and the bundle, without positions, as all of them.
    pub terms: Vec<String>,
    pub excluded: bool,
}

impl Query {
    /// Splits `text` at white space; `-word` excludes. Words that make no term are dropped.
    pub fn parse(analyzer: &Analyzer, text: &str) -> Query {
        let words = text
            .split_whitespace()
            .filter_map(|raw| {
                let (excluded, word) = match raw.strip_prefix('-') {
                    Some(rest) if !rest.is_empty() => (true, rest),
                    _ => (false, raw),
                };
                let terms = analyzer.terms(word);
                (!terms.is_empty()).then_some(Word { terms, excluded })
            })
            .collect();
        Query { words }
    }

    /// Every term the query needs, once each, in order.
    pub fn terms(&self) -> Vec<&str> {
        let mut terms: Vec<&str> = Vec::new();
        for term in self.words.iter().flat_map(|w| &w.terms) {
            if !terms.contains(&term.as_str()) {
                terms.push(term);
            }
        }
        terms
    }
}

/// Ranked documents and how many matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub total: usize,
    pub hits: Vec<(u32, f32)>,
}

/// One term's score in each document that has it: the sum over fields, in field order, of
/// Tantivy's `Bm25Weight::score` (boost applied as `boost_by` does).
fn term_scores(meta: &Meta, entry: &TermEntry) -> HashMap<u32, f32> {
    let mut scores: HashMap<u32, f32> = HashMap::new();
    for field in &entry.fields {
        let Some(field_meta) = meta.fields.get(usize::from(field.field)) else {
            continue;
        };
        let mut weight = field.idf * (1.0 + K1);
        if field_meta.boost != 1.0 {
            weight *= field_meta.boost;
        }
        for &(doc, tf, norm) in &field.postings {
            let tf = tf as f32;
            let tf_factor = tf / (tf + field_meta.norms[usize::from(norm)]);
            *scores.entry(doc).or_insert(0.0) += weight * tf_factor;
        }
    }
    scores
}

/// Ranks the documents that have every word and none of the excluded ones, among those
/// `allowed` accepts. `entry` looks a term up in its chunk (`None`: no document has it).
pub fn rank(
    meta: &Meta,
    query: &Query,
    entry: &dyn Fn(&str) -> Option<TermEntry>,
    allowed: &dyn Fn(u32) -> bool,
    limit: usize,
) -> Ranked {
    let mut required: Vec<HashMap<u32, f32>> = Vec::new();
    let mut excluded: Vec<HashMap<u32, f32>> = Vec::new();
    for word in &query.words {
        // A word of several terms needs all of them; its score sums theirs.
        let mut word_scores: Option<HashMap<u32, f32>> = None;
        for term in &word.terms {
            let scores = entry(term)
                .map(|e| term_scores(meta, &e))
                .unwrap_or_default();
            word_scores = Some(match word_scores {
                None => scores,
                Some(sofar) => sofar
                    .into_iter()
                    .filter_map(|(doc, s)| scores.get(&doc).map(|t| (doc, s + t)))
                    .collect(),
            });
        }
        let scores = word_scores.unwrap_or_default();
        if word.excluded {
            excluded.push(scores);
        } else {
            required.push(scores);
        }
    }
    if required.is_empty() {
        return Ranked {
            total: 0,
            hits: Vec::new(),
        };
    }
    // Tantivy's intersection orders its parts cheapest first and scores a document as
    // `first + second + (0 + third + fourth ...)`; the same additions in the same order give
    // the same `f32`.
    required.sort_by_key(HashMap::len);
    let (first, rest) = required.split_first().expect("not empty");
    let mut hits: Vec<(u32, f32)> = first
        .iter()
        .filter(|(doc, _)| allowed(**doc) && !excluded.iter().any(|e| e.contains_key(doc)))
        .filter_map(|(&doc, &score)| {
            let Some((second, others)) = rest.split_first() else {
                return Some((doc, score));
            };
            let mut rest_sum = 0.0f32;
            for other in others {
                rest_sum += *other.get(&doc)?;
            }
            Some((doc, score + *second.get(&doc)? + rest_sum))
        })
        .collect();
    let total = hits.len();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    hits.truncate(limit);
    Ranked { total, hits }
}
