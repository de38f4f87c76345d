//! The command line: `init`, `build` and `check` behave as documented.

use crate::common::*;

#[test]
fn init_makes_a_site_that_builds_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("kb");
    let before = chrono::Local::now().date_naive();
    let init = run(&["init", dir.to_str().unwrap()], tmp.path());
    let after = chrono::Local::now().date_naive();
    assert!(init.status.success(), "{}", stderr(&init));
    assert!(stdout(&init).contains("created kb/commonplace.yaml"));
    // The first note is dated the day it was made.
    let welcome = std::fs::read_to_string(dir.join("content/notes/welcome.md")).unwrap();
    let dated =
        |day: chrono::NaiveDate| welcome.contains(&format!("\ndate: {}\n", day.format("%Y-%m-%d")));
    assert!(dated(before) || dated(after), "{welcome}");
    for file in [
        "commonplace.yaml",
        ".gitignore",
        "content/notes/welcome.md",
        "content/quotes/meditations.yaml",
        "content/concepts/commonplace-book.md",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let build = run(&["build", "--root", "kb"], tmp.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert_eq!(stderr(&build), "");
    assert!(stdout(&build).starts_with("Built 11 pages (1 note, 1 quote, 1 concept, 1 source) in "));
    assert!(dir
        .join("public/quotes/meditations/opinion/index.html")
        .is_file());
}

#[test]
fn init_refuses_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
    let init = run(&["init", "."], tmp.path());
    assert_eq!(init.status.code(), Some(1));
    assert!(stderr(&init).contains("is not empty"), "{}", stderr(&init));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!tmp.path().join("commonplace.yaml").exists());
}

#[test]
fn check_writes_nothing_and_passes_on_good_content() {
    let site = fixture_copy("minimal");
    let check = run(&["check"], site.path());
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(
        stdout(&check),
        "Publishing 2 notes, 1 concept file and 1 quote file; leaving nothing out\nNo problems found\n"
    );
    assert!(!site.path().join("public").exists());
}

#[test]
fn a_missing_config_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let build = run(&["build"], tmp.path());
    assert_eq!(build.status.code(), Some(1));
    assert_eq!(
        stderr(&build),
        "error: couldn't find `commonplace.yaml` in `.`. Is this a commonplace site? `commonplace init DIR` makes one\n"
    );
}

#[test]
fn build_refuses_outputs_that_would_destroy_the_sources() {
    let site = fixture_copy("minimal");
    let before = read_tree(site.path());
    for output in [".", "content", "content/public", ".."] {
        let build = run(&["build", "--output", output], site.path());
        assert_eq!(build.status.code(), Some(1), "--output {output}");
        assert!(
            stderr(&build).starts_with(&format!("error: refusing to write the site to `{output}`")),
            "{}",
            stderr(&build)
        );
    }
    assert!(
        before == read_tree(site.path()),
        "a refused build changed files"
    );

    // A folder that is not a previous build is never replaced.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("thesis.tex"), "precious").unwrap();
    let output = elsewhere.path().to_str().unwrap();
    let build = run(&["build", "--output", output], site.path());
    assert_eq!(build.status.code(), Some(1));
    assert!(
        stderr(&build).contains("does not look like a site commonplace built"),
        "{}",
        stderr(&build)
    );
    let kept = std::fs::read_to_string(elsewhere.path().join("thesis.tex")).unwrap();
    assert_eq!(kept, "precious");
}

#[test]
fn a_rebuild_replaces_stale_pages() {
    let site = fixture_copy("minimal");
    assert!(run(&["build"], site.path()).status.success());
    assert!(site.path().join("public/notes/second/index.html").is_file());
    std::fs::remove_file(site.path().join("content/notes/second.md")).unwrap();
    std::fs::write(site.path().join("content/notes/first.md"), "# First\n").unwrap();
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert!(!site.path().join("public/notes/second/index.html").exists());
    // No staging folders are left beside the output: only the previous site, kept as the next
    // build's spare.
    let siblings: Vec<String> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("commonplace-"))
        .collect();
    assert_eq!(siblings, [".public.commonplace-spare"]);
    let spare = site.path().join(".public.commonplace-spare");
    assert!(spare.join("notes/second/index.html").is_file());

    // The next build starts from the spare: it writes what changed, removes what is gone, and
    // leaves the same site as a build from nothing.
    std::fs::write(
        site.path().join("content/notes/first.md"),
        "# First, again\n",
    )
    .unwrap();
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let reused = read_tree(&site.path().join("public"));
    assert!(!site.path().join("public/notes/second/index.html").exists());
    let fresh = tempfile::tempdir().unwrap();
    let output = fresh.path().join("public");
    let build = run(
        &["build", "--output", output.to_str().unwrap()],
        site.path(),
    );
    assert!(build.status.success(), "{}", stderr(&build));
    assert_eq!(reused, read_tree(&output));
}

#[test]
fn a_rebuild_over_a_spare_with_files_in_the_way_of_folders() {
    let site = fixture_copy("minimal");
    assert!(run(&["build"], site.path()).status.success());
    assert!(run(&["build"], site.path()).status.success());
    // The spare holds a file where a page's folder goes, and a folder where a page goes.
    let spare = site.path().join(".public.commonplace-spare");
    std::fs::remove_dir_all(spare.join("notes/second")).unwrap();
    std::fs::write(spare.join("notes/second"), "in the way").unwrap();
    std::fs::remove_file(spare.join("404.html")).unwrap();
    std::fs::create_dir_all(spare.join("404.html/inside")).unwrap();
    std::fs::write(spare.join("stale.txt"), "gone next time").unwrap();
    // And a folder that is a symbolic link out of the site.
    let elsewhere = tempfile::tempdir().unwrap();
    #[cfg(unix)]
    {
        std::fs::remove_dir_all(spare.join("notes/first")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), spare.join("notes/first")).unwrap();
    }
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    let public = site.path().join("public");
    assert!(public.join("notes/second/index.html").is_file());
    assert!(public.join("404.html").is_file());
    assert!(!public.join("stale.txt").exists());
    assert!(std::fs::symlink_metadata(public.join("notes/first"))
        .unwrap()
        .is_dir());
    assert!(public.join("notes/first/index.html").is_file());
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
}

#[test]
fn a_failed_first_build_writes_nothing() {
    let site = fixture_copy("minimal");
    write_file(
        site.path(),
        "content/notes/bad.md",
        "---\ntitle: Bad\n---\n[[nowhere]]\n",
    );
    let build = run(&["build"], site.path());
    assert_eq!(build.status.code(), Some(1));
    assert_eq!(
        stderr(&build),
        "content/notes/bad.md:4:1: error: unknown link target `nowhere`\n\
         error: build failed with 1 error; nothing was written\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("public"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[cfg(unix)]
#[test]
fn a_rebuild_shares_unchanged_files_and_never_writes_into_a_published_one() {
    use std::os::unix::fs::MetadataExt as _;
    let site = fixture_copy("minimal");
    assert!(run(&["build"], site.path()).status.success());
    // A deploy by hard links, as `cp -al public /var/www/site` makes.
    let deployed = tempfile::tempdir().unwrap();
    let page = site.path().join("public/notes/first/index.html");
    // The theme's style sheet: the same bytes whatever a note says.
    let other = site.path().join("public/style.css");
    let copy = deployed.path().join("first.html");
    std::fs::hard_link(&page, &copy).unwrap();
    let before = std::fs::read(&page).unwrap();
    let second = std::fs::metadata(&other).unwrap();

    std::fs::write(
        site.path().join("content/notes/first.md"),
        "# First, changed\n",
    )
    .unwrap();
    let build = run(&["build"], site.path());
    assert!(build.status.success(), "{}", stderr(&build));
    assert_ne!(std::fs::read(&page).unwrap(), before);
    // The deployed copy is the old page still: the new one is a new file.
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // The unchanged file is the same file, with the same time, shared with the spare.
    let again = std::fs::metadata(&other).unwrap();
    assert_eq!((again.ino(), again.mtime()), (second.ino(), second.mtime()));
    let spare = site.path().join(".public.commonplace-spare/style.css");
    assert_eq!(std::fs::metadata(spare).unwrap().ino(), again.ino());
}
