//! Stage 4, write: the only writer of the output folder. Pages, theme files and assets go to a
//! sibling staging folder, which then replaces the old output, so a failed build leaves the
//! previous site exactly as it was.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::fs::{self, IoError};
use crate::load::{Asset, CONTENT_DIR};
use crate::render::{Page, StaticFile};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("refusing to write the site to `{}`: {reason}", path.display())]
    UnsafeOutput { path: PathBuf, reason: &'static str },
    #[error(transparent)]
    Io(#[from] IoError),
}

/// Everything that goes into the output folder.
pub struct Output<'a> {
    pub pages: &'a [Page],
    pub static_files: &'a std::collections::BTreeMap<String, StaticFile>,
    pub assets: &'a [Asset],
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
    Ok(output_abs)
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

/// Writes the site into `output` (already checked by [`checked_output_dir`]).
pub fn write(output: &Path, site: &Output, on_file: &(dyn Fn() + Sync)) -> Result<(), WriteError> {
    let name = output
        .file_name()
        .expect("checked_output_dir refuses paths without a name")
        .to_string_lossy();
    let parent = output.parent().unwrap_or(Path::new("/"));
    fs::create_dir_all(parent)?;
    let staging = parent.join(format!(".{name}.commonplace-new"));
    let old = parent.join(format!(".{name}.commonplace-old"));
    for leftover in [&staging, &old] {
        if leftover.exists() {
            fs::remove_dir_all(leftover)?;
        }
    }
    fs::create_dir_all(&staging)?;

    let result = write_files(&staging, site, on_file);
    if let Err(err) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(err);
    }
    if output.exists() {
        fs::rename(output, &old)?;
        if let Err(err) = fs::rename(&staging, output) {
            // Put the previous site back before reporting.
            let _ = std::fs::rename(&old, output);
            return Err(err.into());
        }
        fs::remove_dir_all(&old)?;
    } else {
        fs::rename(&staging, output)?;
    }
    Ok(())
}

fn write_files(dir: &Path, site: &Output, on_file: &(dyn Fn() + Sync)) -> Result<(), WriteError> {
    for (path, file) in site.static_files {
        let target = dir.join(path);
        match file {
            StaticFile::Embedded(bytes) => fs::write_with_parents(&target, bytes)?,
            StaticFile::OnDisk(source) => {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent)?;
                }
                fs::copy(source, &target)?;
            }
        }
    }
    site.assets.par_iter().try_for_each(|asset| {
        let target = dir.join(&asset.path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(&asset.source, &target)
    })?;
    site.pages.par_iter().try_for_each(|page| {
        fs::write_with_parents(&dir.join(&page.path), &page.content)?;
        on_file();
        Ok::<_, IoError>(())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
