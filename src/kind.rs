//! The four kinds of thing a site is made of, and so of page, link target, search result and
//! bundle document: one list, which links, the command line, the API, the index and the
//! browser's bundle all use. It depends on nothing, so every stage can name it.

use std::fmt;

/// What a page, a search result or a link target is. Links write it as a prefix
/// (`[[concept:reliability]]`), searches as a filter (`kind:quote`, `--kind quote`), the index
/// as a facet (`/quote`) and results and the browser's bundle as a name (`"quote"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Note,
    Quote,
    Concept,
    Source,
}

impl Kind {
    /// Every kind, in the order messages list them.
    pub const ALL: [Kind; 4] = [Kind::Note, Kind::Quote, Kind::Concept, Kind::Source];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Note => "note",
            Kind::Quote => "quote",
            Kind::Concept => "concept",
            Kind::Source => "source",
        }
    }

    /// `note, quote, concept, source`, for messages that list the choices.
    pub fn names() -> String {
        Kind::ALL.map(Kind::name).join(", ")
    }

    /// The kind `name` names, exactly as [`Kind::name`] writes it.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// By name, not by declaration: equal scores are ordered by kind and id, and the browser's
/// bundle, which numbers its documents by `kind:id`, orders them the same way.
impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name().cmp(other.name())
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// The name, padded as asked (`{:<7}` lines up a terminal's columns).
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(Kind::from_name("quote"), Some(Kind::Quote));
        assert_eq!(Kind::from_name("Quote"), None);
        assert_eq!(Kind::names(), "note, quote, concept, source");
        assert_eq!(format!("[{:<7}]", Kind::Note), "[note   ]");
        let mut sorted = Kind::ALL;
        sorted.sort();
        assert_eq!(
            sorted.map(Kind::name),
            ["concept", "note", "quote", "source"]
        );
        assert_eq!(
            serde_json::to_string(&Kind::Concept).unwrap(),
            "\"concept\""
        );
    }
}
