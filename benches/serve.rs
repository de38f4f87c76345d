//! `cargo bench --bench serve`: `commonplace serve` on the generated 10,000-note /
//! 50,000-quote site (the one `benches/build.rs` uses).
//!
//! 1. Save to reload: edits one note at a time (20 different notes, text appended), and times
//!    from the write of the file to the arrival of the reload event naming its page on an
//!    open event stream. Prints median, p90 and max, and how each rebuild went.
//! 2. Search API: one connection, then 50 concurrent connections, 10 s each, with `wrk`
//!    (Debian package `wrk`; skipped with a note when it is missing), rotating through varied
//!    queries. wrk shares the machine's two cores with the server.
//!
//! Environment: `COMMONPLACE_BENCH_NOTES` (default 10000), `COMMONPLACE_BENCH_EDITS` (20),
//! `COMMONPLACE_BENCH_WRK_SECONDS` (10).

#[path = "support/corpus.rs"]
mod corpus;
// Shared with the serve tests, which use more of it.
#[allow(dead_code)]
#[path = "../tests/it/live.rs"]
mod live;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn main() {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let (site, shape) = corpus::bench_site(tmp);
    let edits = corpus::env_number("COMMONPLACE_BENCH_EDITS", 20);
    let wrk_seconds = corpus::env_number("COMMONPLACE_BENCH_WRK_SECONDS", 10);

    let started = Instant::now();
    let server = live::Server::start(
        env!("CARGO_BIN_EXE_commonplace"),
        &site,
        &[],
        Duration::from_secs(900),
    );
    let listening = started.elapsed();
    let events = server.events();
    if server.startup.is_empty() {
        // Started again over its earlier preview: served at once, rebuilt behind.
        server.line("rebuilt:", Duration::from_secs(900));
        println!(
            "serve over its earlier preview of {} notes and {} quotes: listening in {:.2} s, up to date in {:.1} s",
            shape.notes,
            shape.sources * shape.quotes_per_source,
            listening.as_secs_f64(),
            started.elapsed().as_secs_f64()
        );
    } else {
        println!(
            "serve: first build of {} notes and {} quotes, then listening, in {:.1} s",
            shape.notes,
            shape.sources * shape.quotes_per_source,
            listening.as_secs_f64()
        );
    }
    events
        .next(Duration::from_secs(30))
        .expect("the first event");

    let mut times = Vec::new();
    let mut ways = Vec::new();
    for i in 0..edits {
        let n = (i * 977 + 13) % shape.notes;
        let relative = format!(
            "content/notes/{}/{}.md",
            corpus::note_folder(n),
            corpus::note_name(n)
        );
        let page = format!(
            "notes/{}/{}/index.html",
            corpus::note_folder(n),
            corpus::note_name(n)
        );
        let path = site.join(&relative);
        let original = std::fs::read_to_string(&path).expect("the note exists");
        let edited = format!("{original}\nEdit {i}: one more sentence about replication lag.\n");
        let _ = Command::new("sync").status();
        // Let the previous edit's search index update finish: it runs after the reload event.
        std::thread::sleep(Duration::from_millis(700));

        let saved = Instant::now();
        std::fs::write(&path, &edited).expect("the note is written");
        events.wait_for(
            Duration::from_secs(60),
            "the reload event",
            |event, data| event == "reload" && data.contains(&page),
        );
        times.push(saved.elapsed());
        ways.push(server.line("rebuilt:", Duration::from_secs(60)));
        std::fs::write(&path, &original).expect("the note is restored");
        // The restore is an edit too; wait for it so it is not timed as the next one.
        events.wait_for(
            Duration::from_secs(60),
            "the restore's reload",
            |event, data| event == "reload" && data.contains(&page),
        );
        server.line("rebuilt:", Duration::from_secs(60));
    }
    let quick = ways.iter().filter(|w| w.contains("(quick,")).count();
    let mut sorted = times.clone();
    sorted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "save to reload event, {} edits ({quick} quick): median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        times.len(),
        ms(sorted[sorted.len() / 2]),
        ms(sorted[sorted.len() * 9 / 10]),
        ms(sorted[sorted.len() - 1]),
    );
    println!(
        "  each: {}",
        times
            .iter()
            .map(|d| format!("{:.0}", ms(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for way in ways.iter().filter(|w| !w.contains("(quick,")) {
        println!("  not quick: {way}");
    }

    let wrk = Command::new("wrk").arg("--version").output();
    if wrk.is_err() {
        println!("search API under load: skipped, `wrk` is not installed (apt-get install wrk)");
        return;
    }
    let script = tmp.join("bench-serve-queries.lua");
    std::fs::write(&script, WRK_SCRIPT).expect("the script is written");
    for (threads, connections) in [(1, 1), (2, 50)] {
        let _ = Command::new("sync").status();
        let output = Command::new("wrk")
            .args([
                &format!("-t{threads}"),
                &format!("-c{connections}"),
                &format!("-d{wrk_seconds}s"),
                "--latency",
                "-s",
            ])
            .arg(&script)
            .arg(server.url("/api/search"))
            .output()
            .expect("wrk runs");
        println!(
            "search API, {connections} connection(s) for {wrk_seconds} s (wrk, on the same 2 cores):"
        );
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            println!("  {line}");
        }
    }
}

/// Varied queries, as the search bench uses: words, pairs, phrases, a filter, a typo.
const WRK_SCRIPT: &str = r#"
local queries = {
  "q=replication", "q=latency", "q=fault+tolerance", "q=load+parameters",
  "q=%22replication+lag%22", "q=leader+-follower", "q=snapshot&kind=quote",
  "q=consistency&limit=20", "q=partiton", "q=cache+OR+timeline", "q=tweet",
  "q=partition&kind=note",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/api/search?" .. queries[(i % #queries) + 1])
end
"#;
