//! Tests in headless Chromium (Debian's `chromium`, driven by `playwright-core` from npm;
//! never a downloaded browser). They need `npm ci --prefix tests/browser` and
//! `/usr/bin/chromium` (or `CHROMIUM`); `.ci/run` installs both and sets
//! `COMMONPLACE_BROWSER_TESTS=1`, which turns a missing browser into a failure instead of a
//! skip.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::common::{demo_copy, repo_root, BIN};
use crate::live::Server;

/// The browser test folder, or `None` (after saying why) when the browser tests cannot run
/// here and were not required.
fn browser_tests() -> Option<PathBuf> {
    let dir = repo_root().join("tests/browser");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut missing = Vec::new();
    if !dir.join("node_modules/playwright-core").is_dir() {
        missing.push("playwright-core (npm ci --prefix tests/browser)".to_string());
    }
    if !std::path::Path::new(&chromium).is_file() {
        missing.push(format!("{chromium} (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node".to_string());
    }
    if missing.is_empty() {
        return Some(dir);
    }
    let message = format!("browser tests need {}", missing.join(", "));
    if std::env::var_os("COMMONPLACE_BROWSER_TESTS").is_some_and(|v| v == "1") {
        panic!("{message}");
    }
    eprintln!("skipped: {message}");
    None
}

/// A note whose text looks like HTML that would run a script: results must show it as text
/// (the browser scripts search for "zebrafish" and check `window.pwned`).
fn write_markup_note(site: &std::path::Path) {
    crate::common::write_file(
        site,
        "content/notes/markup.md",
        "# Markup\n\nA zebrafish note that writes `<img src=x onerror=window.pwned=1>` as code.\n",
    );
}

/// Runs `node tests/browser/SCRIPT ARGS...` and returns what it printed, failing the test when
/// the script fails.
fn node(dir: &std::path::Path, script: &str, args: &[&std::ffi::OsStr]) -> String {
    let output = Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .output()
        .expect("node runs");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{script} failed:\n{shown}");
    shown
}

#[test]
fn an_open_page_reloads_after_an_edit_and_shows_errors_until_fixed() {
    let Some(dir) = browser_tests() else { return };
    let site = demo_copy();
    let server = Server::start(BIN, site.path(), &[], Duration::from_secs(120));
    let url = server.url("/");
    let shown = node(&dir, "reload.mjs", &[url.as_ref(), site.path().as_os_str()]);
    assert!(
        shown.contains("reload, overlay and recovery all seen"),
        "{shown}"
    );
}

#[test]
fn the_search_page_uses_the_search_api_when_served() {
    let Some(dir) = browser_tests() else { return };
    let site = demo_copy();
    write_markup_note(site.path());
    let server = Server::start(BIN, site.path(), &[], Duration::from_secs(120));
    let url = server.url("/");
    let shown = node(&dir, "search_page.mjs", &[url.as_ref()]);
    assert!(
        shown.contains("the search page shows the API's results"),
        "{shown}"
    );
}

/// Writes the cases of a parity run: each query with what `commonplace search --json` says.
fn parity_cases(site: &std::path::Path, cases: &[crate::bundle::Case]) -> std::path::PathBuf {
    let list: Vec<serde_json::Value> = cases
        .iter()
        .map(|&(query, concept, kind)| {
            let (total, ids, urls) = crate::bundle::cli_with_urls(site, query, concept, kind);
            serde_json::json!({
                "query": query, "concept": concept, "kind": kind,
                "total": total, "ids": ids, "urls": urls,
            })
        })
        .collect();
    let path = site.join("parity-cases.json");
    std::fs::write(&path, serde_json::to_vec(&list).unwrap()).unwrap();
    path
}

#[test]
fn the_published_site_searches_itself_as_the_terminal_does() {
    let Some(dir) = browser_tests() else { return };
    // The demo, and a generated site with more documents, ties and common words.
    let demo = demo_copy();
    let generated = tempfile::tempdir().unwrap();
    let shape = crate::bundle::generated_shape();
    crate::bundle::corpus::generate(generated.path(), shape).unwrap();
    let concepts = crate::bundle::corpus::concept_names(shape.concepts);
    let generated_cases = crate::bundle::generated_queries(&concepts);
    let mut checked = 0;
    for (site, cases) in [
        (demo.path(), crate::bundle::DEMO_QUERIES.to_vec()),
        (generated.path(), generated_cases),
    ] {
        let built = crate::common::run(&["build"], site);
        assert!(built.status.success(), "{}", crate::common::stderr(&built));
        let file = parity_cases(site, &cases);
        let public = site.join("public");
        let shown = node(
            &dir,
            "bundle_parity.mjs",
            &[public.as_os_str(), file.as_os_str()],
        );
        // Three hosts: plain, gzip-encoding, ignoring range requests.
        assert!(
            shown.contains(&format!(
                "browser parity: {0} of {0} cases equal",
                3 * cases.len()
            )),
            "{shown}"
        );
        checked += cases.len();
    }
    assert!(checked >= 30);
}

#[test]
fn the_published_search_page_works_from_static_files() {
    let Some(dir) = browser_tests() else { return };
    let site = demo_copy();
    write_markup_note(site.path());
    let built = crate::common::run(&["build"], site.path());
    assert!(built.status.success(), "{}", crate::common::stderr(&built));
    let cli = |query: &str, concept: Option<&str>, source: Option<&str>| {
        let mut args = vec!["search", query, "--json", "--limit", "20"];
        if let Some(c) = concept {
            args.extend(["--concept", c]);
        }
        if let Some(s) = source {
            args.extend(["--source", s]);
        }
        let output = crate::common::run(&args, site.path());
        let json: serde_json::Value =
            serde_json::from_str(&crate::common::stdout(&output)).unwrap();
        let urls: Vec<&str> = json["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["url"].as_str().unwrap())
            .collect();
        serde_json::json!({ "total": json["total"], "urls": urls })
    };
    let mut narrowed = cli("tail latency", Some("tail-latency"), None);
    narrowed["concept"] = "tail-latency".into();
    let mut sourced = cli("tail latency", Some("tail-latency"), Some("ddia"));
    sourced["source"] = "ddia".into();
    // More than the ten results the page shows at first.
    let many = cli("data", None, None);
    assert!(many["total"].as_u64().unwrap() > 10, "{many}");
    let expected = serde_json::json!({
        "plain": cli("tail latency", None, None),
        "narrowed": narrowed,
        "sourced": sourced,
        "many": many,
    });
    let file = site.path().join("expected.json");
    std::fs::write(&file, expected.to_string()).unwrap();
    let public = site.path().join("public");
    let shown = node(
        &dir,
        "search_published.mjs",
        &[public.as_os_str(), file.as_os_str()],
    );
    assert!(shown.contains("the published search page works"), "{shown}");
}
