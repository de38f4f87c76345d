//! Ranking over the bundle: the words of a query, each a term searched in every field, all
//! required (`-word` excludes), scored with Tantivy's BM25 from the exported constants, with
//! the same operations in the same order as Tantivy, so scores are equal to the last bit and
//! the order is `commonplace search`'s.

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

/// Scores by document, sorted by document.
type Scores = Vec<(u32, f32)>;

/// One term's score in each document that has it: the sum over fields, in field order, of
/// Tantivy's `Bm25Weight::score` (boost applied as `boost_by` does).
fn term_scores(meta: &Meta, entry: &TermEntry) -> Scores {
    let mut scores: Scores = Vec::new();
    for field in &entry.fields {
        let Some(field_meta) = meta.fields.get(usize::from(field.field)) else {
            continue;
        };
        let mut weight = field.idf * (1.0 + K1);
        if field_meta.boost != 1.0 {
            weight *= field_meta.boost;
        }
        let this_field = field.postings.iter().map(|&(doc, tf, norm)| {
            let tf = tf as f32;
            (
                doc,
                weight * (tf / (tf + field_meta.norms[usize::from(norm)])),
            )
        });
        // Postings are sorted by document: merge, adding where a document has both.
        scores = merge(
            &scores,
            this_field.collect(),
            |a, b| a.map_or(0.0, |x| x) + b.map_or(0.0, |x| x),
            false,
        );
    }
    scores
}

/// Merges two lists sorted by document. With `both` set, only documents in both are kept.
fn merge(
    a: &[(u32, f32)],
    b: Scores,
    add: impl Fn(Option<f32>, Option<f32>) -> f32,
    both: bool,
) -> Scores {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(&(x, sx)), Some(&(y, sy))) if x == y => {
                out.push((x, add(Some(sx), Some(sy))));
                i += 1;
                j += 1;
            }
            (Some(&(x, sx)), Some(&(y, _))) if x < y => {
                if !both {
                    out.push((x, add(Some(sx), None)));
                }
                i += 1;
            }
            (Some(_), Some(&(y, sy))) => {
                if !both {
                    out.push((y, add(None, Some(sy))));
                }
                j += 1;
            }
            (Some(&(x, sx)), None) => {
                if !both {
                    out.push((x, add(Some(sx), None)));
                }
                i += 1;
            }
            (None, Some(&(y, sy))) => {
                if !both {
                    out.push((y, add(None, Some(sy))));
                }
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

fn score_of(scores: &Scores, doc: u32) -> Option<f32> {
    scores
        .binary_search_by_key(&doc, |(d, _)| *d)
        .ok()
        .map(|at| scores[at].1)
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
    let mut required: Vec<Scores> = Vec::new();
    let mut excluded: Vec<Scores> = Vec::new();
    for word in &query.words {
        // A word of several terms needs all of them; its score sums theirs.
        let mut word_scores: Option<Scores> = None;
        for term in &word.terms {
            let scores = entry(term)
                .map(|e| term_scores(meta, &e))
                .unwrap_or_default();
            word_scores = Some(match word_scores {
                None => scores,
                Some(sofar) => merge(
                    &sofar,
                    scores,
                    |a, b| a.unwrap_or(0.0) + b.unwrap_or(0.0),
                    true,
                ),
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
    required.sort_by_key(Vec::len);
    let (first, rest) = required.split_first().expect("not empty");
    let mut hits: Vec<(u32, f32)> = first
        .iter()
        .filter(|(doc, _)| allowed(*doc) && !excluded.iter().any(|e| score_of(e, *doc).is_some()))
        .filter_map(|&(doc, score)| {
            let Some((second, others)) = rest.split_first() else {
                return Some((doc, score));
            };
            let mut rest_sum = 0.0f32;
            for other in others {
                rest_sum += score_of(other, doc)?;
            }
            Some((doc, score + score_of(second, doc)? + rest_sum))
        })
        .collect();
    let total = hits.len();
    hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    hits.truncate(limit);
    Ranked { total, hits }
}
