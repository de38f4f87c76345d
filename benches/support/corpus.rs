//! A generator of large synthetic knowledge bases, for benchmarks. Shared by the benches and
//! `examples/gen_corpus.rs` (`cargo run --release --example gen_corpus -- DIR`), so every
//! benchmark (build, search, serve, the browser bundle) measures the same site.
//!
//! The default shape: 10,000 notes of 300 to 1,500 words (headings, lists, a table, code, about
//! four wikilinks and two quote embeds each) in 100 folders, and 50,000 quotes over 50 sources,
//! with 150 concepts (15 roots with 9 narrower concepts each) used in a Zipf distribution. The
//! words are distributed like real prose ([`Vocabulary::Zipf`]); the first corpus's small
//! vocabulary, which made every stage look cheaper than it is on real notes, stays as an option.
//! The output depends only on the shape and the seed: a hand-written PRNG keeps it the same
//! across crate versions.

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
    pub vocabulary: Vocabulary,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            notes: 10_000,
            sources: 50,
            quotes_per_source: 1_000,
            concepts: 150,
            seed: 42,
            vocabulary: Vocabulary::Zipf,
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
/// or `COMMONPLACE_BENCH_NOTES` notes (quotes scale along), in the vocabulary that
/// `COMMONPLACE_BENCH_VOCABULARY` names (`zipf`, the default, or `small`). Generated the first
/// time only, with its Hugo twin beside it (see [`hugo_twin`]).
pub fn bench_site(tmp: &Path) -> (std::path::PathBuf, Shape) {
    let notes = env_number("COMMONPLACE_BENCH_NOTES", 10_000);
    let mut shape = Shape::default();
    if notes != shape.notes {
        shape.quotes_per_source = (notes / 10).max(1);
        shape.notes = notes;
    }
    if std::env::var("COMMONPLACE_BENCH_VOCABULARY").as_deref() == Ok("small") {
        shape.vocabulary = Vocabulary::Small;
    }
    (site_of(tmp, shape), shape)
}

/// The site of `shape` under `tmp`, generated (with its Hugo twin) the first time.
pub fn site_of(tmp: &Path, shape: Shape) -> std::path::PathBuf {
    let site = tmp.join("bench-site").join(format!(
        "site-{}-{}-{}",
        shape.notes,
        shape.seed,
        shape.vocabulary.name()
    ));
    if !site.join("commonplace.yaml").is_file() {
        let twin = hugo_twin(&site);
        let _ = std::fs::remove_dir_all(&site);
        let _ = std::fs::remove_dir_all(&twin);
        let started = std::time::Instant::now();
        let stats = generate_with_twin(&site, Some(&twin), shape).expect("the corpus is written");
        std::fs::write(site.join("vocabulary.txt"), format!("{stats}\n")).unwrap();
        println!(
            "generated {} notes and {} quotes in {:.1} s: {}",
            shape.notes,
            shape.sources * shape.quotes_per_source,
            started.elapsed().as_secs_f64(),
            site.display()
        );
    }
    site
}

/// Where the Hugo site of the same content as `site` is.
pub fn hugo_twin(site: &Path) -> std::path::PathBuf {
    let name = site.file_name().unwrap().to_string_lossy();
    site.with_file_name(format!("hugo-{name}"))
}

/// What `vocabulary.txt` says of a generated site's words.
pub fn vocabulary_summary(site: &Path) -> String {
    std::fs::read_to_string(site.join("vocabulary.txt"))
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
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

/// The words a corpus is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    /// The first corpus's: about 200 words drawn uniformly, so every word is in a sixth to a
    /// quarter of all documents. Cheap to search, and unlike any real text.
    Small,
    /// Like real prose: 20,000 words drawn by Zipf's law (the function words first, then the
    /// domain's words, then made-up ones), inflected forms of the commoner ones, and a long
    /// tail of rare words (names, coinages, typos) each in one or two documents.
    Zipf,
}

impl Vocabulary {
    pub fn name(self) -> &'static str {
        match self {
            Vocabulary::Small => "small",
            Vocabulary::Zipf => "zipf",
        }
    }
}

/// How many words the Zipf vocabulary draws from, before inflections and rare words.
const LEXICON_WORDS: usize = 20_000;
/// The chance that a sentence carries a rare word, and that a rare word is used a second time.
const RARE_PER_SENTENCE: f64 = 0.05;
const RARE_REUSED: f64 = 0.4;
/// Words of a rank below this are also written inflected.
const INFLECTED: usize = 3_000;
const SUFFIXES: &[&str] = &["s", "ed", "ing", "er", "ly", "ness"];
const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "br", "cl",
    "dr", "fl", "gr", "pl", "pr", "sh", "st", "str", "th", "tr",
];
const NUCLEI: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"];
const CODAS: &[&str] = &["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "x"];

/// The Zipf vocabulary: ranked words and the rare words waiting for their second use.
struct Lexicon {
    words: Vec<String>,
    /// Words below this rank are function words, never inflected.
    function_words: usize,
    zipf: Zipf,
    pending_rare: Vec<String>,
    minted: usize,
}

impl Lexicon {
    fn new() -> Self {
        // Real text's commonest words are function words; the domain's words come next, so
        // the phrases the benches search for ("tail latency", "leader election") stay common.
        let function: Vec<&str> = WORDS[WORDS.iter().position(|w| *w == "the").unwrap()..]
            .iter()
            .take_while(|w| **w != "simple")
            .copied()
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut words: Vec<String> = Vec::new();
        for w in function.iter().chain(WORDS.iter()) {
            if seen.insert(w.to_string()) {
                words.push(w.to_string());
            }
        }
        let function_words = function.len();
        let mut made = Rng(0x5eed);
        while words.len() < LEXICON_WORDS {
            let syllables = 1 + made.below(3);
            let mut w = String::new();
            for _ in 0..syllables {
                w.push_str(ONSETS[made.below(ONSETS.len())]);
                w.push_str(NUCLEI[made.below(NUCLEI.len())]);
                w.push_str(CODAS[made.below(CODAS.len())]);
            }
            if w.len() >= 3 && seen.insert(w.clone()) {
                words.push(w);
            }
        }
        let zipf = Zipf::new(words.len());
        Lexicon {
            words,
            function_words,
            zipf,
            pending_rare: Vec::new(),
            minted: 0,
        }
    }

    fn word(&mut self, rng: &mut Rng, out: &mut String) {
        let rank = self.zipf.sample(rng);
        out.push_str(&self.words[rank]);
        // Real text inflects its common words; a rare word is rare in every form.
        if (self.function_words..INFLECTED).contains(&rank) && rng.unit() < 0.2 {
            out.push_str(SUFFIXES[rng.below(SUFFIXES.len())]);
        }
    }

    /// A word no other document has, or one that one other document has.
    fn rare(&mut self, rng: &mut Rng, out: &mut String) {
        if !self.pending_rare.is_empty() && rng.unit() < 0.5 {
            let i = rng.below(self.pending_rare.len());
            out.push_str(&self.pending_rare.swap_remove(i));
            return;
        }
        // Spelled from the running count, so no two are alike and none is a lexicon word
        // (those have no 'q').
        self.minted += 1;
        let mut n = self.minted;
        let mut w = String::from("q");
        while n > 0 {
            w.push_str(ONSETS[n % ONSETS.len()]);
            n /= ONSETS.len();
            w.push_str(NUCLEI[n % NUCLEI.len()]);
            n /= NUCLEI.len();
        }
        if rng.unit() < RARE_REUSED {
            self.pending_rare.push(w.clone());
        }
        out.push_str(&w);
    }
}

/// The text generator: the seeded random stream and the vocabulary it writes in.
struct Prose {
    rng: Rng,
    lexicon: Option<Lexicon>,
}

impl Prose {
    fn new(seed: u64, vocabulary: Vocabulary) -> Self {
        Prose {
            rng: Rng(seed),
            lexicon: (vocabulary == Vocabulary::Zipf).then(Lexicon::new),
        }
    }

    fn word(&mut self, out: &mut String) {
        match &mut self.lexicon {
            // The small vocabulary draws exactly as the first generator did, so its sites
            // stay byte for byte the same.
            None => out.push_str(WORDS[self.rng.below(WORDS.len())]),
            Some(lexicon) => lexicon.word(&mut self.rng, out),
        }
    }

    fn sentence(&mut self, words: usize) -> String {
        let mut s = String::new();
        let rare_at = match &self.lexicon {
            Some(_) if self.rng.unit() < RARE_PER_SENTENCE => Some(self.rng.below(words)),
            _ => None,
        };
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            let start = s.len();
            match (rare_at, &mut self.lexicon) {
                (Some(at), Some(lexicon)) if at == i => lexicon.rare(&mut self.rng, &mut s),
                _ => self.word(&mut s),
            }
            if i == 0 {
                let first = s[start..].chars().next().unwrap();
                let upper: String = first.to_uppercase().collect();
                s.replace_range(start..start + first.len_utf8(), &upper);
            }
        }
        s.push('.');
        s
    }

    fn paragraph(&mut self, words: usize) -> String {
        let mut out = String::new();
        let mut left = words;
        while left > 0 {
            let n = self.rng.range(6, 16).min(left);
            if !out.is_empty() {
                out.push(' ');
            }
            let sentence = self.sentence(n);
            out.push_str(&sentence);
            left -= n;
        }
        out
    }
}

/// The file of note `i` in the site at `site`.
pub fn note_path(site: &Path, i: usize) -> std::path::PathBuf {
    site.join("content/notes")
        .join(note_folder(i))
        .join(format!("{}.md", note_name(i)))
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

fn names_of<'a>(names: &'a [String], picks: &[usize]) -> Vec<&'a str> {
    picks.iter().map(|&p| names[p].as_str()).collect()
}

fn list_of(names: &[String], picks: &[usize]) -> String {
    names_of(names, picks).join(", ")
}

/// Writes the site into `dir` (which should be empty or missing).
pub fn generate(dir: &Path, shape: Shape) -> std::io::Result<()> {
    generate_with_twin(dir, None, shape).map(|_| ())
}

/// What a generated corpus holds, as a search index would count it: surface words, lower-cased,
/// split at anything but letters and digits.
#[derive(Debug, Default, Clone)]
pub struct VocabularyStats {
    pub documents: usize,
    pub tokens: usize,
    pub distinct: usize,
    /// Words in only one or two documents.
    pub rare: usize,
}

impl std::fmt::Display for VocabularyStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} documents, {} words, {} distinct, {} ({:.0}%) in one or two documents",
            self.documents,
            self.tokens,
            self.distinct,
            self.rare,
            100.0 * self.rare as f64 / self.distinct.max(1) as f64
        )
    }
}

/// Counts document frequencies as documents are written.
#[derive(Default)]
struct Counter {
    df: std::collections::HashMap<String, u32>,
    documents: usize,
    tokens: usize,
}

impl Counter {
    fn document(&mut self, texts: &[&str]) {
        self.documents += 1;
        let mut seen = std::collections::HashSet::new();
        for text in texts {
            for word in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                self.tokens += 1;
                let word = word.to_lowercase();
                if !seen.contains(&word) {
                    *self.df.entry(word.clone()).or_default() += 1;
                    seen.insert(word);
                }
            }
        }
    }

    fn stats(&self) -> VocabularyStats {
        VocabularyStats {
            documents: self.documents,
            tokens: self.tokens,
            distinct: self.df.len(),
            rare: self.df.values().filter(|&&n| n <= 2).count(),
        }
    }
}

/// Writes the site into `dir` and, when `hugo` is given, the same notes, quotes and concepts
/// as a Hugo site there: notes with `relref` links (and the embedded quotes' text in place),
/// each source a page with its quotes, concepts a taxonomy whose term pages carry the
/// concept's text. Returns the site's vocabulary as an index would count it.
pub fn generate_with_twin(
    dir: &Path,
    hugo: Option<&Path>,
    shape: Shape,
) -> std::io::Result<VocabularyStats> {
    let mut prose = Prose::new(shape.seed, shape.vocabulary);
    let mut counter = Counter::default();
    let concepts = concept_names(shape.concepts);
    let zipf = Zipf::new(concepts.len());
    std::fs::create_dir_all(dir.join("content/concepts"))?;
    std::fs::create_dir_all(dir.join("content/quotes"))?;
    std::fs::write(
        dir.join("commonplace.yaml"),
        "title: Synthetic knowledge base\nbase_url: https://example.org/kb/\nauthor: Benchmark\n",
    )?;
    if let Some(hugo) = hugo {
        hugo::skeleton(hugo)?;
    }

    for (i, name) in concepts.iter().enumerate() {
        let broader = if i < ROOTS.len() {
            String::new()
        } else {
            format!("broader: [{}]\n", ROOTS[i % ROOTS.len()])
        };
        let title = name.replace('-', " ");
        let text = prose.paragraph(40);
        counter.document(&[&title, &text]);
        std::fs::write(
            dir.join("content/concepts").join(format!("{name}.md")),
            format!("---\ntitle: {title}\n{broader}---\n{text}\n"),
        )?;
        if let Some(hugo) = hugo {
            let broader = (i >= ROOTS.len()).then(|| ROOTS[i % ROOTS.len()]);
            hugo::concept(hugo, name, &title, broader, &text)?;
        }
    }

    // The quotes' text, for the Hugo twin's notes, which show an embedded quote in place.
    let mut quote_texts: Vec<Vec<String>> = Vec::new();
    for s in 0..shape.sources {
        let mut yaml = String::new();
        let mut twin = String::new();
        let kind = ["book", "paper", "article", "talk", "web"][s % 5];
        let title = prose.sentence(4).trim_end_matches('.').to_string();
        counter.document(&[&title]);
        writeln!(
            yaml,
            "source:\n  id: {}\n  title: {title}\n  author: Author {s}\n  year: {}\n  kind: {kind}\nquotes:",
            source_id(s),
            1990 + s % 35
        )
        .unwrap();
        let mut texts = Vec::new();
        for q in 0..shape.quotes_per_source {
            let count = prose.rng.range(1, 3);
            let picks = zipf.distinct(&mut prose.rng, count);
            let locator = if s % 2 == 0 {
                format!("ch. {}, p. {}", 1 + q / 80, 1 + q / 3)
            } else {
                format!("p. {}", 1 + q / 2)
            };
            let words = prose.rng.range(12, 40);
            let text = prose.paragraph(words);
            writeln!(
                yaml,
                "  - id: {}\n    text: \"{text}\"\n    locator: {locator}\n    concepts: [{}]",
                quote_id(q),
                list_of(&concepts, &picks)
            )
            .unwrap();
            let mut note = None;
            if q % 10 == 0 {
                let target = prose.rng.below(shape.notes);
                let remark = prose.sentence(10);
                writeln!(
                    yaml,
                    "    note: |\n      See [[{}]]: {remark}",
                    note_name(target)
                )
                .unwrap();
                note = Some((target, remark));
            }
            counter.document(&[
                &text,
                note.as_ref().map_or("", |(_, remark)| remark.as_str()),
            ]);
            if hugo.is_some() {
                hugo::quote(
                    &mut twin,
                    &quote_id(q),
                    &text,
                    &locator,
                    &names_of(&concepts, &picks),
                    note.as_ref()
                        .map(|(target, remark)| (*target, remark.as_str())),
                );
                texts.push(text);
            }
        }
        std::fs::write(
            dir.join("content/quotes")
                .join(format!("{}.yaml", source_id(s))),
            yaml,
        )?;
        if let Some(hugo) = hugo {
            hugo::source(hugo, &source_id(s), &title, &format!("Author {s}"), &twin)?;
        }
        quote_texts.push(texts);
    }

    for i in 0..shape.notes {
        let folder = dir.join("content/notes").join(note_folder(i));
        if i < 100 {
            std::fs::create_dir_all(&folder)?;
            if let Some(hugo) = hugo {
                std::fs::create_dir_all(hugo.join("content/notes").join(note_folder(i)))?;
            }
        }
        let count = prose.rng.range(1, 4);
        let picks = zipf.distinct(&mut prose.rng, count);
        let sources: Vec<String> = (0..prose.rng.range(1, 2))
            .map(|_| source_id(prose.rng.below(shape.sources)))
            .collect();
        let title_words = prose.rng.range(3, 7);
        let title = prose
            .sentence(title_words)
            .trim_end_matches('.')
            .to_string();
        let date = format!("{}-{:02}-{:02}", 2015 + i % 10, 1 + i % 12, 1 + i % 28);
        let mut body = String::new();
        // The same body for Hugo, with its own links and the embedded quotes written out.
        let mut twin = String::new();
        writeln!(
            body,
            "---\ntitle: {title}\ndate: {date}\nconcepts: [{}]\nsources: [{}]\n---",
            list_of(&concepts, &picks),
            sources.join(", ")
        )
        .unwrap();
        let both = |body: &mut String, twin: &mut String, text: &str| {
            body.push_str(text);
            twin.push_str(text);
        };
        let target_words = prose.rng.range(300, 1500);
        let mut words = 0;
        let mut links = 0;
        let mut embeds = 0;
        let mut section = 0;
        let mut plain = String::new();
        while words < target_words {
            match section {
                0 => both(&mut body, &mut twin, "## Overview\n\n"),
                1 => {
                    both(&mut body, &mut twin, "## Details\n\n- first point\n- second point with `code`\n- third point\n\n");
                    words += 9;
                }
                2 => {
                    both(&mut body, &mut twin, "| load | p50 | p99 |\n|---|---|---|\n| low | 4 ms | 20 ms |\n| high | 9 ms | 180 ms |\n\n");
                    words += 12;
                }
                3 => {
                    both(
                        &mut body,
                        &mut twin,
                        "```rust\nfn main() {\n    println!(\"fan-out\");\n}\n```\n\n",
                    );
                    words += 4;
                }
                n if n % 3 == 0 => {
                    both(&mut body, &mut twin, &format!("### Section {n}\n\n"));
                }
                _ => {}
            }
            section += 1;
            let n = prose.rng.range(40, 120);
            let para = prose.paragraph(n);
            plain.push_str(&para);
            plain.push('\n');
            words += n;
            both(&mut body, &mut twin, &para);
            if links < 4 {
                let target = prose.rng.below(shape.notes);
                if links % 2 == 0 {
                    write!(body, " See [[{}]].", note_name(target)).unwrap();
                    write!(
                        twin,
                        " See [{}]({}).",
                        note_name(target),
                        hugo::note_ref(target, None)
                    )
                    .unwrap();
                } else {
                    write!(
                        body,
                        " Compare [[{}#Overview|the overview]].",
                        note_name(target)
                    )
                    .unwrap();
                    write!(
                        twin,
                        " Compare [the overview]({}).",
                        hugo::note_ref(target, Some("overview"))
                    )
                    .unwrap();
                }
                links += 1;
            }
            both(&mut body, &mut twin, "\n\n");
            if embeds < 2 && section >= 2 {
                let source = prose.rng.below(shape.sources);
                let quote = prose.rng.below(shape.quotes_per_source);
                writeln!(body, "![[{}/{}]]\n", source_id(source), quote_id(quote)).unwrap();
                if hugo.is_some() {
                    hugo::embedded_quote(&mut twin, source, quote, &quote_texts[source][quote]);
                }
                embeds += 1;
            }
        }
        counter.document(&[&title, &plain]);
        std::fs::write(folder.join(format!("{}.md", note_name(i))), body)?;
        if let Some(hugo) = hugo {
            hugo::note(hugo, i, &title, &date, &names_of(&concepts, &picks), &twin)?;
        }
    }
    Ok(counter.stats())
}

/// The Hugo twin of a generated site, for comparing build times on the same content.
mod hugo {
    use super::{note_folder, note_name, quote_id, source_id};
    use std::fmt::Write as _;
    use std::path::Path;

    // Feeds of 20 entries, as commonplace's one feed has: Hugo's default is every page in
    // every section's and every concept's feed.
    const CONFIG: &str =
        "baseURL = 'https://example.org/kb/'\ntitle = 'Synthetic knowledge base'\n\
        rssLimit = 20\n[taxonomies]\n  concept = 'concepts'\n";
    const BASEOF: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title>
<link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
"#;
    const SINGLE: &str = r#"{{ define "main" }}<article><h1>{{ .Title }}</h1>
{{ with .Date }}<time>{{ .Format "2006-01-02" }}</time>{{ end }}
{{ with .GetTerms "concepts" }}<ul class="concepts">{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ end }}
{{ .Content }}</article>{{ end }}
"#;
    const LIST: &str = r#"{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}
<ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}
"#;

    pub fn skeleton(dir: &Path) -> std::io::Result<()> {
        for folder in [
            "content/notes",
            "content/sources",
            "content/concepts",
            "layouts/_default",
            "static",
        ] {
            std::fs::create_dir_all(dir.join(folder))?;
        }
        std::fs::write(dir.join("config.toml"), CONFIG)?;
        std::fs::write(dir.join("layouts/_default/baseof.html"), BASEOF)?;
        std::fs::write(dir.join("layouts/_default/single.html"), SINGLE)?;
        std::fs::write(dir.join("layouts/_default/list.html"), LIST)?;
        std::fs::write(
            dir.join("static/style.css"),
            "body { max-width: 40rem; margin: auto; }\n",
        )?;
        std::fs::write(dir.join("content/_index.md"), "---\ntitle: Home\n---\n")
    }

    pub fn note_ref(note: usize, heading: Option<&str>) -> String {
        let anchor = heading.map(|h| format!("#{h}")).unwrap_or_default();
        format!(
            "{{{{< relref \"/notes/{}/{}.md{anchor}\" >}}}}",
            note_folder(note),
            note_name(note)
        )
    }

    pub fn note(
        dir: &Path,
        note: usize,
        title: &str,
        date: &str,
        concepts: &[&str],
        body: &str,
    ) -> std::io::Result<()> {
        std::fs::write(
            dir.join("content/notes")
                .join(note_folder(note))
                .join(format!("{}.md", note_name(note))),
            format!(
                "---\ntitle: \"{title}\"\ndate: {date}\nconcepts: [{}]\n---\n{body}",
                concepts.join(", ")
            ),
        )
    }

    pub fn embedded_quote(out: &mut String, source: usize, quote: usize, text: &str) {
        writeln!(
            out,
            "> {text}\n>\n> — [{}]({{{{< relref \"/sources/{}.md#{}\" >}}}})\n",
            source_id(source),
            source_id(source),
            quote_id(quote)
        )
        .unwrap();
    }

    pub fn quote(
        out: &mut String,
        id: &str,
        text: &str,
        locator: &str,
        concepts: &[&str],
        note: Option<(usize, &str)>,
    ) {
        writeln!(out, "### {id} {{#{id}}}\n\n> {text}\n\n{locator} ·").unwrap();
        for concept in concepts {
            // A plain link: a shortcode for each of 100,000 concept links would cost Hugo more
            // than the notes' own links, and the comparison should not favour us.
            write!(out, " [{concept}](/kb/concepts/{concept}/)").unwrap();
        }
        out.push_str("\n\n");
        if let Some((target, remark)) = note {
            writeln!(
                out,
                "See [{}]({}): {remark}\n",
                note_name(target),
                note_ref(target, None)
            )
            .unwrap();
        }
    }

    pub fn source(
        dir: &Path,
        id: &str,
        title: &str,
        author: &str,
        body: &str,
    ) -> std::io::Result<()> {
        std::fs::write(
            dir.join("content/sources").join(format!("{id}.md")),
            format!("---\ntitle: \"{title}\"\nauthor: \"{author}\"\n---\n{body}"),
        )
    }

    pub fn concept(
        dir: &Path,
        name: &str,
        title: &str,
        broader: Option<&str>,
        text: &str,
    ) -> std::io::Result<()> {
        let folder = dir.join("content/concepts").join(name);
        std::fs::create_dir_all(&folder)?;
        let broader = broader
            .map(|b| format!("Broader: [{b}]({{{{< relref \"/concepts/{b}\" >}}}})\n\n"))
            .unwrap_or_default();
        std::fs::write(
            folder.join("_index.md"),
            format!("---\ntitle: \"{title}\"\n---\n{broader}{text}\n"),
        )
    }
}
