//! Thin wrappers over `std::fs` whose errors name the path they failed on.

use std::io;
use std::path::{Path, PathBuf};

/// An I/O failure, with the path and what we were doing to it.
#[derive(Debug, thiserror::Error)]
#[error("couldn't {action} `{}`", path.display())]
pub struct IoError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

fn wrap<T>(action: &'static str, path: &Path, result: io::Result<T>) -> Result<T, IoError> {
    result.map_err(|source| IoError {
        action,
        path: path.to_path_buf(),
        source,
    })
}

/// A folder that could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("couldn't list the files under `{}`", path.display())]
pub struct WalkError {
    pub path: PathBuf,
    #[source]
    pub source: walkdir::Error,
}

pub fn read(path: &Path) -> Result<Vec<u8>, IoError> {
    wrap("read", path, std::fs::read(path))
}

pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), IoError> {
    wrap("write", path, std::fs::write(path, contents))
}

pub fn create_dir_all(path: &Path) -> Result<(), IoError> {
    wrap("create directory", path, std::fs::create_dir_all(path))
}

pub fn remove_dir_all(path: &Path) -> Result<(), IoError> {
    wrap("remove directory", path, std::fs::remove_dir_all(path))
}

pub fn remove_file(path: &Path) -> Result<(), IoError> {
    wrap("remove", path, std::fs::remove_file(path))
}

pub fn remove_dir(path: &Path) -> Result<(), IoError> {
    wrap("remove directory", path, std::fs::remove_dir(path))
}

pub fn rename(from: &Path, to: &Path) -> Result<(), IoError> {
    wrap("rename", from, std::fs::rename(from, to))
}

pub fn copy(from: &Path, to: &Path) -> Result<(), IoError> {
    wrap("copy", from, std::fs::copy(from, to).map(|_| ()))
}

/// Where a file's new contents go before a rename puts them in place: beside it (so on the
/// same file system), hidden, named for what it is should a crash leave it behind, and unique
/// to this process and call, so two writers never write into one temporary file.
pub fn temporary_beside(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.{TEMPORARY_SUFFIX}", unique_suffix()))
}

/// `<pid>-<n>`: distinct for every call in every live process.
pub fn unique_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{}-{n}", std::process::id())
}

/// The suffix of [`temporary_beside`]'s names.
pub const TEMPORARY_SUFFIX: &str = "commonplace-tmp";

/// Writes `contents` to `path`, creating its parent folders first.
pub fn write_with_parents(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), IoError> {
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    write(path, contents)
}
