//! `commonplace import kindle|readwise` and `commonplace new note|quote`, run as the binary on
//! a copy of the demo site, with the exports in `tests/fixtures/import/`.

use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use crate::common::{demo_copy, fixtures, read_tree, run, stderr, stdout, write_file};

fn clippings() -> PathBuf {
    fixtures().join("import").join("My Clippings.txt")
}

/// The clippings as a Kindle writes them: CRLF line endings, a byte-order mark at the start
/// and another before a title in the middle.
fn kindle_written(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(clippings()).unwrap();
    let text = text
        .replace("The (Mis)Behavior", "\u{feff}The (Mis)Behavior")
        .replace('\n', "\r\n");
    let path = dir.join("My Clippings.txt");
    std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
    path
}

fn quotes_of(site: &Path, file: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(site.join("content/quotes").join(file)).unwrap();
    let yaml: Value = serde_yaml_ng::from_str(&text).unwrap();
    yaml["quotes"].as_sequence().unwrap().clone()
}

fn by_text<'a>(quotes: &'a [Value], start: &str) -> &'a Value {
    quotes
        .iter()
        .find(|q| q["text"].as_str().unwrap().starts_with(start))
        .unwrap_or_else(|| panic!("no quote starting {start:?}"))
}

fn ok(output: &std::process::Output) -> String {
    assert!(output.status.success(), "{}", stderr(output));
    stdout(output)
}

const SUMMARY: &str = "added 10, unchanged 1, skipped 3 (bookmark; marked again later, line 16; note with no highlight at its location, line 76)";

#[test]
fn a_kindle_import_reads_every_kind_of_entry() {
    let site = demo_copy();
    let input = kindle_written(site.path());
    let ddia_before =
        std::fs::read_to_string(site.path().join("content/quotes/ddia.yaml")).unwrap();
    let output = run(&["import", "kindle", input.to_str().unwrap()], site.path());
    let shown = ok(&output);
    assert!(shown.ends_with(&format!("{SUMMARY}\n")), "{shown}");
    assert!(
        shown.contains("added to content/quotes/ddia.yaml (7 quotes)"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "created content/quotes/the-mis-behavior-of-markets-mandelbrot.yaml (1 quote)"
        ),
        "{shown}"
    );
    // The line no language here reads: kept, with a warning naming it.
    assert_eq!(
        stderr(&output),
        format!(
            "{}:72:1: warning: can't read this metadata line, so the text is kept as a highlight with no locator: `- 您在位置 #700-702的标注 | 添加于 2024年3月14日`\n",
            input.display()
        )
    );

    // The demo's own quotes are untouched: the file only grew at the end.
    let ddia = std::fs::read_to_string(site.path().join("content/quotes/ddia.yaml")).unwrap();
    assert!(
        ddia.starts_with(&ddia_before),
        "the file was rewritten, not appended to"
    );
    let quotes = quotes_of(site.path(), "ddia.yaml");
    let first = by_text(&quotes, "Reliability means");
    assert_eq!(first["locator"].as_str(), Some("p. 8, loc. 120–122"));
    assert_eq!(first["date"].as_str(), Some("2024-03-04"));
    assert_eq!(
        first["note"].as_str(),
        Some("Compare with [[load-parameters]]."),
        "the note on it"
    );
    let id = first["id"].as_str().unwrap();
    assert!(id.starts_with("l120-") && id.len() == 11, "{id}");
    // Marked twice: the later, longer passage only; the one beside it stays.
    assert!(by_text(&quotes, "A fault is one component")["text"]
        .as_str()
        .unwrap()
        .contains("whereas"));
    assert_eq!(
        quotes
            .iter()
            .filter(|q| q["text"].as_str().unwrap().starts_with("A fault is one"))
            .count(),
        1
    );
    assert_eq!(
        by_text(&quotes, "It is impossible")["locator"].as_str(),
        Some("loc. 154–156")
    );
    // The same words as a demo quote: not added again.
    assert_eq!(
        quotes
            .iter()
            .filter(|q| q["text"].as_str().unwrap().starts_with("Many applications"))
            .count(),
        1
    );
    // Spanish, German and French Kindles.
    let spanish = by_text(&quotes, "La replicación");
    assert_eq!(spanish["locator"].as_str(), Some("p. 20, loc. 300–302"));
    assert_eq!(spanish["date"].as_str(), Some("2024-03-11"));
    let german = by_text(&quotes, "Partitionierung");
    assert_eq!(german["locator"].as_str(), Some("p. 30, loc. 450–453"));
    assert_eq!(german["date"].as_str(), Some("2024-03-12"));
    let french = by_text(&quotes, "Une transaction");
    assert_eq!(french["locator"].as_str(), Some("p. 40, loc. 600–603"));
    assert_eq!(french["date"].as_str(), Some("2024-03-13"));
    assert_eq!(french["note"].as_str(), Some("Voir le chapitre 7."));
    let unread = by_text(&quotes, "Text from a Kindle");
    assert!(unread.get("locator").is_none(), "{unread:?}");
    assert!(unread["id"].as_str().unwrap().starts_with("q-"));

    // A book with no author, one with two authors and parentheses in its title, old firmware
    // (`Loc. 1234-36`), a PDF's page range.
    let consensus = std::fs::read_to_string(
        site.path()
            .join("content/quotes/notes-on-distributed-consensus.yaml"),
    )
    .unwrap();
    assert!(
        consensus.contains("  title: notes-on-distributed-consensus\n"),
        "{consensus}"
    );
    assert!(!consensus.contains("author"), "{consensus}");
    let markets: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(
            site.path()
                .join("content/quotes/the-mis-behavior-of-markets-mandelbrot.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        markets["source"]["title"].as_str(),
        Some("The (Mis)Behavior of Markets")
    );
    assert_eq!(
        markets["source"]["author"].as_str(),
        Some("Mandelbrot, Benoit; Hudson, Richard L.")
    );
    assert_eq!(markets["source"]["kind"].as_str(), Some("book"));
    assert_eq!(
        markets["quotes"][0]["locator"].as_str(),
        Some("loc. 1234–1236")
    );
    assert_eq!(markets["quotes"][0]["date"].as_str(), Some("2009-06-14"));
    assert_eq!(
        markets["quotes"][0]["text"].as_str(),
        Some("Markets are turbulent, and [prices] jump.")
    );
    let raft = quotes_of(site.path(), "raft-paper-ongaro.yaml");
    assert_eq!(raft[0]["locator"].as_str(), Some("pp. 12–13"));

    // The site builds with them, and the same clippings written plainly (LF, no marks) add
    // exactly the same: nothing the second time.
    ok(&run(&["check"], site.path()));
    let again = run(
        &["import", "kindle", clippings().to_str().unwrap()],
        site.path(),
    );
    assert!(
        ok(&again).ends_with("added 0, unchanged 11, skipped 3 (bookmark; marked again later, line 16; note with no highlight at its location, line 76)\n"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn a_dry_run_shows_the_same_and_writes_nothing() {
    let site = demo_copy();
    let before = read_tree(site.path());
    let output = run(
        &[
            "import",
            "kindle",
            clippings().to_str().unwrap(),
            "--dry-run",
        ],
        site.path(),
    );
    let shown = ok(&output);
    assert!(
        shown.contains("would add to content/quotes/ddia.yaml (7 quotes)"),
        "{shown}"
    );
    assert!(
        shown.ends_with(&format!("{SUMMARY} (dry run: nothing written)\n")),
        "{shown}"
    );
    assert!(read_tree(site.path()) == before, "a dry run changed files");
}

#[test]
fn a_reimport_after_hand_edits_loses_nothing() {
    let site = demo_copy();
    ok(&run(
        &["import", "kindle", clippings().to_str().unwrap()],
        site.path(),
    ));
    // By hand: a concept and an annotation on imported quotes, two of them swapped, comments.
    let path = site.path().join("content/quotes/ddia.yaml");
    let imported = std::fs::read_to_string(&path).unwrap();
    let reliability = imported.find("  - id: l120-").unwrap();
    let fault = imported.find("  - id: l150-").unwrap();
    let beside = imported.find("  - id: l154-").unwrap();
    let mut edited = String::new();
    edited.push_str(&imported[..reliability]);
    edited.push_str("  # Imported from the Kindle; concepts added by hand.\n");
    edited.push_str(&imported[fault..beside]);
    edited.push_str(&imported[reliability..fault].replace(
        "    date: 2024-03-04\n",
        "    date: 2024-03-04\n    concepts: [reliability]  # the chapter's theme\n",
    ));
    edited.push_str(&imported[beside..].replacen(
        "    locator: loc. 154–156\n",
        "    locator: loc. 154–156\n    note: |\n      Why chaos engineering exists.\n",
        1,
    ));
    std::fs::write(&path, &edited).unwrap();
    ok(&run(&["check"], site.path()));
    let others = read_tree(&site.path().join("content/notes"));

    // A month later: the same clippings and three more entries: the passage beside the fault
    // quote marked again, longer; a new passage; a second note on the first quote.
    let mut later = std::fs::read_to_string(clippings()).unwrap();
    later.push_str(
        "Designing Data-Intensive Applications (Martin Kleppmann)\n\
         - Your Highlight on page 11 | Location 154-158 | Added on Monday, April 1, 2024 9:00:00 AM\n\
         \n\
         It is impossible to reduce the probability of a fault to zero; therefore it is usually best to design fault-tolerance mechanisms.\n\
         ==========\n\
         Designing Data-Intensive Applications (Martin Kleppmann)\n\
         - Your Highlight on page 70 | Location 1000-1002 | Added on Monday, April 1, 2024 9:05:00 AM\n\
         \n\
         Every index slows down writes.\n\
         ==========\n\
         Designing Data-Intensive Applications (Martin Kleppmann)\n\
         - Your Note on page 8 | Location 121 | Added on Monday, April 1, 2024 9:10:00 AM\n\
         \n\
         Also see chapter 8.\n\
         ==========\n",
    );
    let input = site.path().join("later.txt");
    std::fs::write(&input, later).unwrap();
    let output = run(&["import", "kindle", input.to_str().unwrap()], site.path());
    let shown = ok(&output);
    // The passage marked again in the same file drops its earlier marking (line 26); the new
    // note is reported, as the quote it is on already has its first note and a hand edit.
    assert!(
        shown.contains("added 1, unchanged 10, skipped 6 (a note on ddia/l120-"),
        "{shown}"
    );
    assert!(
        shown.contains(", already imported (add it by hand); bookmark; 2 × marked again later, lines 16, 26; note with no highlight at its location, line 76; re-marks ddia/l154-"),
        "{shown}"
    );
    let after = std::fs::read_to_string(&path).unwrap();
    assert!(
        after.starts_with(&edited),
        "hand edits were changed:\n{after}"
    );
    let added = &after[edited.len()..];
    assert!(added.starts_with("  - id: l1000-"), "{added}");
    assert!(
        added.contains("    text: Every index slows down writes.\n"),
        "{added}"
    );
    assert_eq!(added.matches("- id:").count(), 1, "{added}");
    assert!(read_tree(&site.path().join("content/notes")) == others);
    ok(&run(&["check"], site.path()));
}

#[test]
fn a_file_that_is_not_kindle_clippings_changes_nothing_and_names_the_line() {
    let site = demo_copy();
    let before = read_tree(site.path());
    let input = site.path().join("notes.txt");
    std::fs::write(
        &input,
        "Designing Data-Intensive Applications (Martin Kleppmann)\n- Your Highlight on page 8 | Location 120-122 | Added on Monday, March 4, 2024\n\nFine.\n==========\nA shopping list\nmilk\n",
    )
    .unwrap();
    let before_input = std::fs::read(&input).unwrap();
    let output = run(&["import", "kindle", input.to_str().unwrap()], site.path());
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("notes.txt:7: expected the line after a book's title to start `- `"),
        "{message}"
    );
    let mut after = read_tree(site.path());
    after.remove("notes.txt");
    let mut expected = before;
    expected.remove("notes.txt");
    assert!(after == expected, "a failed import changed files");
    assert_eq!(std::fs::read(&input).unwrap(), before_input);
}

#[test]
fn a_readwise_export_becomes_quotes_with_its_tags_as_concepts() {
    let site = demo_copy();
    let input = fixtures().join("import").join("readwise.csv");
    let output = run(
        &["import", "readwise", input.to_str().unwrap()],
        site.path(),
    );
    let shown = ok(&output);
    assert!(
        shown.ends_with("added 4, unchanged 0, skipped 0\n"),
        "{shown}"
    );
    let quotes = quotes_of(site.path(), "ddia.yaml");
    let reliability = by_text(&quotes, "Reliability means");
    assert_eq!(reliability["locator"].as_str(), Some("loc. 120"));
    assert_eq!(reliability["date"].as_str(), Some("2024-03-04"));
    assert_eq!(
        reliability["note"].as_str(),
        Some("Compare with [[load-parameters]].")
    );
    let concepts: Vec<&str> = reliability["concepts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(concepts, ["reliability", "fault tolerance"]);
    // A field with quotes, a comma and a line break, kept as written.
    assert_eq!(
        by_text(&quotes, "A line with")["text"].as_str(),
        Some("A line with \"quotes\", a comma,\nand a second line.")
    );
    assert_eq!(
        by_text(&quotes, "A line with")["locator"].as_str(),
        Some("p. 12")
    );
    let article: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(
            site.path()
                .join("content/quotes/how-to-do-distributed-locking-kleppmann.yaml"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(article["source"]["kind"].as_str(), Some("article"));
    assert_eq!(
        article["quotes"][0]["concepts"][0].as_str(),
        Some("distributed-locks")
    );
    let talk = quotes_of(site.path(), "latency-talk-tene.yaml");
    assert_eq!(talk[0]["locator"].as_str(), Some("time 12:30"));
    ok(&run(&["check"], site.path()));
    // Again: nothing new.
    let again = run(
        &["import", "readwise", input.to_str().unwrap()],
        site.path(),
    );
    assert!(
        ok(&again).ends_with("added 0, unchanged 4, skipped 0\n"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn a_bad_readwise_file_changes_nothing_and_names_the_line() {
    let site = demo_copy();
    let before = read_tree(site.path());
    let good = std::fs::read_to_string(fixtures().join("import").join("readwise.csv")).unwrap();
    // A row with a field too many, on line 7 of the file (a field of the second row spans two).
    let broken = format!("{good}One more,Designing Data-Intensive Applications,Martin Kleppmann,,,,,location,5,2024-01-01,,extra\n");
    let input = std::env::temp_dir().join(format!("readwise-{}.csv", std::process::id()));
    std::fs::write(&input, broken).unwrap();
    let output = run(
        &["import", "readwise", input.to_str().unwrap()],
        site.path(),
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(&format!("{}:7: not a well-formed CSV row", input.display())),
        "{}",
        stderr(&output)
    );
    // A CSV of something else: the columns it lacks are named.
    std::fs::write(&input, "Title,Body\nA,B\n").unwrap();
    let output = run(
        &["import", "readwise", input.to_str().unwrap()],
        site.path(),
    );
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains(":1: this is not a Readwise CSV export: no Highlight, Book Title"),
        "{}",
        stderr(&output)
    );
    std::fs::remove_file(&input).unwrap();
    assert!(
        read_tree(site.path()) == before,
        "a failed import changed files"
    );
}

#[test]
fn new_note_writes_front_matter_and_never_overwrites() {
    let site = demo_copy();
    let output = run(
        &[
            "new",
            "note",
            "Replication lag, explained",
            "--concept",
            "replication",
            "--concept",
            "tail latency",
        ],
        site.path(),
    );
    assert_eq!(ok(&output), "content/notes/replication-lag-explained.md\n");
    let text = std::fs::read_to_string(
        site.path()
            .join("content/notes/replication-lag-explained.md"),
    )
    .unwrap();
    assert!(
        text.starts_with("---\ntitle: Replication lag, explained\ndate: "),
        "{text}"
    );
    assert!(
        text.contains("\nconcepts: [replication, tail latency]\n---\n"),
        "{text}"
    );
    ok(&run(&["check"], site.path()));
    let again = run(&["new", "note", "Replication lag, explained"], site.path());
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("replication-lag-explained.md already exists"),
        "{}",
        stderr(&again)
    );
    assert_eq!(
        std::fs::read_to_string(
            site.path()
                .join("content/notes/replication-lag-explained.md")
        )
        .unwrap(),
        text
    );
}

#[test]
fn new_quote_appends_and_keeps_the_file_as_written() {
    let site = demo_copy();
    // A hand-written file: comments, a flow list, unusual indentation, CRLF line endings.
    let original = "# Papers I keep coming back to.\r\nsource:\r\n  id: raft\r\n  title: In Search of an Understandable Consensus Algorithm\r\n  kind: paper   # the extended version\r\nquotes:\r\n- id: terms\r\n  text: Raft divides time into terms of arbitrary length.\r\n  concepts: [consensus]\r\n  # more to come\r\n\r\n# end of file\r\n";
    write_file(site.path(), "content/quotes/papers/raft.yaml", original);
    let output = run(
        &[
            "new",
            "quote",
            "raft",
            "Each term begins with an election.",
            "--locator",
            "§5.1",
            "--concept",
            "consensus",
        ],
        site.path(),
    );
    let shown = ok(&output);
    assert!(shown.starts_with("added raft/5-1-"), "{shown}");
    let after =
        std::fs::read_to_string(site.path().join("content/quotes/papers/raft.yaml")).unwrap();
    let cut = original.find("\r\n# end of file").unwrap();
    assert!(after.starts_with(&original[..cut]), "{after}");
    assert!(after.ends_with("\r\n# end of file\r\n"), "{after:?}");
    let added = &after[cut..after.len() - "\r\n# end of file\r\n".len()];
    assert!(added.starts_with("- id: 5-1-"), "{added:?}");
    assert!(
        added.contains("\r\n  text: Each term begins with an election.\r\n  locator: §5.1\r\n"),
        "{added:?}"
    );
    assert!(added.contains("\r\n  concepts: [consensus]"), "{added:?}");
    ok(&run(&["check"], site.path()));

    // The same text again, and a source that does not exist: errors, nothing written.
    let same = run(
        &["new", "quote", "raft", "Each term begins with an election."],
        site.path(),
    );
    assert!(
        stderr(&same).contains("already has this text, as `raft/5-1-"),
        "{}",
        stderr(&same)
    );
    let unknown = run(&["new", "quote", "raf", "Anything."], site.path());
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no source `raf`; did you mean `raft`?"),
        "{}",
        stderr(&unknown)
    );
    assert_eq!(
        std::fs::read_to_string(site.path().join("content/quotes/papers/raft.yaml")).unwrap(),
        after
    );
}

#[test]
fn a_new_source_never_takes_the_name_of_a_file_already_there() {
    let site = demo_copy();
    // A file named as the import would name Raft's, holding another source.
    let other = "source:\n  id: raft\n  title: Another Raft\nquotes: []\n";
    write_file(site.path(), "content/quotes/raft-paper-ongaro.yaml", other);
    ok(&run(
        &["import", "kindle", clippings().to_str().unwrap()],
        site.path(),
    ));
    let kept =
        std::fs::read_to_string(site.path().join("content/quotes/raft-paper-ongaro.yaml")).unwrap();
    assert_eq!(kept, other);
    let raft = quotes_of(site.path(), "raft-paper-ongaro-2.yaml");
    assert_eq!(raft[0]["locator"].as_str(), Some("pp. 12–13"));
}

/// One Kindle entry, as a Kindle writes it.
fn entry(book: &str, meta: &str, text: &str) -> String {
    format!("{book}\n- {meta}\n\n{text}\n==========\n")
}

#[test]
fn one_book_spelt_two_ways_in_one_export_is_one_file_holding_every_highlight() {
    // Seen in real exports: a Kindle names the author both ways as firmware changes.
    let site = demo_copy();
    let mut export = String::new();
    for (i, author) in [
        "Brandon Sanderson",
        "Sanderson, Brandon",
        "BRANDON SANDERSON",
    ]
    .iter()
    .enumerate()
    {
        export.push_str(&entry(
            &format!("The Way of Kings ({author})"),
            &format!(
                "Your Highlight on page {} | Location {}-{} | Added on Friday, 15 January 2021 17:07:32",
                10 + i,
                100 + i * 10,
                102 + i * 10
            ),
            &format!("Highlight number {i} of the book."),
        ));
    }
    // The same words marked twice, the second time with a note: one quote, with the note,
    // including a `%%` that the loader reads as a comment.
    let meta = "Your Note on page 30 | Location 301 | Added on Friday, 15 January 2021 18:00:00";
    export.push_str(&entry(
        "The Way of Kings (Brandon Sanderson)",
        "Your Highlight on page 30 | Location 300-301 | Added on Friday, 15 January 2021 17:59:00",
        "There were",
    ));
    export.push_str(&entry(
        "The Way of Kings (Brandon Sanderson)",
        "Your Highlight on page 40 | Location 400-401 | Added on Friday, 15 January 2021 17:59:30",
        "There were",
    ));
    export.push_str(&entry(
        "The Way of Kings (Brandon Sanderson)",
        &meta.replace("30 | Location 301", "40 | Location 401"),
        "I like this one %%",
    ));
    let file = site.path().join("sanderson.txt");
    std::fs::write(&file, export).unwrap();
    let args = ["import", "kindle", file.to_str().unwrap()];
    let shown = ok(&run(&args, site.path()));
    assert!(shown.contains("added 4, unchanged 1, skipped 0"), "{shown}");
    assert_eq!(
        shown.matches("the-way-of-kings-sanderson.yaml").count(),
        1,
        "one file, written once: {shown}"
    );
    let quotes = quotes_of(site.path(), "the-way-of-kings-sanderson.yaml");
    assert_eq!(quotes.len(), 4, "{quotes:?}");
    for i in 0..3 {
        by_text(&quotes, &format!("Highlight number {i}"));
    }
    let there = by_text(&quotes, "There were");
    assert_eq!(there["note"].as_str(), Some("I like this one %%"));
    // Again: nothing to add, and nothing reported as missing.
    let again = ok(&run(&args, site.path()));
    assert!(
        again.ends_with("added 0, unchanged 5, skipped 0\n"),
        "{again}"
    );
}

#[test]
fn thousands_of_skips_sum_up_in_one_short_line() {
    let site = demo_copy();
    let mut export = String::new();
    for i in 0..3_000 {
        export.push_str(&entry(
            "A Long Book (Some Author)",
            &format!("Your Bookmark on page {i} | Location {} | Added on Friday, 15 January 2021 17:07:32", i * 10),
            "",
        ));
        let location = 100_000 + i * 10;
        for end in [location + 2, location + 3] {
            export.push_str(&entry(
                "A Long Book (Some Author)",
                &format!("Your Highlight on page {i} | Location {location}-{end} | Added on Friday, 15 January 2021 17:07:32"),
                &format!("Passage {i}, marked again and longer {end}."),
            ));
        }
    }
    let file = site.path().join("long.txt");
    std::fs::write(&file, export).unwrap();
    let shown = ok(&run(
        &["import", "kindle", file.to_str().unwrap()],
        site.path(),
    ));
    let summary = shown.lines().last().unwrap();
    assert_eq!(
        summary,
        "added 3000, unchanged 0, skipped 6000 (3000 × bookmark; 3000 × marked again later, \
         lines 6, 21, 36, 51, 66 and 2995 more)"
    );
}

#[test]
fn a_note_is_never_taken_for_one_it_is_part_of() {
    let site = demo_copy();
    let mut export = String::new();
    for (location, note) in [(500, "not important"), (600, "important")] {
        export.push_str(&entry(
            "The Way of Kings (Brandon Sanderson)",
            &format!("Your Highlight on page 9 | Location {location}-{} | Added on Friday, 15 January 2021 17:59:00", location + 1),
            "Same words",
        ));
        export.push_str(&entry(
            "The Way of Kings (Brandon Sanderson)",
            &format!(
                "Your Note on page 9 | Location {} | Added on Friday, 15 January 2021 18:00:00",
                location + 1
            ),
            note,
        ));
    }
    let file = site.path().join("notes.txt");
    std::fs::write(&file, export).unwrap();
    ok(&run(
        &["import", "kindle", file.to_str().unwrap()],
        site.path(),
    ));
    let quotes = quotes_of(site.path(), "the-way-of-kings-sanderson.yaml");
    assert_eq!(quotes.len(), 1, "{quotes:?}");
    assert_eq!(
        quotes[0]["note"].as_str(),
        Some("not important\n\nimportant")
    );
}
