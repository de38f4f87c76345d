//! `cargo bench --bench search_bundle`: the static search bundle of the generated
//! 10,000-note / 50,000-quote site (the one `benches/build.rs` uses). Builds the site, prints
//! the export time and the bundle's size on disk, then serves `public/` on 127.0.0.1 and runs
//! 20 cold-cache queries in headless Chromium (`tests/browser/payload.mjs`; needs
//! `npm ci --prefix tests/browser` and Debian's chromium), printing the bytes each query
//! fetched (client included) and the time to its first results, with median and max.

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::process::Command;

const QUERIES: &[&str] = &[
    "replication lag",
    "load parameters",
    "fault tolerance",
    "replication",
    "latency",
    "leader follower",
    "snapshot isolation",
    "partition",
    "consistency",
    "transaction log",
    "network partition",
    "clock",
    "disk failure",
    "throughput latency",
    "index",
    "write read",
    "quorum",
    "cache",
    "timeline",
    "data system",
];

fn main() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (site, shape) = corpus::bench_site(tmp);
    let public = tmp.join("bench-bundle-public");
    let _ = Command::new("sync").status();
    let output = Command::new(env!("CARGO_BIN_EXE_commonplace"))
        .arg("build")
        .arg("--root")
        .arg(&site)
        .arg("--output")
        .arg(&public)
        .arg("--timings")
        .output()
        .expect("the build runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    let export = printed
        .lines()
        .find(|l| l.trim_start().starts_with("search bundle"))
        .unwrap_or("search bundle ?");
    let (mut bytes, mut files) = (0u64, 0usize);
    for entry in walkdir::WalkDir::new(public.join("_search")) {
        let entry = entry.expect("the bundle lists");
        if entry.file_type().is_file() {
            bytes += entry.metadata().expect("a size").len();
            files += 1;
        }
    }
    println!(
        "site: {} notes, {} quotes; export: {}; bundle: {:.1} MB in {files} files",
        shape.notes,
        shape.sources * shape.quotes_per_source,
        export.trim(),
        bytes as f64 / 1e6
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/payload.mjs");
    let status = Command::new("node")
        .arg(script)
        .arg(&public)
        .args(QUERIES)
        .status()
        .expect("node runs");
    assert!(status.success(), "the payload run failed");
}
