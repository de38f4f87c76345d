//! Link kinds and prefixes: a name that fits a note and a concept links the note and warns;
//! `note:`, `quote:`, `concept:` and `source:` make a link explicit; whole notes embed.

use crate::common::*;

#[test]
fn prefixes_choose_the_kind_and_notes_win_ties() {
    let site = fixture_copy("minimal");
    let notes = site.path().join("content/notes");
    // A note named like the concept `topic` and like the source `book`.
    std::fs::write(notes.join("topic.md"), "# Topic, the note\n\nA note.\n").unwrap();
    std::fs::write(
        notes.join("links.md"),
        "---\ntitle: Links\n---\n\
         [[topic]] [[concept:topic]] [[note:topic]] [[quote:book/one]] [[book/two|second]] \
         [[source:book]] [[book]]\n\n\
         ![[second]]\n",
    )
    .unwrap();
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert_eq!(
        stderr(&build),
        "content/notes/links.md:4:1: warning: `topic` names both a note and a concept; linking the note (write `[[concept:topic]]` for the concept)\n"
    );
    let page = std::fs::read_to_string(site.path().join("public/notes/links/index.html")).unwrap();
    for expected in [
        "<a href=\"/notes/topic/\" class=\"internal\">topic</a>",
        "<a href=\"/concepts/topic/\" class=\"internal\">Topic</a>",
        "<a href=\"/notes/topic/\" class=\"internal\">topic</a>",
        "<a href=\"/quotes/book/one/\" class=\"internal\">The first quote.</a>",
        "<a href=\"/quotes/book/two/\" class=\"internal\">second</a>",
        "<a href=\"/sources/book/\" class=\"internal\">A Book</a>",
    ] {
        assert!(page.contains(expected), "missing {expected}\n{page}");
    }
    // `[[book]]` fits only the source: no warning, a link to it.
    assert_eq!(
        page.matches("href=\"/sources/book/\" class=\"internal\"")
            .count(),
        2
    );
    // A whole-note embed carries the note's body under its title.
    assert!(page.contains("<div class=\"embed embed-note\">\n<div class=\"embed-title\"><a href=\"/notes/second/\" class=\"internal\">Second note</a></div>\n<p id=\"^blk\">Second body.</p>\n</div>"), "{page}");

    // Backlinks: the quote's page lists the note that links it, the note lists who links it.
    let quote =
        std::fs::read_to_string(site.path().join("public/quotes/book/one/index.html")).unwrap();
    assert!(quote.contains("<a href=\"/notes/links/\" class=\"note\">Links</a>"));
    assert!(quote.contains("<a href=\"/notes/first/\" class=\"note\">First note</a>"));
    let second =
        std::fs::read_to_string(site.path().join("public/notes/second/index.html")).unwrap();
    assert!(second.contains("<a href=\"/notes/links/\" class=\"note\">Links</a>"));
}
