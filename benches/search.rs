//! `cargo bench --bench search`: on the generated 10,000-note / 50,000-quote site (shared with
//! the build bench), in process: the time to index everything from scratch, the time to bring
//! the index up to date after one note changed, and query latency over 1,000 varied queries.
//!
//! Environment: `COMMONPLACE_BENCH_NOTES` (default 10000), `COMMONPLACE_BENCH_QUERIES`
//! (default 1000).

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::time::{Duration, Instant};

use commonplace::kind::Kind;
use commonplace::search::{documents, Compaction, Engine, Lookups, SearchRequest};
use commonplace::site::SiteRoot;

fn main() {
    let queries = corpus::env_number("COMMONPLACE_BENCH_QUERIES", 1_000);
    let (site, shape) = corpus::bench_site(Path::new(env!("CARGO_TARGET_TMPDIR")));
    let site = SiteRoot::open(&site).expect("the bench site has its config");
    let _ = std::fs::remove_dir_all(site.index_dir());

    let started = Instant::now();
    let options = commonplace::load::LoadOptions::default();
    let (corpus, _) = commonplace::load::load(&site, &options).expect("the site loads");
    let (graph, diagnostics) = commonplace::link::link(corpus);
    assert_eq!(commonplace::diagnostic::count_errors(&diagnostics), 0);
    println!(
        "site: {} notes, {} quotes; load + link {:.2} s",
        shape.notes,
        shape.sources * shape.quotes_per_source,
        started.elapsed().as_secs_f64()
    );

    let lookups = Lookups::of(&graph);
    let started = Instant::now();
    let mut docs = documents::documents(&graph);
    let extraction = started.elapsed();
    let started = Instant::now();
    let mut engine = Engine::open(&site.index_dir(), &graph.config.language).expect("index opens");
    let report = engine
        .update(&docs, 1, lookups.clone(), Compaction::Never)
        .expect("index");
    let full = started.elapsed();
    println!(
        "full index: {} documents in {:.2} s (+ {:.2} s to extract their text)",
        report.added,
        full.as_secs_f64(),
        extraction.as_secs_f64()
    );

    // One note edited: its document changes, every other stays.
    let mut incremental = Vec::new();
    for round in 0..5 {
        let key = docs
            .keys()
            .find(|k| k.starts_with("note:"))
            .unwrap()
            .clone();
        docs.get_mut(&key)
            .unwrap()
            .body
            .push_str(&format!(" edited{round}"));
        let started = Instant::now();
        let report = engine
            .update(&docs, 2 + round, lookups.clone(), Compaction::Never)
            .expect("index");
        incremental.push(started.elapsed());
        assert_eq!((report.changed, report.added, report.removed), (1, 0, 0));
    }
    incremental.sort();
    println!(
        "incremental update of one edited note: median {:.1} ms (of 5: {})",
        ms(incremental[2]),
        incremental
            .iter()
            .map(|d| format!("{:.1}", ms(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let concepts: Vec<&String> = lookups.concept_paths.keys().collect();
    let words = [
        "replication",
        "latency",
        "fault",
        "partition",
        "leader",
        "snapshot",
        "consistency",
        "timeline",
        "tweet",
        "cache",
        "queue",
        "schema",
        "encoding",
        "quorum",
        "lease",
        "heartbeat",
        "checkpoint",
        "compaction",
        "scaling",
        "naïve",
    ];
    for facets in [false, true] {
        run_queries(&engine, &concepts, &words, queries, facets);
    }
}

fn run_queries(
    engine: &Engine,
    concepts: &[&String],
    words: &[&str],
    queries: usize,
    facets: bool,
) {
    let mut latencies = Vec::with_capacity(queries);
    let mut by_shape: Vec<Vec<Duration>> = vec![Vec::new(); 6];
    let mut total_hits = 0;
    for i in 0..queries {
        let a = words[i % words.len()];
        let b = words[(i * 7 + 3) % words.len()];
        let request = match i % 6 {
            0 => SearchRequest {
                query: a.to_string(),
                ..Default::default()
            },
            1 => SearchRequest {
                query: format!("{a} {b}"),
                ..Default::default()
            },
            2 => SearchRequest {
                query: format!("\"{a} {b}\""),
                ..Default::default()
            },
            3 => SearchRequest {
                query: a.to_string(),
                concepts: vec![concepts[i % concepts.len()].clone()],
                ..Default::default()
            },
            4 => SearchRequest {
                query: format!("{a} -{b}"),
                kind: Some(Kind::Quote),
                ..Default::default()
            },
            _ => SearchRequest {
                query: format!("{a}x"), // a typo: exercises the retry
                ..Default::default()
            },
        };
        let request = SearchRequest {
            limit: 10,
            facets,
            ..request
        };
        let started = Instant::now();
        let results = engine.search(&request).expect("the query runs");
        latencies.push(started.elapsed());
        by_shape[i % 6].push(started.elapsed());
        total_hits += results.hits.len();
    }
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    println!(
        "{} queries {} facet counts (words, pairs, phrases, concept filters, exclusions, typos): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} hits shown",
        latencies.len(),
        if facets { "with" } else { "without" },
        ms(at(0.50)),
        ms(at(0.99)),
        ms(*latencies.last().unwrap()),
        total_hits
    );
    let names = [
        "word",
        "two words",
        "phrase",
        "word + concept",
        "exclusion",
        "typo",
    ];
    let shapes: Vec<String> = by_shape
        .iter_mut()
        .zip(names)
        .map(|(times, name)| {
            times.sort();
            let p99 = times[((times.len() as f64 * 0.99) as usize).min(times.len() - 1)];
            format!("{name} {:.2}/{:.2}", ms(times[times.len() / 2]), ms(p99))
        })
        .collect();
    println!("  p50/p99 ms by shape: {}", shapes.join(", "));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
