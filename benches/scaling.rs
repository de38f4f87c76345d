//! `cargo bench --bench scaling`: whether cost grows with the input and no faster. Times the
//! release binary, as a user runs it, at 5,000, 20,000 and 60,000 items:
//!
//! - `import kindle` of that many highlights (three books, Kindle's own format) into a new
//!   site, and the same import again (every highlight already there: each is compared with
//!   the file's quotes);
//! - `check` of a site with one note holding that many wikilinks (to notes, to headings, and
//!   unknown ones, which warn).
//!
//! Prints the median of several runs for each, and the growth from the smallest size: a cost
//! that grows linearly grows as the items do (x4, x12); a quadratic one as their square.
//!
//! Environment: `COMMONPLACE_BENCH_RUNS` (default 3), `COMMONPLACE_BENCH_SIZES` (default
//! `5000,20000,60000`).

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_commonplace");
const WORDS: &[&str] = &[
    "replication",
    "partition",
    "latency",
    "consistency",
    "quorum",
    "leader",
    "follower",
    "log",
    "stream",
    "batch",
    "index",
    "cache",
    "shard",
    "clock",
    "failure",
    "recovery",
    "throughput",
    "backpressure",
];
const BOOKS: &[(&str, &str)] = &[
    ("Designing Data-Intensive Applications", "Kleppmann, Martin"),
    (
        "Release It!: Design and Deploy Production-Ready Software",
        "Nygard, Michael T.",
    ),
    ("Site Reliability Engineering", "Beyer, Betsy; Jones, Chris"),
];

fn main() {
    let runs = corpus::env_number("COMMONPLACE_BENCH_RUNS", 3);
    let sizes: Vec<usize> = std::env::var("COMMONPLACE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![5_000, 20_000, 60_000]);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-scaling");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).unwrap();

    let mut rows: Vec<(&str, Vec<(usize, Duration)>)> = vec![
        ("import kindle, new quotes", Vec::new()),
        ("import kindle, all there", Vec::new()),
        ("check, links in one note", Vec::new()),
    ];
    for &n in &sizes {
        let clippings = tmp.join(format!("clippings-{n}.txt"));
        std::fs::write(&clippings, kindle_clippings(n)).unwrap();
        let (mut first, mut again) = (Vec::new(), Vec::new());
        for run in 0..runs {
            let site = tmp.join(format!("import-{n}-{run}"));
            empty_site(&site);
            let import = ["import", "kindle", clippings.to_str().unwrap()];
            first.push(timed(&import, &site));
            again.push(timed(&import, &site));
        }
        rows[0].1.push((n, median(first)));
        rows[1].1.push((n, median(again)));

        let site = tmp.join(format!("links-{n}"));
        linked_site(&site, n);
        let checks = (0..runs).map(|_| timed(&["check"], &site)).collect();
        rows[2].1.push((n, median(checks)));
    }

    println!("cost by input size, median of {runs} runs (release binary):");
    let header: Vec<String> = sizes.iter().map(|n| format!("{n:>9}")).collect();
    println!(
        "  {:<28}{}   growth (items x{})",
        "",
        header.join(""),
        sizes
            .iter()
            .map(|n| format!("{:.0}", *n as f64 / sizes[0] as f64))
            .collect::<Vec<_>>()
            .join(", x")
    );
    for (what, times) in &rows {
        let cells: Vec<String> = times
            .iter()
            .map(|(_, t)| format!("{:>7.3} s", t.as_secs_f64()))
            .collect();
        let base = times[0].1.as_secs_f64().max(1e-6);
        let growth: Vec<String> = times
            .iter()
            .map(|(_, t)| format!("x{:.1}", t.as_secs_f64() / base))
            .collect();
        println!("  {what:<28}{}   {}", cells.join(""), growth.join(", "));
    }
}

/// `n` highlights over three books, each with a page and a location, as a Kindle writes them
/// (a byte-order mark, CRLF line endings).
fn kindle_clippings(n: usize) -> String {
    let mut text = String::from("\u{feff}");
    let mut seed: u64 = 42;
    for i in 0..n {
        let (title, author) = BOOKS[i % BOOKS.len()];
        let location = 100 + (i / BOOKS.len()) * 5;
        let mut words = Vec::new();
        for _ in 0..18 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            words.push(WORDS[(seed >> 33) as usize % WORDS.len()]);
        }
        text.push_str(&format!(
            "{title} ({author})\r\n- Your Highlight on page {} | Location {location}-{} | \
             Added on Monday, March 4, 2024 10:{:02}:00 AM\r\n\r\n{} ({i}).\r\n==========\r\n",
            location / 15 + 1,
            location + 3,
            i % 60,
            words.join(" ")
        ));
    }
    text
}

fn empty_site(site: &Path) {
    std::fs::create_dir_all(site.join("content/notes")).unwrap();
    std::fs::write(site.join("commonplace.yaml"), "title: Scaling\n").unwrap();
    std::fs::write(site.join("content/notes/index.md"), "# Scaling\n").unwrap();
}

/// A site of 100 notes with headings and one note with `links` wikilinks: a third to notes, a
/// third to their headings, a third to notes that do not exist.
fn linked_site(site: &Path, links: usize) {
    let _ = std::fs::remove_dir_all(site);
    std::fs::create_dir_all(site.join("content/notes")).unwrap();
    std::fs::write(
        site.join("commonplace.yaml"),
        "title: Scaling\nbroken_links: warn\n",
    )
    .unwrap();
    for i in 0..100 {
        std::fs::write(
            site.join(format!("content/notes/n{i}.md")),
            format!("# Note {i}\n\n## Part {i}\n\nText of note {i}.\n"),
        )
        .unwrap();
    }
    let mut hub = String::from("# Hub\n\n");
    for line in 0..links.div_ceil(3) {
        let k = line % 100;
        hub.push_str(&format!(
            "See [[n{k}]], [[n{k}#Part {k}|its part]] and [[missing {line}]].\n"
        ));
    }
    std::fs::write(site.join("content/notes/hub.md"), hub).unwrap();
}

fn timed(args: &[&str], cwd: &Path) -> Duration {
    let started = Instant::now();
    let output = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs");
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
