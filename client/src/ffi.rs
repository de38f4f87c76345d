//! The interface the browser calls (`client/js/commonplace.js`): plain `extern "C"` functions
//! over bytes in the module's memory. JavaScript writes inputs into buffers it got from
//! [`cp_alloc`], and reads each answer, JSON text, from [`cp_result_ptr`] / [`cp_result_len`].
//! The module keeps the scoring constants and the term chunks fetched so far.
#![allow(unsafe_code)]

use std::sync::Mutex;

use crate::analyzer::Analyzer;
use crate::bundle::{self, Meta};
use crate::search::{rank_with_prefixes, Query};

struct State {
    analyzer: Option<Analyzer>,
    meta: Option<Meta>,
    /// The first term of every chunk, from the manifest.
    firsts: Vec<String>,
    /// Term chunks by number. A few per query: a list is smaller in the module than a map.
    chunks: Vec<(u32, Vec<u8>)>,
    /// Documents the filters allow (sorted), or every document; and a range of numbers (one
    /// kind's).
    allowed: Option<Vec<u32>>,
    range: Option<(u32, u32)>,
    /// Vocabularies fetched for typo corrections, by initial.
    vocabularies: Vec<(u32, Vec<(String, u32)>)>,
    result: Vec<u8>,
}

static STATE: Mutex<State> = Mutex::new(State {
    analyzer: None,
    meta: None,
    firsts: Vec::new(),
    chunks: Vec::new(),
    allowed: None,
    range: None,
    vocabularies: Vec::new(),
    result: Vec::new(),
});

fn state() -> std::sync::MutexGuard<'static, State> {
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The bytes JavaScript wrote at `ptr`.
fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: JavaScript passes a buffer it got from `cp_alloc(len)` and filled; it stays
    // allocated until JavaScript frees it after this call returns.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// The value kept under `key`.
fn find<T>(list: &[(u32, T)], key: u32) -> Option<&T> {
    list.iter().find(|(k, _)| *k == key).map(|(_, value)| value)
}

/// Keeps `value` under `key`, replacing what was there.
fn keep<T>(list: &mut Vec<(u32, T)>, key: u32, value: T) {
    list.retain(|(k, _)| *k != key);
    list.push((key, value));
}

fn set_result(text: String) {
    state().result = text.into_bytes();
}

/// The UTF-8 text JavaScript wrote at `ptr`.
/// (JavaScript's `TextEncoder` writes only UTF-8; anything else reads as no text.)
fn text(ptr: *const u8, len: usize) -> String {
    std::str::from_utf8(input(ptr, len))
        .unwrap_or_default()
        .to_string()
}

/// Answers a query: `respond` gets the state, the scoring constants, the analyzer and the
/// query's text, and its JSON becomes the result. Returns 0, or -1 before [`cp_init`].
fn answer(
    query: *const u8,
    len: usize,
    respond: impl FnOnce(&State, &Meta, &Analyzer, &str) -> String,
) -> i32 {
    let text = text(query, len);
    let json = {
        let state = state();
        let (Some(analyzer), Some(meta)) = (&state.analyzer, &state.meta) else {
            return -1;
        };
        respond(&state, meta, analyzer, &text)
    };
    set_result(json);
    0
}

#[no_mangle]
pub extern "C" fn cp_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len.max(1));
    let ptr = buffer.as_mut_ptr();
    std::mem::forget(buffer);
    ptr
}

#[no_mangle]
pub extern "C" fn cp_free(ptr: *mut u8, len: usize) {
    // SAFETY: `ptr` came from `cp_alloc(len)`, which leaked a Vec of that capacity.
    unsafe { drop(Vec::from_raw_parts(ptr, 0, len.max(1))) }
}

#[no_mangle]
pub extern "C" fn cp_result_ptr() -> *const u8 {
    state().result.as_ptr()
}

#[no_mangle]
pub extern "C" fn cp_result_len() -> usize {
    state().result.len()
}

/// Sets the language (UTF-8 code), the scoring constants (`meta.bin`, decompressed) and the
/// manifest's `chunks` (a JSON array). Returns 0, or -1 for a language this build does not
/// stem, -2 for bad constants.
#[no_mangle]
pub extern "C" fn cp_init(
    language: *const u8,
    language_len: usize,
    meta: *const u8,
    meta_len: usize,
    firsts: *const u8,
    firsts_len: usize,
) -> i32 {
    let code = text(language, language_len);
    let Some(analyzer) = Analyzer::new(&code) else {
        return -1;
    };
    let Ok(meta) = Meta::decode(input(meta, meta_len)) else {
        return -2;
    };
    let firsts = parse_json_strings(&text(firsts, firsts_len));
    let mut state = state();
    state.analyzer = Some(analyzer);
    state.meta = Some(meta);
    state.firsts = firsts;
    state.chunks.clear();
    0
}

/// The chunk number that holds a term (UTF-8).
#[no_mangle]
pub extern "C" fn cp_chunk_of(term: *const u8, len: usize) -> u32 {
    let term = text(term, len);
    bundle::chunk_of(&state().firsts, &term) as u32
}

/// The terms a query needs, as a JSON array of strings; JavaScript fetches their chunks.
#[no_mangle]
pub extern "C" fn cp_query_terms(query: *const u8, len: usize) -> i32 {
    answer(query, len, |_, _, analyzer, text| {
        json_strings(&Query::parse(analyzer, text).terms())
    })
}

/// Keeps a term chunk (decompressed) under its number.
#[no_mangle]
pub extern "C" fn cp_add_chunk(bytes: *const u8, len: usize, number: u32) {
    let bytes = input(bytes, len).to_vec();
    keep(&mut state().chunks, number, bytes);
}

/// Clears the filters: the next searches see every document.
#[no_mangle]
pub extern "C" fn cp_filter_clear() {
    let mut state = state();
    state.allowed = None;
    state.range = None;
}

/// Keeps only documents in a filter list (a `concepts/` or `sources/` file, decompressed).
/// Returns -1 for a bad list.
#[no_mangle]
pub extern "C" fn cp_filter_docs(bytes: *const u8, len: usize) -> i32 {
    let Ok(docs) = bundle::decode_docs(input(bytes, len)) else {
        return -1;
    };
    let mut state = state();
    state.allowed = Some(match state.allowed.take() {
        None => docs,
        Some(sofar) => sofar
            .into_iter()
            .filter(|d| docs.binary_search(d).is_ok())
            .collect(),
    });
    0
}

/// Keeps only documents numbered from `start` to before `end` (one kind's).
#[no_mangle]
pub extern "C" fn cp_filter_range(start: u32, end: u32) {
    state().range = Some((start, end));
}

/// The most chunks, and the most terms, one typed prefix brings in.
const PREFIX_CHUNKS: usize = 3;
const PREFIX_TERMS: usize = 64;

/// The chunks that hold the terms beginning with the query's typed prefix (if `typing`), a
/// JSON array of numbers; JavaScript fetches them before searching.
#[no_mangle]
pub extern "C" fn cp_prefix_chunks(query: *const u8, len: usize) -> i32 {
    answer(query, len, |state, _, analyzer, text| {
        let query = Query::parse_typing(analyzer, text);
        json_numbers(
            query
                .prefixes()
                .into_iter()
                .flat_map(|prefix| prefix_chunks(&state.firsts, prefix))
                .map(|n| n as u64),
        )
    })
}

fn prefix_chunks(firsts: &[String], prefix: &str) -> Vec<usize> {
    let first = bundle::chunk_of(firsts, prefix);
    let mut upper = prefix.to_string();
    upper.push(char::MAX);
    let last = bundle::chunk_of(firsts, &upper);
    (first..=last).take(PREFIX_CHUNKS).collect()
}

/// Ranks a query under the filters; the result is `{"total":N,"hits":[[doc,score bits],...]}`.
/// With `typing` set, the last word also matches as a prefix. Returns -1 before `cp_init`.
#[no_mangle]
pub extern "C" fn cp_search(query: *const u8, len: usize, limit: u32, typing: u32) -> i32 {
    answer(query, len, |state, meta, analyzer, text| {
        let query = if typing == 1 {
            Query::parse_typing(analyzer, text)
        } else {
            Query::parse(analyzer, text)
        };
        let prefixed = |prefix: &str| -> Vec<bundle::TermEntry> {
            let mut found = Vec::new();
            for n in prefix_chunks(&state.firsts, prefix) {
                if let Some(chunk) = find(&state.chunks, n as u32) {
                    found.extend(
                        bundle::find_terms(chunk, |t| t.starts_with(prefix)).unwrap_or_default(),
                    );
                }
            }
            found.truncate(PREFIX_TERMS);
            found
        };
        let lookup = |term: &str| entry(state, term);
        let allowed = |doc: u32| {
            state
                .allowed
                .as_ref()
                .map_or(true, |docs| docs.binary_search(&doc).is_ok())
                && state
                    .range
                    .map_or(true, |(start, end)| (start..end).contains(&doc))
        };
        let ranked = rank_with_prefixes(meta, &query, &lookup, &prefixed, &allowed, limit as usize);
        // Numbers by hand, and scores as their bits: formatting machinery is most of a
        // module's size, and bits compare to the last one.
        let mut json = String::from("{\"total\":");
        push_number(&mut json, ranked.total as u64);
        json.push_str(",\"hits\":[");
        for (i, (doc, score)) in ranked.hits.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push('[');
            push_number(&mut json, u64::from(*doc));
            json.push(',');
            push_number(&mut json, u64::from(score.to_bits()));
            json.push(']');
        }
        json.push_str("]}");
        json
    })
}

/// Runs the ranking a few times over made-up postings, so that the browser has compiled its
/// code for speed before the first real search: engines first run WebAssembly through a quick
/// baseline compiler and optimize only code that has run a while, and the first search would
/// otherwise take several times as long (10 ms instead of 2 for two words in 16,000
/// documents, measured in Chromium). The search page calls it while it waits for the reader.
#[no_mangle]
pub extern "C" fn cp_warm() -> i32 {
    let state = state();
    let (Some(analyzer), Some(meta)) = (&state.analyzer, &state.meta) else {
        return -1;
    };
    let mut chunk = Vec::new();
    for (n, term) in ["warm", "up"].iter().enumerate() {
        let postings = |step: u32| -> Vec<(u32, u32, u8)> {
            (0..4_000u32)
                .map(|i| (i * step, 1 + i % 3, (i % 50) as u8))
                .collect()
        };
        let entry = bundle::TermEntry {
            term: term.to_string(),
            fields: (0..meta.fields.len() as u8)
                .map(|field| bundle::FieldPostings {
                    field,
                    idf: 1.0,
                    postings: postings(2 + n as u32 + u32::from(field)),
                })
                .collect(),
        };
        bundle::encode_term(&mut chunk, &entry);
    }
    let mut total = 0;
    for _ in 0..8 {
        let query = Query::parse_typing(analyzer, "warm -x up");
        let lookup = |term: &str| bundle::find_term(&chunk, term).ok().flatten();
        let prefixed = |prefix: &str| {
            bundle::find_terms(&chunk, |t| t.starts_with(prefix)).unwrap_or_default()
        };
        total += rank_with_prefixes(meta, &query, &lookup, &prefixed, &|_| true, 10).total;
    }
    i32::try_from(total).unwrap_or(i32::MAX)
}

/// A term's entry, from the loaded chunk that holds it.
fn entry(state: &State, term: &str) -> Option<bundle::TermEntry> {
    let chunk = find(&state.chunks, bundle::chunk_of(&state.firsts, term) as u32)?;
    bundle::find_term(chunk, term).ok().flatten()
}

/// Whether a term is in some title or body: in a loaded chunk, with postings in field 0 or 1.
fn known(state: &State, term: &str) -> bool {
    entry(state, term).is_some_and(|e| e.fields.iter().any(|f| f.field <= 1))
}

/// The initials (as numbers) of the query's unknown plain words, a JSON array: the
/// vocabularies a correction needs. The chunks of the query's terms must be loaded.
#[no_mangle]
pub extern "C" fn cp_unknown_initials(query: *const u8, len: usize) -> i32 {
    answer(query, len, |state, _, analyzer, text| {
        let initials = crate::search::unknown_initials(analyzer, text, &|t| known(state, t));
        json_numbers(initials.into_iter().map(|c| u64::from(u32::from(c))))
    })
}

/// Keeps the vocabulary of an initial (a `vocabulary/` file, decompressed). -1 if bad.
#[no_mangle]
pub extern "C" fn cp_add_vocabulary(bytes: *const u8, len: usize, initial: u32) -> i32 {
    let Ok(terms) = bundle::decode_vocabulary(input(bytes, len)) else {
        return -1;
    };
    keep(&mut state().vocabularies, initial, terms);
    0
}

/// The query corrected as `commonplace search` corrects one that found nothing, as a JSON
/// string, or `null` when no word changed.
#[no_mangle]
pub extern "C" fn cp_correct(query: *const u8, len: usize) -> i32 {
    answer(query, len, |state, _, analyzer, text| {
        let vocabulary = |initial: char| -> Vec<(&str, u32)> {
            find(&state.vocabularies, u32::from(initial))
                .map(|v| v.iter().map(|(t, f)| (t.as_str(), *f)).collect())
                .unwrap_or_default()
        };
        match crate::search::correct(analyzer, text, &|t| known(state, t), &vocabulary) {
            Some(corrected) => json_strings(&[&corrected])
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            None => "null".to_string(),
        }
    })
}

fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[at..].iter().map(|&d| char::from(d)));
}

fn json_numbers(numbers: impl Iterator<Item = u64>) -> String {
    let mut json = String::from("[");
    for (i, n) in numbers.enumerate() {
        if i > 0 {
            json.push(',');
        }
        push_number(&mut json, n);
    }
    json.push(']');
    json
}

fn json_strings(items: &[&str]) -> String {
    let mut json = String::from("[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('"');
        for c in item.chars() {
            match c {
                '"' => json.push_str("\\\""),
                '\\' => json.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    json.push_str("\\u00");
                    for nibble in [(c as u32) >> 4, (c as u32) & 0xf] {
                        json.push(char::from_digit(nibble, 16).expect("a nibble"));
                    }
                }
                c => json.push(c),
            }
        }
        json.push('"');
    }
    json.push(']');
    json
}

/// A JSON array of plain strings, as the manifest's `chunks` is written (terms are letters
/// and digits; `\uXXXX` escapes are decoded anyway).
fn parse_json_strings(json: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = json.chars();
    let mut current: Option<String> = None;
    while let Some(c) = chars.next() {
        match (&mut current, c) {
            (None, '"') => current = Some(String::new()),
            (None, _) => {}
            (Some(s), '"') => {
                out.push(std::mem::take(s));
                current = None;
            }
            (Some(s), '\\') => match chars.next() {
                Some('u') => {
                    let hex: String = chars.by_ref().take(4).collect();
                    if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        s.push(c);
                    }
                }
                Some('n') => s.push('\n'),
                Some('t') => s.push('\t'),
                Some(other) => s.push(other),
                None => {}
            },
            (Some(s), c) => s.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_ranks_made_up_postings() {
        assert_eq!(cp_warm(), -1, "nothing to warm before cp_init");
        let meta = Meta {
            doc_count: 0,
            fields: vec![crate::bundle::FieldMeta::new(2.0, 10.0); 3],
        }
        .encode();
        let firsts = b"[\"\"]";
        assert_eq!(
            cp_init(
                b"en".as_ptr(),
                2,
                meta.as_ptr(),
                meta.len(),
                firsts.as_ptr(),
                4
            ),
            0
        );
        // "warm" is in the even documents (and more), "up" in every third: 8 rounds of the
        // documents below 12,000 in both.
        let once = cp_warm();
        assert!(once > 8 * 1_000, "{once}");
        assert_eq!(cp_warm(), once);
    }

    #[test]
    fn json_strings_round_trip() {
        let items = ["", "fault", "a\"b\\c", "é"];
        assert_eq!(parse_json_strings(&json_strings(&items)), items);
        assert_eq!(
            parse_json_strings("[\"\\u00e9t\\u00e9\",\"x\"]"),
            ["été", "x"]
        );
    }
}
