//! Bad input: each fixture under `tests/fixtures/bad/<case>/` is laid over the `minimal` site;
//! `build` must print exactly the lines in `<case>.expected`, exit 1, and leave the previous
//! `public/` byte for byte as it was. `check` must print the same lines and write nothing.

use crate::common::*;

fn assert_bad_input(case: &str) {
    let site = fixture_copy("minimal");
    let root = site.path().to_str().unwrap();
    let first = run(&["build", "--root", root], site.path());
    assert!(first.status.success(), "{}", stderr(&first));
    let before = read_tree(&site.path().join("public"));

    copy_tree(&fixtures().join("bad").join(case), site.path());
    let expected =
        std::fs::read_to_string(fixtures().join("bad").join(format!("{case}.expected"))).unwrap();
    assert!(!expected.trim().is_empty(), "{case}.expected is empty");

    let build = run(&["build", "--root", root], site.path());
    assert_eq!(build.status.code(), Some(1), "{case}: build must fail");
    let printed = stderr(&build);
    let (diagnostics, last_line) = printed
        .trim_end()
        .rsplit_once('\n')
        .map_or(("", printed.trim_end()), |(d, l)| (d, l));
    assert_eq!(
        format!("{diagnostics}\n"),
        expected,
        "{case}: diagnostics of build"
    );
    assert!(
        last_line.starts_with("error: build failed with ")
            && last_line.ends_with("was left as it was"),
        "{case}: {last_line}"
    );
    let after = read_tree(&site.path().join("public"));
    assert!(
        before == after,
        "{case}: public/ changed after a failed build"
    );

    let check = run(&["check", "--root", root], site.path());
    assert_eq!(check.status.code(), Some(1), "{case}: check must fail");
    let printed = stderr(&check);
    let diagnostics: String = printed
        .lines()
        .filter(|l| !l.starts_with("error: check found"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(diagnostics, expected, "{case}: diagnostics of check");
}

macro_rules! bad_input_tests {
    ($($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                assert_bad_input(stringify!($case));
            }
        )*

        /// Every fixture folder has a test above, so none is silently skipped.
        #[test]
        fn every_bad_fixture_has_a_test() {
            let mut listed = vec![$(stringify!($case)),*];
            listed.sort_unstable();
            let mut on_disk: Vec<String> = std::fs::read_dir(fixtures().join("bad"))
                .unwrap()
                .map(|e| e.unwrap())
                .filter(|e| e.file_type().unwrap().is_dir())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort_unstable();
            assert_eq!(listed, on_disk);
        }
    };
}

bad_input_tests!(
    bad_date,
    bad_query_block,
    bad_source_kind,
    broken_link_in_annotation,
    broken_markdown_link,
    concept_cycle,
    duplicate_quote_id,
    duplicate_slug,
    duplicate_source_id,
    embed_cycle,
    embed_cycle_sections,
    empty_quote_text,
    empty_title,
    front_matter_unclosed,
    front_matter_yaml_syntax,
    ignore_pattern_unreadable,
    missing_asset,
    missing_source_title,
    non_utf8_file,
    publish_not_yes_or_no,
    quote_file_unknown_key,
    quote_file_yaml_syntax,
    quote_without_id,
    unknown_block,
    unknown_config_key,
    unknown_heading,
    unknown_link_target,
    unknown_quote_and_concept,
    unknown_source_in_note,
    unsupported_language,
    wrong_type,
);

#[test]
fn broken_links_can_be_warnings_for_a_growing_site() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "commonplace.yaml",
        "title: Fixture site\nbase_url: https://example.org/\nbroken_links: warn\n",
    );
    write_file(
        site.path(),
        "content/notes/bad.md",
        "---\ntitle: Bad\n---\nSee [[missing note]].\n",
    );
    let root = site.path().to_str().unwrap();
    let build = run(&["build", "--root", root], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert_eq!(
        stderr(&build),
        "content/notes/bad.md:4:5: warning: unknown link target `missing note`\n"
    );
    let page = std::fs::read_to_string(site.path().join("public/notes/bad/index.html")).unwrap();
    assert!(page.contains("<span class=\"broken-link\" title=\"This link's target does not exist\">missing note</span>"));
}
