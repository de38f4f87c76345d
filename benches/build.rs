//! `cargo bench --bench build`: generates the 10,000-note / 50,000-quote site (once, under
//! cargo's target tmp folder), builds it from scratch (site and search index) several times
//! with the release binary, and prints wall time, CPU time and peak memory (median of the
//! runs).
//!
//! It builds into two places: the target folder's disk, and tmpfs (`/dev/shm`) when present,
//! which separates commonplace's own work from the cost of creating 60,000 files on the disk.
//! For scale it also times `cp -r` of the finished site onto the same disk: the floor any
//! build of that many files pays there.
//!
//! Environment: `COMMONPLACE_BENCH_RUNS` (default 3), `COMMONPLACE_BENCH_NOTES` (default
//! 10000; quotes scale along).

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/usage.rs"]
mod usage;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use usage::Run;

fn main() {
    let runs = corpus::env_number("COMMONPLACE_BENCH_RUNS", 3);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (site, shape) = corpus::bench_site(tmp);
    let work = tmp.join("bench-build");

    // Each run builds into a fresh folder, and all are removed only at the end: removing 60,000
    // files leaves the file system work to do (journal, discard) that would land in the next
    // timed run.
    let mut targets = vec![("disk", work.join("runs"))];
    if Path::new("/dev/shm").is_dir() {
        targets.push(("tmpfs", PathBuf::from("/dev/shm/commonplace-bench-runs")));
    }
    for (_, runs_dir) in &targets {
        let _ = std::fs::remove_dir_all(runs_dir);
    }
    println!(
        "site: {} notes, {} quotes, {} sources, {} concepts; {runs} runs each",
        shape.notes,
        shape.sources * shape.quotes_per_source,
        shape.sources,
        shape.concepts
    );
    for (name, runs_dir) in &targets {
        let mut results: Vec<Run> = (0..runs)
            .map(|i| build_once(&site, &runs_dir.join(format!("public-{i}"))))
            .collect();
        results.sort_by_key(|r| r.wall);
        let median = &results[results.len() / 2];
        let walls: Vec<String> = results
            .iter()
            .map(|r| format!("{:.2}", r.wall.as_secs_f64()))
            .collect();
        println!(
            "build to {name:<5}: wall {:.2} s median (runs: {} s), user {:.2} s, sys {:.2} s, peak memory {} MiB",
            median.wall.as_secs_f64(),
            walls.join(", "),
            median.user.as_secs_f64(),
            median.system.as_secs_f64(),
            results.iter().map(|r| r.max_rss_kib).max().unwrap_or(0) / 1024,
        );
    }

    // The disk's own floor: copying the finished site.
    let copy = work.join("copy");
    let _ = std::fs::remove_dir_all(&copy);
    sync();
    let started = Instant::now();
    let status = Command::new("cp")
        .arg("-r")
        .arg(targets[0].1.join("public-0"))
        .arg(&copy)
        .status()
        .expect("cp runs");
    assert!(status.success());
    println!(
        "cp -r of the built site on the same disk: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&copy);
    for (_, runs_dir) in &targets {
        let _ = std::fs::remove_dir_all(runs_dir);
    }
}

fn sync() {
    let _ = Command::new("sync").status();
    std::thread::sleep(Duration::from_millis(500));
}

/// One build from scratch (no search index either) into a new folder `output`, timed from
/// spawn to exit, with the child's resource usage.
fn build_once(site: &Path, output: &Path) -> Run {
    let _ = std::fs::remove_dir_all(site.join(".commonplace"));
    sync();
    usage::run_build(env!("CARGO_BIN_EXE_commonplace"), site, output, false)
}
