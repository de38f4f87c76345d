//! The search index's schema and its tokenizer, shared by indexing, queries and (later) the
//! browser bundle, so there is one way text becomes terms.

use std::collections::HashMap;
use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED,
    STORED, STRING,
};

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer,
    Stemmer, StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer,
};

/// The name the analyzer is registered under in every index.
pub const TOKENIZER: &str = "commonplace";

/// Bumped whenever the schema or the analyzer changes: an index of another version is rebuilt.
pub const FORMAT: u32 = 1;

/// How much more a word in a title counts than the same word in a body or author.
pub const TITLE_BOOST: f32 = 3.0;

/// Every field, by name, so code never looks a field up by string.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `note:<slug>`, `quote:<source>/<id>`, `concept:<name>`, `source:<id>`: unique per document.
    pub key: Field,
    /// `/note`, `/quote`, `/concept` or `/source`.
    pub kind: Field,
    pub id: Field,
    pub title: Field,
    pub body: Field,
    /// A quote's own text, without its annotation: what a result shows (stored only).
    pub text: Field,
    /// Hierarchical: `/reliability/fault-tolerance`, so a search under reliability finds it.
    pub concept: Field,
    /// `/ddia`: a facet, so results can be counted by source.
    pub source: Field,
    pub author: Field,
    pub year: Field,
    pub date: Field,
    pub locator: Field,
    pub url: Field,
    /// For concept listings: quotes by source, then in locator order.
    pub order: Field,
}

pub fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        key: builder.add_text_field("key", STRING | STORED),
        kind: builder.add_facet_field("kind", FacetOptions::default().set_stored()),
        id: builder.add_text_field("id", STRING | STORED),
        title: builder.add_text_field("title", text.clone()),
        body: builder.add_text_field("body", text.clone()),
        text: builder.add_text_field("text", STORED),
        concept: builder.add_facet_field("concept", FacetOptions::default().set_stored()),
        source: builder.add_facet_field("source", FacetOptions::default().set_stored()),
        author: builder.add_text_field("author", text),
        year: builder.add_u64_field("year", INDEXED | STORED),
        date: builder.add_text_field("date", STRING | STORED),
        locator: builder.add_text_field("locator", STORED),
        url: builder.add_text_field("url", STORED),
        order: builder.add_u64_field("order", FAST | STORED),
    };
    (builder.build(), fields)
}

/// The analyzer for a site's `language`: split on non-letters, drop very long tokens, lower-case,
/// fold accents ("naïve" finds "naive"), stem.
pub fn analyzer(language: &str) -> Option<TextAnalyzer> {
    let stemmer = stemmer_language(language)?;
    Some(
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(CachedStemmer(stemmer))
            .build(),
    )
}

/// Tantivy's `Stemmer`, remembering each word's stem: a corpus says the same few thousand
/// words over and over, and stemming was the largest single cost of indexing. The stems are
/// Tantivy's own (a cache miss asks its stemmer), so the index and every query agree.
#[derive(Clone, Copy)]
pub struct CachedStemmer(pub Language);

impl TokenFilter for CachedStemmer {
    type Tokenizer<T: Tokenizer> = CachedStemmerFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> CachedStemmerFilter<T> {
        CachedStemmerFilter {
            inner: tokenizer,
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(self.0))
                .build(),
            cache: HashMap::new(),
        }
    }
}

#[derive(Clone)]
pub struct CachedStemmerFilter<T> {
    inner: T,
    stemmer: TextAnalyzer,
    cache: HashMap<String, String>,
}

/// More distinct words than this, and the cache starts afresh rather than grow without end.
const STEM_CACHE_LIMIT: usize = 200_000;

impl<T: Tokenizer> Tokenizer for CachedStemmerFilter<T> {
    type TokenStream<'a> = CachedStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        if self.cache.len() > STEM_CACHE_LIMIT {
            self.cache.clear();
        }
        CachedStemStream {
            tail: self.inner.token_stream(text),
            stemmer: &mut self.stemmer,
            cache: &mut self.cache,
        }
    }
}

pub struct CachedStemStream<'a, S> {
    tail: S,
    stemmer: &'a mut TextAnalyzer,
    cache: &'a mut HashMap<String, String>,
}

impl<S: TokenStream> TokenStream for CachedStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        match self.cache.get(&token.text) {
            Some(stem) => {
                token.text.clear();
                token.text.push_str(stem);
            }
            None => {
                let mut stemmed = self.stemmer.token_stream(&token.text);
                let stem = stemmed
                    .next()
                    .map_or_else(|| token.text.clone(), |t| t.text.clone());
                drop(stemmed);
                self.cache
                    .insert(std::mem::take(&mut token.text), stem.clone());
                token.text = stem;
            }
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// The stop words of a language ("the", "there"), asked of an index term: a term that is a
/// stop word as written (most are their own stem) is one.
pub struct StopWords {
    filter: Option<TextAnalyzer>,
}

impl StopWords {
    pub fn new(language: &str) -> StopWords {
        let filter = stemmer_language(language)
            .and_then(StopWordFilter::new)
            .map(|stop| {
                TextAnalyzer::builder(RawTokenizer::default())
                    .filter(stop)
                    .build()
            });
        StopWords { filter }
    }

    pub fn contains(&mut self, term: &str) -> bool {
        match &mut self.filter {
            Some(filter) => filter.token_stream(term).next().is_none(),
            None => false,
        }
    }
}

/// A language a site may be written in: what the index stems it with, and the browser's
/// search module built for it (by `client/build-wasm.sh`, committed, so a build needs no
/// WebAssembly toolchain).
pub struct SiteLanguage {
    /// ISO 639-1.
    pub code: &'static str,
    pub stemmer: Language,
    pub client: &'static [u8],
}

/// Every row of the one language table.
macro_rules! languages {
    ($($code:literal => $stemmer:ident,)*) => {
        /// The languages commonplace searches, by ISO 639-1 code: the one table of them. The
        /// browser client's own list (`commonplace_client::analyzer::languages`, which the
        /// config is checked against) is tested equal to it.
        pub const LANGUAGES: &[SiteLanguage] = &[$(SiteLanguage {
            code: $code,
            stemmer: Language::$stemmer,
            client: include_bytes!(concat!("../../client/dist/", $code, ".wasm")),
        },)*];
    };
}

languages! {
    "ar" => Arabic,
    "da" => Danish,
    "de" => German,
    "el" => Greek,
    "en" => English,
    "es" => Spanish,
    "fi" => Finnish,
    "fr" => French,
    "hu" => Hungarian,
    "it" => Italian,
    "nl" => Dutch,
    "no" => Norwegian,
    "pt" => Portuguese,
    "ro" => Romanian,
    "ru" => Russian,
    "sv" => Swedish,
    "ta" => Tamil,
    "tr" => Turkish,
}

/// The row of a site's `language`: `en`, `en-GB` and `en_US` all mean English.
pub fn site_language(language: &str) -> Option<&'static SiteLanguage> {
    let code = commonplace_client::analyzer::language_code(language);
    LANGUAGES.iter().find(|l| l.code == code)
}

/// Tantivy's stemmer for a site's `language`.
pub fn stemmer_language(language: &str) -> Option<Language> {
    site_language(language).map(|l| l.stemmer)
}

/// The codes of [`LANGUAGES`], for messages: `ar, da, de, ...`.
pub fn language_codes() -> String {
    LANGUAGES
        .iter()
        .map(|l| l.code)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut analyzer = analyzer("en").unwrap();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(token) = stream.next() {
            out.push(token.text.clone());
        }
        out
    }

    #[test]
    fn english_stems_and_folds() {
        assert_eq!(terms("Scaling scales"), ["scale", "scale"]);
        assert_eq!(terms("naïve café"), terms("naive cafe"));
    }

    #[test]
    fn stop_words_are_told_from_other_terms() {
        let mut stop = StopWords::new("en");
        assert!(stop.contains("the") && stop.contains("there"));
        assert!(!stop.contains("scale") && !stop.contains("latenc"));
        assert!(!StopWords::new("ta").contains("the"));
    }

    #[test]
    fn cached_stems_equal_tantivys_stems() {
        let text = "Scaling scales scaled; the replication of replicated replicas, naïve \
                    operators operating operations, scaling again and again";
        let mut plain = TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::new(Language::English))
            .build();
        let mut expected = Vec::new();
        let mut stream = plain.token_stream(text);
        while let Some(token) = stream.next() {
            expected.push((token.text.clone(), token.offset_from, token.position));
        }
        let mut cached = analyzer("en").unwrap();
        for _ in 0..2 {
            let mut got = Vec::new();
            let mut stream = cached.token_stream(text);
            while let Some(token) = stream.next() {
                got.push((token.text.clone(), token.offset_from, token.position));
            }
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn languages_by_code() {
        assert!(stemmer_language("en-GB").is_some());
        assert!(stemmer_language("fr").is_some());
        assert!(stemmer_language("xx").is_none());
    }
}
