//! Page URLs, all prefixed with the site's base path so a site under a sub-path works.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

/// Characters escaped in an asset's path: those that would break a URL or an HTML attribute.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\'');

/// Characters escaped in absolute URLs: besides every non-ASCII byte, which is always encoded.
const ABSOLUTE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');

#[derive(Debug, Clone)]
pub struct Urls {
    /// `""` or `/kb`: the path part of `base_url`, without a trailing `/`.
    pub base: String,
    /// `https://user.github.io/kb/`: for feeds and the sitemap, which need absolute URLs.
    pub absolute_base: String,
}

impl Urls {
    /// The URLs of the site `config` describes.
    pub fn of(config: &crate::config::Config) -> Urls {
        Urls {
            base: config.base_path(),
            absolute_base: config.absolute_base(),
        }
    }

    pub fn home(&self) -> String {
        format!("{}/", self.base)
    }

    pub fn note(&self, slug: &str) -> String {
        format!("{}/notes/{slug}/", self.base)
    }

    pub fn quote(&self, source: &str, quote: &str) -> String {
        format!("{}/quotes/{source}/{quote}/", self.base)
    }

    pub fn concept(&self, name: &str) -> String {
        format!("{}/concepts/{name}/", self.base)
    }

    /// Page `page` (from 1) of a concept's quotes: the concept's own page first.
    pub fn concept_page(&self, name: &str, page: usize) -> String {
        match page {
            0 | 1 => self.concept(name),
            _ => format!("{}/concepts/{name}/page/{page}/", self.base),
        }
    }

    pub fn concepts(&self) -> String {
        format!("{}/concepts/", self.base)
    }

    pub fn source(&self, id: &str) -> String {
        format!("{}/sources/{id}/", self.base)
    }

    pub fn sources(&self) -> String {
        format!("{}/sources/", self.base)
    }

    pub fn search(&self) -> String {
        format!("{}/search/", self.base)
    }

    pub fn asset(&self, path: &str) -> String {
        format!("{}/{}", self.base, utf8_percent_encode(path, PATH))
    }

    /// An author's root-relative link (`/sources/`) with the base path put in front, so it
    /// still works on a site published under a sub-path; `None` when nothing needs to change
    /// (not root-relative, protocol-relative, or already under the base path).
    pub fn root_relative(&self, dest: &str) -> Option<String> {
        let is_root_relative = dest.starts_with('/') && !dest.starts_with("//");
        let has_base = dest == self.base || dest.starts_with(&format!("{}/", self.base));
        (is_root_relative && !self.base.is_empty() && !has_base)
            .then(|| format!("{}{dest}", self.base))
    }

    /// The absolute form of a URL made by the methods above, with non-ASCII characters
    /// percent-encoded: feeds and sitemaps are read by programs stricter than browsers.
    pub fn absolute(&self, url: &str) -> String {
        let path = url.strip_prefix(&self.base).unwrap_or(url);
        format!(
            "{}{}",
            self.absolute_base.trim_end_matches('/'),
            utf8_percent_encode(path, ABSOLUTE)
        )
    }
}

/// The output file of a page URL: `/notes/a/` is `notes/a/index.html`.
pub fn output_path(base: &str, url: &str) -> String {
    let path = url
        .strip_prefix(base)
        .unwrap_or(url)
        .trim_start_matches('/');
    if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_base_path() {
        let urls = Urls {
            base: "/kb".into(),
            absolute_base: "https://u.github.io/kb/".into(),
        };
        assert_eq!(urls.note("ch1/a"), "/kb/notes/ch1/a/");
        assert_eq!(urls.asset("img/a b.png"), "/kb/img/a%20b.png");
        assert_eq!(
            urls.absolute("/kb/notes/日本/#x"),
            "https://u.github.io/kb/notes/%E6%97%A5%E6%9C%AC/#x"
        );
        assert_eq!(
            urls.absolute("/kb/notes/a/"),
            "https://u.github.io/kb/notes/a/"
        );
        assert_eq!(output_path("/kb", "/kb/notes/a/"), "notes/a/index.html");
        assert_eq!(output_path("", "/"), "index.html");
        assert_eq!(
            urls.root_relative("/sources/").as_deref(),
            Some("/kb/sources/")
        );
        assert_eq!(urls.root_relative("/kb/sources/"), None);
        assert_eq!(urls.root_relative("//cdn.example.org/x.js"), None);
        assert_eq!(urls.root_relative("https://example.org/"), None);
    }
}
