//! `cargo bench --bench build`: the 10,000-note / 50,000-quote site (generated once under
//! cargo's target tmp folder, in a vocabulary like real prose) built by commonplace and, when
//! Debian's `hugo` is installed, the same content built by Hugo, alternating the two in one
//! run; then commonplace building again over its existing site, as a user does every day; then
//! how the cost grows from 1,000 to 100,000 notes (five quotes per note).
//!
//! Each build is timed from spawn to exit with the child's own CPU time and peak memory; the
//! figures are medians of the runs.
//!
//! Environment: `COMMONPLACE_BENCH_RUNS` (default 3), `COMMONPLACE_BENCH_NOTES` (default
//! 10000; quotes scale along), `COMMONPLACE_BENCH_VOCABULARY` (`zipf`, or `small` for the
//! first corpus), `COMMONPLACE_BENCH_SCALES` (default `1000,10000,100000`; empty for none),
//! `COMMONPLACE_BENCH_SCALE_RUNS` (default 1).
//!
//! Removing many files makes the next minutes' builds slower on ext4 (see `set_aside`): the
//! bench removes what it made only at its end, so a second bench started at once pays for it.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/usage.rs"]
mod usage;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use usage::Run;

fn main() {
    let runs = corpus::env_number("COMMONPLACE_BENCH_RUNS", 3);
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (site, shape) = corpus::bench_site(tmp);
    // Nothing is deleted until every timed run is over: ext4 makes new files slowly among
    // inodes freed in the last minutes (its `recently_deleted` check took a third of a build's
    // time after 500,000 files were removed), so what earlier runs left is only moved aside.
    let trash = tmp.join("bench-trash");
    let work = tmp.join("bench-build");
    set_aside(&work, &trash);
    println!(
        "site: {} notes, {} quotes, {} sources, {} concepts, {} vocabulary: {}",
        shape.notes,
        shape.sources * shape.quotes_per_source,
        shape.sources,
        shape.concepts,
        shape.vocabulary.name(),
        corpus::vocabulary_summary(&site)
    );
    println!("machine: {}", machine());

    let hugo = hugo_version();
    let twin = corpus::hugo_twin(&site);
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    // Each run builds into a fresh folder, and all are removed only at the end: removing
    // 60,000 files leaves the file system work to do (journal, discard) that would land in
    // the next timed run.
    for i in 0..runs {
        ours.push(build_fresh(&site, &work.join(format!("public-{i}"))));
        if hugo.is_some() {
            theirs.push(hugo_build(&twin, &work.join(format!("hugo-{i}"))));
        }
    }
    println!("\nfull build from scratch, {runs} runs alternating, medians:");
    print_row("commonplace", &ours);
    if let Some(version) = &hugo {
        print_row(&format!("Hugo {version}"), &theirs);
        let (a, b) = (usage::median(&ours), usage::median(&theirs));
        println!(
            "  commonplace / Hugo: wall {:.2}, peak memory {:.2}",
            a.wall.as_secs_f64() / b.wall.as_secs_f64(),
            a.max_rss_kib as f64 / b.max_rss_kib as f64
        );
    } else {
        println!("  (Hugo is not installed: apt-get install hugo for the comparison)");
    }

    // Again over the site the first run left, with its index: nothing changed, and then one
    // note edited, which is what a day of writing looks like between builds. The first
    // rebuild has no spare tree yet and writes a whole new one.
    let existing = work.join("public-0");
    sync();
    let first = usage::run_build(env!("CARGO_BIN_EXE_commonplace"), &site, &existing, false);
    print_row("again, first time", &[first]);
    let again: Vec<Run> = (0..runs)
        .map(|_| {
            sync();
            usage::run_build(env!("CARGO_BIN_EXE_commonplace"), &site, &existing, false)
        })
        .collect();
    print_row("again, unchanged", &again);
    let edited = corpus::note_path(&site, 7);
    let original = std::fs::read_to_string(&edited).unwrap();
    let after_edit: Vec<Run> = (0..runs)
        .map(|i| {
            std::fs::write(&edited, format!("{original}\nEdited {i}.\n")).unwrap();
            sync();
            usage::run_build(env!("CARGO_BIN_EXE_commonplace"), &site, &existing, false)
        })
        .collect();
    std::fs::write(&edited, original).unwrap();
    print_row("again, one note edited", &after_edit);

    scaling(tmp, shape, &trash);
    let _ = std::fs::remove_dir_all(&work);
    let _ = std::fs::remove_dir_all(&trash);
}

/// Moves `dir`, if it exists, into `trash`, to be removed after the timed runs.
fn set_aside(dir: &Path, trash: &Path) {
    if dir.exists() {
        std::fs::create_dir_all(trash).unwrap();
        let name = format!(
            "{}-{}",
            std::process::id(),
            dir.file_name().unwrap().to_string_lossy()
        );
        std::fs::rename(dir, trash.join(name)).unwrap();
    }
}

/// How the cost grows with the content: one row per size, with the time per page; one build
/// from scratch per size unless `COMMONPLACE_BENCH_SCALE_RUNS` says more (100,000 notes are
/// 600,000 pages, minutes and gigabytes a run).
fn scaling(tmp: &Path, base: corpus::Shape, trash: &Path) {
    let runs = corpus::env_number("COMMONPLACE_BENCH_SCALE_RUNS", 1);
    let scales: Vec<usize> = std::env::var("COMMONPLACE_BENCH_SCALES")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    if scales.is_empty() {
        return;
    }
    println!("\nscaling (five quotes per note; {runs} run(s) from scratch per size, median):");
    println!(
        "  {:>7} {:>7} {:>9} {:>9} {:>9} {:>9} {:>10} {:>12}",
        "notes", "pages", "wall s", "user s", "sys s", "peak MiB", "ms/page", "KiB/page"
    );
    for notes in scales {
        let shape = corpus::Shape {
            notes,
            quotes_per_source: (notes / 10).max(1),
            ..base
        };
        let site = corpus::site_of(tmp, shape);
        let work = tmp.join(format!("bench-scale-{notes}"));
        set_aside(&work, trash);
        let results: Vec<Run> = (0..runs)
            .map(|i| build_fresh(&site, &work.join(format!("public-{i}"))))
            .collect();
        let pages = count_pages(&work.join("public-0"));
        set_aside(&work, trash);
        let m = usage::median(&results);
        println!(
            "  {:>7} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9} {:>10.3} {:>12.1}",
            notes,
            pages,
            m.wall.as_secs_f64(),
            m.user.as_secs_f64(),
            m.system.as_secs_f64(),
            m.max_rss_kib / 1024,
            1000.0 * m.wall.as_secs_f64() / pages as f64,
            m.max_rss_kib as f64 / pages as f64
        );
    }
}

fn print_row(name: &str, results: &[Run]) {
    let m = usage::median(results);
    let walls: Vec<String> = results
        .iter()
        .map(|r| format!("{:.2}", r.wall.as_secs_f64()))
        .collect();
    println!(
        "  {name:<24} {} (runs: {} s)",
        m.summary(),
        walls.join(", ")
    );
}

fn sync() {
    let _ = Command::new("sync").status();
    std::thread::sleep(Duration::from_millis(500));
}

/// One build from scratch (no search index either) into a new folder `output`.
fn build_fresh(site: &Path, output: &Path) -> Run {
    let _ = std::fs::remove_dir_all(site.join(".commonplace"));
    sync();
    usage::run_build(env!("CARGO_BIN_EXE_commonplace"), site, output, false)
}

/// Hugo building the twin site from scratch into a new folder `output`.
fn hugo_build(twin: &Path, output: &Path) -> Run {
    let _ = std::fs::remove_dir_all(twin.join("resources"));
    sync();
    let mut command = Command::new("hugo");
    command
        .arg("--source")
        .arg(twin)
        .arg("--destination")
        .arg(output)
        .arg("--quiet");
    usage::run(command, false)
}

fn hugo_version() -> Option<String> {
    let out = Command::new("hugo").arg("version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "hugo v0.111.3+extended linux/amd64 ..."
    text.split_whitespace().nth(1).map(|v| {
        v.trim_start_matches('v')
            .split('+')
            .next()
            .unwrap_or(v)
            .to_string()
    })
}

fn count_pages(dir: &Path) -> usize {
    let mut count = 0;
    let mut stack: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "html") {
                count += 1;
            }
        }
    }
    count
}

/// The machine the figures come from: cores, memory, date.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .map_or(String::new(), |kib| format!(", {} GiB", kib / 1024 / 1024));
    let date = Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{cores} cores{memory}, {date}")
}
