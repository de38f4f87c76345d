//! The search index's analyzer, outside Tantivy: split on anything not alphanumeric, drop
//! tokens of 40 bytes or more, lower-case character by character, fold to ASCII, stem. Each
//! step is the one Tantivy's `SimpleTokenizer`, `RemoveLongFilter::limit(40)`, `LowerCaser`,
//! `AsciiFoldingFilter` and `Stemmer` take, in that order (the main crate's tests compare the
//! two analyzers word for word, and the table of lower-casing and folding character by
//! character).

use std::sync::OnceLock;

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
            .map(|word| self.stemmer.stem(&normalize(word)).into_owned())
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

/// Lower case, then folded to ASCII where a character has a folding, one character at a
/// time, as `LowerCaser` then `AsciiFoldingFilter` make it (`LowerCaser` lower-cases each
/// character alone: no final sigma rule).
pub fn normalize(word: &str) -> String {
    if word.is_ascii() {
        return word.to_ascii_lowercase();
    }
    let table = Normalizer::get();
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            match table.made(c) {
                Some(made) => out.push_str(made),
                None => out.push(c),
            }
        }
    }
    out
}

/// What lower-casing then folding make of each character that they change, unpacked once from
/// the generated `fold::TABLE`. That table is a list of entries, each the character's distance
/// from the one before (a varint), then a varint `v`: when `v` is even, the result is one
/// character at the zigzag-coded distance `v / 2` from this one; when odd, it is the next
/// `v / 2` bytes (UTF-8). Distances are small and repeat, so the table is a fraction of the
/// size of the standard library's lower-case table and a folding table side by side, which
/// matters in a module downloaded with the first search.
struct Normalizer {
    chars: Vec<u32>,
    ends: Vec<u32>,
    made: String,
}

impl Normalizer {
    fn get() -> &'static Normalizer {
        static TABLE: OnceLock<Normalizer> = OnceLock::new();
        TABLE.get_or_init(|| Normalizer::unpack(&crate::fold::TABLE))
    }

    fn unpack(bytes: &[u8]) -> Normalizer {
        let mut table = Normalizer {
            chars: Vec::new(),
            ends: Vec::new(),
            made: String::new(),
        };
        let mut at = 0;
        let mut c = 0u32;
        while at < bytes.len() {
            c += varint(bytes, &mut at) as u32;
            let value = varint(bytes, &mut at);
            if value & 1 == 0 {
                let zigzag = value >> 1;
                let delta = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
                let one = char::from_u32((i64::from(c) + delta) as u32).unwrap_or('\u{fffd}');
                table.made.push(one);
            } else {
                let len = (value >> 1) as usize;
                let made = bytes.get(at..at + len).unwrap_or_default();
                table
                    .made
                    .push_str(std::str::from_utf8(made).unwrap_or_default());
                at += len;
            }
            table.chars.push(c);
            table.ends.push(table.made.len() as u32);
        }
        table
    }

    /// What `c` becomes, if it changes.
    fn made(&self, c: char) -> Option<&str> {
        let at = self.chars.binary_search(&u32::from(c)).ok()?;
        let start = if at == 0 { 0 } else { self.ends[at - 1] };
        self.made.get(start as usize..self.ends[at] as usize)
    }
}

/// The LEB128 number at `at`, moving past it.
fn varint(bytes: &[u8], at: &mut usize) -> u64 {
    let mut value = 0u64;
    let mut shift = 0;
    while let Some(&byte) = bytes.get(*at) {
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            break;
        }
    }
    value
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
