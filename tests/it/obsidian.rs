//! An Obsidian vault builds as it is and reads as it does in Obsidian: the `obsidian` fixture
//! holds every piece of Obsidian syntax commonplace reads and the slips real vaults hold
//! (front matter templates left empty or broken, names that make the same page, comments,
//! plugin blocks). Every warning is pinned, and the pages that show callouts, math, diagrams,
//! highlighting, tags, self-section embeds and folder notes are snapshots.

use crate::common::*;

const WARNINGS: &str = "\
content/notes/A, B.md:1:1: warning: this note's page `/notes/a-b/` is already `content/notes/A - B.md`'s, so this one is `/notes/a-b-2/`; rename one of them to choose
content/notes/Bad date.md:3:7: warning: `date` is `2026-02-30`, a day that does not exist: February 2026 has 28 days; leaving it out
content/notes/Concept typo.md:2:11: warning: concept `tail-latncy` is used only here; did you mean `tail-latency` (used 2 times)?
content/notes/Invalid properties.md:4:5: warning: invalid YAML in front matter: found character that cannot start any token, while scanning for the next token; publishing the note without its front matter, titled by its file name
content/notes/Projects/Plan.md:7:8: warning: in `owner`: unknown link target `Nobody in particular`
content/notes/Syntax.md:63:27: warning: this math cannot be read (Expected argument but reached end of input.), so it is shown as written
content/notes/Syntax.md:67:1: warning: ```dataview needs Obsidian's Dataview plugin, which a published site does not run; it is shown as code
content/notes/Syntax.md:71:8: warning: `=…` needs Obsidian's Dataview plugin, which a published site does not run; it is shown as code
content/notes/Syntax.md:73:1: warning: this ```query block is an Obsidian search (`path:`), which a published site cannot run; it is shown as code
content/notes/Syntax.md:77:1: warning: Obsidian shows `notes/Reading list.base` as a Base (a live table of notes), which a published site cannot; the embed shows as a link to the file
content/notes/Template date.md:2:7: warning: `date` must be a date written YYYY-MM-DD, found a mapping; leaving it out
content/notes/Unclosed comment.md:1:16: warning: this comment is never closed, so it hides everything after it, as in Obsidian; end it with `%%` (or write `\\%%` for the characters themselves)
content/notes/Unclosed front matter.md:1:1: warning: front matter is never closed: add a line `---` after its last key; publishing the note as it is, `---` and all
content/notes/🚀.md:1:1: warning: this file name has no letters or digits to make a page URL from, so its page is `/notes/note/`; rename the file to choose one
";

fn page(public: &std::path::Path, path: &str) -> String {
    std::fs::read_to_string(public.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The page's `<article>`: what the note shows, without the theme's frame around it.
fn article(html: &str) -> &str {
    let start = html.find("<article").expect("the page has an article");
    let end = html.rfind("</article>").expect("the article ends") + "</article>".len();
    &html[start..end]
}

fn built() -> (tempfile::TempDir, std::path::PathBuf) {
    let site = fixture_copy("obsidian");
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert_eq!(stderr(&build), WARNINGS);
    let public = site.path().join("public");
    (site, public)
}

#[test]
fn an_obsidian_vault_builds_with_exactly_its_true_warnings() {
    let (site, public) = built();
    assert!(
        broken_links(&public, "/vault").is_empty(),
        "{:?}",
        broken_links(&public, "/vault")
    );
    // `check` finds the same, and nothing is an error.
    let check = run(&["check"], site.path());
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(stderr(&check), WARNINGS);
}

#[test]
fn pages_show_obsidian_syntax_as_obsidian_does() {
    let (_site, public) = built();
    for (name, path) in [
        ("obsidian-callouts", "notes/callouts/index.html"),
        ("obsidian-syntax", "notes/syntax/index.html"),
        ("obsidian-self-embeds", "notes/set-up-sync/index.html"),
        ("obsidian-folder-note", "notes/projects/index.html"),
        ("obsidian-folder", "notes/daily/index.html"),
        (
            "obsidian-nested-note",
            "notes/areas/health/sleep/index.html",
        ),
        ("obsidian-tag", "concepts/status/draft/index.html"),
    ] {
        insta::assert_snapshot!(name, article(&page(&public, path)));
    }
}

#[test]
fn comments_never_reach_a_page_a_feed_or_the_search() {
    let (site, public) = built();
    for (path, bytes) in read_tree(&public) {
        let text = String::from_utf8_lossy(&bytes);
        for secret in [
            "private aside",
            "whole private paragraph",
            "goes nowhere",
            "another missing note",
            "a heading inside",
            "And this hides",
        ] {
            assert!(!text.contains(secret), "{path} holds `{secret}`");
        }
    }
    let search = run(&["search", "aside"], site.path());
    assert!(search.status.success(), "{}", stderr(&search));
    assert!(
        stdout(&search).contains("0 of 0 results"),
        "{}",
        stdout(&search)
    );
}

#[test]
fn scripts_never_reach_a_page() {
    let (_site, public) = built();
    for (path, bytes) in read_tree(&public) {
        if !path.ends_with(".html") {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        // The theme's own scripts are `<script src=...>`; an author's are gone.
        for bad in ["<script>", "onclick", "javascript:", "alert("] {
            assert!(!text.contains(bad), "{path} holds `{bad}`");
        }
    }
    let syntax = page(&public, "notes/syntax/index.html");
    assert!(syntax.contains("<span style=\"color: teal\">teal</span>"));
    assert!(syntax.contains("<div class=\"boxed\">A <b>kept</b> box.</div>"));
}

#[test]
fn summaries_feeds_and_search_read_the_text_a_page_shows() {
    let (site, public) = built();
    let summary = "A note on markdown as Obsidian writes it, with highlighted words and a that \
                   nobody else reads. It quotes A fault is not the same as a failure. A fault is \
                   one… without a label.";
    let syntax = page(&public, "notes/syntax/index.html");
    assert!(syntax.contains(&format!(
        "<meta name=\"description\" content=\"{summary}\">"
    )));
    assert!(page(&public, "index.html").contains(&format!("<p>{summary}</p>")));
    let feed = page(&public, "atom.xml");
    assert!(feed.contains(&format!("<summary>{summary}</summary>")));
    assert!(feed.contains("<summary>Part of Projects; see also Sleep.</summary>"));
    // What search stores is what pages show: labels, not link syntax.
    let search = run(&["search", "Obsidian writes", "--json"], site.path());
    let json = stdout(&search);
    assert!(json.contains("notes/syntax/"), "{json}");
    assert!(
        !json.contains("concept:markdown") && !json.contains("[["),
        "{json}"
    );
}

#[test]
fn names_resolve_as_obsidian_resolves_them() {
    let (_site, public) = built();
    let names = page(&public, "notes/names/index.html");
    for expected in [
        // Two files whose names make one slug: each link finds its own.
        "<a href=\"/vault/notes/a-b-2/\" class=\"internal\">A, B</a>",
        "<a href=\"/vault/notes/a-b/\" class=\"internal\">A - B</a>",
        // A dot in a name is not a file extension when a note has the name.
        "<a href=\"/vault/notes/torch-dtype/\" class=\"internal\">torch.dtype</a>",
        // A folder note is its folder's page, found by the folder's name.
        "<a href=\"/vault/notes/projects/\" class=\"internal\">Projects</a>",
        "<a href=\"/vault/notes/projects/\" class=\"internal\">setting up</a>",
    ] {
        assert!(names.contains(expected), "missing {expected}\n{names}");
    }
    // Wikilinks in front matter values link, as in Obsidian: shown with the note, and the
    // notes they name list it among their backlinks.
    let plan = page(&public, "notes/projects/plan/index.html");
    for expected in [
        "<dt>categories</dt><dd><a href=\"/vault/notes/projects/\" class=\"internal\">Projects</a></dd>",
        "<dt>related</dt><dd><a href=\"/vault/notes/areas/health/sleep/\" class=\"internal\">rest</a></dd>",
        "<dt>owner</dt><dd><span class=\"broken-link\">Nobody in particular</span></dd>",
    ] {
        assert!(plan.contains(expected), "missing {expected}\n{plan}");
    }
    assert!(page(&public, "notes/areas/health/sleep/index.html")
        .contains("<a href=\"/vault/notes/projects/plan/\" class=\"note\">The plan</a>"));
    // The vault's settings (`.obsidian/app.json`, without `strictLineBreaks`) keep Obsidian's
    // default: a line break in a paragraph is a line break.
    assert!(
        names.contains("torch.dtype</a>.<br />\nA folder note"),
        "{names}"
    );
    // A file's name beats another note's alias (`Rest.md` has the alias `Sleep`).
    assert!(page(&public, "notes/projects/plan/index.html").contains(
        "see also <a href=\"/vault/notes/areas/health/sleep/\" class=\"internal\">Sleep</a>"
    ));
    // Notes with broken front matter are published under their file names.
    assert!(page(&public, "notes/invalid-properties/index.html")
        .contains("<h1>Invalid properties</h1>"));
    assert!(page(&public, "notes/template-date/index.html").contains("<h1>Template date</h1>"));
    assert!(page(&public, "notes/note/index.html").contains("<h1>🚀</h1>"));
    // The folder notes and folders each have one page.
    // A title taken from the opening heading is shown once, as the title, which keeps the
    // heading's id for links to it.
    let areas = page(&public, "notes/areas/index.html");
    assert!(areas.contains("<h1 id=\"areas-of-responsibility\">Areas of responsibility</h1>"));
    assert_eq!(areas.matches("Areas of responsibility</h1>").count(), 1);
    assert!(page(&public, "notes/areas/health/index.html").contains("<h1>Health</h1>"));
    assert!(!public.join("notes/areas/health/readme").exists());
    // Empty template items mean no value: no concept, no alias named "".
    let empty = page(&public, "notes/empty-items/index.html");
    assert!(empty.contains("href=\"/vault/concepts/setup/\""), "{empty}");
}

#[test]
fn mermaid_ships_only_with_a_site_that_draws_diagrams() {
    let (_site, public) = built();
    assert!(public.join("_mermaid/mermaid.esm.min.mjs").is_file());
    assert!(public.join("_mermaid/LICENSE").is_file());
    let plain = fixture_copy("minimal");
    assert!(run(&["build"], plain.path()).status.success());
    assert!(!plain.path().join("public/_mermaid").exists());
}

#[test]
fn strict_keeps_what_cannot_be_read_an_error() {
    let site = fixture_copy("obsidian");
    let config = site.path().join("commonplace.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}strict: true\n")).unwrap();
    let build = run(&["build"], site.path());
    assert_eq!(build.status.code(), Some(1));
    let errors: Vec<String> = stderr(&build)
        .lines()
        .filter(|l| l.contains(": error: "))
        .map(str::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "content/notes/A, B.md:1:1: error: this note's page `/notes/a-b/` is already taken by `content/notes/A - B.md`; rename one of them",
            "content/notes/Bad date.md:3:7: error: `date` is `2026-02-30`, a day that does not exist: February 2026 has 28 days",
            "content/notes/Invalid properties.md:4:5: error: invalid YAML in front matter: found character that cannot start any token, while scanning for the next token",
            "content/notes/Template date.md:2:7: error: `date` must be a date written YYYY-MM-DD, found a mapping",
            "content/notes/Unclosed front matter.md:1:1: error: front matter is never closed: add a line `---` after its last key",
            "content/notes/🚀.md:1:1: error: this file name has no letters or digits to make a page URL from, so its page is `/notes/note/`; rename the file to choose one",
        ]
    );
    assert!(stderr(&build).contains("error: build failed with 6 errors"));
}

#[test]
fn inline_tags_and_sanitizing_can_be_turned_off() {
    let site = fixture_copy("obsidian");
    let config = site.path().join("commonplace.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}inline_tags: false\nsanitize_html: false\n"),
    )
    .unwrap();
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let syntax = page(&site.path().join("public"), "notes/syntax/index.html");
    assert!(syntax.contains("<p>Tags: #markdown, #status/draft and #日本語;"));
    assert!(syntax.contains("<script>alert(\"gone\")</script>"));
    assert!(syntax.contains("onclick=\"steal()\""));
    assert!(!site.path().join("public/concepts/status").exists());
}

/// A chain of notes, each embedding the two before it, is exponential if expanded in full;
/// pages stop at the depth cap, warn where, and the build stays quick.
#[test]
fn an_embed_chain_is_cut_at_the_depth_cap() {
    let site = fixture_copy("minimal");
    for i in 0..12usize {
        let mut text = format!("Note {i}.\n");
        for before in [i.checked_sub(1), i.checked_sub(2)].into_iter().flatten() {
            text.push_str(&format!("\n![[c{before:02}]]\n"));
        }
        write_file(
            site.path(),
            &format!("content/notes/chain/c{i:02}.md"),
            text,
        );
    }
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let printed = stderr(&build);
    let warnings: Vec<&str> = printed.lines().collect();
    let expected: Vec<String> = (9..12usize)
        .map(|i| {
            let path: Vec<String> = (0..9).map(|d| format!("`chain/c{:02}`", i - 1 - d)).collect();
            format!(
                "content/notes/chain/c{i:02}.md:3:1: warning: embeds nest more than 8 deep from here ({}); the deeper ones show as links",
                path.join(" › ")
            )
        })
        .collect();
    assert_eq!(warnings, expected);
    // The page holds every embed up to depth 8 and a link where each deeper one would be.
    fn expanded(note: Option<usize>, depth: usize) -> (usize, usize) {
        match note {
            None => (0, 0),
            Some(_) if depth > 8 => (0, 1),
            Some(j) => {
                let (a, x) = expanded(j.checked_sub(1), depth + 1);
                let (b, y) = expanded(j.checked_sub(2), depth + 1);
                (1 + a + b, x + y)
            }
        }
    }
    let (first, first_cut) = expanded(Some(10), 1);
    let (second, second_cut) = expanded(Some(9), 1);
    let page = page(&site.path().join("public"), "notes/chain/c11/index.html");
    assert_eq!(
        page.matches("class=\"embed embed-note\"").count(),
        first + second
    );
    assert_eq!(
        page.matches("class=\"internal embed-cut\"").count(),
        first_cut + second_cut
    );
    assert_eq!((first + second, first_cut + second_cut), (317, 46));
}
