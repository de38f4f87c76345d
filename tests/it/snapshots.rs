//! The shape of one note, quote, concept and source page of the `minimal` fixture site.

use crate::common::*;

#[test]
fn page_snapshots() {
    let site = fixture_copy("minimal");
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let public = site.path().join("public");
    for (name, path) in [
        ("note", "notes/first/index.html"),
        ("quote", "quotes/book/two/index.html"),
        ("concept", "concepts/topic/index.html"),
        ("source", "sources/book/index.html"),
    ] {
        let html = std::fs::read_to_string(public.join(path)).unwrap();
        insta::assert_snapshot!(name, html);
    }
}

#[test]
fn quote_text_is_escaped_everywhere() {
    let site = fixture_copy("minimal");
    assert!(run(&["build"], site.path()).status.success());
    for entry in walkdir::WalkDir::new(site.path().join("public")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            assert!(
                !text.contains("<script>alert(1)"),
                "{}",
                entry.path().display()
            );
        }
    }
}
