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
    /// While typing, the last word as typed (lower case, folded, not stemmed): it also
    /// matches every term that begins with it.
    pub prefix: Option<String>,
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
                (!terms.is_empty()).then_some(Word {
                    terms,
                    excluded,
                    prefix: None,
                })
            })
            .collect();
        Query { words }
    }

    /// Like [`Query::parse`], for results as you type: unless `text` ends with a space, its
    /// last word (of two characters or more, one term, not excluded) is also a prefix.
    pub fn parse_typing(analyzer: &Analyzer, text: &str) -> Query {
        let mut query = Query::parse(analyzer, text);
        let typing = !text.ends_with(char::is_whitespace);
        let last = text.split_whitespace().last().unwrap_or("");
        if let Some(word) = query.words.last_mut() {
            let unstemmed = crate::analyzer::normalize(last);
            if typing && !word.excluded && word.terms.len() == 1 && unstemmed.chars().count() >= 2 {
                word.prefix = Some(unstemmed);
            }
        }
        query
    }

    /// The prefixes of the query (at most one).
    pub fn prefixes(&self) -> Vec<&str> {
        self.words
            .iter()
            .filter_map(|w| w.prefix.as_deref())
            .collect()
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
        if scores.is_empty() {
            scores = this_field.collect();
            continue;
        }
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

/// The score of `doc` in `scores`, moving the cursor `at` forward to it: documents are
/// asked for in increasing order.
fn seek(scores: &[(u32, f32)], at: &mut usize, doc: u32) -> Option<f32> {
    while scores.get(*at).is_some_and(|&(d, _)| d < doc) {
        *at += 1;
    }
    match scores.get(*at) {
        Some(&(d, score)) if d == doc => Some(score),
        _ => None,
    }
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
    rank_with_prefixes(meta, query, entry, &|_| Vec::new(), allowed, limit)
}

/// [`rank`], where a word with a prefix also matches the terms `prefixed` finds for it; a
/// document scores the best of its matching terms for that word.
pub fn rank_with_prefixes(
    meta: &Meta,
    query: &Query,
    entry: &dyn Fn(&str) -> Option<TermEntry>,
    prefixed: &dyn Fn(&str) -> Vec<TermEntry>,
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
        let mut scores = word_scores.unwrap_or_default();
        if let Some(prefix) = &word.prefix {
            for expansion in prefixed(prefix) {
                if word.terms.contains(&expansion.term) {
                    continue;
                }
                let more = term_scores(meta, &expansion);
                scores = merge(
                    &scores,
                    more,
                    |a, b| a.unwrap_or(0.0).max(b.unwrap_or(0.0)),
                    false,
                );
            }
        }
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
    // Stable, as Tantivy's `sort_by_key` is (lists of equal length keep the query's order);
    // by insertion, as there are only a few lists, which keeps a general sort out of the
    // WebAssembly module.
    for i in 1..required.len() {
        let mut j = i;
        while j > 0 && required[j - 1].len() > required[j].len() {
            required.swap(j - 1, j);
            j -= 1;
        }
    }
    let (first, rest) = required.split_first().expect("not empty");
    // Every list is sorted by document, so one cursor per list walks it once.
    let mut cursors = vec![0usize; rest.len()];
    let mut excluded_cursors = vec![0usize; excluded.len()];
    let mut hits: Vec<(u32, f32)> = Vec::new();
    'docs: for &(doc, score) in first {
        if !allowed(doc) {
            continue;
        }
        for (list, at) in excluded.iter().zip(excluded_cursors.iter_mut()) {
            if seek(list, at, doc).is_some() {
                continue 'docs;
            }
        }
        let mut second = 0.0f32;
        let mut rest_sum = 0.0f32;
        for (k, (list, at)) in rest.iter().zip(cursors.iter_mut()).enumerate() {
            let Some(found) = seek(list, at, doc) else {
                continue 'docs;
            };
            if k == 0 {
                second = found;
            } else {
                rest_sum += found;
            }
        }
        hits.push((
            doc,
            if rest.is_empty() {
                score
            } else {
                score + second + rest_sum
            },
        ));
    }
    let total = hits.len();
    // Best score first, then lowest document: a total order, so picking the first `limit`
    // and sorting only them gives exactly what sorting every hit would (and thousands of
    // hits are common; a full sort was most of a search's time in the browser).
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if limit < hits.len() {
        if limit == 0 {
            hits.clear();
        } else {
            hits.select_nth_unstable_by(limit - 1, order);
            hits.truncate(limit);
        }
    }
    hits.sort_unstable_by(order);
    Ranked { total, hits }
}

/// The optimal string alignment distance between two words, in characters: insertions,
/// deletions, substitutions, and swaps of neighbours ("laod") each cost one.
pub fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The indexed word to put in place of an unknown one: the nearest by [`osa_distance`] (at
/// most `max`) among the words that begin with the same character, then the one in the most
/// documents, then the first in byte order. `vocabulary` is (term, documents) for every
/// title and body term that begins with that character.
pub fn nearest_term<'a>(
    term: &str,
    max: usize,
    vocabulary: impl IntoIterator<Item = (&'a str, u32)>,
) -> Option<&'a str> {
    let mut best: Option<(usize, u32, &str)> = None;
    for (candidate, freq) in vocabulary {
        if candidate.len().abs_diff(term.len()) > max {
            continue;
        }
        let distance = osa_distance(term, candidate);
        if distance == 0 || distance > max {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, f, t)) => {
                (distance, std::cmp::Reverse(freq), candidate) < (d, std::cmp::Reverse(f), t)
            }
        };
        if better {
            best = Some((distance, freq, candidate));
        }
    }
    best.map(|(_, _, term)| term)
}

/// The terminal's correction of a query that found nothing: each plain word whose term is in
/// no title or body is replaced by its [`nearest_term`] (within one edit, two for words of
/// eight letters or more). `None` when nothing changed. `known` says whether a term is in a
/// title or body; `vocabulary` lists the terms that begin with a character.
pub fn correct<'a>(
    analyzer: &Analyzer,
    text: &str,
    known: &dyn Fn(&str) -> bool,
    vocabulary: &dyn Fn(char) -> Vec<(&'a str, u32)>,
) -> Option<String> {
    let mut changed = false;
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let is_plain = word.chars().all(char::is_alphanumeric);
        let term = match (is_plain, analyzer.terms(word).into_iter().next()) {
            (true, Some(term)) => term,
            _ => {
                words.push(word.to_string());
                continue;
            }
        };
        if known(&term) {
            words.push(word.to_string());
            continue;
        }
        let max = if word.chars().count() >= 8 { 2 } else { 1 };
        let initial = term.chars().next().expect("terms are not empty");
        match nearest_term(&term, max, vocabulary(initial)) {
            Some(better) => {
                words.push(better.to_string());
                changed = true;
            }
            None => words.push(word.to_string()),
        }
    }
    // Joined by hand: `join` is a kilobyte of the browser's module.
    changed.then(|| {
        let mut joined = String::new();
        for word in &words {
            if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(word);
        }
        joined
    })
}

/// The first characters of the unknown plain words of a query: the vocabularies
/// [`correct`] will ask for.
pub fn unknown_initials(
    analyzer: &Analyzer,
    text: &str,
    known: &dyn Fn(&str) -> bool,
) -> Vec<char> {
    let mut initials = Vec::new();
    for word in text.split_whitespace() {
        if !word.chars().all(char::is_alphanumeric) {
            continue;
        }
        if let Some(term) = analyzer.terms(word).into_iter().next() {
            let initial = term.chars().next().expect("terms are not empty");
            if !known(&term) && !initials.contains(&initial) {
                initials.push(initial);
            }
        }
    }
    initials
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_count_swaps_as_one_edit() {
        assert_eq!(osa_distance("laod", "load"), 1);
        assert_eq!(osa_distance("paramet", "paramt"), 1);
        assert_eq!(osa_distance("", "abc"), 3);
        assert_eq!(osa_distance("kitten", "sitting"), 3);
        assert_eq!(osa_distance("ca", "abc"), 3);
    }

    #[test]
    fn a_typed_last_word_also_matches_as_a_prefix() {
        use crate::bundle::{FieldMeta, FieldPostings};
        let analyzer = Analyzer::new("en").unwrap();
        let meta = Meta {
            doc_count: 3,
            fields: vec![FieldMeta::new(1.0, 10.0)],
        };
        let entry = |term: &str, docs: &[u32]| TermEntry {
            term: term.to_string(),
            fields: vec![FieldPostings {
                field: 0,
                idf: 1.0,
                postings: docs.iter().map(|&d| (d, 1, 10)).collect(),
            }],
        };
        let terms = [
            entry("tail", &[0, 1, 2]),
            entry("percentil", &[1]),
            entry("percent", &[2]),
        ];
        let lookup = |t: &str| terms.iter().find(|e| e.term == t).cloned();
        let prefixed = |p: &str| -> Vec<TermEntry> {
            terms
                .iter()
                .filter(|e| e.term.starts_with(p))
                .cloned()
                .collect()
        };
        let all = |_| true;
        let docs = |query: &Query| -> Vec<u32> {
            let ranked = rank_with_prefixes(&meta, query, &lookup, &prefixed, &all, 10);
            let mut docs: Vec<u32> = ranked.hits.iter().map(|h| h.0).collect();
            docs.sort();
            docs
        };
        // "percen" stems to nothing indexed; as a prefix it finds both "percent" words.
        assert_eq!(
            docs(&Query::parse(&analyzer, "tail percen")),
            Vec::<u32>::new()
        );
        assert_eq!(docs(&Query::parse_typing(&analyzer, "tail percen")), [1, 2]);
        // A space ends the word: no prefix.
        assert_eq!(
            docs(&Query::parse_typing(&analyzer, "tail percen ")),
            Vec::<u32>::new()
        );
    }

    #[test]
    fn the_nearest_term_is_closest_then_commonest_then_first() {
        let vocabulary = [("lead", 5), ("load", 9), ("loan", 9), ("lord", 1)];
        assert_eq!(nearest_term("laod", 1, vocabulary), Some("load"));
        assert_eq!(nearest_term("loax", 1, vocabulary), Some("load"));
        assert_eq!(nearest_term("zzzz", 1, vocabulary), None);
    }
}
