//! The static search bundle under `public/_search/`, exported from the Tantivy index itself so
//! the browser ranks exactly as `commonplace search` does (one tokenizer, one ranking; the
//! format and the ranking live in the `commonplace-client` crate, shared with the browser).
//!
//! - `index.json.gz`: the manifest: document count, each kind's range of document numbers, the
//!   first term of every chunk, concept and source counts, concept aliases.
//! - `meta.bin.gz`: each searched field's boost and average length, as `f32` bits.
//! - `terms/N.bin.gz`: the term dictionary in chunks of about [`CHUNK_BYTES`], sorted, each
//!   term with its idf and postings (document, term frequency, encoded length) per field. A
//!   query fetches only the chunks of its words.
//! - `docs.bin` and `docs.idx`: what results show. Each document's fragment is its own gzip
//!   member in `docs.bin`, in document order; `docs.idx` holds where each begins (little-endian
//!   `u32`s, one more than there are documents). The browser fetches only the results shown,
//!   by byte ranges: eight bytes of the index, then the fragment. Two files rather than one per
//!   document or two: 60,000 small files cost a build more than everything else it writes
//!   for the bundle, and four times their bytes in disk blocks.
//! - `vocabulary/HEX.bin.gz`: the title and body terms that begin with one character, with
//!   their document counts, fetched only to correct a query that found nothing.
//! - `concepts/NAME.bin.gz`, `sources/ID.bin.gz`: the documents under a concept (narrower
//!   concepts included) or from a source, fetched only when a filter is used.

use commonplace_client::bundle::{self, FieldMeta, FieldPostings, Meta, TermEntry};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use tantivy::postings::Postings;
use tantivy::schema::Value as _;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocSet, Searcher, TantivyDocument, TERMINATED};

use super::engine::{Engine, IndexError};
use super::query::Stored;
use crate::kind::Kind;

/// About this many bytes (before compression) of postings go in one term chunk.
pub const CHUNK_BYTES: usize = 24 * 1024;
/// Where the bundle goes in the output.
pub const DIR: &str = "_search";
/// The fragments of every document, and where each begins (see the module's comment).
pub const DOCS_PACK: &str = "docs.bin";
pub const DOCS_INDEX: &str = "docs.idx";

/// The module that searches the bundle in the browser, with the ranking of
/// `commonplace-client/src/search.rs`.
const CLIENT_JS: &str = include_str!("../../client/js/commonplace.js");

/// The bundle's files, by path in the output, and what they add up to.
pub struct Bundle {
    pub files: Vec<(String, Vec<u8>)>,
    pub terms: usize,
    pub chunks: usize,
    pub docs: u32,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: u32,
    language: &'a str,
    docs: u32,
    /// Each kind's documents: numbers from the first to before the second.
    kinds: BTreeMap<Kind, (u32, u32)>,
    chunks: Vec<String>,
    concepts: BTreeMap<String, usize>,
    sources: BTreeMap<String, usize>,
    aliases: &'a BTreeMap<String, String>,
}

#[derive(Serialize)]
struct Fragment {
    id: String,
    kind: Kind,
    url: String,
    title: String,
    concepts: Vec<String>,
    source: Option<String>,
    locator: Option<String>,
    /// The start of the text (200 characters), for a snippet.
    text: String,
}

/// The module as served: without its comment lines, blank lines and indentation, which are a
/// third of its bytes and are fetched with every first search (file hosts do not all
/// compress JavaScript). Only whole-line comments go, so code is never touched; the module
/// has no multi-line strings. The source, with its comments, is `client/js/commonplace.js`.
fn compact_js(source: &str) -> String {
    let mut out =
        String::from("// commonplace search: client/js/commonplace.js in commonplace's source\n");
    for line in source.lines() {
        let line = line.trim_start();
        if !line.is_empty() && !line.starts_with("//") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// JSON with `<`, `>` and `&` written as `\u003c`, `\u003e` and `\u0026` (they only occur in
/// strings): the author's text stays inert even where a host serves a file as HTML.
fn inert_json(value: &impl Serialize) -> Vec<u8> {
    let json = serde_json::to_string(value).expect("bundle JSON serializes");
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Tantivy's idf (`query::bm25::idf`), computed where Tantivy computes it: natively, here.
fn idf(doc_freq: u64, doc_count: u64) -> f32 {
    let x = ((doc_count - doc_freq) as f32 + 0.5) / (doc_freq as f32 + 0.5);
    (1.0 + x).ln()
}

/// Exports the bundle from the engine's index, which must be up to date: one function below
/// per part of it, as the browser fetches them.
pub fn export(engine: &Engine) -> Result<Bundle, IndexError> {
    let searcher = engine.searcher();
    let numbers = Numbers::of(engine, &searcher)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let terms = term_chunks(engine, &searcher, &numbers, &mut files)?;
    let lists = fragments(engine, &searcher, &numbers, &mut files)?;
    filter_lists(&lists, &mut files);
    vocabulary_files(&terms.vocabularies, &mut files);
    let meta = meta(engine, &searcher, numbers.count())?;
    files.push((format!("{DIR}/meta.bin.gz"), meta));
    files.extend(client_files(engine.language()));
    let chunks = terms.firsts.len();
    files.push((
        format!("{DIR}/index.json.gz"),
        manifest(engine, numbers.count(), terms.firsts, &lists),
    ));
    // Every `.gz` file is compressed here, all at once, on every core.
    files
        .par_iter_mut()
        .filter(|(path, _)| path.ends_with(".gz"))
        .for_each(|(_, bytes)| *bytes = gzip(bytes));
    Ok(Bundle {
        files,
        terms: terms.count,
        chunks,
        docs: numbers.count(),
    })
}

/// The fields a query searches and their boosts, as `Searching::parser` has them, in its
/// order.
fn searched(engine: &Engine) -> [(Field, f32); 3] {
    let fields = engine.fields();
    [
        (fields.title, super::schema::TITLE_BOOST),
        (fields.body, 1.0),
        (fields.author, 1.0),
    ]
}

/// The bundle's numbers for the live documents: in the order of their keys (`kind:id`), so
/// the number of a document does not depend on where it sits in the index.
struct Numbers {
    /// Each document's key, segment and id in the segment, by number.
    keyed: Vec<(String, usize, u32)>,
    /// Each segment's documents' numbers, by id; `u32::MAX` for a deleted one.
    global: Vec<Vec<u32>>,
}

impl Numbers {
    fn of(engine: &Engine, searcher: &Searcher) -> Result<Numbers, IndexError> {
        let err = |e| engine.error(e);
        let segments = searcher.segment_readers();
        let mut keyed: Vec<(String, usize, u32)> = Vec::new();
        for (s, segment) in segments.iter().enumerate() {
            let alive = segment.alive_bitset();
            let keys = segment.inverted_index(engine.fields().key).map_err(err)?;
            let mut stream = keys.terms().stream().map_err(|e| err(e.into()))?;
            while stream.advance() {
                let key = String::from_utf8_lossy(stream.key()).into_owned();
                let mut postings = keys
                    .read_postings_from_terminfo(stream.value(), IndexRecordOption::Basic)
                    .map_err(|e| err(e.into()))?;
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if alive.is_none_or(|a| a.is_alive(doc)) {
                        keyed.push((key.clone(), s, doc));
                    }
                    doc = postings.advance();
                }
            }
        }
        keyed.sort();
        let mut global: Vec<Vec<u32>> = segments
            .iter()
            .map(|s| vec![u32::MAX; s.max_doc() as usize])
            .collect();
        for (number, (_, s, doc)) in keyed.iter().enumerate() {
            global[*s][*doc as usize] = number as u32;
        }
        Ok(Numbers { keyed, global })
    }

    fn count(&self) -> u32 {
        self.keyed.len() as u32
    }
}

/// `meta.bin.gz`: each searched field's boost and average length, the scoring constants as
/// Tantivy's `Bm25Weight` derives them.
fn meta(engine: &Engine, searcher: &Searcher, doc_count: u32) -> Result<Vec<u8>, IndexError> {
    let total_docs: u64 = searcher
        .segment_readers()
        .iter()
        .map(|s| u64::from(s.max_doc()))
        .sum();
    let mut meta = Meta {
        doc_count,
        fields: Vec::new(),
    };
    let stats = super::query::Stats::of(searcher, engine.fields()).map_err(|e| engine.error(e))?;
    for (field, boost) in searched(engine) {
        // As `Bm25Weight::for_terms` computes it.
        let average = stats.tokens(field) as f32 / total_docs as f32;
        meta.fields.push(FieldMeta::new(boost, average));
    }
    Ok(meta.encode())
}

/// The term chunks as they were cut, and what the vocabulary files are made of.
struct TermChunks {
    /// The first term of each chunk (the first chunk's is empty).
    firsts: Vec<String>,
    /// The title and body terms by their first character, with their document counts.
    vocabularies: BTreeMap<char, Vec<(String, u32)>>,
    /// How many terms the dictionary has.
    count: usize,
}

/// `terms/N.bin.gz`: the term dictionary in chunks of about [`CHUNK_BYTES`], sorted, each
/// term with its idf and postings (document, term frequency, encoded length) per field.
fn term_chunks(
    engine: &Engine,
    searcher: &Searcher,
    numbers: &Numbers,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<TermChunks, IndexError> {
    let err = |e| engine.error(e);
    let segments = searcher.segment_readers();
    let searched = searched(engine);
    let total_docs: u64 = segments.iter().map(|s| u64::from(s.max_doc())).sum();
    // Every term of every searched field, in byte order.
    let mut term_infos: BTreeMap<Vec<u8>, Vec<(u8, usize, tantivy::postings::TermInfo)>> =
        BTreeMap::new();
    for (f, &(field, _)) in searched.iter().enumerate() {
        for (s, segment) in segments.iter().enumerate() {
            let inverted = segment.inverted_index(field).map_err(err)?;
            let mut stream = inverted.terms().stream().map_err(|e| err(e.into()))?;
            while stream.advance() {
                term_infos.entry(stream.key().to_vec()).or_default().push((
                    f as u8,
                    s,
                    stream.value().clone(),
                ));
            }
        }
    }
    // Each term's postings are read and encoded on every core; the chunks are then cut in
    // order.
    let encoded: Vec<(String, Vec<u8>, Option<u32>)> = term_infos
        .par_iter()
        .map(|(term, infos)| -> Result<_, IndexError> {
            let term = String::from_utf8_lossy(term).into_owned();
            let mut entry = TermEntry {
                term: term.clone(),
                fields: Vec::new(),
            };
            for f in 0..searched.len() as u8 {
                let mine: Vec<_> = infos.iter().filter(|(g, _, _)| *g == f).collect();
                if mine.is_empty() {
                    continue;
                }
                let (field, _) = searched[usize::from(f)];
                let doc_freq: u64 = mine
                    .iter()
                    .map(|(_, _, info)| u64::from(info.doc_freq))
                    .sum();
                let mut postings = Vec::new();
                for (_, s, info) in mine {
                    let segment = &segments[*s];
                    let inverted = segment.inverted_index(field).map_err(err)?;
                    let norms = segment.get_fieldnorms_reader(field).map_err(err)?;
                    let mut reader = inverted
                        .read_postings_from_terminfo(info, IndexRecordOption::WithFreqs)
                        .map_err(|e| err(e.into()))?;
                    let mut doc = reader.doc();
                    while doc != TERMINATED {
                        let number = numbers.global[*s][doc as usize];
                        if number != u32::MAX {
                            postings.push((number, reader.term_freq(), norms.fieldnorm_id(doc)));
                        }
                        doc = reader.advance();
                    }
                }
                postings.sort_unstable();
                entry.fields.push(FieldPostings {
                    field: f,
                    idf: idf(doc_freq, total_docs),
                    postings,
                });
            }
            // The vocabulary of typo corrections: title and body terms, counted as
            // `Searching::vocabulary` counts them.
            let freq = |f: u8| -> Option<u32> {
                let mine = infos.iter().filter(|(g, _, _)| *g == f);
                let total: u32 = mine.clone().map(|(_, _, info)| info.doc_freq).sum();
                mine.count().gt(&0).then_some(total)
            };
            let vocabulary_freq = freq(0).into_iter().chain(freq(1)).max();
            let mut bytes = Vec::new();
            bundle::encode_term(&mut bytes, &entry);
            Ok((term, bytes, vocabulary_freq))
        })
        .collect::<Result<_, _>>()?;
    let mut chunks = TermChunks {
        firsts: Vec::new(),
        vocabularies: BTreeMap::new(),
        count: term_infos.len(),
    };
    let mut chunk: Vec<u8> = Vec::new();
    let flush = |chunk: &mut Vec<u8>, files: &mut Vec<(String, Vec<u8>)>, n: usize| {
        files.push((format!("{DIR}/terms/{n}.bin.gz"), chunk.clone()));
        chunk.clear();
    };
    for (term, bytes, vocabulary_freq) in encoded {
        if let (Some(freq), Some(initial)) = (vocabulary_freq, term.chars().next()) {
            chunks
                .vocabularies
                .entry(initial)
                .or_default()
                .push((term.clone(), freq));
        }
        if chunk.is_empty() {
            chunks.firsts.push(term);
        }
        chunk.extend_from_slice(&bytes);
        if chunk.len() >= CHUNK_BYTES {
            flush(&mut chunk, files, chunks.firsts.len() - 1);
        }
    }
    if !chunk.is_empty() {
        flush(&mut chunk, files, chunks.firsts.len() - 1);
    }
    if let Some(first) = chunks.firsts.first_mut() {
        // The first chunk holds everything before its first term too (none, but a query
        // term may sort before every indexed one).
        first.clear();
    }
    Ok(chunks)
}

/// Which documents each kind, concept and source has, gathered while the fragments are
/// written.
#[derive(Default)]
struct Lists {
    kinds: BTreeMap<Kind, (u32, u32)>,
    by_concept: BTreeMap<String, BTreeSet<u32>>,
    by_source: BTreeMap<String, BTreeSet<u32>>,
}

/// `docs.bin` and `docs.idx`: what results show, each document's fragment compressed on its
/// own, and where each begins.
fn fragments(
    engine: &Engine,
    searcher: &Searcher,
    numbers: &Numbers,
    files: &mut Vec<(String, Vec<u8>)>,
) -> Result<Lists, IndexError> {
    let fields = engine.fields();
    let doc_count = numbers.count();
    let mut lists = Lists::default();
    let mut fragments: Vec<Fragment> = Vec::with_capacity(doc_count as usize);
    // Stored documents decompress slowly; read them on every core, then group in order.
    let stored_docs: Vec<TantivyDocument> = numbers
        .keyed
        .par_iter()
        .map(|(_, s, doc)| searcher.doc(DocAddress::new(*s as u32, *doc)))
        .collect::<Result<_, _>>()
        .map_err(|e| engine.error(e))?;
    for (number, stored_doc) in stored_docs.into_iter().enumerate() {
        let number = number as u32;
        for value in stored_doc.get_all(fields.concept) {
            if let Some(encoded) = value.as_facet() {
                if let Ok(facet) = tantivy::schema::Facet::from_encoded(encoded.as_bytes().to_vec())
                {
                    for name in facet.to_path() {
                        lists
                            .by_concept
                            .entry(name.to_string())
                            .or_default()
                            .insert(number);
                    }
                }
            }
        }
        let stored = Stored::of(&stored_doc, fields);
        if let Some(source) = &stored.source {
            lists
                .by_source
                .entry(source.clone())
                .or_default()
                .insert(number);
        }
        let range = lists.kinds.entry(stored.kind).or_insert((number, number));
        range.1 = number + 1;
        let text = stored.text.unwrap_or(stored.body);
        fragments.push(Fragment {
            id: stored.id,
            kind: stored.kind,
            url: stored.url,
            title: stored.title,
            concepts: stored.concepts,
            source: stored.source,
            locator: stored.locator,
            text: crate::text::shorten(&text, 200),
        });
    }
    let compressed: Vec<Vec<u8>> = fragments
        .par_iter()
        .map(|fragment| gzip(&inert_json(fragment)))
        .collect();
    let mut pack = Vec::with_capacity(compressed.iter().map(Vec::len).sum());
    let mut index = Vec::with_capacity(4 * (compressed.len() + 1));
    for member in &compressed {
        index.extend_from_slice(&(pack.len() as u32).to_le_bytes());
        pack.extend_from_slice(member);
    }
    index.extend_from_slice(&(pack.len() as u32).to_le_bytes());
    files.push((format!("{DIR}/{DOCS_PACK}"), pack));
    files.push((format!("{DIR}/{DOCS_INDEX}"), index));
    Ok(lists)
}

/// `concepts/NAME.bin.gz`, `sources/ID.bin.gz`: the documents under a concept (narrower
/// concepts included) or from a source.
fn filter_lists(lists: &Lists, files: &mut Vec<(String, Vec<u8>)>) {
    for (folder, by_name) in [
        ("concepts", &lists.by_concept),
        ("sources", &lists.by_source),
    ] {
        for (name, docs) in by_name {
            let docs: Vec<u32> = docs.iter().copied().collect();
            files.push((
                format!("{DIR}/{folder}/{name}.bin.gz"),
                bundle::encode_docs(&docs),
            ));
        }
    }
}

/// `vocabulary/HEX.bin.gz`: the title and body terms that begin with one character.
fn vocabulary_files(
    vocabularies: &BTreeMap<char, Vec<(String, u32)>>,
    files: &mut Vec<(String, Vec<u8>)>,
) {
    for (initial, vocabulary) in vocabularies {
        files.push((
            format!(
                "{DIR}/vocabulary/{}.bin.gz",
                bundle::vocabulary_file(*initial)
            ),
            bundle::encode_vocabulary(vocabulary),
        ));
    }
}

/// `commonplace.js`, and the search module for the site's language.
fn client_files(language: &str) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(
        format!("{DIR}/commonplace.js"),
        compact_js(CLIENT_JS).into_bytes(),
    )];
    if let Some(language) = super::schema::site_language(language) {
        // Compressed here: not every file host compresses WebAssembly on the way.
        files.push((
            format!("{DIR}/commonplace.wasm.gz"),
            language.client.to_vec(),
        ));
    }
    files
}

/// `index.json.gz`: the document count, each kind's range of numbers, the first term of
/// every chunk, concept and source counts, concept aliases.
fn manifest(engine: &Engine, docs: u32, chunks: Vec<String>, lists: &Lists) -> Vec<u8> {
    let count = |by_name: &BTreeMap<String, BTreeSet<u32>>| {
        by_name.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    };
    inert_json(&Manifest {
        format: bundle::FORMAT,
        language: engine.language(),
        docs,
        kinds: lists.kinds.clone(),
        chunks,
        concepts: count(&lists.by_concept),
        sources: count(&lists.by_source),
        aliases: &engine.lookups().aliases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_module_keeps_every_line_of_code() {
        let compact = compact_js(CLIENT_JS);
        let served: Vec<&str> = compact.lines().collect();
        let mut at = 1;
        for line in CLIENT_JS.lines().map(str::trim_start) {
            if line.is_empty() || line.starts_with("//") {
                continue;
            }
            // Trimming is safe only outside strings: no template string spans lines.
            assert_eq!(
                line.matches('`').count() % 2,
                0,
                "a multi-line string: {line}"
            );
            assert_eq!(served.get(at), Some(&line));
            at += 1;
        }
        assert_eq!(at, served.len());
        assert!(compact.len() * 4 < CLIENT_JS.len() * 3, "{}", compact.len());
    }
}
