//! `cargo bench --bench serve`: `commonplace serve` on the generated 10,000-note /
//! 50,000-quote site (the one `benches/build.rs` uses).
//!
//! 1. Save to reload: edits one note at a time (20 different notes, text appended), and times
//!    from the write of the file to the arrival of the reload event naming its page on an
//!    open event stream. Prints median, p90 and max, and how each rebuild went.
//! 2. Notes that come and go: a new note, the same renamed, then removed, each timed from the
//!    change on the disk to the reload event naming its page.
//! 3. Search API: one connection, then 50 concurrent connections, 10 s each, with `wrk`
//!    (Debian package `wrk`; skipped with a note when it is missing), rotating through varied
//!    queries. wrk shares the machine's two cores with the server.
//!
//! Environment: `COMMONPLACE_BENCH_NOTES` (default 10000), `COMMONPLACE_BENCH_EDITS` (20),
//! `COMMONPLACE_BENCH_WRK_SECONDS` (10), `COMMONPLACE_BENCH_PAUSE_MS` (700, between changes).

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
    // Between changes, for the previous change's search index update to finish.
    let pause = Duration::from_millis(corpus::env_number("COMMONPLACE_BENCH_PAUSE_MS", 700) as u64);

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
        std::thread::sleep(pause);

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
    report("save to reload event", "edits", &times, &ways);

    // Notes come and go: a new note linking two others and naming two concepts, the same note
    // renamed (one rename on the disk), then removed; each timed to the reload event that
    // names its page.
    let concepts = corpus::concept_names(shape.concepts);
    let mut kinds: [(&str, Vec<Duration>, Vec<String>); 3] = [
        ("new note to reload event", Vec::new(), Vec::new()),
        ("renamed note to reload event", Vec::new(), Vec::new()),
        ("removed note to reload event", Vec::new(), Vec::new()),
    ];
    for i in 0..edits / 2 {
        let n = (i * 613 + 7) % shape.notes;
        let folder = corpus::note_folder(n);
        let new = format!("content/notes/{folder}/bench-new-{i}.md");
        let renamed = format!("content/notes/{folder}/bench-renamed-{i}.md");
        let text = format!(
            "---\ntitle: Bench new {i}\ndate: 2024-05-01\nconcepts: [{}, {}]\n---\n\
             A new thought on replication lag, after [[{}]] and [[{}]].\n\n## More\n\nAnd more.\n",
            concepts[i % concepts.len()],
            concepts[(i * 7 + 3) % concepts.len()],
            corpus::note_name(n),
            corpus::note_name((n + 1) % shape.notes),
        );
        let steps: [(&dyn Fn(), String); 3] = [
            (
                &|| std::fs::write(site.join(&new), &text).expect("the note is written"),
                format!("notes/{folder}/bench-new-{i}/index.html"),
            ),
            (
                &|| std::fs::rename(site.join(&new), site.join(&renamed)).expect("renamed"),
                format!("notes/{folder}/bench-renamed-{i}/index.html"),
            ),
            (
                &|| std::fs::remove_file(site.join(&renamed)).expect("removed"),
                format!("notes/{folder}/bench-renamed-{i}/index.html"),
            ),
        ];
        for ((change, page), (_, times, ways)) in steps.iter().zip(&mut kinds) {
            let _ = Command::new("sync").status();
            std::thread::sleep(pause);
            let changed = Instant::now();
            change();
            events.wait_for(
                Duration::from_secs(60),
                "the reload event",
                |event, data| event == "reload" && data.contains(page.as_str()),
            );
            times.push(changed.elapsed());
            ways.push(server.line("rebuilt:", Duration::from_secs(60)));
            // A rename may come as two changes; the second is not timed.
            while let Ok(line) = server.output.recv_timeout(Duration::from_millis(300)) {
                if line.starts_with("rebuilt:") && !line.contains("(quick,") {
                    ways.push(line);
                }
            }
        }
    }
    for (label, times, ways) in &kinds {
        report(label, "changes", times, ways);
    }

    // Quotes change: one quote's text edited in a source's file, a quote appended to it, and
    // that quote removed again; each timed to the reload event of a page that shows it.
    let mut kinds: [(&str, Vec<Duration>, Vec<String>); 3] = [
        ("edited quote to reload event", Vec::new(), Vec::new()),
        ("new quote to reload event", Vec::new(), Vec::new()),
        ("removed quote to reload event", Vec::new(), Vec::new()),
    ];
    for i in 0..edits / 2 {
        let source = corpus::source_id(i % shape.sources);
        let path = site.join(format!("content/quotes/{source}.yaml"));
        let original = std::fs::read_to_string(&path).expect("the quote file exists");
        let q = (i * 37 + 5) % shape.quotes_per_source;
        let id = corpus::quote_id(q);
        let marker = format!("  - id: {id}\n    text: \"");
        let edited = original.replacen(&marker, &format!("{marker}Edited {i}: "), 1);
        assert_ne!(edited, original, "the quote {id} is in {source}.yaml");
        let new_id = format!("bench-new-{i}");
        let appended = format!(
            "{edited}  - id: {new_id}\n    text: A new quote on replication lag, number {i}.\n    \
             locator: p. 1\n    concepts: [{}]\n",
            concepts[i % concepts.len()]
        );
        let steps: [(String, String); 3] = [
            (edited.clone(), format!("quotes/{source}/{id}/index.html")),
            (appended, format!("quotes/{source}/{new_id}/index.html")),
            (edited, format!("quotes/{source}/{new_id}/index.html")),
        ];
        for ((text, page), (_, times, ways)) in steps.iter().zip(&mut kinds) {
            let _ = Command::new("sync").status();
            std::thread::sleep(pause);
            let changed = Instant::now();
            std::fs::write(&path, text).expect("the quote file is written");
            events.wait_for(
                Duration::from_secs(60),
                "the reload event",
                |event, data| event == "reload" && data.contains(page.as_str()),
            );
            times.push(changed.elapsed());
            ways.push(server.line("rebuilt:", Duration::from_secs(60)));
        }
        std::thread::sleep(pause);
        std::fs::write(&path, &original).expect("the quote file is restored");
        events.wait_for(
            Duration::from_secs(60),
            "the restore's reload",
            |event, data| event == "reload" && data.contains(&format!("quotes/{source}/{id}/")),
        );
        server.line("rebuilt:", Duration::from_secs(60));
    }
    for (label, times, ways) in &kinds {
        report(label, "changes", times, ways);
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

/// Prints the median, p90 and max of `times`, each time, and the rebuilds that were not quick.
fn report(label: &str, what: &str, times: &[Duration], ways: &[String]) {
    if times.is_empty() {
        return;
    }
    let quick = ways.iter().filter(|w| w.contains("(quick,")).count();
    let mut sorted = times.to_vec();
    sorted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}, {} {what} ({quick} quick): median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
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
