//! The theme: Tera templates and static files. The default theme is embedded in the binary; a
//! site overrides any single template with a same-named file in `themes/<name>/templates/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::config::Config;
use crate::fs;
use crate::site::THEMES_DIR;

/// The default theme's files, compiled in so an installed binary works anywhere.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    (
        "macros.html",
        include_str!("../../themes/default/templates/macros.html"),
    ),
    (
        "quote_item.html",
        include_str!("../../themes/default/templates/quote_item.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "note.html",
        include_str!("../../themes/default/templates/note.html"),
    ),
    (
        "quote.html",
        include_str!("../../themes/default/templates/quote.html"),
    ),
    (
        "concept.html",
        include_str!("../../themes/default/templates/concept.html"),
    ),
    (
        "concepts.html",
        include_str!("../../themes/default/templates/concepts.html"),
    ),
    (
        "source.html",
        include_str!("../../themes/default/templates/source.html"),
    ),
    (
        "sources.html",
        include_str!("../../themes/default/templates/sources.html"),
    ),
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "atom.xml",
        include_str!("../../themes/default/templates/atom.xml"),
    ),
    (
        "sitemap.xml",
        include_str!("../../themes/default/templates/sitemap.xml"),
    ),
    (
        "sitemap_index.xml",
        include_str!("../../themes/default/templates/sitemap_index.xml"),
    ),
    (
        "search.html",
        include_str!("../../themes/default/templates/search.html"),
    ),
    (
        "folder.html",
        include_str!("../../themes/default/templates/folder.html"),
    ),
];

const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    // Code highlighting's palettes: in the default stylesheet, and on their own for a theme
    // with a stylesheet of its own to link.
    (
        "style.css",
        concat!(
            include_str!("../../themes/default/static/style.css"),
            include_str!("../../themes/default/static/highlight.css")
        )
        .as_bytes(),
    ),
    (
        "highlight.css",
        include_bytes!("../../themes/default/static/highlight.css"),
    ),
    (
        "search.js",
        include_bytes!("../../themes/default/static/search.js"),
    ),
    (
        "site.js",
        include_bytes!("../../themes/default/static/site.js"),
    ),
];

/// Mermaid, which draws ```` ```mermaid ```` diagrams in the reader's browser: the ES-module
/// build, whose entry loads only the chunks a page's diagrams need. Committed under
/// `themes/default/vendor/` (see `update-mermaid.sh` there) and copied to `_mermaid/` of sites
/// that have diagrams, so no page asks another host for it.
static MERMAID: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/themes/default/vendor/mermaid");

/// STIX Two Math, for readers whose system has no math font (see `update-math-font.sh`):
/// copied to sites with math, where the stylesheet's `@font-face` names it.
const MATH_FONT: &[(&str, &[u8])] = &[
    (
        "_math/STIXTwoMath.woff2",
        include_bytes!("../../themes/default/vendor/math-font/STIXTwoMath.woff2"),
    ),
    (
        "_math/LICENSE",
        include_bytes!("../../themes/default/vendor/math-font/LICENSE"),
    ),
];

static DIAGRAM_FILES: std::sync::LazyLock<BTreeMap<String, StaticFile>> =
    std::sync::LazyLock::new(diagram_files);

static MATH_FILES: std::sync::LazyLock<BTreeMap<String, StaticFile>> =
    std::sync::LazyLock::new(|| {
        MATH_FONT
            .iter()
            .map(|(path, bytes)| (path.to_string(), StaticFile::Embedded(bytes)))
            .collect()
    });

/// The folder of the site that holds Mermaid.
pub const MERMAID_DIR: &str = "_mermaid";

/// Mermaid's files, by output path.
pub fn diagram_files() -> BTreeMap<String, StaticFile> {
    let mut files = BTreeMap::new();
    let mut dirs = vec![&MERMAID];
    while let Some(dir) = dirs.pop() {
        for file in dir.files() {
            let path = crate::diagnostic::display_path(file.path());
            files.insert(
                format!("{MERMAID_DIR}/{path}"),
                StaticFile::Embedded(file.contents()),
            );
        }
        dirs.extend(dir.dirs());
    }
    files
}

pub struct Theme {
    pub tera: Tera,
    /// Files copied to the output root, by output path.
    pub static_files: BTreeMap<String, StaticFile>,
}

pub enum StaticFile {
    Embedded(&'static [u8]),
    OnDisk(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("theme `{name}` not found: there is no folder `{}`", dir.display())]
    Missing { name: String, dir: PathBuf },
    #[error(
        "commonplace.yaml: theme `{name}` is outside the site ({reason}); a theme is a folder \
         of the site's, `themes/<name>/` or a path under the site's root"
    )]
    Outside { name: String, reason: &'static str },
    #[error("template error in theme `{name}`")]
    Template {
        name: String,
        #[source]
        source: tera::Error,
    },
    #[error(transparent)]
    Io(#[from] fs::IoError),
    #[error(transparent)]
    Walk(#[from] fs::WalkError),
}

impl Theme {
    /// The files to copy to a site with this theme: the theme's own, Mermaid when the site
    /// draws diagrams, and a math font when it has math.
    pub fn files_for(&self, graph: &crate::link::Graph) -> BTreeMap<String, &StaticFile> {
        let mut files: BTreeMap<String, &StaticFile> = self
            .static_files
            .iter()
            .map(|(path, file)| (path.clone(), file))
            .collect();
        if graph.has_diagrams() {
            files.extend(
                DIAGRAM_FILES
                    .iter()
                    .map(|(path, file)| (path.clone(), file)),
            );
        }
        if graph.has_math() {
            files.extend(MATH_FILES.iter().map(|(path, file)| (path.clone(), file)));
        }
        files
    }

    pub fn load(root: &Path, config: &Config) -> Result<Theme, ThemeError> {
        let dir = theme_dir(root, &config.theme)?;
        // Every file of the theme is checked, not only its folder: `static/` may be a link.
        let site_root = root.canonicalize().map_err(|source| fs::IoError {
            action: "open",
            path: root.to_path_buf(),
            source,
        })?;
        let mut templates: BTreeMap<String, String> = DEFAULT_TEMPLATES
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect();
        let mut static_files: BTreeMap<String, StaticFile> = DEFAULT_STATIC
            .iter()
            .map(|(name, bytes)| (name.to_string(), StaticFile::Embedded(bytes)))
            .collect();
        let inside = |path: &Path| -> Result<(), ThemeError> {
            let real = path.canonicalize().map_err(|source| fs::IoError {
                action: "open",
                path: path.to_path_buf(),
                source,
            })?;
            match real.starts_with(&site_root) {
                true => Ok(()),
                false => Err(ThemeError::Outside {
                    name: config.theme.clone(),
                    reason: "a link in it leads out of the site",
                }),
            }
        };
        for (name, path) in files_under(&dir.join("templates"))? {
            inside(&path)?;
            let text = String::from_utf8_lossy(&fs::read(&path)?).into_owned();
            templates.insert(name, text);
        }
        for (name, path) in files_under(&dir.join("static"))? {
            inside(&path)?;
            static_files.insert(name, StaticFile::OnDisk(path));
        }

        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Like Tera's own escaping, but without turning `/` into `&#x2F;`, which made every URL
        // in the output unreadable for no safety gain inside quoted attributes.
        tera.set_escape_fn(crate::text::escape);
        tera.add_raw_templates(templates)
            .map_err(|source| ThemeError::Template {
                name: config.theme.clone(),
                source,
            })?;
        Ok(Theme { tera, static_files })
    }
}

/// The theme's folder: `themes/<name>/` for a name, or the path a name with `/` spells from
/// the root. Either must be inside the site once links are followed: a theme's files are
/// copied into the published site, so `../../elsewhere` would publish files the user never
/// put in it. The default theme needs no folder.
fn theme_dir(root: &Path, name: &str) -> Result<PathBuf, ThemeError> {
    let outside = |reason| ThemeError::Outside {
        name: name.to_string(),
        reason,
    };
    let relative = match name.contains(['/', '\\']) {
        false => Path::new(THEMES_DIR).join(name),
        true => PathBuf::from(name),
    };
    if relative.is_absolute() {
        return Err(outside("an absolute path"));
    }
    if relative
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(outside("it climbs out with `..`"));
    }
    let dir = root.join(&relative);
    if !dir.is_dir() {
        if name == "default" {
            return Ok(dir);
        }
        return Err(ThemeError::Missing {
            name: name.to_string(),
            dir: relative,
        });
    }
    let real = |p: &Path| {
        p.canonicalize().map_err(|source| fs::IoError {
            action: "open",
            path: p.to_path_buf(),
            source,
        })
    };
    if !real(&dir)?.starts_with(real(root)?) {
        return Err(outside("a link leads out of the site"));
    }
    Ok(dir)
}

fn files_under(dir: &Path) -> Result<Vec<(String, PathBuf)>, ThemeError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|source| fs::WalkError {
            path: dir.to_path_buf(),
            source,
        })?;
        if entry.file_type().is_file() {
            let relative = entry.path().strip_prefix(dir).expect("under dir");
            files.push((
                crate::diagnostic::display_path(relative),
                entry.path().to_path_buf(),
            ));
        }
    }
    Ok(files)
}
