//! Stage 5, write: the only writer of the output folder. Pages, theme files and assets go to a
//! sibling staging folder, which then replaces the old output, so a failed build leaves the
//! previous site exactly as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::fs::{self, IoError};
use crate::load::Asset;
use crate::render::{Page, StaticFile};
use crate::site::CONTENT_DIR;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write the site to `{}`: {reason}", path.display())]
    UnsafeOutput { path: PathBuf, reason: &'static str },
    #[error(transparent)]
    Io(#[from] IoError),
}

/// The output folder as an absolute path, refused if replacing it could destroy the site's own
/// sources: the root, `content/`, a folder holding either, or a folder inside `content/`.
pub fn checked_output_dir(root: &Path, output: &Path) -> Result<PathBuf, WriteError> {
    let absolute = |p: &Path| -> Result<PathBuf, IoError> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|source| IoError {
                    action: "read the current directory",
                    path: PathBuf::from("."),
                    source,
                })?
                .join(p)
        };
        Ok(normalize(&p))
    };
    let root = absolute(root)?;
    let content = root.join(CONTENT_DIR);
    let output_abs = absolute(output)?;
    // Compare real paths where they exist, so a symlink cannot sneak past the checks.
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (root_real, content_real, output_real) = (real(&root), real(&content), real(&output_abs));
    let refuse = |reason| WriteError::UnsafeOutput {
        path: output.to_path_buf(),
        reason,
    };
    if output_real == root_real {
        return Err(refuse("it is the site's root"));
    }
    if output_real == content_real {
        return Err(refuse("it is the content folder"));
    }
    if root_real.starts_with(&output_real) {
        return Err(refuse("it contains the site's root"));
    }
    if output_real.starts_with(&content_real) {
        return Err(refuse("it is inside the content folder"));
    }
    if output_abs.file_name().is_none() {
        return Err(refuse("it has no folder name"));
    }
    if output_abs.exists() && !looks_like_a_built_site(&output_abs) {
        return Err(refuse(
            "it is not empty and does not look like a site commonplace built (no 404.html and \
             sitemap.xml); remove it or choose another --output",
        ));
    }
    Ok(output_abs)
}

/// Whether replacing `dir` loses nothing of the user's: it is an empty folder, or holds the
/// files every build writes. A typo such as `--output ~/Documents` must not delete a folder.
fn looks_like_a_built_site(dir: &Path) -> bool {
    if !dir.is_dir() {
        return false;
    }
    let is_empty = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
    is_empty || (dir.join("404.html").is_file() && dir.join("sitemap.xml").is_file())
}

/// Removes `.` and `..` components without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A staging folder beside the output that receives the new site. Nothing reaches the output
/// until [`Staging::commit`]; dropping an uncommitted staging folder removes it.
///
/// The staging folder is not made empty: it is the site before the last one, kept beside the
/// output as `.NAME.commonplace-spare` by the previous commit. A file whose bytes the
/// published site already has is not written but hard-linked from it (most already are, from
/// the build before), anything else is written beside and renamed in, and what the new site
/// no longer has is removed before the swap. A rebuild so costs the disk only what changed,
/// and the spare shares every unchanged file with the site. Removing 60,000 files of the old
/// site took longer than building the new one (and ext4 then spent as long again creating the
/// next build's files among the freed inodes). No file is ever written in place, so a
/// published file stays as it was however it is linked.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    old: PathBuf,
    spare: PathBuf,
    /// Whether `dir` began as an earlier tree rather than empty.
    reused: bool,
    /// Every file this build wrote or found already right, by path in the site.
    written: std::sync::Mutex<std::collections::HashSet<String>>,
    committed: bool,
}

impl Staging {
    /// Prepares the staging folder for `output` (already checked by [`checked_output_dir`]),
    /// from the spare tree or what an interrupted build left, or empty. The caller holds the
    /// site lock, so no other build of this site is using those.
    pub fn begin(output: &Path) -> Result<Staging, WriteError> {
        let name = output
            .file_name()
            .expect("checked_output_dir refuses paths without a name")
            .to_string_lossy()
            .into_owned();
        let parent = output.parent().unwrap_or(Path::new("/"));
        fs::create_dir_all(parent)?;
        let prefix = format!(".{name}.commonplace-");
        let mut leftovers = leftovers(parent, &prefix)?;
        if !output.exists() {
            // A build killed between its two renames left the previous site only under an
            // `-old-` name: it goes back in place before anything else is touched.
            let old_prefix = format!("{prefix}old-");
            let old = leftovers.iter().position(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&old_prefix))
            });
            if let Some(old) = old.map(|i| leftovers.remove(i)) {
                fs::rename(&old, output)?;
            }
        }
        let spare = parent.join(format!("{prefix}spare"));
        let unique = fs::unique_suffix();
        let dir = parent.join(format!("{prefix}new-{unique}"));
        // Any earlier tree will do, since every file in it is compared or removed: the spare
        // first, else what an interrupted build left. Only the others are removed.
        let reuse = leftovers
            .iter()
            .position(|p| *p == spare)
            .or((!leftovers.is_empty()).then_some(0))
            .map(|i| leftovers.remove(i));
        for leftover in leftovers {
            remove_tree(&leftover)?;
        }
        let reused = match reuse {
            Some(tree) => {
                fs::rename(&tree, &dir)?;
                true
            }
            None => {
                fs::create_dir_all(&dir)?;
                false
            }
        };
        Ok(Staging {
            output: output.to_path_buf(),
            dir,
            old: parent.join(format!("{prefix}old-{unique}")),
            spare,
            reused,
            written: Default::default(),
            committed: false,
        })
    }

    /// Writes one page; safe to call from many threads at once.
    pub fn write_page(&self, page: &Page) -> Result<(), WriteError> {
        self.write_file(&page.path, page.content.as_bytes())
    }

    /// Writes one file of the site. A file whose bytes the published site already has at that
    /// path is not written but linked: the new site shares it with the old one, so it costs
    /// the disk neither a write nor a second copy, and keeps the time its bytes last changed,
    /// which is what tools that upload only newer files (`aws s3 sync`) go by.
    pub fn write_file(&self, path: &str, contents: &[u8]) -> Result<(), WriteError> {
        let published = self.output.join(path);
        if holds(&published, contents) {
            self.link(path, &published, |target| {
                fs::write_with_parents(target, contents)
            })?;
        } else {
            self.put(path, |target| fs::write_with_parents(target, contents))?;
        }
        self.wrote(path);
        Ok(())
    }

    /// Copies a file into the site, or links it as [`Staging::write_file`] does when the
    /// published site has its bytes.
    fn copy_file(&self, source: &Path, path: &str) -> Result<(), WriteError> {
        let published = self.output.join(path);
        let same_length = match (
            std::fs::metadata(source),
            std::fs::symlink_metadata(&published),
        ) {
            (Ok(a), Ok(b)) => b.is_file() && a.len() == b.len(),
            _ => false,
        };
        if same_length && same_bytes(source, &published) {
            self.link(path, &published, |target| copy_with_parents(source, target))?;
        } else {
            self.put(path, |target| copy_with_parents(source, target))?;
        }
        self.wrote(path);
        Ok(())
    }

    /// Makes `path` in the staging folder the published file itself, unless it already is (a
    /// tree reused from the spare mostly is); where the disk has no hard links, `write`s it
    /// (given the path to write). Never in place: the file may be the published one.
    fn link(
        &self,
        path: &str,
        published: &Path,
        write: impl Fn(&Path) -> Result<(), IoError>,
    ) -> Result<(), IoError> {
        if same_file(published, &self.dir.join(path)) {
            return Ok(());
        }
        self.put(path, |target| {
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent)?;
            }
            std::fs::hard_link(published, target).or_else(|_| write(target))
        })
    }

    /// Writes `path` with `write`. In a reused tree the file is written beside and renamed
    /// over the old one, so a hard link to it (a deploy by `cp -al`) or a symbolic link in its
    /// place is replaced rather than written through.
    fn put(&self, path: &str, write: impl Fn(&Path) -> Result<(), IoError>) -> Result<(), IoError> {
        let target = self.dir.join(path);
        if !self.reused {
            return write(&target);
        }
        // What an earlier tree has where this file goes is cleared first: a folder where the
        // file goes, a file where a folder of it goes, and a folder that is a symbolic link
        // (put into `public/` after a build), which would be written through, out of the site.
        clear_the_way(&self.dir, path)?;
        let temporary = fs::temporary_beside(&target);
        write(&temporary)?;
        fs::rename(&temporary, &target).inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
    }

    fn wrote(&self, path: &str) {
        self.written
            .lock()
            .expect("not poisoned")
            .insert(path.to_string());
    }

    /// Copies the theme's static files and the site's assets.
    pub fn copy_files(
        &self,
        static_files: &BTreeMap<String, &StaticFile>,
        assets: &[Asset],
    ) -> Result<(), WriteError> {
        for (path, file) in static_files {
            match file {
                StaticFile::Embedded(bytes) => self.write_file(path, bytes)?,
                StaticFile::OnDisk(source) => self.copy_file(source, path)?,
            }
        }
        assets
            .par_iter()
            .try_for_each(|asset| self.copy_file(&asset.source, &asset.path))
    }

    /// Removes what the reused tree holds that this build did not write, swaps the staging
    /// folder in for the output, and keeps the previous site as the next build's spare.
    pub fn commit(mut self) -> Result<(), WriteError> {
        if self.reused {
            let written = std::mem::take(&mut *self.written.lock().expect("not poisoned"));
            let folded = ignores_case(&self.dir).then(|| folded(&written));
            prune(&self.dir, "", &written, folded.as_ref())?;
        }
        if self.output.exists() {
            fs::rename(&self.output, &self.old)?;
            if let Err(err) = fs::rename(&self.dir, &self.output) {
                // Put the previous site back before reporting.
                let _ = std::fs::rename(&self.old, &self.output);
                return Err(err.into());
            }
            self.committed = true;
            // The spare was taken by `begin`, so the name is free; if not, the next build
            // finds the old site under its `-old-` name and uses that.
            let _ = std::fs::rename(&self.old, &self.spare);
        } else {
            fs::rename(&self.dir, &self.output)?;
            self.committed = true;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            if self.reused {
                // Still a tree of mostly right pages: the next build starts from it.
                let _ = std::fs::rename(&self.dir, &self.spare);
            } else {
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }
    }
}

/// Whether the file at `path` holds exactly `contents`: compared by length first, so a changed
/// page is rarely read.
fn holds(path: &Path, contents: &[u8]) -> bool {
    use std::io::Read as _;
    // Not followed: a symbolic link in the reused tree is in the way, whatever it points to.
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !(meta.is_file() && meta.len() == contents.len() as u64) {
        return false;
    }
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut bytes = Vec::with_capacity(contents.len());
    file.read_to_end(&mut bytes).is_ok() && bytes == contents
}

/// Whether two files of one length hold the same bytes, read a block at a time: an asset may be
/// a video of gigabytes, and assets are copied on every core.
fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read as _;
    let (Ok(mut a), Ok(mut b)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut x, mut y) = (vec![0; 1 << 16], vec![0; 1 << 16]);
    loop {
        let Ok(n) = a.read(&mut x) else {
            return false;
        };
        if n == 0 {
            // The lengths were compared first: `b` ends here too, unless it grew meanwhile.
            return b.read(&mut y[..1]).is_ok_and(|m| m == 0);
        }
        if b.read_exact(&mut y[..n]).is_err() || x[..n] != y[..n] {
            return false;
        }
    }
}

/// Whether `a` and `b` are one file (hard links to one inode), neither a symbolic link.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        match (std::fs::symlink_metadata(a), std::fs::symlink_metadata(b)) {
            (Ok(a), Ok(b)) => {
                a.is_file() && b.is_file() && a.dev() == b.dev() && a.ino() == b.ino()
            }
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// Removes whatever stands in the way of writing `path` under `dir`: a file (or a symbolic
/// link) where a folder of it goes, or a folder where the file goes.
fn clear_the_way(dir: &Path, path: &str) -> Result<(), IoError> {
    let mut at = dir.to_path_buf();
    let parts: Vec<&str> = path.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        at.push(part);
        let last = i + 1 == parts.len();
        // Another thread may clear the same thing first: gone is cleared.
        let gone = |result: Result<(), IoError>| match result {
            Err(err) if err.source.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        };
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if last && meta.is_dir() => return gone(remove_tree(&at)),
            Ok(meta) if !last && !meta.is_dir() => return gone(fs::remove_file(&at)),
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    Ok(())
}

/// Removes every file under `dir` (at `relative` in the site) that is not in `keep`, and the
/// folders that leaves empty; says whether `dir` is now empty. Subfolders in parallel, as
/// [`remove_tree`].
///
/// On a file system that ignores case (macOS's, Windows'), a kept file may be spelt otherwise
/// on disk than the site now spells it (`Photo.png` for `photo.png`): `folded` (each kept path
/// and folder by its lower case) says so, and the entry is renamed, not removed.
fn prune(
    dir: &Path,
    relative: &str,
    keep: &std::collections::HashSet<String>,
    folded: Option<&std::collections::HashMap<String, String>>,
) -> Result<bool, IoError> {
    let entries = entries(dir)?;
    let kept: usize = entries
        .par_iter()
        .map(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let mut path = if relative.is_empty() {
                name.into_owned()
            } else {
                format!("{relative}/{name}")
            };
            let mut at = entry.path();
            if let Some(exact) = folded
                .and_then(|f| f.get(&path.to_lowercase()))
                .filter(|exact| **exact != path)
            {
                let renamed = dir.join(exact.rsplit('/').next().unwrap_or(exact));
                fs::rename(&at, &renamed)?;
                (path, at) = (exact.clone(), renamed);
            }
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                if prune(&at, &path, keep, folded)? {
                    fs::remove_dir(&at)?;
                    return Ok(0);
                }
                Ok(1)
            } else if keep.contains(&path) {
                Ok(1)
            } else {
                fs::remove_file(&at)?;
                Ok(0)
            }
        })
        .sum::<Result<usize, IoError>>()?;
    Ok(kept == 0)
}

/// Whether the file system of `dir` ignores case, asked by a file written there.
fn ignores_case(dir: &Path) -> bool {
    let probe = dir.join(".commonplace-case-probe");
    if std::fs::write(&probe, b"").is_err() {
        return false;
    }
    let ignores = std::fs::symlink_metadata(dir.join(".COMMONPLACE-CASE-PROBE")).is_ok();
    let _ = std::fs::remove_file(&probe);
    ignores
}

/// Each kept path, and each folder of one, by its lower case.
fn folded(keep: &std::collections::HashSet<String>) -> std::collections::HashMap<String, String> {
    let mut folded = std::collections::HashMap::new();
    for path in keep {
        let mut end = path.len();
        loop {
            let prefix = &path[..end];
            if folded
                .insert(prefix.to_lowercase(), prefix.to_string())
                .is_some()
                && end < path.len()
            {
                break;
            }
            match prefix.rfind('/') {
                Some(slash) => end = slash,
                None => break,
            }
        }
    }
    folded
}

/// The output of a live preview (`serve`): a folder of our own, updated in place after each
/// edit, file by file. Each file is replaced by a rename, so the server never reads a page half
/// written; a file whose content did not change is not written at all, so the browser and
/// the disk only see what an edit changed.
pub struct LiveOutput {
    dir: PathBuf,
    /// A content hash of every file written, by its path in the folder.
    written: std::sync::Mutex<std::collections::HashMap<String, u64>>,
    /// Files an earlier preview left that this one has not written or compared yet: a file
    /// that already holds the right bytes is kept, so restarting `serve` on a large site
    /// rewrites only what changed meanwhile.
    found: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Whether `found` was filled.
    stock_taken: std::sync::atomic::AtomicBool,
}

impl LiveOutput {
    /// Opens the live output in `dir`, creating it. What an earlier preview left there is
    /// taken stock of by [`LiveOutput::take_stock`], before the first rebuild, not here: the
    /// earlier preview is served meanwhile, and listing 60,000 pages took seconds.
    pub fn open(dir: &Path) -> Result<LiveOutput, WriteError> {
        fs::create_dir_all(dir)?;
        Ok(LiveOutput {
            dir: dir.to_path_buf(),
            written: Default::default(),
            found: Default::default(),
            stock_taken: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Lists what an earlier preview left (once; later calls do nothing), removing the
    /// temporary files of writes it did not finish. The caller holds the site lock, so no other
    /// preview of this site is writing them.
    pub fn take_stock(&self) -> Result<(), WriteError> {
        if self
            .stock_taken
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            return Ok(());
        }
        let mut found = std::collections::HashSet::new();
        for entry in walkdir::WalkDir::new(&self.dir) {
            let entry = entry.map_err(|source| IoError {
                action: "list",
                path: self.dir.clone(),
                source: source.into(),
            })?;
            if !entry.file_type().is_file() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(&self.dir)
                .expect("under its root");
            let relative = crate::diagnostic::display_path(relative);
            if relative.ends_with(fs::TEMPORARY_SUFFIX) {
                // A write that an earlier preview did not finish.
                let _ = std::fs::remove_file(entry.path());
            } else {
                found.insert(relative);
            }
        }
        *self.found.lock().expect("not poisoned") = found;
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one file unless it already holds `contents`; says whether it wrote. Safe to call
    /// from many threads at once.
    pub fn write(&self, path: &str, contents: &[u8]) -> Result<bool, WriteError> {
        let hash = xxhash_rust::xxh3::xxh3_64(contents);
        let known = self
            .written
            .lock()
            .expect("not poisoned")
            .get(path)
            .copied();
        let target = self.dir.join(path);
        match known {
            Some(written) if written == hash => return Ok(false),
            Some(_) => {}
            None => {
                let left_before = self.found.lock().expect("not poisoned").remove(path);
                if left_before && std::fs::read(&target).is_ok_and(|bytes| bytes == contents) {
                    self.remember(path, hash);
                    return Ok(false);
                }
            }
        }
        let temporary = fs::temporary_beside(&target);
        fs::write_with_parents(&temporary, contents)?;
        fs::rename(&temporary, &target)?;
        self.remember(path, hash);
        Ok(true)
    }

    fn remember(&self, path: &str, hash: u64) {
        self.written
            .lock()
            .expect("not poisoned")
            .insert(path.to_string(), hash);
    }

    pub fn write_page(&self, page: &Page) -> Result<bool, WriteError> {
        self.write(&page.path, page.content.as_bytes())
    }

    /// Copies the theme's static files and the site's assets, returning the paths that
    /// changed.
    pub fn copy_files(
        &self,
        static_files: &BTreeMap<String, &StaticFile>,
        assets: &[Asset],
    ) -> Result<Vec<String>, WriteError> {
        let mut changed = Vec::new();
        for (path, file) in static_files {
            let wrote = match file {
                StaticFile::Embedded(bytes) => self.write(path, bytes)?,
                StaticFile::OnDisk(source) => self.write(path, &fs::read(source)?)?,
            };
            if wrote {
                changed.push(path.clone());
            }
        }
        for asset in assets {
            if self.write(&asset.path, &fs::read(&asset.source)?)? {
                changed.push(asset.path.clone());
            }
        }
        Ok(changed)
    }

    /// Removes every file written earlier, or left by an earlier preview, whose path is not in
    /// `keep`: pages and assets that a full rebuild no longer makes. Returns their paths.
    pub fn remove_others(
        &self,
        keep: &std::collections::HashSet<String>,
    ) -> Result<Vec<String>, WriteError> {
        let mut written = self.written.lock().expect("not poisoned");
        let mut found = self.found.lock().expect("not poisoned");
        let mut gone: Vec<String> = written
            .keys()
            .chain(found.iter())
            .filter(|path| !keep.contains(*path))
            .cloned()
            .collect();
        gone.sort();
        gone.dedup();
        found.clear();
        for path in &gone {
            self.remove_file(path)?;
            written.remove(path);
        }
        Ok(gone)
    }

    /// Removes the files at `paths` (pages of notes that are gone), returning those there were.
    pub fn remove(&self, paths: &[String]) -> Result<Vec<String>, WriteError> {
        let mut written = self.written.lock().expect("not poisoned");
        let mut found = self.found.lock().expect("not poisoned");
        let mut gone = Vec::new();
        for path in paths {
            let known = written.remove(path).is_some() | found.remove(path);
            if self.remove_file(path)? || known {
                gone.push(path.clone());
            }
        }
        Ok(gone)
    }

    /// Removes one file of the folder; says whether it was there.
    fn remove_file(&self, path: &str) -> Result<bool, WriteError> {
        let file = self.dir.join(path);
        match std::fs::remove_file(&file) {
            Ok(()) => Ok(true),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(IoError {
                action: "remove",
                path: file,
                source,
            }
            .into()),
        }
    }
}

/// The folders in `parent` whose names start with `prefix`: staging and old sites that
/// interrupted builds left behind.
fn leftovers(parent: &Path, prefix: &str) -> Result<Vec<PathBuf>, IoError> {
    let entries = std::fs::read_dir(parent).map_err(|source| IoError {
        action: "list",
        path: parent.to_path_buf(),
        source,
    })?;
    Ok(entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(prefix))
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| entry.path())
        .collect())
}

fn copy_with_parents(source: &Path, target: &Path) -> Result<(), IoError> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::copy(source, target)
}

/// The entries of one folder, for a walk of its subfolders in parallel.
fn entries(dir: &Path) -> Result<Vec<std::fs::DirEntry>, IoError> {
    std::fs::read_dir(dir)
        .and_then(|entries| entries.collect())
        .map_err(|source| IoError {
            action: "list",
            path: dir.to_path_buf(),
            source,
        })
}

/// Removes a folder tree, its subfolders in parallel: a large site has tens of thousands of
/// files, and removing them one by one took longer than building them.
fn remove_tree(dir: &Path) -> Result<(), IoError> {
    let entries = entries(dir)?;
    entries.par_iter().try_for_each(|entry| {
        let path = entry.path();
        let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
        if is_dir {
            remove_tree(&path)
        } else {
            std::fs::remove_file(&path).map_err(|source| IoError {
                action: "remove",
                path: path.clone(),
                source,
            })
        }
    })?;
    std::fs::remove_dir(dir).map_err(|source| IoError {
        action: "remove directory",
        path: dir.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_compared_block_by_block_to_their_last_byte() {
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut changed = big.clone();
        *changed.last_mut().unwrap() ^= 1;
        let mut longer = big.clone();
        longer.push(0);
        for (name, bytes) in [("a", &big), ("b", &big), ("c", &changed), ("d", &longer)] {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let at = |n: &str| dir.path().join(n);
        assert!(same_bytes(&at("a"), &at("b")));
        assert!(!same_bytes(&at("a"), &at("c")));
        assert!(!same_bytes(&at("a"), &at("d")));
        assert!(!same_bytes(&at("a"), &at("missing")));
    }

    #[test]
    fn pruning_keeps_what_was_written_and_respells_what_a_case_blind_disk_kept() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "Img/Photo.png",
            "img2/old.png",
            "notes/a/index.html",
            "gone/x.html",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), file).unwrap();
        }
        let keep: std::collections::HashSet<String> = ["img/photo.png", "notes/a/index.html"]
            .map(String::from)
            .into();
        // As on a disk that ignores case, where `img/photo.png` was found as `Img/Photo.png`.
        let folded = folded(&keep);
        assert_eq!(folded["img"], "img");
        assert!(!prune(root, "", &keep, Some(&folded)).unwrap());
        assert_eq!(
            std::fs::read_to_string(root.join("img/photo.png")).unwrap(),
            "Img/Photo.png"
        );
        assert!(root.join("notes/a/index.html").is_file());
        for gone in ["Img", "img2", "gone"] {
            assert!(!root.join(gone).exists(), "{gone}");
        }
        assert!(!ignores_case(root) || cfg!(any(target_os = "macos", windows)));
    }

    #[test]
    fn refuses_outputs_that_hold_the_sources() {
        let root = Path::new("/tmp/site");
        assert!(checked_output_dir(root, Path::new("/tmp/site")).is_err());
        assert!(checked_output_dir(root, Path::new("/tmp/site/content")).is_err());
        assert!(checked_output_dir(root, Path::new("/tmp/site/content/x")).is_err());
        assert!(checked_output_dir(root, Path::new("/tmp")).is_err());
        assert!(checked_output_dir(root, Path::new("/")).is_err());
        assert!(checked_output_dir(root, Path::new("/tmp/site/./public/..")).is_err());
        assert_eq!(
            checked_output_dir(root, Path::new("/tmp/site/public")).unwrap(),
            PathBuf::from("/tmp/site/public")
        );
    }
}
