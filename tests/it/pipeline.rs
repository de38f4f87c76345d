//! The demo knowledge base builds, every link in it resolves, builds are deterministic, and a
//! sub-path `base_url` reaches every link.

use std::path::Path;

use crate::common::*;

/// Files under `dir` whose relative path ends with `suffix`, counted.
fn count_files(dir: &Path, suffix: &str) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().to_string_lossy().ends_with(suffix))
        .count()
}

/// The ids of the quotes in the demo's quote files, as `source/quote`.
fn demo_quote_ids() -> Vec<String> {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("content/quotes")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).unwrap();
        let source = value["source"]["id"].as_str().unwrap().to_string();
        for quote in value["quotes"].as_sequence().unwrap() {
            ids.push(format!("{source}/{}", quote["id"].as_str().unwrap()));
        }
    }
    ids
}

/// Builds a copy of the demo into `out`; the copy lives as long as the returned folder.
fn build_demo(out: &Path, extra: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let site = demo_copy();
    let root = site.path().to_str().unwrap();
    let out = out.to_str().unwrap();
    let mut args = vec!["build", "--root", root, "--output", out];
    args.extend_from_slice(extra);
    (run(&args, site.path()), site)
}

#[test]
fn demo_site_builds_without_warnings_and_every_link_resolves() {
    let tmp = tempfile::tempdir().unwrap();
    let public = tmp.path().join("public");
    let (output, _site) = build_demo(&public, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "",
        "the demo must build with zero warnings"
    );

    let problems = broken_links(&public, "");
    assert!(
        problems.is_empty(),
        "broken links:\n{}",
        problems.join("\n")
    );

    // One page per note, quote, concept and source, and one per folder of notes.
    let notes = count_files(&repo_root().join("content/notes"), ".md");
    let folders = std::fs::read_dir(repo_root().join("content/notes"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_type().unwrap().is_dir())
        .count();
    assert_eq!(folders, 3);
    assert_eq!(
        count_files(&public.join("notes"), "index.html"),
        notes + folders
    );
    let quotes = demo_quote_ids();
    assert!(quotes.len() >= 20);
    for id in &quotes {
        assert!(
            public.join("quotes").join(id).join("index.html").is_file(),
            "{id}"
        );
    }
    assert_eq!(
        count_files(&public.join("quotes"), "index.html"),
        quotes.len()
    );
    let concept_files = count_files(&repo_root().join("content/concepts"), ".md");
    // Every concept has a file in the demo, plus the concepts index page.
    assert_eq!(
        count_files(&public.join("concepts"), "index.html"),
        concept_files + 1
    );
    assert_eq!(count_files(&public.join("sources"), "index.html"), 1 + 1);
    for page in [
        "index.html",
        "404.html",
        "atom.xml",
        "sitemap.xml",
        "style.css",
        "images/fan-out.svg",
    ] {
        assert!(public.join(page).is_file(), "{page}");
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    assert!(build_demo(&a, &[]).0.status.success());
    assert!(build_demo(&b, &[]).0.status.success());
    let (tree_a, tree_b) = (read_tree(&a), read_tree(&b));
    assert_eq!(
        tree_a.keys().collect::<Vec<_>>(),
        tree_b.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &tree_a {
        assert!(bytes == &tree_b[path], "{path} differs between two builds");
    }
}

#[test]
fn sub_path_base_url_prefixes_every_link() {
    let tmp = tempfile::tempdir().unwrap();
    let public = tmp.path().join("public");
    let (output, _site) = build_demo(&public, &["--base-url", "https://user.github.io/kb/"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let problems = broken_links(&public, "/kb");
    assert!(
        problems.is_empty(),
        "links without the prefix:\n{}",
        problems.join("\n")
    );

    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains("<loc>https://user.github.io/kb/notes/beyond-buzzwords/</loc>"));
    assert!(!sitemap.contains("<loc>https://user.github.io/notes"));
    let feed = std::fs::read_to_string(public.join("atom.xml")).unwrap();
    assert!(feed.contains("href=\"https://user.github.io/kb/atom.xml\""));
    let note = std::fs::read_to_string(public.join("notes/ddia-part-1/index.html")).unwrap();
    assert!(note.contains("href=\"/kb/style.css\""));
    assert!(
        note.contains("href=\"/kb/notes/reliability/faults-are-not-failures/#the-distinction\"")
    );
}

#[test]
fn an_authors_root_relative_links_get_the_base_path() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "content/notes/rooted.md",
        "# Rooted\n\n[all sources](/sources/) and [already](/kb/concepts/) and [far](https://example.org/x)\n",
    );
    let build = run(
        &["build", "--base-url", "https://user.github.io/kb/"],
        site.path(),
    );
    assert!(build.status.success(), "{}", stderr(&build));
    let page = std::fs::read_to_string(site.path().join("public/notes/rooted/index.html")).unwrap();
    assert!(
        page.contains("<a href=\"/kb/sources/\">all sources</a>"),
        "{page}"
    );
    assert!(page.contains("<a href=\"/kb/concepts/\">already</a>"));
    assert!(page.contains("<a href=\"https://example.org/x\">far</a>"));
}

#[test]
fn drafts_are_built_only_when_asked() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "content/notes/wip.md",
        "---\ntitle: Work in progress\ndraft: true\n---\nNot yet.\n",
    );
    let root = site.path().to_str().unwrap();
    assert!(run(&["build", "--root", root], site.path())
        .status
        .success());
    assert!(!site.path().join("public/notes/wip/index.html").exists());
    assert!(run(&["build", "--root", root, "--drafts"], site.path())
        .status
        .success());
    assert!(site.path().join("public/notes/wip/index.html").is_file());
}

#[test]
fn a_site_built_after_edits_equals_a_clean_build_of_the_same_content() {
    let site = demo_copy();
    let root = site.path().to_str().unwrap();
    let note = site
        .path()
        .join("content/notes/scalability/describing-load.md");
    let original = std::fs::read_to_string(&note).unwrap();
    assert!(run(&["build", "--root", root], site.path())
        .status
        .success());
    // Edit, build, and edit back: the index has seen documents deleted and added again.
    std::fs::write(
        &note,
        format!("{original}\nA paragraph about queues and backpressure.\n"),
    )
    .unwrap();
    assert!(run(&["build", "--root", root], site.path())
        .status
        .success());
    std::fs::write(&note, &original).unwrap();
    assert!(run(&["build", "--root", root], site.path())
        .status
        .success());

    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean");
    assert!(build_demo(&clean, &[]).0.status.success());
    let (edited, fresh) = (read_tree(&site.path().join("public")), read_tree(&clean));
    assert_eq!(
        edited.keys().collect::<Vec<_>>(),
        fresh.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &edited {
        assert!(bytes == &fresh[path], "{path} differs from a clean build");
    }
}

#[test]
fn a_concept_on_many_quotes_shows_them_a_hundred_to_a_page() {
    let site = fixture_copy("minimal");
    let mut yaml = String::from("source:\n  title: A Long Book\n  author: Someone\nquotes:\n");
    for i in 1..=250 {
        yaml.push_str(&format!(
            "  - id: q{i}\n    text: Quote number {i}.\n    locator: p. {i}\n    concepts: [topic]\n"
        ));
    }
    write_file(site.path(), "content/quotes/long.yaml", yaml);
    let built = run(&["build"], site.path());
    assert!(built.status.success(), "{}", stderr(&built));
    let public = site.path().join("public");
    let page = |path: &str| std::fs::read_to_string(public.join(path)).unwrap();

    // The concept's page: the first hundred quotes (its other source's first, by source),
    // its notes, and the way on.
    let first = page("concepts/topic/index.html");
    assert!(first.contains("<h2>Notes</h2>"));
    assert!(first.contains("Page 1 of 3"));
    assert!(first.contains(r#"<a href="/concepts/topic/page/2/" rel="next">"#));
    assert!(!first.contains("rel=\"prev\""));
    assert!(first.contains("Quote number 99."));
    assert!(
        !first.contains("Quote number 100."),
        "one quote of A Book is first"
    );
    let second = page("concepts/topic/page/2/index.html");
    assert!(second.contains("<title>Topic (page 2)"), "{second}");
    assert!(second.contains("Quote number 100.") && second.contains("Quote number 199."));
    assert!(!second.contains("Quote number 99.") && !second.contains("Quote number 200."));
    assert!(
        !second.contains("<h2>Notes</h2>"),
        "notes are on the first page only"
    );
    let last = page("concepts/topic/page/3/index.html");
    assert!(last.contains("Quote number 250.") && last.contains("Page 3 of 3"));
    assert!(last.contains(r#"<a href="/concepts/topic/page/2/" rel="prev">"#));
    assert!(!last.contains("rel=\"next\""));
    assert!(!public.join("concepts/topic/page/4").exists());
    assert!(page("sitemap.xml").contains("/concepts/topic/page/3/"));
    assert_eq!(broken_links(&public, ""), Vec::<String>::new());
}

#[test]
fn a_site_of_more_pages_than_a_sitemap_may_list_gets_a_sitemap_index() {
    let site = fixture_copy("minimal");
    // 50,001 quotes: more pages than one sitemap file may list (sitemaps.org says 50,000).
    let mut yaml = String::from("source:\n  title: A Long Book\nquotes:\n");
    for i in 1..=50_001 {
        yaml.push_str(&format!("  - id: q{i}\n    text: Quote {i}.\n"));
    }
    write_file(site.path(), "content/quotes/long.yaml", yaml);
    let built = run(&["build"], site.path());
    assert!(built.status.success(), "{}", stderr(&built));
    let public = site.path().join("public");
    let index = std::fs::read_to_string(public.join("sitemap.xml")).unwrap();
    assert!(index.contains("<sitemapindex"), "{index}");
    let listed: Vec<&str> = index
        .split("<loc>")
        .skip(1)
        .map(|s| s.split("</loc>").next().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "https://example.org/sitemap-notes-1.xml",
            "https://example.org/sitemap-quotes-1.xml",
            "https://example.org/sitemap-quotes-2.xml",
            "https://example.org/sitemap-pages-1.xml"
        ]
    );
    let count = |file: &str| {
        let text = std::fs::read_to_string(public.join(file)).unwrap();
        assert!(text.contains("<urlset"));
        text.matches("<url>").count()
    };
    // The quotes of both sources: 50,003, of which 50,000 in the first file.
    assert_eq!(count("sitemap-quotes-1.xml"), 50_000);
    assert_eq!(count("sitemap-quotes-2.xml"), 3);
    assert_eq!(count("sitemap-notes-1.xml"), 2);
    assert!(std::fs::read_to_string(public.join("sitemap-pages-1.xml"))
        .unwrap()
        .contains("/concepts/topic/"));
}
