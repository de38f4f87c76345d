//! Where a site's parts are: the folder that holds `commonplace.yaml`, and every path under it
//! the tool reads or writes, named once (mdBook's `source_dir()` and `build_dir_for()` habit).
//! Commands that read or change a site start from a [`SiteRoot`], so "is this a site?" is
//! asked in one place.

use std::path::{Path, PathBuf};

use crate::config::FILE_NAME;

/// The folder of a site's sources, relative to its root: `notes/`, `quotes/`, `concepts/` and
/// every other file the site publishes.
pub const CONTENT_DIR: &str = "content";
/// Where `build` writes the site unless told otherwise, relative to the root.
pub const OUTPUT_DIR: &str = "public";
/// The site's own themes (`themes/<name>/templates`, `themes/<name>/static`), relative to the
/// root.
pub const THEMES_DIR: &str = "themes";
/// The tool's own folder under the root: caches and the preview, never published.
const TOOL_DIR: &str = ".commonplace";

/// A folder that holds a site: its `commonplace.yaml` was there when it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRoot {
    dir: PathBuf,
}

/// Not a site: the folder has no `commonplace.yaml`.
#[derive(Debug, thiserror::Error)]
#[error(
    "couldn't find `{FILE_NAME}` in `{}`. Is this a commonplace site? `commonplace init DIR` makes one",
    .0.display()
)]
pub struct NotASite(pub PathBuf);

impl SiteRoot {
    /// The site in `dir`, which must hold `commonplace.yaml`.
    pub fn open(dir: &Path) -> Result<SiteRoot, NotASite> {
        if dir.join(FILE_NAME).is_file() {
            Ok(SiteRoot {
                dir: dir.to_path_buf(),
            })
        } else {
            Err(NotASite(dir.to_path_buf()))
        }
    }

    /// The root folder, as it was given.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn config_file(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    pub fn content_dir(&self) -> PathBuf {
        self.dir.join(CONTENT_DIR)
    }

    pub fn notes_dir(&self) -> PathBuf {
        self.content_dir().join("notes")
    }

    /// Where quote files live, one per source.
    pub fn quotes_dir(&self) -> PathBuf {
        self.content_dir().join("quotes")
    }

    /// The published site's search index.
    pub fn index_dir(&self) -> PathBuf {
        self.dir.join(TOOL_DIR).join("index")
    }

    /// The index of a preview of everything: apart, so that no note the site withholds is
    /// ever a document of the index the published search bundle is exported from, even while
    /// a preview and a build run side by side.
    pub fn preview_index_dir(&self) -> PathBuf {
        self.dir.join(TOOL_DIR).join("index-preview")
    }

    /// The file the site lock ([`crate::lock`]) is taken on; it holds the holder's name.
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join(TOOL_DIR).join("lock")
    }

    /// Where `serve` writes its pages: its own folder, so that drafts and half-written notes
    /// never land in `public/`.
    pub fn preview_dir(&self) -> PathBuf {
        self.dir.join(TOOL_DIR).join("serve")
    }

    /// The options the preview in [`SiteRoot::preview_dir`] was made with, beside it.
    pub fn preview_stamp(&self) -> PathBuf {
        self.preview_dir().with_extension("options")
    }
}

/// The folders an Obsidian vault of the site at `root` may be, in the order they are looked
/// at, each with its path under `content/`: a vault of notes (`content/notes/`, its
/// `.obsidian/` there) or the whole content folder.
pub fn vault_dirs(root: &Path) -> [(PathBuf, &'static str); 2] {
    let content = root.join(CONTENT_DIR);
    [(content.join("notes"), "notes/"), (content, "")]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_is_a_folder_with_its_config() {
        let dir = tempfile::tempdir().unwrap();
        let err = SiteRoot::open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("Is this a commonplace site?"));
        std::fs::write(dir.path().join(FILE_NAME), "title: T\n").unwrap();
        let site = SiteRoot::open(dir.path()).unwrap();
        assert_eq!(site.quotes_dir(), dir.path().join("content/quotes"));
        assert_eq!(site.index_dir(), dir.path().join(".commonplace/index"));
        assert_eq!(site.preview_dir(), dir.path().join(".commonplace/serve"));
    }
}
