//! Publishing only what the user chose: the `publish` fixture holds a note of every kind the
//! published site leaves out (`publish: false`, `Publish: false`, a draft, a template and a
//! private note in ignored folders, a concept file and a quote file that say `publish: false`,
//! an image only a private note uses), each with its own made-up words, and published notes
//! that link to and embed all of them. Every byte under `public/` (compressed files read
//! uncompressed) is searched for those words, titles and slugs.

use std::io::Read;
use std::path::Path;

use crate::common::*;
use crate::live::Server;

const WARNINGS: &str = "\
content/notes/knotted.md:3:5: warning: invalid YAML in front matter: found character that cannot start any token, while scanning for the next token; reading its `publish` and `draft` lines alone, and unless they withhold it, publishing the note without its front matter, titled by its file name
content/notes/mangled-quorp.md:2:8: warning: `title` must be text, found a mapping; leaving it out
content/notes/mangled-quorp.md:3:10: warning: `publish` must be true or false, found a mapping; not publishing the text until it is
content/notes/secret-marmot.md:3:10: warning: `Publish` read as `publish`; write it in lower case, as Obsidian Publish does
content/notes/tangled-yerk.md:3:5: warning: invalid YAML in front matter: found character that cannot start any token, while scanning for the next token; reading its `publish` and `draft` lines alone, and unless they withhold it, publishing the note without its front matter, titled by its file name
content/notes/welcome.md:4:10: warning: in `related`: `zorblax-glimt` is not published (publish: false), so it shows as plain text
content/notes/welcome.md:5:10: warning: source `unspoken` in `sources` is not published (publish: false), so the note does not name it
content/notes/welcome.md:8:1: warning: `zorblax-glimt` is not published (publish: false), so this link shows as plain text
content/notes/welcome.md:8:31: warning: `Diary Alias` is not published (publish: false), so this link shows as plain text
content/notes/welcome.md:8:48: warning: `secret-marmot` is not published (publish: false), so this link shows as plain text
content/notes/welcome.md:9:1: warning: `private/diary.md` is not published (ignored by `private/` in `ignore`), so this link shows as plain text
content/notes/welcome.md:9:32: warning: `Daily Note` is not published (ignored by `templates/` in `ignore`), so this link shows as plain text
content/notes/welcome.md:10:1: warning: `quote:unspoken/frumious` is not published (publish: false), so this link shows as plain text
content/notes/welcome.md:12:1: warning: `zorblax-glimt` is not published (publish: false), so this embed shows nothing
content/notes/welcome.md:14:1: warning: `draft-plinth` is not published (draft: true), so this embed shows nothing
";

/// What each withheld text would leak: its title's words, its slug, words only its body has.
const SECRETS: &[(&str, &[&str])] = &[
    (
        "notes/zorblax-glimt.md",
        &["Zorblax", "Glimt", "zorblax-glimt", "vantrix", "krumholt"],
    ),
    (
        "notes/draft-plinth.md",
        &["Plinthwock", "draft-plinth", "drubnik"],
    ),
    (
        "notes/secret-marmot.md",
        &["Marmotzy", "Snarf", "secret-marmot", "glomphar"],
    ),
    (
        "notes/Templates/Daily Note.md",
        &["daily-note", "templatezork"],
    ),
    ("notes/private/diary.md", &["private/diary", "privatequux"]),
    ("concepts/hushwort.md", &["Hushwort", "cryptomel"]),
    // Its concept stays, since a published note is tagged with it: without its file's words.
    ("concepts/quiet-corner.md", &["Quellfrost", "murmelbinde"]),
    (
        "quotes/unspoken.yaml",
        &["Unspoken", "Folio", "frumious", "glabberwock"],
    ),
    ("notes/attachments/only-private.png", &["only-private"]),
    // Front matter that cannot be read: its `publish` line read alone, or not at all.
    ("notes/tangled-yerk.md", &["tangled-yerk", "snorklewisp"]),
    ("notes/mangled-quorp.md", &["mangled-quorp", "wibbleduck"]),
    (
        "notes/garden-vorbel.md",
        &["Vorbel", "garden-vorbel", "voleskint"],
    ),
];

/// Every file under `dir`, by path, as bytes; gzip files uncompressed.
fn public_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let mut bytes = std::fs::read(entry.path()).unwrap();
        if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_end(&mut plain)
                .unwrap();
            bytes = plain;
        }
        let path = entry.path().strip_prefix(dir).unwrap();
        files.push((path.to_string_lossy().into_owned(), bytes));
    }
    files
}

/// The files under `dir` in which any of `words` appears, in any case, with the word.
fn leaks(dir: &Path, words: &[&str]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, bytes) in public_bytes(dir) {
        let lower = bytes.to_ascii_lowercase();
        for word in words {
            let needle = word.to_ascii_lowercase().into_bytes();
            if lower.windows(needle.len()).any(|w| w == needle) {
                found.push((path.clone(), word.to_string()));
            }
        }
    }
    found
}

fn all_secrets() -> Vec<&'static str> {
    SECRETS
        .iter()
        .flat_map(|(_, words)| words.iter().copied())
        .collect()
}

fn build(site: &Path) -> String {
    let build = run(&["build"], site);
    assert!(build.status.success(), "{}", stderr(&build));
    stderr(&build)
}

#[test]
fn nothing_of_an_unpublished_note_reaches_the_site() {
    let site = fixture_copy("publish");
    assert_eq!(build(site.path()), WARNINGS);
    let public = site.path().join("public");
    // The test can fail: each word is in the content, and the published pages are there.
    for (file, words) in SECRETS {
        let text = std::fs::read(site.path().join("content").join(file)).unwrap();
        if !file.ends_with(".png") {
            let text = String::from_utf8(text).unwrap().to_lowercase();
            let body_word = words.last().unwrap().to_lowercase();
            assert!(text.contains(&body_word), "{file} holds {body_word}");
        }
    }
    assert!(public.join("notes/welcome/index.html").is_file());
    assert!(public.join("notes/open/index.html").is_file());
    assert!(!leaks(&public, &["openword"]).is_empty());
    assert_eq!(leaks(&public, &all_secrets()), Vec::new());
    assert!(public.join("notes/attachments/shared.png").is_file());
    assert!(!public.join("notes/attachments/only-private.png").exists());
    assert!(!public.join("notes/templates").exists());
    assert!(public.join("concepts/quiet-corner/index.html").is_file());

    // Links show what the author wrote, as plain text; embeds show nothing.
    let welcome = std::fs::read_to_string(public.join("notes/welcome/index.html")).unwrap();
    assert!(
        welcome.contains("with links to what the site keeps private:\nmy journal, Diary Alias, the marmot,\nthe diary, the daily template and\na line I keep.</p>"),
        "{welcome}"
    );
    assert!(welcome.contains("<dt>related</dt><dd>the journal</dd>"));
    // The private note links to `welcome` and `open`, but no backlink says so.
    assert!(!welcome.contains("Backlinks"), "{welcome}");

    // `check` says what is published and what is not, and why.
    let check = run(&["check", "--list"], site.path());
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(stderr(&check), WARNINGS);
    assert_eq!(
        stdout(&check),
        "\
published  content/concepts/open-topic.md
published  content/notes/attachments/shared.png
published  content/notes/knotted.md
published  content/notes/open.md
published  content/notes/welcome.md
published  content/quotes/open-book.yaml
withheld   content/concepts/hushwort.md  (publish: false)
withheld   content/concepts/quiet-corner.md  (publish: false)
withheld   content/notes/Templates/Daily Note.md  (ignored by `templates/` in `ignore`)
withheld   content/notes/attachments/only-private.png  (only unpublished notes use it)
withheld   content/notes/draft-plinth.md  (draft: true)
withheld   content/notes/garden-vorbel.md  (dg-publish: false)
withheld   content/notes/mangled-quorp.md  (its `publish` or `draft` cannot be read)
withheld   content/notes/private/diary.md  (ignored by `private/` in `ignore`)
withheld   content/notes/secret-marmot.md  (publish: false)
withheld   content/notes/tangled-yerk.md  (publish: false)
withheld   content/notes/zorblax-glimt.md  (publish: false)
withheld   content/quotes/unspoken.yaml  (publish: false)
Publishing 3 notes, 1 concept file, 1 quote file and 1 other file; leaving out 12 files (7 publish: false, 2 ignored, 1 used only by unpublished notes, 1 draft, 1 unreadable)
No problems found but 15 warnings
"
    );
}

#[test]
fn explicit_mode_publishes_only_what_says_publish_true() {
    let site = fixture_copy("publish");
    let config = site.path().join("commonplace.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}publish: explicit\n")).unwrap();
    let warnings = build(site.path());
    assert!(
        warnings.contains("content/notes/welcome.md:18:10: warning: `open` is not published (publish: explicit, and no `publish: true`), so this link shows as plain text\n"),
        "{warnings}"
    );
    let public = site.path().join("public");
    assert!(public.join("notes/welcome/index.html").is_file());
    assert!(!public.join("notes/open").exists());
    // Its front matter cannot be read, but its `publish: true` line can.
    assert!(public.join("notes/knotted/index.html").is_file());
    let mut secrets = all_secrets();
    secrets.extend(["openword", "Open letter", "Everyone may read"]);
    assert_eq!(leaks(&public, &secrets), Vec::new());
    // The image the published note shows is published; nothing else is.
    assert!(public.join("notes/attachments/shared.png").is_file());
    let check = run(&["check", "--list"], site.path());
    assert!(stdout(&check).contains(
        "withheld   content/notes/open.md  (publish: explicit, and no `publish: true`)\n"
    ));
}

#[test]
fn a_note_made_private_after_it_was_published_leaves_no_trace() {
    // Published first, so its words are in the search index; then withdrawn: the next build's
    // index and bundle must not keep them, even as deleted documents or terms.
    let site = fixture_copy("publish");
    let note = site.path().join("content/notes/zorblax-glimt.md");
    let text = std::fs::read_to_string(&note).unwrap();
    std::fs::write(&note, text.replace("publish: false\n", "")).unwrap();
    build(site.path());
    let public = site.path().join("public");
    assert!(!leaks(&public, &["vantrix"]).is_empty(), "published first");
    std::fs::write(&note, text).unwrap();
    build(site.path());
    assert_eq!(leaks(&public, &all_secrets()), Vec::new());
    let search = run(&["search", "vantrix", "--json"], site.path());
    assert!(
        stdout(&search).contains("\"total\": 0"),
        "{}",
        stdout(&search)
    );
}

#[test]
fn the_vaults_templates_folder_is_never_read() {
    let site = fixture_copy("publish");
    // The vault keeps its templates in `Meta/Blueprints`, which no default pattern names.
    write_file(
        site.path(),
        "content/notes/.obsidian/templates.json",
        r#"{"folder": "Meta/Blueprints"}"#,
    );
    write_file(
        site.path(),
        "content/notes/Meta/Blueprints/Meeting.md",
        "---\ndate: {{date}}\n---\n# {{title}}\nblueprintzork\n",
    );
    build(site.path());
    let public = site.path().join("public");
    assert_eq!(leaks(&public, &["blueprintzork"]), Vec::new());
    let check = run(&["check", "--list"], site.path());
    assert!(stdout(&check).contains("withheld   content/notes/Meta/Blueprints/Meeting.md  (ignored by the vault's templates folder `Meta/Blueprints` (`.obsidian/templates.json`))\n"), "{}", stdout(&check));
    // A site that sets its own `ignore` list decides alone.
    let config = site.path().join("commonplace.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}ignore: [private/, Templates/]\n")).unwrap();
    build(site.path());
    assert!(!leaks(&public, &["blueprintzork"]).is_empty());
}

#[test]
fn serve_shows_unpublished_notes_marked_and_published_shows_only_the_site() {
    let site = fixture_copy("publish");
    let wait = std::time::Duration::from_secs(120);
    let server = Server::start(BIN, site.path(), &[], wait);
    let (status, page) = server.get("/kb/notes/zorblax-glimt/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<strong>Not published</strong> (publish: false)"));
    let (status, page) = server.get("/kb/notes/draft-plinth/");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("<strong>Not published</strong> (draft: true)"));
    let (_, published) = server.get("/kb/notes/welcome/");
    assert!(!published.contains("Not published</strong>"));
    // Links that the published site shows as plain text say so in the preview.
    assert!(
        published.contains("<a href=\"/kb/notes/zorblax-glimt/\" class=\"internal unpublished\" title=\"Not published: the published site shows this link as plain text\">my journal</a>"),
        "{published}"
    );
    let (_, found) = server.get("/api/search?q=vantrix");
    assert!(found.contains("\"total\":1"), "{found}");
    drop(server);

    let server = Server::start(BIN, site.path(), &["--published"], wait);
    let (status, _) = server.get("/kb/notes/zorblax-glimt/");
    assert_eq!(status, 404);
    let (_, found) = server.get("/api/search?q=vantrix");
    assert!(found.contains("\"total\":0"), "{found}");
    drop(server);
    // The preview's index of everything is its own: a build's bundle never holds its notes.
    build(site.path());
    assert_eq!(
        leaks(&site.path().join("public"), &all_secrets()),
        Vec::new()
    );
}
