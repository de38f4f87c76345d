//! A generator of large synthetic knowledge bases, for benchmarks. Shared by `benches/build.rs`
//! and `examples/gen_corpus.rs` (`cargo run --release --example gen_corpus -- DIR`), so later
//! benchmarks (search, serve, the browser bundle) measure the same site.
//!
//! The default shape: 10,000 notes of 300 to 1,500 words (headings, lists, a table, code, about
//! four wikilinks and two quote embeds each) in 100 folders, and 50,000 quotes over 50 sources,
//! with 150 concepts (15 roots with 9 narrower concepts each) used in a Zipf distribution. The
//! output depends only on the shape and the seed: a hand-written PRNG keeps it the same across
//! crate versions.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub notes: usize,
    pub sources: usize,
    pub quotes_per_source: usize,
    pub concepts: usize,
    pub seed: u64,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            notes: 10_000,
            sources: 50,
            quotes_per_source: 1_000,
            concepts: 150,
            seed: 42,
        }
    }
}

/// A number from the environment, or the default.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The benchmark site shared by the benches, under cargo's target tmp folder: the default shape,
/// or `COMMONPLACE_BENCH_NOTES` notes (quotes scale along). Generated the first time only.
pub fn bench_site(tmp: &Path) -> (std::path::PathBuf, Shape) {
    let notes = env_number("COMMONPLACE_BENCH_NOTES", 10_000);
    let mut shape = Shape::default();
    if notes != shape.notes {
        shape.quotes_per_source = (notes / 10).max(1);
        shape.notes = notes;
    }
    let site = tmp
        .join("bench-site")
        .join(format!("site-{}-{}", shape.notes, shape.seed));
    if !site.join("commonplace.yaml").is_file() {
        let _ = std::fs::remove_dir_all(&site);
        let started = std::time::Instant::now();
        generate(&site, shape).expect("the corpus is written");
        println!(
            "generated {} notes and {} quotes in {:.1} s: {}",
            shape.notes,
            shape.sources * shape.quotes_per_source,
            started.elapsed().as_secs_f64(),
            site.display()
        );
    }
    (site, shape)
}

/// SplitMix64: small, fast, and stable forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const WORDS: &[&str] = &[
    "data",
    "system",
    "replication",
    "partition",
    "leader",
    "follower",
    "latency",
    "throughput",
    "fault",
    "failure",
    "node",
    "network",
    "disk",
    "memory",
    "request",
    "response",
    "client",
    "server",
    "query",
    "index",
    "log",
    "write",
    "read",
    "transaction",
    "consistency",
    "snapshot",
    "isolation",
    "lock",
    "clock",
    "time",
    "order",
    "event",
    "stream",
    "batch",
    "schema",
    "encoding",
    "version",
    "upgrade",
    "rollback",
    "operator",
    "monitoring",
    "alert",
    "metric",
    "percentile",
    "median",
    "tail",
    "load",
    "parameter",
    "user",
    "timeline",
    "tweet",
    "follower",
    "cache",
    "queue",
    "broker",
    "message",
    "storage",
    "engine",
    "tree",
    "hash",
    "compaction",
    "segment",
    "merge",
    "key",
    "value",
    "document",
    "graph",
    "relation",
    "model",
    "join",
    "aggregate",
    "column",
    "row",
    "page",
    "buffer",
    "checkpoint",
    "recovery",
    "crash",
    "restart",
    "quorum",
    "vote",
    "consensus",
    "election",
    "term",
    "epoch",
    "fence",
    "token",
    "lease",
    "heartbeat",
    "timeout",
    "retry",
    "backoff",
    "idempotent",
    "duplicate",
    "exactly",
    "once",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "that",
    "it",
    "for",
    "as",
    "with",
    "on",
    "be",
    "by",
    "this",
    "are",
    "or",
    "can",
    "when",
    "which",
    "an",
    "not",
    "but",
    "all",
    "more",
    "its",
    "how",
    "what",
    "some",
    "each",
    "other",
    "than",
    "then",
    "so",
    "these",
    "may",
    "must",
    "should",
    "would",
    "could",
    "every",
    "many",
    "most",
    "few",
    "often",
    "rarely",
    "always",
    "never",
    "usually",
    "simple",
    "complex",
    "reliable",
    "scalable",
    "maintainable",
    "fast",
    "slow",
    "large",
    "small",
    "high",
    "low",
    "new",
    "old",
    "good",
    "bad",
    "hard",
    "easy",
    "important",
    "different",
    "same",
    "single",
    "multiple",
    "distributed",
    "local",
    "remote",
    "durable",
    "volatile",
    "eventual",
    "strong",
    "weak",
    "linear",
    "causal",
    "concurrent",
    "parallel",
    "sequential",
    "naïve",
    "café",
    "résumé",
    "scaling",
    "scales",
    "scaled",
];

const ROOTS: &[&str] = &[
    "reliability",
    "scalability",
    "maintainability",
    "replication",
    "partitioning",
    "transactions",
    "consistency",
    "consensus",
    "storage",
    "encoding",
    "batch-processing",
    "stream-processing",
    "operability",
    "performance",
    "data-models",
];

const LEAVES: &[&str] = &[
    "basics",
    "trade-offs",
    "failure-modes",
    "metrics",
    "patterns",
    "anti-patterns",
    "history",
    "case-studies",
    "tooling",
];

/// The concept names: 15 roots, then `<root>-<leaf>` narrower concepts.
pub fn concept_names(count: usize) -> Vec<String> {
    let mut names: Vec<String> = ROOTS.iter().map(|r| r.to_string()).collect();
    'outer: for leaf in LEAVES {
        for root in ROOTS {
            if names.len() >= count {
                break 'outer;
            }
            names.push(format!("{root}-{leaf}"));
        }
    }
    names.truncate(count);
    names
}

/// Draws concept indexes with probability proportional to 1 / rank (Zipf, s = 1).
struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    fn new(n: usize) -> Self {
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|rank| {
                total += 1.0 / rank as f64;
                total
            })
            .collect::<Vec<_>>();
        Zipf { cumulative }
    }

    fn sample(&self, rng: &mut Rng) -> usize {
        let x = rng.unit() * self.cumulative.last().unwrap();
        self.cumulative.partition_point(|&c| c < x)
    }

    /// `count` distinct draws.
    fn distinct(&self, rng: &mut Rng, count: usize) -> Vec<usize> {
        let mut out = Vec::new();
        while out.len() < count.min(self.cumulative.len()) {
            let c = self.sample(rng);
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        let w = WORDS[rng.below(WORDS.len())];
        if i == 0 {
            let mut chars = w.chars();
            let first = chars.next().unwrap();
            s.extend(first.to_uppercase());
            s.push_str(chars.as_str());
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

fn paragraph(rng: &mut Rng, words: usize) -> String {
    let mut out = String::new();
    let mut left = words;
    while left > 0 {
        let n = rng.range(6, 16).min(left);
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&sentence(rng, n));
        left -= n;
    }
    out
}

pub fn note_name(i: usize) -> String {
    format!("note-{i:05}")
}

pub fn note_folder(i: usize) -> String {
    format!("topic-{:02}", i % 100)
}

pub fn source_id(s: usize) -> String {
    format!("source-{s:02}")
}

pub fn quote_id(q: usize) -> String {
    format!("q{q:04}")
}

fn list_of(names: &[String], picks: &[usize]) -> String {
    picks
        .iter()
        .map(|&p| names[p].as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the site into `dir` (which should be empty or missing).
pub fn generate(dir: &Path, shape: Shape) -> std::io::Result<()> {
    let mut rng = Rng(shape.seed);
    let concepts = concept_names(shape.concepts);
    let zipf = Zipf::new(concepts.len());
    std::fs::create_dir_all(dir.join("content/concepts"))?;
    std::fs::create_dir_all(dir.join("content/quotes"))?;
    std::fs::write(
        dir.join("commonplace.yaml"),
        "title: Synthetic knowledge base\nbase_url: https://example.org/kb/\nauthor: Benchmark\n",
    )?;

    for (i, name) in concepts.iter().enumerate() {
        let broader = if i < ROOTS.len() {
            String::new()
        } else {
            format!("broader: [{}]\n", ROOTS[i % ROOTS.len()])
        };
        std::fs::write(
            dir.join("content/concepts").join(format!("{name}.md")),
            format!(
                "---\ntitle: {}\n{broader}---\n{}\n",
                name.replace('-', " "),
                paragraph(&mut rng, 40)
            ),
        )?;
    }

    for s in 0..shape.sources {
        let mut yaml = String::new();
        let kind = ["book", "paper", "article", "talk", "web"][s % 5];
        writeln!(
            yaml,
            "source:\n  id: {}\n  title: {}\n  author: Author {s}\n  year: {}\n  kind: {kind}\nquotes:",
            source_id(s),
            sentence(&mut rng, 4).trim_end_matches('.'),
            1990 + s % 35
        )
        .unwrap();
        for q in 0..shape.quotes_per_source {
            let count = rng.range(1, 3);
            let picks = zipf.distinct(&mut rng, count);
            let locator = if s % 2 == 0 {
                format!("ch. {}, p. {}", 1 + q / 80, 1 + q / 3)
            } else {
                format!("p. {}", 1 + q / 2)
            };
            let words = rng.range(12, 40);
            writeln!(
                yaml,
                "  - id: {}\n    text: \"{}\"\n    locator: {locator}\n    concepts: [{}]",
                quote_id(q),
                paragraph(&mut rng, words),
                list_of(&concepts, &picks)
            )
            .unwrap();
            if q % 10 == 0 {
                let target = note_name(rng.below(shape.notes));
                writeln!(
                    yaml,
                    "    note: |\n      See [[{target}]]: {}",
                    sentence(&mut rng, 10)
                )
                .unwrap();
            }
        }
        std::fs::write(
            dir.join("content/quotes")
                .join(format!("{}.yaml", source_id(s))),
            yaml,
        )?;
    }

    for i in 0..shape.notes {
        let folder = dir.join("content/notes").join(note_folder(i));
        if i < 100 {
            std::fs::create_dir_all(&folder)?;
        }
        let count = rng.range(1, 4);
        let picks = zipf.distinct(&mut rng, count);
        let sources: Vec<String> = (0..rng.range(1, 2))
            .map(|_| source_id(rng.below(shape.sources)))
            .collect();
        let title_words = rng.range(3, 7);
        let mut body = String::new();
        writeln!(
            body,
            "---\ntitle: {}\ndate: {}-{:02}-{:02}\nconcepts: [{}]\nsources: [{}]\n---",
            sentence(&mut rng, title_words).trim_end_matches('.'),
            2015 + i % 10,
            1 + i % 12,
            1 + i % 28,
            list_of(&concepts, &picks),
            sources.join(", ")
        )
        .unwrap();
        let target_words = rng.range(300, 1500);
        let mut words = 0;
        let mut links = 0;
        let mut embeds = 0;
        let mut section = 0;
        while words < target_words {
            match section {
                0 => body.push_str("## Overview\n\n"),
                1 => {
                    body.push_str("## Details\n\n- first point\n- second point with `code`\n- third point\n\n");
                    words += 9;
                }
                2 => {
                    body.push_str("| load | p50 | p99 |\n|---|---|---|\n| low | 4 ms | 20 ms |\n| high | 9 ms | 180 ms |\n\n");
                    words += 12;
                }
                3 => {
                    body.push_str("```rust\nfn main() {\n    println!(\"fan-out\");\n}\n```\n\n");
                    words += 4;
                }
                n if n % 3 == 0 => {
                    writeln!(body, "### Section {n}\n").unwrap();
                }
                _ => {}
            }
            section += 1;
            let n = rng.range(40, 120);
            let mut para = paragraph(&mut rng, n);
            words += n;
            if links < 4 {
                let target = rng.below(shape.notes);
                let link = if links % 2 == 0 {
                    format!(" See [[{}]].", note_name(target))
                } else {
                    format!(" Compare [[{}#Overview|the overview]].", note_name(target))
                };
                para.push_str(&link);
                links += 1;
            }
            body.push_str(&para);
            body.push_str("\n\n");
            if embeds < 2 && section >= 2 {
                writeln!(
                    body,
                    "![[{}/{}]]\n",
                    source_id(rng.below(shape.sources)),
                    quote_id(rng.below(shape.quotes_per_source))
                )
                .unwrap();
                embeds += 1;
            }
        }
        std::fs::write(folder.join(format!("{}.md", note_name(i))), body)?;
    }
    Ok(())
}
