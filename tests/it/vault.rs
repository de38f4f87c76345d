//! An Obsidian-style vault (folders, equal names in different folders, aliases, heading and
//! block links, section embeds, files without front matter, spaces in names) builds, and each
//! link goes where content-format.md says.

use crate::common::*;

fn page(public: &std::path::Path, path: &str) -> String {
    std::fs::read_to_string(public.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn an_obsidian_vault_builds_and_links_resolve_as_in_obsidian() {
    let site = fixture_copy("vault");
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    // Ambiguous names resolve by the tie-break and warn, unless the linking note's folder
    // settles them, as it does in Obsidian.
    assert_eq!(
        stderr(&build),
        "content/notes/Top.md:3:26: warning: `index` fits 2 notes: `Areas/Index.md`, `Projects/Index.md`; linking `Areas/Index.md` (write more of the path to choose)\n"
    );
    let public = site.path().join("public");
    assert!(
        broken_links(&public, "").is_empty(),
        "{:?}",
        broken_links(&public, "")
    );

    // Slugs: folders and spaces, lower-cased; a folder's `Index.md` is the folder's page.
    for path in [
        "notes/projects/index.html",
        "notes/areas/index.html",
        "notes/projects/plan/index.html",
        "notes/spaces-in-name/index.html",
        "notes/long-title-that-nobody-types/index.html",
        "notes/daily/2021-01-01/index.html",
        "notes/top/index.html",
        "attachments/pic.png",
    ] {
        assert!(public.join(path).is_file(), "{path}");
    }

    let plan = page(&public, "notes/projects/plan/index.html");
    // The linking note's folder wins.
    assert!(plan
        .contains("Same-folder link: <a href=\"/notes/projects/\" class=\"internal\">Index</a>"));
    assert!(plan.contains("Path link: <a href=\"/notes/areas/\" class=\"internal\">areas</a>"));

    let top = page(&public, "notes/top/index.html");
    // Titles: from the opening heading, else the file name.
    assert!(top.contains("<h1>Top</h1>"));
    assert!(page(&public, "notes/spaces-in-name/index.html")
        .contains("<h1 id=\"spaces-in-name\">Spaces in Name</h1>"));
    assert!(
        page(&public, "notes/long-title-that-nobody-types/index.html")
            .contains("<h1>Long Title That Nobody Types</h1>")
    );
    for expected in [
        // From the root, two equal names are equally near; the first by path wins.
        "Ambiguous from the root: <a href=\"/notes/areas/\"",
        "Heading link: <a href=\"/notes/spaces-in-name/#some-heading\"",
        "Block link: <a href=\"/notes/spaces-in-name/#^key-point\"",
        "Alias link: <a href=\"/notes/long-title-that-nobody-types/\"",
        "Case and spaces: <a href=\"/notes/spaces-in-name/\"",
        "Markdown link: <a href=\"/notes/projects/plan/\">the plan</a> and <a href=\"/notes/spaces-in-name/#some-heading\">a section</a>",
        "Daily note: <a href=\"/notes/daily/2021-01-01/\"",
        "Image: <img src=\"/attachments/pic.png\"",
        "Markdown image: <img src=\"/attachments/pic.png\" alt=\"a picture\"",
    ] {
        assert!(top.contains(expected), "missing: {expected}\n{top}");
    }
    // The section embed holds its section and nothing after it.
    let embed_start = top.find("<div class=\"embed embed-note\">").unwrap();
    let embed = &top[embed_start..top[embed_start..].find("</div>\n<p>").unwrap() + embed_start];
    assert!(embed.contains("Inside the section."));
    assert!(!embed.contains("Outside the section."));
    assert!(!embed.contains("Intro."));
    // Its title names the heading, which is not repeated inside.
    assert!(embed.contains(">Spaces in Name › Some Heading</a>"));
    assert!(!embed.contains("<h2>"), "{embed}");
    // The block id is an anchor, and its marker is not shown.
    let spaces = page(&public, "notes/spaces-in-name/index.html");
    assert!(spaces.contains("<p id=\"^key-point\">Inside the section. This is the key point.</p>"));
    assert!(spaces.contains("<h2 id=\"some-heading\">Some Heading</h2>"));
    // Backlinks: the note lists who links to it.
    assert!(spaces.contains("<a href=\"/notes/top/\" class=\"note\">Top</a>"));
}
