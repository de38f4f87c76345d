//! The search index's analyzer, outside Tantivy: split on anything not alphanumeric, drop
//! tokens of 40 bytes or more, lower-case character by character, fold to ASCII, stem. Each
//! step is the one Tantivy's `SimpleTokenizer`, `RemoveLongFilter::limit(40)`, `LowerCaser`,
//! `AsciiFoldingFilter` and `Stemmer` take, in that order (the main crate's tests compare the
//! two analyzers word for word, and the folding table character by character).

use frostem::{Algorithm, Stemmer};

/// Tokens this long (in bytes) or longer are dropped, as `RemoveLongFilter::limit(40)` does.
const LONG_TOKEN: usize = 40;

/// A site's analyzer, for its language.
pub struct Analyzer {
    stemmer: Stemmer,
}

impl Analyzer {
    /// The analyzer for a language code (`en`, `en-GB`, `fr`), if this build stems it.
    pub fn new(language: &str) -> Option<Analyzer> {
        let code = language_code(language);
        Some(Analyzer {
            stemmer: Stemmer::new(algorithm(&code)?),
        })
    }

    /// The terms of `text`, in order, as the index has them.
    pub fn terms(&self, text: &str) -> Vec<String> {
        words(text)
            .filter(|word| word.len() < LONG_TOKEN)
            .map(|word| self.stemmer.stem(&fold(&lower_case(word))).into_owned())
            .collect()
    }
}

/// The two-letter code of a site's `language`: `en`, `en-GB` and `en_US` all mean English.
pub fn language_code(language: &str) -> String {
    language
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Runs of alphanumeric characters, as Tantivy's `SimpleTokenizer` splits.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// Lower case, one character at a time (not `str::to_lowercase`, whose final sigma rule
/// Tantivy does not apply).
pub fn lower_case(word: &str) -> String {
    if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.chars().flat_map(char::to_lowercase).collect()
    }
}

/// Every character replaced by its ASCII folding, where it has one.
pub fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match crate::fold::folded(c) {
            Some(ascii) => out.push_str(ascii),
            None => out.push(c),
        }
    }
    out
}

/// The language codes this build can stem.
pub fn languages() -> Vec<&'static str> {
    CODES
        .iter()
        .copied()
        .filter(|code| algorithm(code).is_some())
        .collect()
}

const CODES: &[&str] = &[
    "ar", "da", "de", "el", "en", "es", "fi", "fr", "hu", "it", "nl", "no", "pt", "ro", "ru", "sv",
    "ta", "tr",
];

fn algorithm(code: &str) -> Option<Algorithm> {
    Some(match code {
        #[cfg(feature = "ar")]
        "ar" => Algorithm::Arabic,
        #[cfg(feature = "da")]
        "da" => Algorithm::Danish,
        #[cfg(feature = "de")]
        "de" => Algorithm::German,
        #[cfg(feature = "el")]
        "el" => Algorithm::Greek,
        #[cfg(feature = "en")]
        "en" => Algorithm::English,
        #[cfg(feature = "es")]
        "es" => Algorithm::Spanish,
        #[cfg(feature = "fi")]
        "fi" => Algorithm::Finnish,
        #[cfg(feature = "fr")]
        "fr" => Algorithm::French,
        #[cfg(feature = "hu")]
        "hu" => Algorithm::Hungarian,
        #[cfg(feature = "it")]
        "it" => Algorithm::Italian,
        #[cfg(feature = "nl")]
        "nl" => Algorithm::Dutch,
        #[cfg(feature = "no")]
        "no" => Algorithm::Norwegian,
        #[cfg(feature = "pt")]
        "pt" => Algorithm::Portuguese,
        #[cfg(feature = "ro")]
        "ro" => Algorithm::Romanian,
        #[cfg(feature = "ru")]
        "ru" => Algorithm::Russian,
        #[cfg(feature = "sv")]
        "sv" => Algorithm::Swedish,
        #[cfg(feature = "ta")]
        "ta" => Algorithm::Tamil,
        #[cfg(feature = "tr")]
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}
