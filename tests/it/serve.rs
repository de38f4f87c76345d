//! `commonplace serve`: the real binary on an ephemeral port, edited files on disk, and what
//! the server answers and announces.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{demo_copy, read_tree, run, stderr, stdout, write_file, BIN};
use crate::live::Server;

const START: Duration = Duration::from_secs(120);
const EVENT: Duration = Duration::from_secs(30);
const NOTE: &str = "content/notes/scalability/describing-load.md";
const PAGE: &str = "notes/scalability/describing-load/index.html";

fn start(site: &Path) -> Server {
    Server::start(BIN, site, &[], START)
}

fn edit(site: &Path, relative: &str, change: impl Fn(&str) -> String) {
    let path = site.join(relative);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = change(&text);
    assert_ne!(text, changed, "the edit changes {relative}");
    std::fs::write(&path, changed).unwrap();
}

fn reload_of<'a>(page: &'a str) -> impl Fn(&str, &str) -> bool + 'a {
    move |event, data| {
        event == "reload"
            && serde_json::from_str::<Vec<String>>(data)
                .unwrap()
                .contains(&page.to_string())
    }
}

#[test]
fn an_edited_note_is_rebuilt_alone_and_its_open_page_told_to_reload() {
    let site = demo_copy();
    let server = start(site.path());
    let (status, home) = server.get("/");
    assert_eq!(status, 200);
    assert!(
        home.contains("<script src=\"/_commonplace/live.js\""),
        "the live script is injected"
    );
    let (_, before) = server.get("/notes/scalability/describing-load/");
    assert!(!before.contains("zanzibar"));

    let events = server.events();
    assert_eq!(
        events.next(EVENT).unwrap().0,
        "ok",
        "a new page learns the site is good"
    );
    edit(site.path(), NOTE, |t| {
        format!("{t}\nA zanzibar of load: one more paragraph.\n")
    });
    let (_, data) = events.wait_for(EVENT, "a reload of the edited page", reload_of(PAGE));
    let changed: Vec<String> = serde_json::from_str(&data).unwrap();
    // Only files whose bytes changed: the note's page, and the feed that carries its text.
    assert_eq!(changed, ["atom.xml", PAGE]);
    let line = server.line("rebuilt:", EVENT);
    assert!(
        line.starts_with("rebuilt: 2 files changed (quick, "),
        "{line}"
    );
    let (status, after) = server.get("/notes/scalability/describing-load/");
    assert_eq!(status, 200);
    assert!(after.contains("A zanzibar of load"));

    // The search index follows right after the reload event.
    let deadline = Instant::now() + EVENT;
    loop {
        let (status, body) = server.get("/api/search?q=zanzibar");
        assert_eq!(status, 200, "{body}");
        let results: serde_json::Value = serde_json::from_str(&body).unwrap();
        if results["total"] == 1 {
            assert_eq!(results["hits"][0]["id"], "scalability/describing-load");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new word was never found: {body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Drops the sections a preview does not recompute after a quick edit: the more-like-this
/// lists ("Related notes", "Related quotes"), which come from the whole index, and the blank
/// lines around them (a page that has none has fewer).
fn without_similar_lists(page: &str) -> String {
    let mut out = String::new();
    let mut rest = page;
    while let Some(at) = rest.find("<section>\n<h2>Related ") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find("</section>").unwrap() + at + "</section>".len();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.lines()
        .filter(|line| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn pages_after_quick_edits_equal_a_full_build_of_the_same_content() {
    let site = demo_copy();
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();
    // Links added and removed: to a note, a concept, a source and a quote; an embed gone, a
    // heading added. Every backlink and membership list these touch must end up as a full
    // build makes it.
    edit(site.path(), NOTE, |t| {
        t.replace(
            "[[twitter-home-timeline|Twitter]]",
            "[[faults-are-not-failures|Twitter]]",
        )
        .replace(
            "![[ddia/magic-scaling-sauce]]",
            "See [[concept:tail-latency]] and [[source:ddia]].\n\n## A new heading\n\nMore.",
        )
    });
    events.wait_for(EVENT, "the first edit's reload", reload_of(PAGE));
    // Both edits take the quick way, which is what this test compares with a full build.
    let line = server.line("rebuilt:", EVENT);
    assert!(line.contains("(quick, "), "{line}");
    edit(
        site.path(),
        "content/notes/reliability/faults-are-not-failures.md",
        |t| format!("{t}\nAnd a link back to [[describing-load#A new heading]].\n"),
    );
    events.wait_for(
        EVENT,
        "the second edit's reload",
        reload_of("notes/reliability/faults-are-not-failures/index.html"),
    );
    let line = server.line("rebuilt:", EVENT);
    assert!(line.contains("(quick, "), "{line}");

    // The preview has no static search bundle: its search page asks the server.
    let full = assert_preview_equals_a_full_build(site.path());
    // The edits did reach the lists this test is about.
    let concept = String::from_utf8_lossy(&full["concepts/tail-latency/index.html"]).into_owned();
    assert!(concept.contains("/notes/scalability/describing-load/"));
    let faults =
        String::from_utf8_lossy(&full["notes/reliability/faults-are-not-failures/index.html"])
            .into_owned();
    assert!(faults.contains("Linked from"));
    assert!(faults.contains("/notes/scalability/describing-load/"));
}

/// Waits for the rebuilds that one change to the files brings (a rename may come as two), and
/// checks each took the quick way.
fn quick_rebuilds(server: &Server, what: &str) {
    let line = server.line("rebuilt:", EVENT);
    assert!(line.contains("(quick, "), "{what}: {line}");
    while let Ok(line) = server.output.recv_timeout(Duration::from_millis(600)) {
        if line.starts_with("rebuilt:") || line.starts_with("error") {
            assert!(line.contains("(quick, "), "{what}: {line}");
        }
    }
}

/// A full build of the site into `full/`, beside what the preview shows, page by page but for
/// the more-like-this lists; the search bundle, which the preview has not, left out.
fn assert_preview_equals_a_full_build(site: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let built = run(&["build", "--output", "full"], site);
    assert!(built.status.success(), "{}", stderr(&built));
    let mut full = read_tree(&site.join("full"));
    full.retain(|path, _| !path.starts_with("_search/"));
    let preview = read_tree(&site.join(".commonplace/serve"));
    assert_eq!(
        full.keys().collect::<Vec<_>>(),
        preview.keys().collect::<Vec<_>>(),
        "the same files"
    );
    let mut differing = Vec::new();
    for (path, bytes) in &full {
        let a = without_similar_lists(&String::from_utf8_lossy(bytes));
        let b = without_similar_lists(&String::from_utf8_lossy(&preview[path]));
        if a != b {
            let first = a.lines().zip(b.lines()).find(|(x, y)| x != y);
            differing.push(format!("{path}: {first:?}"));
        }
    }
    assert!(
        differing.is_empty(),
        "pages differ from a full build (full, preview): {differing:#?}"
    );
    std::fs::remove_dir_all(site.join("full")).unwrap();
    full
}

#[test]
fn notes_added_renamed_and_removed_take_the_quick_way_and_equal_a_full_build() {
    let site = demo_copy();
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();

    // A new note that links to notes, a concept, a source and a quote, embeds a quote and
    // names concepts: backlink, citation and membership lists all change.
    write_file(
        site.path(),
        "content/notes/scalability/queueing.md",
        "---\ntitle: Queueing and load\ndate: 2021-03-01\nconcepts: [scalability, load-parameters]\n---\n\
         Load builds queues, as a quokka knows: see [[describing-load]] and [[concept:tail-latency]] in \
         [[source:ddia]].\n\n![[ddia/magic-scaling-sauce]]\n\n## Little's law\n\nIn short.\n",
    );
    events.wait_for(
        EVENT,
        "the new page",
        reload_of("notes/scalability/queueing/index.html"),
    );
    quick_rebuilds(&server, "a new note");
    let (status, page) = server.get("/notes/scalability/queueing/");
    assert_eq!(status, 200);
    assert!(page.contains("Little"));
    let (_, linked) = server.get("/notes/scalability/describing-load/");
    assert!(
        linked.contains("/notes/scalability/queueing/"),
        "a backlink"
    );
    let full = assert_preview_equals_a_full_build(site.path());
    assert!(String::from_utf8_lossy(&full["sitemap.xml"]).contains("/notes/scalability/queueing/"));
    let found = |total: u64| {
        let deadline = Instant::now() + EVENT;
        loop {
            let (_, body) = server.get("/api/search?q=quokka");
            let results: serde_json::Value = serde_json::from_str(&body).unwrap();
            if results["total"] == total {
                break;
            }
            assert!(Instant::now() < deadline, "never {total} found: {body}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    found(1);

    // Renamed (one rename on the disk, as a file manager or Obsidian does it), into a folder
    // no note was in: a folder page appears.
    std::fs::create_dir_all(site.path().join("content/notes/queues")).unwrap();
    std::fs::rename(
        site.path().join("content/notes/scalability/queueing.md"),
        site.path().join("content/notes/queues/queues-and-load.md"),
    )
    .unwrap();
    events.wait_for(
        EVENT,
        "the renamed page",
        reload_of("notes/queues/queues-and-load/index.html"),
    );
    quick_rebuilds(&server, "a renamed note");
    assert_eq!(server.get("/notes/scalability/queueing/").0, 404);
    assert_eq!(server.get("/notes/queues/").0, 200, "the new folder's page");
    assert_preview_equals_a_full_build(site.path());

    // Another note links to it; then a note with the same file name as a linked one comes,
    // which makes that name ambiguous: the texts that use the name are linked again.
    edit(
        site.path(),
        "content/notes/maintainability/making-operations-easy.md",
        |t| format!("{t}\nQueues, too: [[queues-and-load]].\n"),
    );
    events.wait_for(
        EVENT,
        "the edited page",
        reload_of("notes/maintainability/making-operations-easy/index.html"),
    );
    quick_rebuilds(&server, "an edit linking the renamed note");
    write_file(
        site.path(),
        "content/notes/scalability/more/describing-load.md",
        "# Describing load, again\n\nA second note of that name, beside [[queues-and-load]].\n",
    );
    events.wait_for(
        EVENT,
        "the second note of a name",
        reload_of("notes/scalability/more/describing-load/index.html"),
    );
    quick_rebuilds(&server, "a note whose name another has");
    assert_preview_equals_a_full_build(site.path());

    // Removed: the second note of the name, then the renamed note with the link to it.
    std::fs::remove_file(
        site.path()
            .join("content/notes/scalability/more/describing-load.md"),
    )
    .unwrap();
    events.wait_for(
        EVENT,
        "the removal",
        reload_of("notes/scalability/more/describing-load/index.html"),
    );
    quick_rebuilds(&server, "a removed note");
    edit(
        site.path(),
        "content/notes/maintainability/making-operations-easy.md",
        |t| t.replace("\nQueues, too: [[queues-and-load]].\n", ""),
    );
    quick_rebuilds(&server, "the link removed");
    std::fs::remove_file(site.path().join("content/notes/queues/queues-and-load.md")).unwrap();
    events.wait_for(
        EVENT,
        "the last note of a folder removed",
        reload_of("notes/queues/queues-and-load/index.html"),
    );
    quick_rebuilds(&server, "the last note of a folder removed");
    assert_eq!(
        server.get("/notes/queues/").0,
        404,
        "the folder page is gone"
    );
    assert_preview_equals_a_full_build(site.path());

    // The search index followed the note out.
    found(0);
}

#[test]
fn quotes_edited_added_and_removed_take_the_quick_way_and_equal_a_full_build() {
    const QUOTES: &str = "content/quotes/ddia.yaml";
    let site = demo_copy();
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();

    // An embedded quote edited: its text, its place in the book (which moves it among the
    // source's quotes) and a concept more. The note that embeds it shows the new text.
    edit(site.path(), QUOTES, |t| {
        t.replace(
            "    text: A fault is not the same as a failure.\n    locator: ch. 1\n    concepts: [reliability, fault-tolerance]",
            "    text: A fault is not the same as a failure, not even a little.\n    locator: ch. 2\n    concepts: [reliability, fault-tolerance, human-error]",
        )
    });
    events.wait_for(
        EVENT,
        "the embedding note's reload",
        reload_of("notes/reliability/faults-are-not-failures/index.html"),
    );
    quick_rebuilds(&server, "an edited quote");
    let (_, page) = server.get("/quotes/ddia/fault-not-failure/");
    assert!(page.contains("not even a little"));
    assert_preview_equals_a_full_build(site.path());

    // A quote added at the end, whose annotation links a note, and one in the middle of the
    // file, which moves every quote after it.
    edit(site.path(), QUOTES, |t| {
        format!(
            "{t}\n  - id: queue-before-the-wall\n    text: A quokka queue grows without bound as load nears capacity.\n    \
             locator: ch. 1\n    concepts: [tail-latency]\n    note: |\n      Compare [[describing-load]].\n"
        )
    });
    events.wait_for(
        EVENT,
        "the new quote's page",
        reload_of("quotes/ddia/queue-before-the-wall/index.html"),
    );
    quick_rebuilds(&server, "a quote added at the end");
    let (status, page) = server.get("/quotes/ddia/queue-before-the-wall/");
    assert_eq!(status, 200);
    assert!(page.contains("/notes/scalability/describing-load/"));
    let full = assert_preview_equals_a_full_build(site.path());
    let linked = String::from_utf8_lossy(&full[PAGE]).into_owned();
    assert!(
        linked.contains("/quotes/ddia/queue-before-the-wall/"),
        "the annotation's link is a backlink of the note"
    );
    edit(site.path(), QUOTES, |t| {
        t.replace(
            "  - id: combining-tools\n",
            "  - id: tools-in-the-middle\n    text: Glue code is where the quokkas hide.\n    locator: ch. 1\n    \
             concepts: [data-systems]\n\n  - id: combining-tools\n",
        )
    });
    events.wait_for(
        EVENT,
        "the inserted quote's page",
        reload_of("quotes/ddia/tools-in-the-middle/index.html"),
    );
    quick_rebuilds(&server, "a quote added in the middle");
    assert_preview_equals_a_full_build(site.path());
    let found = |total: u64| {
        let deadline = Instant::now() + EVENT;
        loop {
            let (_, body) = server.get("/api/search?q=quokka");
            let results: serde_json::Value = serde_json::from_str(&body).unwrap();
            if results["total"] == total {
                break;
            }
            assert!(Instant::now() < deadline, "never {total} found: {body}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    found(2);

    // Both removed again: their pages go, and so do their documents.
    edit(site.path(), QUOTES, |t| {
        let t = t.replace(
            "  - id: tools-in-the-middle\n    text: Glue code is where the quokkas hide.\n    locator: ch. 1\n    \
             concepts: [data-systems]\n\n",
            "",
        );
        t[..t.find("\n  - id: queue-before-the-wall").unwrap()].to_string() + "\n"
    });
    events.wait_for(
        EVENT,
        "the removed quote's page",
        reload_of("quotes/ddia/queue-before-the-wall/index.html"),
    );
    quick_rebuilds(&server, "quotes removed");
    assert_eq!(server.get("/quotes/ddia/queue-before-the-wall/").0, 404);
    assert_preview_equals_a_full_build(site.path());
    found(0);

    // A concept's description edited, with a link to a note and one to a quote: the note and
    // the quote list the concept as linking them.
    edit(site.path(), "content/concepts/fan-out.md", |t| {
        format!("{t}\nSee [[describing-load]] and [[ddia/fault-not-failure]], the quokka way.\n")
    });
    events.wait_for(
        EVENT,
        "the concept's page",
        reload_of("concepts/fan-out/index.html"),
    );
    quick_rebuilds(&server, "a concept's description");
    let full = assert_preview_equals_a_full_build(site.path());
    let linked = String::from_utf8_lossy(&full[PAGE]).into_owned();
    assert!(linked.contains("/concepts/fan-out/"), "a backlink");
    found(1);

    // A quote naming a concept no text named before makes a concept: the whole site is linked.
    edit(site.path(), QUOTES, |t| {
        format!(
            "{t}\n  - id: little\n    text: Queues obey Little's law.\n    concepts: [queueing-theory]\n"
        )
    });
    let line = server.line("rebuilt:", EVENT);
    assert!(
        line.contains("(full: a quote names a concept the site does not have"),
        "{line}"
    );
    assert_eq!(server.get("/concepts/queueing-theory/").0, 200);

    // A quote that a note embeds cannot go the quick way: the note's embed breaks, and the
    // whole site is linked to report it as `build` would.
    edit(site.path(), QUOTES, |t| {
        t.replace(
            "  - id: fault-not-failure\n",
            "  - id: fault-not-a-failure\n",
        )
    });
    let line = server.line("error:", EVENT);
    assert!(
        line.contains("(full: another text links to a quote it removes"),
        "{line}"
    );
}

#[test]
fn a_broken_link_shows_the_errors_and_keeps_the_last_good_page() {
    let site = demo_copy();
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();
    edit(site.path(), NOTE, |t| {
        t.replace("Both need a way", "Both need [[no such note]] and a way")
    });
    let (_, data) = events.wait_for(EVENT, "the problems event", |e, _| e == "problems");
    let problems: serde_json::Value = serde_json::from_str(&data).unwrap();
    let lines: Vec<&str> = problems["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(
        lines,
        [format!(
            "{NOTE}:26:11: error: unknown link target `no such note`"
        )]
    );
    // The last good page is still served, live script and all, so the overlay shows over it.
    let (status, page) = server.get("/notes/scalability/describing-load/");
    assert_eq!(status, 200);
    assert!(!page.contains("no such note"));
    assert!(page.contains("live.js"));
    // A page opened now learns of the problems at once.
    let late = server.events();
    assert_eq!(late.next(EVENT).unwrap().0, "problems");

    edit(site.path(), NOTE, |t| {
        t.replace("[[no such note]] and ", "")
    });
    events.wait_for(EVENT, "the ok event", |e, _| e == "ok");
}

#[test]
fn new_deleted_and_replaced_files_and_bursts_of_saves() {
    let site = demo_copy();
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();

    write_file(
        site.path(),
        "content/notes/fresh.md",
        "# Fresh\n\nA brand new note.\n",
    );
    events.wait_for(EVENT, "the new page", reload_of("notes/fresh/index.html"));
    assert_eq!(server.get("/notes/fresh/").0, 200);

    // An editor that saves by writing a temporary file and renaming it over the note.
    let temporary = site.path().join("content/notes/.fresh.md.swp");
    std::fs::write(&temporary, "# Fresh\n\nReplaced by rename.\n").unwrap();
    std::fs::rename(&temporary, site.path().join("content/notes/fresh.md")).unwrap();
    events.wait_for(
        EVENT,
        "the replaced page",
        reload_of("notes/fresh/index.html"),
    );
    assert!(server
        .get("/notes/fresh/")
        .1
        .contains("Replaced by rename."));

    // Twenty saves in a row: the last one is served, after far fewer rebuilds.
    for i in 0..20 {
        write_file(
            site.path(),
            "content/notes/fresh.md",
            format!("# Fresh\n\nSave {i}.\n"),
        );
    }
    let deadline = Instant::now() + EVENT;
    let mut reloads = 0;
    while !server.get("/notes/fresh/").1.contains("Save 19.") {
        assert!(Instant::now() < deadline, "the last save was never served");
        std::thread::sleep(Duration::from_millis(20));
    }
    while let Some((event, _)) = events.next(Duration::from_millis(500)) {
        reloads += usize::from(event == "reload");
    }
    assert!(reloads <= 5, "{reloads} reloads for a burst of 20 saves");

    std::fs::remove_file(site.path().join("content/notes/fresh.md")).unwrap();
    events.wait_for(
        EVENT,
        "the reload after the removal",
        reload_of("notes/fresh/index.html"),
    );
    assert_eq!(server.get("/notes/fresh/").0, 404);
    assert!(!site
        .path()
        .join(".commonplace/serve/notes/fresh/index.html")
        .exists());
}

#[test]
fn only_files_of_the_preview_folder_are_served() {
    let site = demo_copy();
    let server = start(site.path());
    let secret = site.path().join("secret.txt");
    std::fs::write(&secret, "not for the web").unwrap();
    std::os::unix::fs::symlink(&secret, site.path().join(".commonplace/serve/leak.txt")).unwrap();
    std::os::unix::fs::symlink(site.path(), site.path().join(".commonplace/serve/root")).unwrap();

    // What is there is served, so the refusals below are refusals.
    assert_eq!(server.raw_status("/style.css"), 200);
    assert_eq!(server.raw_status("/notes/ddia-part-1/"), 200);
    for attempt in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/notes/..%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/leak.txt",
        "/root/secret.txt",
        "/root/commonplace.yaml",
        "/.commonplace/index/commonplace-manifest.json",
        "/%00",
        "/%ff%fe",
    ] {
        assert_eq!(server.raw_status(attempt), 404, "{attempt}");
    }
}

#[test]
fn the_search_api_answers_as_the_cli_does_and_bounds_its_input() {
    let site = demo_copy();
    let server = start(site.path());
    let (status, body) = server.get("/api/search?q=latency&concept=scalability&limit=5");
    assert_eq!(status, 200, "{body}");
    let api: serde_json::Value = serde_json::from_str(&body).unwrap();
    let cli = run(
        &[
            "search",
            "latency",
            "--concept",
            "scalability",
            "--limit",
            "5",
            "--json",
        ],
        site.path(),
    );
    assert!(cli.status.success(), "{}", stderr(&cli));
    let cli: serde_json::Value = serde_json::from_str(&stdout(&cli)).unwrap();
    assert_eq!(api, cli);
    assert!(api["total"].as_u64().unwrap() > 0);

    let long = "a".repeat(1_001);
    for (query, message) in [
        ("q=latency&limit=1000", "`limit` is a number from 1 to 100"),
        ("q=latency&limit=0", "`limit` is a number from 1 to 100"),
        ("q=latency&limit=ten", "`limit` is a number from 1 to 100"),
        (
            &format!("q={long}") as &str,
            "`q` is longer than 1000 bytes",
        ),
        (
            "q=latency&kind=poem",
            "`kind` is one of note, quote, concept, source, not `poem`",
        ),
        (
            "q=latency&page=2",
            "unknown parameter `page`; use q, concept, source, kind, limit",
        ),
        (
            "q=%22unclosed",
            "query syntax error at character 10: missing delimiter \\\"",
        ),
        (
            "q=x&concept=no-such-concept",
            "unknown concept `no-such-concept`",
        ),
    ] {
        let (status, body) = server.get(&format!("/api/search?{query}"));
        assert_eq!(status, 400, "{query}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"], message, "{query}");
    }
    // Other APIs and methods are JSON errors too.
    let (status, body) = server.get("/api/nothing");
    assert_eq!(status, 404);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["error"],
        "no such API; there is /api/search"
    );
    assert_eq!(server.raw_request("DELETE", "/api/search?q=x"), 405);
}

#[test]
fn a_busy_port_is_a_clear_error_with_a_free_port_to_try() {
    let site = demo_copy();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = run(&["serve", "--port", &port], site.path());
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.starts_with(&format!(
            "error: port {port} on 127.0.0.1 is in use; try --port "
        )),
        "{message}"
    );
    let suggested: u16 = message.trim().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(std::net::TcpListener::bind(("127.0.0.1", suggested)).is_ok());
}

#[test]
fn a_site_with_errors_from_the_start_is_served_once_fixed() {
    let site = demo_copy();
    edit(site.path(), NOTE, |t| {
        t.replace("Both need a way", "Both need [[no such note]] and a way")
    });
    let server = start(site.path());
    // No good build yet: every page is the bare 404 with the live script, which shows the
    // errors.
    let (status, page) = server.get("/notes/scalability/describing-load/");
    assert_eq!(status, 404);
    assert!(page.contains("live.js"));
    let events = server.events();
    let (event, data) = events.next(EVENT).unwrap();
    assert_eq!(event, "problems");
    assert!(
        data.contains("unknown link target `no such note`"),
        "{data}"
    );

    edit(site.path(), NOTE, |t| {
        t.replace("[[no such note]] and ", "")
    });
    events.wait_for(EVENT, "the ok event", |e, _| e == "ok");
    assert_eq!(server.get("/notes/scalability/describing-load/").0, 200);
}

#[test]
fn a_new_base_url_moves_the_served_site() {
    let site = demo_copy();
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();
    assert_eq!(server.get("/notes/ddia-part-1/").0, 200);
    edit(site.path(), "commonplace.yaml", |t| {
        t.replace("base_url: /", "base_url: https://example.org/kb/")
    });
    events.wait_for(
        EVENT,
        "the reload",
        reload_of("notes/ddia-part-1/index.html"),
    );
    let (status, page) = server.get("/kb/notes/ddia-part-1/");
    assert_eq!(status, 200);
    assert!(page.contains("href=\"/kb/style.css\""));
    assert!(page.contains("data-base=\"/kb\""));
    assert_eq!(server.get("/notes/ddia-part-1/").0, 404);
    // The root leads to the site.
    assert_eq!(server.raw_status("/"), 307);
}

#[test]
fn a_build_after_a_preview_equals_a_clean_build() {
    let site = demo_copy();
    let original = std::fs::read_to_string(site.path().join(NOTE)).unwrap();
    {
        let server = start(site.path());
        let events = server.events();
        events.next(EVENT).unwrap();
        edit(site.path(), NOTE, |t| {
            format!("{t}\nZyzzyva latency latency latency.\n")
        });
        events.wait_for(EVENT, "the edit's reload", reload_of(PAGE));
        std::fs::write(site.path().join(NOTE), &original).unwrap();
        events.wait_for(EVENT, "the revert's reload", reload_of(PAGE));
        // The revert's search document is written after its reload event.
        let deadline = Instant::now() + EVENT;
        while server
            .get("/api/search?q=zyzzyva")
            .1
            .contains("describing-load")
        {
            assert!(Instant::now() < deadline, "the index never took the revert");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    // The preview left deleted documents in the index; the build compacts them away, so its
    // related lists are a clean build's.
    let after_preview = run(&["build"], site.path());
    assert!(after_preview.status.success(), "{}", stderr(&after_preview));
    let clean = demo_copy();
    let built = run(&["build"], clean.path());
    assert!(built.status.success(), "{}", stderr(&built));
    assert!(
        read_tree(&site.path().join("public")) == read_tree(&clean.path().join("public")),
        "a build after serve differs from a clean build"
    );
}

#[test]
fn a_restarted_preview_rewrites_only_what_changed_and_drops_what_is_gone() {
    let site = demo_copy();
    {
        let server = start(site.path());
        assert!(
            server.startup[0].starts_with("rebuilt: 63 files changed (full: first build, "),
            "{:?}",
            server.startup
        );
    }
    let stale = site.path().join(".commonplace/serve/notes/gone/index.html");
    write_file(
        site.path(),
        ".commonplace/serve/notes/gone/index.html",
        "<p>an old page</p>",
    );
    let server = start(site.path());
    // The earlier preview is served at once, before any rebuild: what it holds, the stale
    // page too, until the first rebuild behind it.
    assert!(server.startup.is_empty(), "{:?}", server.startup);
    // Nothing to write: only the page no note makes any more goes.
    let rebuilt = server.line("rebuilt:", START);
    assert!(
        rebuilt.starts_with("rebuilt: 1 file changed (full: first build, "),
        "{rebuilt}"
    );
    assert!(!stale.exists());
    assert_eq!(server.get("/notes/gone/").0, 404);
    assert_eq!(server.get("/notes/ddia-part-1/").0, 200);
}

#[test]
fn a_theme_folder_made_while_serving_is_watched() {
    let site = demo_copy();
    assert!(!site.path().join("themes").exists());
    let server = start(site.path());
    let events = server.events();
    events.next(EVENT).unwrap();
    write_file(
        site.path(),
        "themes/default/static/style.css",
        "body { color: red }",
    );
    events.wait_for(EVENT, "the new stylesheet", reload_of("style.css"));
    assert_eq!(server.get("/style.css").1, "body { color: red }");
    // Inside the new folder: seen only if the folder itself is now watched.
    write_file(
        site.path(),
        "themes/default/static/style.css",
        "body { color: blue }",
    );
    events.wait_for(EVENT, "the changed stylesheet", reload_of("style.css"));
    assert_eq!(server.get("/style.css").1, "body { color: blue }");
}
