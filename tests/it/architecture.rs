//! The shape ARCHITECTURE.md promises, read off the source: imports between modules go one
//! way, Tantivy is named only by the search module, and the user interface lives in the
//! binary.

use std::collections::{BTreeMap, BTreeSet};

use super::common::repo_root;

/// Every `.rs` file under `src/`, by its path there (`search/engine.rs`), with its code
/// (comments and string literals left out, so a word in a message or a doc is no import).
fn sources() -> BTreeMap<String, String> {
    let src = repo_root().join("src");
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let relative = entry.path().strip_prefix(&src).unwrap();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            files.insert(
                relative.to_string_lossy().replace('\\', "/"),
                code_only(&text),
            );
        }
    }
    files
}

/// The text without `//` comments and without the insides of string literals.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_string = false;
        let mut escaped = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => in_string = false,
                    _ => escaped = false,
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '/' if chars.peek() == Some(&'/') => break,
                _ => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

/// The names that follow `prefix` in `code`: for `crate::`, `crate::search::Engine` gives
/// `search`, and `crate::{config, text::plural}` gives `config` and `text`.
fn names_after<'a>(code: &'a str, prefix: &str) -> BTreeSet<&'a str> {
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    let first_name = |text: &'a str| {
        let text = text.trim_start();
        &text[..text.find(|c: char| !is_name(c)).unwrap_or(text.len())]
    };
    let mut names = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(is_name) {
            continue;
        }
        match rest.strip_prefix('{') {
            // One level of braces is as deep as the code's `use` lines go.
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                names.extend(group.split(',').map(first_name));
            }
            None => {
                names.insert(first_name(rest));
            }
        }
    }
    names.remove("");
    names
}

/// The first cycle in a graph, if it has one, as the list of nodes round it.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

/// The library's top-level modules (`load`, `search`, `text`, ...): files and folders of
/// `src/` but the crate roots and the binary's own modules.
fn library_modules(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    let binary = ["lib", "main", "cli", "terminal"];
    files
        .keys()
        .map(|path| {
            let first = path.split('/').next().unwrap();
            first.strip_suffix(".rs").unwrap_or(first).to_string()
        })
        .filter(|module| !binary.contains(&module.as_str()))
        .collect()
}

#[test]
fn the_library_s_modules_import_each_other_one_way() {
    let files = sources();
    let modules = library_modules(&files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, code) in &files {
        let first = path.split('/').next().unwrap();
        let module = first.strip_suffix(".rs").unwrap_or(first);
        if !modules.contains(module) {
            continue;
        }
        for used in names_after(code, "crate::") {
            if used != module && modules.contains(used) {
                edges
                    .entry(module.to_string())
                    .or_default()
                    .insert(used.to_string());
            }
        }
    }
    // A sanity check that the reading works: the stages are seen using the ones before.
    assert!(edges["render"].contains("link"), "{edges:?}");
    assert!(edges["search"].contains("render"), "{edges:?}");
    assert_eq!(cycle(&edges), None, "modules that import each other");
}

#[test]
fn the_files_of_a_folder_import_each_other_one_way() {
    let files = sources();
    // Folder modules, each with its files other than `mod.rs` (whose types its files share:
    // a folder and its `mod.rs` are one module).
    let mut folders: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for path in files.keys() {
        if let Some((folder, file)) = path.split_once('/') {
            if let Some(stem) = file.strip_suffix(".rs").filter(|s| *s != "mod") {
                folders.entry(folder).or_default().insert(stem);
            }
        }
    }
    let mut checked = 0;
    for (folder, siblings) in &folders {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for stem in siblings {
            let code = &files[&format!("{folder}/{stem}.rs")];
            let used = names_after(code, "super::")
                .into_iter()
                .chain(names_after(code, &format!("crate::{folder}::")));
            for other in used {
                if other != *stem && siblings.contains(other) {
                    edges
                        .entry(stem.to_string())
                        .or_default()
                        .insert(other.to_string());
                    checked += 1;
                }
            }
        }
        assert_eq!(
            cycle(&edges),
            None,
            "files of `{folder}/` that import each other"
        );
    }
    assert!(
        checked > 10,
        "only {checked} imports between files were read"
    );
}

#[test]
fn only_search_names_tantivy_and_only_the_binary_prints() {
    let files = sources();
    let binary = ["main.rs", "cli.rs", "terminal.rs"];
    for (path, code) in &files {
        if !path.starts_with("search/") {
            assert!(!code.contains("tantivy::"), "{path} names Tantivy");
        }
        if !binary.contains(&path.as_str()) {
            for printer in [
                "println!",
                "eprintln!",
                "print!(",
                "eprint!(",
                "indicatif::",
            ] {
                assert!(!code.contains(printer), "{path} uses {printer}");
            }
        }
    }
    assert!(files["search/engine.rs"].contains("tantivy::"));
    assert!(files["terminal.rs"].contains("indicatif::"));
}
