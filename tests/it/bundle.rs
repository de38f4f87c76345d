//! The static search bundle ranks as `commonplace search` does: the same ids in the same
//! order, and the same totals, for the same queries. This runs the bundle's ranking
//! (`commonplace-client`, the code the browser runs) natively over the files `build` wrote.

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use commonplace_client::bundle::{self, Meta, TermEntry};
use commonplace_client::search::{rank, Query};
use commonplace_client::Analyzer;

use crate::common::{demo_copy, run, stderr};

/// The bundle under `public/_search/`, read as the browser would.
struct Bundle {
    dir: PathBuf,
    manifest: serde_json::Value,
    meta: Meta,
    chunks: Vec<String>,
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

impl Bundle {
    fn open(site: &Path) -> Bundle {
        let dir = site.join("public/_search");
        let manifest: serde_json::Value =
            serde_json::from_slice(&gunzip(&dir.join("index.json.gz"))).unwrap();
        let meta = Meta::decode(&gunzip(&dir.join("meta.bin.gz"))).unwrap();
        let chunks = manifest["chunks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        Bundle {
            dir,
            manifest,
            meta,
            chunks,
        }
    }

    /// A term's entry, from the chunk file that holds it.
    fn entry(&self, term: &str) -> Option<TermEntry> {
        let n = bundle::chunk_of(&self.chunks, term);
        let chunk = gunzip(&self.dir.join(format!("terms/{n}.bin.gz")));
        bundle::find_term(&chunk, term).unwrap()
    }

    fn docs(&self, path: &str) -> Vec<u32> {
        bundle::decode_docs(&gunzip(&self.dir.join(path))).unwrap()
    }

    /// A document's fragment, as the browser reads it: where it begins and ends in `docs.bin`
    /// from `docs.idx`, then that gzip member alone.
    fn fragment(&self, doc: u32) -> serde_json::Value {
        let index = std::fs::read(self.dir.join("docs.idx")).unwrap();
        let pack = std::fs::read(self.dir.join("docs.bin")).unwrap();
        // One offset per document and one more, the last the pack's length.
        let docs = self.manifest["docs"].as_u64().unwrap() as usize;
        assert_eq!(index.len(), 4 * (docs + 1));
        let at = |i: usize| u32::from_le_bytes(index[4 * i..4 * i + 4].try_into().unwrap());
        assert_eq!(at(docs) as usize, pack.len());
        let (start, end) = (at(doc as usize) as usize, at(doc as usize + 1) as usize);
        // The range is exactly one gzip member: nothing of the next one, nothing left over.
        let mut decoder = flate2::bufread::GzDecoder::new(&pack[start..end]);
        let mut json = Vec::new();
        decoder.read_to_end(&mut json).unwrap();
        assert!(
            decoder.into_inner().is_empty(),
            "document {doc}'s range runs on"
        );
        serde_json::from_slice(&json).unwrap()
    }

    /// (total, ids) for a query with optional concept and kind filters.
    fn search(
        &self,
        text: &str,
        concept: Option<&str>,
        kind: Option<&str>,
    ) -> (usize, Vec<String>) {
        let analyzer = Analyzer::new(self.manifest["language"].as_str().unwrap()).unwrap();
        let query = Query::parse(&analyzer, text);
        let lookup = |term: &str| self.entry(term);
        let concept_docs = concept.map(|c| self.docs(&format!("concepts/{c}.bin.gz")));
        let range = kind.map(|k| {
            let r = &self.manifest["kinds"][k];
            (r[0].as_u64().unwrap() as u32, r[1].as_u64().unwrap() as u32)
        });
        let allowed = |doc: u32| {
            concept_docs
                .as_ref()
                .is_none_or(|docs| docs.binary_search(&doc).is_ok())
                && range.is_none_or(|(start, end)| (start..end).contains(&doc))
        };
        let mut ranked = rank(&self.meta, &query, &lookup, &allowed, 10);
        if ranked.total == 0 {
            // The terminal's retry of a query that found nothing, from the bundle's files.
            let known = |term: &str| {
                self.entry(term)
                    .is_some_and(|e| e.fields.iter().any(|f| f.field <= 1))
            };
            let mut vocabularies = HashMap::new();
            for initial in commonplace_client::search::unknown_initials(&analyzer, text, &known) {
                let file = self.dir.join(format!(
                    "vocabulary/{}.bin.gz",
                    bundle::vocabulary_file(initial)
                ));
                let terms = if file.exists() {
                    bundle::decode_vocabulary(&gunzip(&file)).unwrap()
                } else {
                    Vec::new()
                };
                vocabularies.insert(initial, terms);
            }
            let vocabulary = |initial: char| -> Vec<(&str, u32)> {
                vocabularies[&initial]
                    .iter()
                    .map(|(t, f)| (t.as_str(), *f))
                    .collect()
            };
            let corrected =
                commonplace_client::search::correct(&analyzer, text, &known, &vocabulary);
            if let Some(corrected) = corrected {
                let retry = Query::parse(&analyzer, &corrected);
                let retried = rank(&self.meta, &retry, &lookup, &allowed, 10);
                if retried.total > 0 {
                    ranked = retried;
                }
            }
        }
        let ids = ranked
            .hits
            .iter()
            .map(|(doc, _)| {
                let fragment = self.fragment(*doc);
                format!(
                    "{}:{}",
                    fragment["kind"].as_str().unwrap(),
                    fragment["id"].as_str().unwrap()
                )
            })
            .collect();
        (ranked.total, ids)
    }
}

/// (total, ids) from `commonplace search --json`.
pub fn cli(
    site: &Path,
    text: &str,
    concept: Option<&str>,
    kind: Option<&str>,
) -> (usize, Vec<String>) {
    let (total, ids, _) = cli_with_urls(site, text, concept, kind);
    (total, ids)
}

/// (total, ids, urls) from `commonplace search --json`.
pub fn cli_with_urls(
    site: &Path,
    text: &str,
    concept: Option<&str>,
    kind: Option<&str>,
) -> (usize, Vec<String>, Vec<String>) {
    let mut args = vec![text, "--limit", "10"];
    if let Some(c) = concept {
        args.extend(["--concept", c]);
    }
    if let Some(k) = kind {
        args.extend(["--kind", k]);
    }
    let json = crate::search::search(site, &args);
    let urls = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["url"].as_str().unwrap().to_string())
        .collect();
    let total = json["total"].as_u64().unwrap() as usize;
    (total, crate::search::ids(&json), urls)
}

fn assert_parity(site: &Path, queries: &[(&str, Option<&str>, Option<&str>)]) {
    let built = run(&["build"], site);
    assert!(built.status.success(), "{}", stderr(&built));
    let bundle = Bundle::open(site);
    let mut nonempty = 0;
    let mut differing = Vec::new();
    for &(text, concept, kind) in queries {
        let expected = cli(site, text, concept, kind);
        let got = bundle.search(text, concept, kind);
        if got != expected {
            differing.push(format!(
                "{text:?} {concept:?} {kind:?}:\n  bundle {got:?}\n  cli    {expected:?}"
            ));
        }
        nonempty += usize::from(expected.0 > 0);
    }
    assert!(differing.is_empty(), "{}", differing.join("\n"));
    assert!(
        nonempty * 10 >= queries.len() * 8,
        "most queries find something"
    );
}

/// A query, a concept filter and a kind filter.
pub type Case<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// Queries over the demo: single words, several words, stems, accents, exclusions, filters, a
/// word in no document.
pub const DEMO_QUERIES: &[Case] = &[
    ("reliability", None, None),
    ("latency", None, None),
    ("fault", None, None),
    ("load", None, None),
    ("scalability", None, None),
    ("twitter", None, None),
    ("percentiles", None, None),
    ("maintainability", None, None),
    ("operability", None, None),
    ("human", None, None),
    ("hardware", None, None),
    ("system", None, None),
    ("tail latency", None, None),
    ("load parameters", None, None),
    ("fault tolerance", None, None),
    ("human errors", None, None),
    ("twitter home timeline", None, None),
    ("response time percentiles", None, None),
    ("scaling", None, None),
    ("scales", None, None),
    ("scaled systems", None, None),
    ("failures", None, None),
    ("Désign", None, None),
    ("RÉSPONSE", None, None),
    ("latency -tail", None, None),
    ("fault -hardware", None, None),
    ("latency", Some("scalability"), None),
    ("system", Some("reliability"), None),
    ("faults", Some("fault-tolerance"), None),
    ("load", None, Some("quote")),
    ("system", None, Some("note")),
    ("data", Some("maintainability"), Some("quote")),
    ("kleppmann", None, None),
    ("laod paramters", None, None),
    ("relaibility", None, None),
    ("replication", None, None),
    ("scalabilty", Some("scalability"), None),
    ("xylophonic", None, None),
];

#[test]
fn the_bundle_ranks_the_demo_as_the_cli_does() {
    let site = demo_copy();
    assert_parity(site.path(), DEMO_QUERIES);
}

#[path = "../../benches/support/corpus.rs"]
pub mod corpus;

#[test]
fn the_bundle_ranks_a_generated_site_as_the_cli_does() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let shape = generated_shape();
    corpus::generate(&site, shape).unwrap();
    let concepts = corpus::concept_names(shape.concepts);
    assert_parity(&site, &generated_queries(&concepts));
}

/// The generated site of the parity tests.
pub fn generated_shape() -> corpus::Shape {
    corpus::Shape {
        notes: 400,
        sources: 5,
        quotes_per_source: 60,
        concepts: 30,
        seed: 7,
        vocabulary: corpus::Vocabulary::Small,
    }
}

/// Queries over the generated site, whose concepts are `concepts`.
pub fn generated_queries(concepts: &[String]) -> Vec<Case<'_>> {
    vec![
        ("replication", None, None),
        ("latency", None, None),
        ("leader", None, None),
        ("snapshot", None, None),
        ("transaction", None, None),
        ("consistency", None, None),
        ("replication leader", None, None),
        ("replication lag", None, None),
        ("fault tolerance", None, None),
        ("laetncy", None, None),
        ("fault failure", None, None),
        ("leader follower network", None, None),
        ("read write disk memory", None, None),
        ("replicated", None, None),
        ("partitions", None, None),
        ("partitioning", None, None),
        ("clocks", None, None),
        ("Lätency", None, None),
        ("SNAPSHOT isolation", None, None),
        ("replication -leader", None, None),
        ("latency -network -disk", None, None),
        ("data", Some(&concepts[0]), None),
        ("system", Some(&concepts[1]), None),
        ("replication", Some(&concepts[5]), None),
        ("latency", None, Some("quote")),
        ("fault", None, Some("note")),
        ("write", Some(&concepts[2]), Some("quote")),
        ("quixotically", None, None),
    ]
}
