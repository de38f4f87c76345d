//! Helpers shared by the integration tests: the real binary in a clean environment, fixture
//! copies in temporary folders, and a crawler for built sites.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_commonplace");

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with only PATH set, so no user setting leaks in.
pub fn command(args: &[&str], cwd: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    command
}

/// Runs the binary ([`command`]) to its end.
pub fn run(args: &[&str], cwd: &Path) -> Output {
    command(args, cwd).output().expect("the binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Copies a folder tree (a fixture) into `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fixture copied into a fresh temporary folder.
pub fn fixture_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures().join(name), dir.path());
    dir
}

/// The repository's demo knowledge base copied into a fresh temporary folder, so tests that
/// build it (and write its search index) never touch the working tree or each other.
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("commonplace.yaml"),
        dir.path().join("commonplace.yaml"),
    )
    .unwrap();
    copy_tree(&repo_root().join("content"), &dir.path().join("content"));
    dir
}

/// Writes a file of a test site, creating its folders: `write_file(site, "content/notes/a.md", ..)`.
pub fn write_file(site: &Path, relative: &str, contents: impl AsRef<[u8]>) {
    let path = site.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// Every file under `dir`, by relative path, with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(dir).unwrap();
            files.insert(
                relative.to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    files
}

/// Every `href` and `src` value in an HTML text, entity-decoded for `&amp;`.
pub fn links_in(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for attr in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            // Only whole attribute names: the character before must be a space.
            let before = rest[..i].chars().last();
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            if matches!(before, Some(' ') | Some('\n')) {
                links.push(rest[..end].replace("&amp;", "&"));
            }
            rest = &rest[end..];
        }
    }
    links
}

/// The output file an internal URL points to, or `None` for external and fragment-only links.
/// `base` is the site's base path (`""` or `/kb`); a link outside it is returned as an error.
pub fn internal_target(url: &str, base: &str) -> Option<Result<String, String>> {
    if url.starts_with('#') || url.contains("://") || url.starts_with("mailto:") {
        return None;
    }
    let path = url.split(['#', '?']).next().unwrap();
    let Some(path) = path.strip_prefix(base) else {
        return Some(Err(format!(
            "`{url}` does not start with the base path `{base}`"
        )));
    };
    if !path.starts_with('/') {
        return Some(Err(format!("`{url}` is not root-relative")));
    }
    let decoded = percent_encoding::percent_decode_str(&path[1..])
        .decode_utf8()
        .unwrap()
        .into_owned();
    Some(Ok(if decoded.is_empty() || decoded.ends_with('/') {
        format!("{decoded}index.html")
    } else {
        decoded
    }))
}

/// Checks that every internal link of every HTML page in `public` resolves to a file; returns
/// the problems found.
pub fn broken_links(public: &Path, base: &str) -> Vec<String> {
    let files = read_tree(public);
    let mut problems = Vec::new();
    for (path, bytes) in &files {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8_lossy(bytes);
        for link in links_in(&html) {
            match internal_target(&link, base) {
                None => {}
                Some(Err(problem)) => problems.push(format!("{path}: {problem}")),
                Some(Ok(target)) if !files.contains_key(&target) => {
                    problems.push(format!("{path}: `{link}` has no file `{target}`"));
                }
                Some(Ok(_)) => {}
            }
        }
    }
    problems
}
