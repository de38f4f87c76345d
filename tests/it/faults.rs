//! Faults and hostile input, one test per case: two builds at once, appends at once, `kill -9`
//! of a build or an import at any moment, control characters, escape sequences, a foreign
//! `Host`, a theme outside the site, a script URL, and inputs that would make messages huge.
//! Each runs the real binary, as a user or an editor plugin would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{command, demo_copy, read_tree, run, stderr, stdout, write_file, BIN};
use crate::live::Server;

/// The binary started in the background, its output kept.
fn spawn(args: &[&str], cwd: &Path) -> Child {
    command(args, cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", stderr(output));
    stdout(output)
}

/// The demo with `notes` more notes, each linking others and quoting the demo's source: a
/// site whose build takes long enough for a second build or a kill to land in the middle.
fn larger_demo(notes: usize) -> tempfile::TempDir {
    let site = demo_copy();
    for i in 0..notes {
        let mut body = format!("---\ntitle: Generated note {i}\nconcepts: [replication]\n---\n\n");
        for paragraph in 0..6 {
            body.push_str(&format!(
                "Paragraph {paragraph} of note {i} on replication lag, quorum reads and \
                 leader election; see [[generated-{}]] and [[ddia/data-intensive]].\n\n",
                (i + paragraph + 1) % notes
            ));
        }
        write_file(
            site.path(),
            &format!("content/notes/generated/generated-{i}.md"),
            body,
        );
    }
    site
}

/// Files under `dir` by path; their bytes are compared where a test needs it.
fn paths(dir: &Path) -> BTreeSet<String> {
    read_tree(dir).into_keys().collect()
}

/// What interrupted or concurrent builds may leave beside `public/`.
fn leftovers(site: &Path) -> Vec<String> {
    std::fs::read_dir(site)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("commonplace-new") || name.contains("commonplace-old"))
        .collect()
}

fn assert_whole_site(public: &Path, expected: &BTreeSet<String>) {
    let found = paths(public);
    let missing: Vec<&String> = expected.difference(&found).collect();
    let extra: Vec<&String> = found.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    for page in ["index.html", "404.html", "sitemap.xml", "atom.xml"] {
        assert!(
            std::fs::metadata(public.join(page)).unwrap().len() > 0,
            "{page}"
        );
    }
}

#[test]
fn builds_at_once_each_end_with_a_whole_site_and_say_that_they_waited() {
    let site = larger_demo(300);
    let root = site.path();
    ok(&run(&["build"], root));
    let expected = paths(&root.join("public"));
    for round in 0..3 {
        let builds: Vec<Child> = (0..3).map(|_| spawn(&["build"], root)).collect();
        let outputs: Vec<Output> = builds
            .into_iter()
            .map(|b| b.wait_with_output().unwrap())
            .collect();
        for output in &outputs {
            assert!(ok(output).starts_with("Built "), "round {round}");
        }
        let waited = outputs
            .iter()
            .filter(|o| stderr(o).contains("Waiting for `commonplace build` (process "))
            .count()
            + outputs
                .iter()
                .filter(|o| stderr(o).contains("Waiting for another commonplace command"))
                .count();
        assert!(waited >= 1, "round {round}: no build said it waited");
        assert_whole_site(&root.join("public"), &expected);
        assert_eq!(leftovers(root), Vec::<String>::new(), "round {round}");
    }
    // And the next build, alone, works.
    ok(&run(&["build"], root));
    assert_whole_site(&root.join("public"), &expected);
}

/// The quote ids a `new quote` run reported: `added ddia/p1-8e32ac (cite as ...)`.
fn added_id(output: &Output) -> String {
    let shown = ok(output);
    let id = shown
        .strip_prefix("added ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("{shown}"));
    id.strip_prefix("ddia/").unwrap().to_string()
}

fn ids_in(site: &Path, file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(site.join("content/quotes").join(file)).unwrap();
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
    yaml["quotes"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn quotes_appended_at_once_are_all_in_the_file_exactly_once() {
    let site = demo_copy();
    let root = site.path();
    let clippings = crate::common::fixtures().join("import/My Clippings.txt");
    let before = ids_in(root, "ddia.yaml");
    let mut runs: Vec<Child> = (0..8)
        .map(|i| {
            let text = format!("Appended at once, number {i}, on the cost of coordination.");
            let locator = format!("p. {}", 900 + i);
            spawn(
                &["new", "quote", "ddia", &text, "--locator", &locator],
                root,
            )
        })
        .collect();
    let import = spawn(&["import", "kindle", clippings.to_str().unwrap()], root);
    runs.push(spawn(&["new", "quote", "ddia", "One more, at once."], root));
    let added: Vec<String> = runs
        .into_iter()
        .map(|run| added_id(&run.wait_with_output().unwrap()))
        .collect();
    let imported = ok(&import.wait_with_output().unwrap());
    assert!(
        imported.contains("added to content/quotes/ddia.yaml (7 quotes)"),
        "{imported}"
    );
    let after = ids_in(root, "ddia.yaml");
    assert_eq!(after.len(), before.len() + added.len() + 7);
    let mut count: BTreeMap<&String, usize> = BTreeMap::new();
    for id in &after {
        *count.entry(id).or_default() += 1;
    }
    for id in &added {
        assert_eq!(count.get(id), Some(&1), "{id} in {after:?}");
    }
    assert!(count.values().all(|&n| n == 1), "{after:?}");
    ok(&run(&["check"], root));
}

/// Moments to kill a process that takes about `typical`: spread over its run, and shifted by
/// the clock so that every run of the test tries other moments too.
fn kill_moments(typical: Duration) -> Vec<Duration> {
    let jitter = Instant::now().elapsed().subsec_nanos() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
    [2, 10, 25, 45, 65, 85, 97]
        .iter()
        .enumerate()
        .map(|(i, percent)| {
            let shift = (jitter >> (i * 3)) % 7;
            typical * (percent + shift as u32) / 100
        })
        .collect()
}

fn kill_after(mut child: Child, after: Duration) -> Option<Output> {
    let deadline = Instant::now() + after;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    // SIGKILL: nothing of the process runs after this, no destructor and no handler.
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_site_or_the_new_one() {
    let site = larger_demo(200);
    let root = site.path();
    ok(&run(&["build"], root));
    let started = Instant::now();
    ok(&run(&["build"], root));
    let typical = started.elapsed();
    for (round, moment) in kill_moments(typical).into_iter().enumerate() {
        let old = read_tree(&root.join("public"));
        // Each round's build adds a page, so the old and the new site differ.
        write_file(
            root,
            &format!("content/notes/killed-{round}.md"),
            format!("# Killed round {round}\n\nA note the killed build was writing.\n"),
        );
        kill_after(spawn(&["build"], root), moment);
        let now = read_tree(&root.join("public"));
        // The next build completes, whatever the killed one left.
        ok(&run(&["build"], root));
        let new = paths(&root.join("public"));
        assert!(new.contains(&format!("notes/killed-{round}/index.html")));
        if now != old {
            // The killed build got as far as its swap: what it left is the whole new site.
            let left: BTreeSet<String> = now.into_keys().collect();
            assert_eq!(
                left, new,
                "round {round}, killed after {moment:?}: neither the old site nor the new"
            );
        }
        assert_eq!(leftovers(root), Vec::<String>::new(), "round {round}");
    }
}

#[test]
fn a_site_left_only_under_its_old_name_is_put_back_before_a_failed_build() {
    // `kill -9` between the swap's two renames leaves no `public/`, and the previous site
    // under `.public.commonplace-old-*`: a later build that fails must not lose it.
    let site = demo_copy();
    let root = site.path();
    ok(&run(&["build"], root));
    let old = read_tree(&root.join("public"));
    std::fs::rename(
        root.join("public"),
        root.join(".public.commonplace-old-4242-0"),
    )
    .unwrap();
    // A template that fails while pages are written, after the staging folder is made.
    let config = std::fs::read_to_string(root.join("commonplace.yaml")).unwrap();
    std::fs::write(
        root.join("commonplace.yaml"),
        format!("{config}\ntheme: broken\n"),
    )
    .unwrap();
    write_file(
        root,
        "themes/broken/templates/note.html",
        "{{ no_such_value.field }}",
    );
    let failed = run(&["build"], root);
    assert!(!failed.status.success());
    assert_eq!(read_tree(&root.join("public")), old);
    assert_eq!(leftovers(root), Vec::<String>::new());
}

/// Clippings of `n` highlights of the demo's book, as a Kindle writes them.
fn ddia_clippings(n: usize) -> String {
    let mut text = String::new();
    for i in 0..n {
        let location = 20_000 + i * 4;
        text.push_str(&format!(
            "Designing Data-Intensive Applications (Martin Kleppmann)\n\
             - Your Highlight on page {} | Location {location}-{} | Added on Monday, March 4, 2024 10:00:00 AM\n\n\
             Highlight {i}: a replicated log makes every follower apply the same writes in the same order.\n\
             ==========\n",
            location / 16,
            location + 2
        ));
    }
    text
}

#[test]
fn an_import_killed_at_any_moment_leaves_the_quote_file_as_it_was_or_complete() {
    let site = demo_copy();
    let root = site.path();
    let clippings = root.join("clippings.txt");
    std::fs::write(&clippings, ddia_clippings(4_000)).unwrap();
    let args = ["import", "kindle", clippings.to_str().unwrap()];
    let file = root.join("content/quotes/ddia.yaml");
    let old = std::fs::read(&file).unwrap();
    let complete = {
        let reference = demo_copy();
        let copy = reference.path().join("clippings.txt");
        std::fs::copy(&clippings, &copy).unwrap();
        let started = Instant::now();
        ok(&run(
            &["import", "kindle", copy.to_str().unwrap()],
            reference.path(),
        ));
        let typical = started.elapsed();
        let bytes = std::fs::read(reference.path().join("content/quotes/ddia.yaml")).unwrap();
        (bytes, typical)
    };
    let (complete, typical) = complete;
    assert_ne!(old, complete);
    for moment in kill_moments(typical) {
        let finished = kill_after(spawn(&args, root), moment);
        let now = std::fs::read(&file).unwrap();
        assert!(
            now == old || now == complete,
            "killed after {moment:?}: the quote file is neither the old one nor the new one"
        );
        if finished.is_some() || now == complete {
            // Done: put the old file back for the next moment.
            std::fs::write(&file, &old).unwrap();
        }
    }
    ok(&run(&args, root));
    assert_eq!(std::fs::read(&file).unwrap(), complete);
    let quotes = std::fs::read_dir(root.join("content/quotes")).unwrap();
    let names: Vec<String> = quotes
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["ddia.yaml".to_string()], "temporary files left");
    ok(&run(&["check"], root));
}

#[test]
fn control_characters_are_a_warning_and_reach_no_page_feed_or_index() {
    let site = demo_copy();
    let root = site.path();
    write_file(
        root,
        "content/notes/pasted.md",
        "---\ntitle: \"Pasted \u{1b}]0;retitled\u{7} from a terminal\"\ndate: 2024-05-01\n---\n\n\
         A NUL \u{0} here, a vertical tab \u{b} there,\n\nand ESC \u{1b}[2J that clears a screen.\n\n\
         ## A heading with U+FFFF \u{ffff} in it\n",
    );
    let output = run(&["check"], root);
    let shown = stderr(&output);
    assert!(output.status.success(), "{shown}");
    for at in ["content/notes/pasted.md:2:", "content/notes/pasted.md:6:"] {
        assert!(shown.contains(at), "{shown}");
    }
    assert!(
        shown.contains("content/notes/pasted.md:8:9: warning: control character U+001B removed"),
        "{shown}"
    );
    ok(&run(&["build"], root));
    let public = root.join("public");
    for (path, bytes) in read_tree(&public) {
        let text_file = [".html", ".xml", ".json", ".txt"]
            .iter()
            .any(|ext| path.ends_with(ext));
        if text_file {
            let text = String::from_utf8(bytes).unwrap();
            let bad = text.chars().find(|&c| {
                (c.is_control() && !"\t\n\r".contains(c)) || "\u{fffe}\u{ffff}".contains(c)
            });
            assert_eq!(bad, None, "{path}");
        }
    }
    // Feed readers parse the feed as XML 1.0.
    let feed = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    let parsed = roxmltree::Document::parse(&feed).expect("atom.xml is well-formed XML");
    let titles: Vec<&str> = parsed
        .descendants()
        .filter(|n| n.has_tag_name("title"))
        .filter_map(|n| n.text())
        .collect();
    assert!(
        titles.contains(&"Pasted ]0;retitled from a terminal"),
        "{titles:?}"
    );
    let found = ok(&run(&["search", "vertical tab"], root));
    assert!(
        found.contains("Pasted ]0;retitled from a terminal"),
        "{found}"
    );
}

#[test]
fn the_terminal_never_receives_control_sequences_from_content_or_file_names() {
    let site = demo_copy();
    let root = site.path();
    // A file name may hold anything but `/` and NUL; a note without a title is titled by it.
    write_file(
        root,
        "content/notes/clear\u{1b}[2J\u{1b}]0;title\u{7}.md",
        "---\ndate: 2024-05-01\n---\n\nLinks to [[nowhere at all]].\n",
    );
    let outputs = [
        run(&["check"], root),
        run(&["build"], root),
        run(&["search", "clear"], root),
        run(&["search", "clear", "--json"], root),
    ];
    for output in &outputs {
        for stream in [&output.stdout, &output.stderr] {
            assert!(
                !stream.iter().any(|&b| b == 0x1b || b == 0x07),
                "{}",
                String::from_utf8_lossy(stream)
            );
        }
    }
    let shown = stderr(&outputs[0]);
    assert!(
        shown.contains(
            "content/notes/clear\\u{1b}[2J\\u{1b}]0;title\\u{7}.md:1:1: warning: this file's \
             name holds control characters, so the site leaves the file out; rename it"
        ),
        "{shown}"
    );
    // Nor does it reach a page or the feed as a title.
    for (path, bytes) in read_tree(&root.join("public")) {
        let text_file = [".html", ".xml", ".json"].iter().any(|e| path.ends_with(e));
        if text_file {
            assert!(!bytes.iter().any(|&b| b == 0x1b || b == 0x07), "{path}");
        }
    }
}

#[test]
fn the_preview_answers_only_requests_for_this_machine() {
    let site = demo_copy();
    let server = Server::start(BIN, site.path(), &[], Duration::from_secs(120));
    let port = server.addr.rsplit(':').next().unwrap().to_string();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(
            server.status_with_host(&host, "/notes/ddia-part-1/"),
            200,
            "{host}"
        );
    }
    // A name of another site's, pointed at 127.0.0.1 (DNS rebinding), must not read drafts.
    for host in [
        format!("attacker.example:{port}"),
        "attacker.example".to_string(),
        format!("localhost.attacker.example:{port}"),
    ] {
        for path in ["/notes/ddia-part-1/", "/api/search?q=replication"] {
            assert_eq!(server.status_with_host(&host, path), 403, "{host} {path}");
        }
    }
}

#[test]
fn a_theme_outside_the_site_is_refused_and_nothing_of_it_is_published() {
    let outside = tempfile::tempdir().unwrap();
    write_file(outside.path(), "static/secret.txt", "not for the web");
    let site = demo_copy();
    let root = site.path();
    let config = std::fs::read_to_string(root.join("commonplace.yaml")).unwrap();
    let relative = pathdiff(outside.path(), root);
    std::os::unix::fs::symlink(outside.path(), root.join("themes-link")).unwrap();
    std::fs::create_dir_all(root.join("themes")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("themes/linked")).unwrap();
    std::fs::create_dir_all(root.join("themes/mine/templates")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("static"),
        root.join("themes/mine/static"),
    )
    .unwrap();
    for theme in [
        relative.as_str(),
        outside.path().to_str().unwrap(),
        "./themes-link",
        "linked",
        "mine",
    ] {
        std::fs::write(
            root.join("commonplace.yaml"),
            format!("{config}\ntheme: \"{theme}\"\n"),
        )
        .unwrap();
        let output = run(&["build"], root);
        assert!(!output.status.success(), "{theme}");
        let shown = stderr(&output);
        assert!(
            shown.contains(&format!(
                "commonplace.yaml: theme `{theme}` is outside the site"
            )),
            "{shown}"
        );
        assert!(!root.join("public").exists(), "{theme}");
    }
}

/// `to` as a path relative to `from`, with `..`.
fn pathdiff(to: &Path, from: &Path) -> String {
    let depth = from.components().count() - 1;
    let up = "../".repeat(depth);
    let to = to.strip_prefix("/").unwrap();
    format!("{up}{}", to.display())
}

#[test]
fn a_link_that_would_run_a_script_is_a_warning_and_never_a_link() {
    let site = demo_copy();
    let root = site.path();
    let file = root.join("content/quotes/ddia.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let url = "  url: https://dataintensive.net\n";
    let line = text[..text.find(url).unwrap()].lines().count() + 1;
    let hostile = "  url: \"java\\tscript:alert(document.cookie)\"\n";
    std::fs::write(&file, text.replace(url, hostile)).unwrap();
    write_file(
        root,
        "content/notes/pasted-links.md",
        "# Pasted links\n\n[click](javascript:alert(1)), <vbscript:msgbox(2)>, \
         [page](data:text/html,<script>alert(3)</script>) and [mail](mailto:a@b.org).\n\n\
         ![pixel](JAVASCRIPT:alert(4)) ![dot](data:image/png;base64,iVBORw0KGgo=)\n",
    );
    let output = run(&["check"], root);
    let shown = stderr(&output);
    assert!(output.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "content/quotes/ddia.yaml:{line}:8: warning: `url: java"
        )),
        "{shown}"
    );
    for at in ["3:1", "3:31", "3:53", "5:1"] {
        let warning = format!("content/notes/pasted-links.md:{at}: warning: `");
        assert!(shown.contains(&warning), "{at}: {shown}");
    }
    ok(&run(&["build"], root));
    let mut kept = Vec::new();
    for (path, bytes) in read_tree(&root.join("public")) {
        if !path.ends_with(".html") {
            continue;
        }
        for link in crate::common::links_in(&String::from_utf8_lossy(&bytes)) {
            let scheme: String = link.chars().filter(|c| !c.is_whitespace()).collect();
            let scheme = scheme.to_ascii_lowercase();
            assert!(
                !["javascript:", "vbscript:", "data:text"]
                    .iter()
                    .any(|s| scheme.starts_with(s)),
                "{path}: {link}"
            );
            if path == "notes/pasted-links/index.html" {
                kept.push(link);
            }
        }
    }
    // What cannot run stays: the mail link and the image's data.
    assert!(kept.contains(&"mailto:a@b.org".to_string()), "{kept:?}");
    assert!(
        kept.iter().any(|l| l.starts_with("data:image/png")),
        "{kept:?}"
    );
}

#[test]
fn messages_quote_a_short_excerpt_and_name_files_whatever_their_names() {
    let site = demo_copy();
    let root = site.path();
    // A 20 MB clippings file on one line.
    let huge = root.join("huge.txt");
    std::fs::write(&huge, "x".repeat(20_000_000)).unwrap();
    for (from, expected) in [
        ("kindle", "huge.txt:1: `xxxx"),
        ("readwise", "huge.txt:1: this is not a Readwise CSV export"),
    ] {
        let output = run(&["import", from, huge.to_str().unwrap()], root);
        assert!(!output.status.success());
        let shown = stderr(&output);
        assert!(shown.len() < 600, "{from}: {} bytes on stderr", shown.len());
        assert!(
            shown.contains(expected) && shown.contains("xxx…"),
            "{shown}"
        );
    }

    // A note whose name is not UTF-8 is named (lossily) and left out, not "not found".
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    let path: PathBuf = root.join("content/notes").join(name);
    std::fs::write(&path, "# Café\n").unwrap();
    let output = run(&["check"], root);
    let shown = stderr(&output);
    assert!(output.status.success(), "{shown}");
    assert!(
        shown.contains(
            "content/notes/caf\u{fffd}.md:1:1: warning: this file's name is not valid UTF-8"
        ),
        "{shown}"
    );
}
