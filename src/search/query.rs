//! Queries against the index. Words are AND-ed; `"phrases"`, `OR`, `-word` and the
//! prefixes `concept:`, `source:`, `author:` and `kind:` work; a query that finds nothing is
//! retried with each unknown word replaced by the nearest indexed one.

use std::collections::BTreeMap;

use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::query::Bm25StatisticsProvider;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, TermQuery,
};
use tantivy::query_grammar::{Delimiter, UserInputAst, UserInputLeaf, UserInputLiteral};
use tantivy::schema::{Facet, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, Index, Searcher, TantivyDocument, Term};

use super::documents::Lookups;
use super::schema::Fields;
use crate::kind::Kind;

/// What to search for.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    /// Every concept given must match (narrower concepts included).
    pub concepts: Vec<String>,
    pub source: Option<String>,
    pub kind: Option<Kind>,
    pub limit: usize,
    /// Count the matches by concept and source (costs time on broad queries).
    pub facets: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchResults {
    pub query: String,
    /// When the query found nothing and a corrected one did: the corrected query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected: Option<String>,
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: String,
    /// A note's, concept's or source's title, or a quote's text.
    pub title: String,
    pub url: String,
    pub score: f32,
    /// A fragment of the text, HTML-escaped, with the matched words in `<mark>`.
    pub snippet: String,
    pub concepts: Vec<String>,
    pub source: Option<String>,
    pub locator: Option<String>,
}

/// Counts of the matching documents by concept (narrower concepts counted in their broader
/// ones) and by source.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Facets {
    pub concept: BTreeMap<String, u64>,
    pub source: BTreeMap<String, u64>,
}

/// A query the user should fix: the message names the position.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("query syntax error at character {position}: {message}")]
    Syntax { position: usize, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("search failed")]
    Tantivy(#[from] tantivy::TantivyError),
}

/// The query language without an index: parsing, and the meaning of `concept:`, `source:` and
/// `kind:`. `check` uses it to report a bad ```` ```query ```` block without searching.
pub struct Syntax<'a> {
    pub concept_paths: &'a BTreeMap<String, Vec<String>>,
    pub aliases: &'a BTreeMap<String, String>,
}

impl Syntax<'_> {
    /// Parses the query text, turning `concept:`, `source:` and `kind:` into facet terms.
    pub fn parse(&self, text: &str) -> Result<UserInputAst, QueryError> {
        let (ast, errors) = tantivy::query_grammar::parse_query_lenient(text);
        if let Some(error) = errors.first() {
            return Err(QueryError::Syntax {
                position: error.pos + 1,
                message: error.message.clone(),
            });
        }
        self.rewrite(ast)
    }

    fn rewrite(&self, ast: UserInputAst) -> Result<UserInputAst, QueryError> {
        Ok(match ast {
            UserInputAst::Clause(clauses) => UserInputAst::Clause(
                clauses
                    .into_iter()
                    .map(|(occur, ast)| Ok((occur, self.rewrite(ast)?)))
                    .collect::<Result<_, QueryError>>()?,
            ),
            UserInputAst::Boost(ast, boost) => {
                UserInputAst::Boost(Box::new(self.rewrite(*ast)?), boost)
            }
            UserInputAst::Leaf(leaf) => match *leaf {
                UserInputLeaf::Literal(literal) => self.rewrite_literal(literal)?,
                other => UserInputAst::Leaf(Box::new(other)),
            },
        })
    }

    fn rewrite_literal(&self, literal: UserInputLiteral) -> Result<UserInputAst, QueryError> {
        let facet_leaf = |field: &str, path: String| {
            UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(UserInputLiteral {
                field_name: Some(field.to_string()),
                phrase: path,
                delimiter: Delimiter::None,
                slop: 0,
                prefix: false,
            })))
        };
        match literal.field_name.as_deref() {
            Some("concept") => {
                let paths = self.concept_facets(&literal.phrase)?;
                Ok(UserInputAst::Clause(
                    paths
                        .into_iter()
                        .map(|p| (Some(Occur::Should), facet_leaf("concept", p)))
                        .collect(),
                ))
            }
            Some("kind") => match Kind::from_name(&literal.phrase.trim().to_lowercase()) {
                Some(kind) => Ok(facet_leaf("kind", format!("/{kind}"))),
                None => Err(QueryError::Invalid(format!(
                    "unknown kind `{}`; use one of {}",
                    literal.phrase,
                    Kind::names()
                ))),
            },
            Some("source") => Ok(facet_leaf(
                "source",
                format!("/{}", crate::slug::slugify(&literal.phrase)),
            )),
            _ => Ok(UserInputAst::Leaf(Box::new(UserInputLeaf::Literal(
                literal,
            )))),
        }
    }

    /// The facet paths of a concept, by name or alias.
    pub fn concept_facets(&self, written: &str) -> Result<Vec<String>, QueryError> {
        let key = crate::slug::slugify(written);
        let name = self.aliases.get(&key).cloned().unwrap_or(key);
        match self.concept_paths.get(&name) {
            Some(paths) if !paths.is_empty() => Ok(paths.clone()),
            _ => {
                let closest = self
                    .concept_paths
                    .keys()
                    .map(|c| (strsim::levenshtein(&name, c), c))
                    .filter(|(d, _)| *d <= (name.len() / 3).max(2))
                    .min()
                    .map(|(_, c)| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                Err(QueryError::Invalid(format!(
                    "unknown concept `{written}`{closest}"
                )))
            }
        }
    }
}

/// What a result shows of a stored document: the terminal, the API and the browser bundle
/// all show the same.
pub struct Stored {
    pub kind: Kind,
    pub id: String,
    pub url: String,
    /// The title, or for a quote the start of its text.
    pub title: String,
    /// Concept names (the last part of each facet path), sorted.
    pub concepts: Vec<String>,
    pub source: Option<String>,
    pub locator: Option<String>,
    /// A quote's own text.
    pub text: Option<String>,
    pub body: String,
}

impl Stored {
    pub fn of(doc: &TantivyDocument, f: Fields) -> Stored {
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let facet = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_facet())
                .map(|p| p.trim_start_matches('/').to_string())
        };
        let body = text(f.body).unwrap_or_default();
        let own_text = text(f.text);
        let title = match text(f.title) {
            Some(t) if !t.is_empty() => t,
            _ => crate::text::shorten(own_text.as_deref().unwrap_or(&body), 100),
        };
        let mut concepts: Vec<String> = doc
            .get_all(f.concept)
            .filter_map(|v| v.as_facet())
            .filter_map(|encoded| {
                let facet =
                    tantivy::schema::Facet::from_encoded(encoded.as_bytes().to_vec()).ok()?;
                facet.to_path().last().map(|name| name.to_string())
            })
            .collect();
        concepts.sort();
        concepts.dedup();
        Stored {
            // Every document has its kind; the fallback is for an index this did not write.
            kind: facet(f.kind)
                .and_then(|k| Kind::from_name(&k))
                .unwrap_or(Kind::Note),
            id: text(f.id).unwrap_or_default(),
            url: text(f.url).unwrap_or_default(),
            title,
            concepts,
            source: facet(f.source),
            locator: text(f.locator),
            text: own_text,
            body,
        }
    }
}

/// BM25's statistics, as Tantivy keeps them but for one: a field's token count is the sum of
/// the lengths Tantivy stores per document (each rounded to one of 256 values), over the
/// documents alive. Tantivy's own count is exact in a fresh index but becomes that sum for
/// segments merged after deletes, so scores would depend on the index's history; this way a
/// search, and the browser bundle exported with the same numbers, rank the same content the
/// same whatever edits came before.
pub struct Stats {
    searcher: Searcher,
    tokens: Vec<(tantivy::schema::Field, u64)>,
}

impl Stats {
    pub fn of(searcher: &Searcher, f: Fields) -> tantivy::Result<Stats> {
        let mut tokens = Vec::new();
        for field in [f.title, f.body, f.author] {
            let mut total = 0u64;
            for segment in searcher.segment_readers() {
                total += segment_tokens(segment, field)?;
            }
            tokens.push((field, total));
        }
        Ok(Stats {
            searcher: searcher.clone(),
            tokens,
        })
    }

    /// The token count of one of the searched fields.
    pub fn tokens(&self, field: tantivy::schema::Field) -> u64 {
        self.tokens
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(0, |(_, n)| *n)
    }
}

/// A segment's token count in a field, remembered: it changes only with the segment's
/// deletes, and counting walks every document (0.3 ms a search on the 10,000-note site).
fn segment_tokens(
    segment: &tantivy::SegmentReader,
    field: tantivy::schema::Field,
) -> tantivy::Result<u64> {
    type Key = (tantivy::index::SegmentId, u32, tantivy::schema::Field);
    static COUNTED: std::sync::Mutex<BTreeMap<Key, u64>> = std::sync::Mutex::new(BTreeMap::new());
    let key = (segment.segment_id(), segment.num_deleted_docs(), field);
    if let Some(&tokens) = COUNTED.lock().expect("not poisoned").get(&key) {
        return Ok(tokens);
    }
    let norms = segment.get_fieldnorms_reader(field)?;
    let mut count = [0u64; 256];
    for doc in segment.doc_ids_alive() {
        count[usize::from(norms.fieldnorm_id(doc))] += 1;
    }
    let tokens = count
        .iter()
        .enumerate()
        .map(|(id, n)| n * u64::from(FieldNormReader::id_to_fieldnorm(id as u8)))
        .sum();
    COUNTED.lock().expect("not poisoned").insert(key, tokens);
    Ok(tokens)
}

impl Bm25StatisticsProvider for Stats {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        Ok(self.tokens(field))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.searcher.doc_freq(term)
    }
}

/// How many documents past the limit a search looks at, for ties with the last one.
const TIES: usize = 32;

/// Searches over one point-in-time view of an index (made by `Engine::searching`), with the
/// lookups the index was made with, for `concept:` and aliases.
pub struct Searching<'a> {
    pub(super) index: &'a Index,
    /// The site's language, for the analyzer of typo corrections.
    pub(super) language: &'a str,
    pub(super) lookups: &'a Lookups,
    pub(super) fields: Fields,
    pub(super) searcher: Searcher,
}

impl<'a> Searching<'a> {
    fn syntax(&self) -> Syntax<'a> {
        Syntax {
            concept_paths: &self.lookups.concept_paths,
            aliases: &self.lookups.aliases,
        }
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, QueryError> {
        let searcher = &self.searcher;
        let filters = self.filters(request)?;
        let text = request.query.trim();

        if text.is_empty() {
            return self.listing(searcher, request, filters);
        }
        let ast = self.syntax().parse(text)?;
        let query = self.build(ast.clone(), &filters)?;
        let mut results = self.run(searcher, request, &*query)?;
        if results.total == 0 {
            if let Some(corrected) = self.correct(searcher, text)? {
                let query = self.build(self.syntax().parse(&corrected)?, &filters)?;
                let retried = self.run(searcher, request, &*query)?;
                if retried.total > 0 {
                    results = retried;
                    results.corrected = Some(corrected);
                }
            }
        }
        results.query = request.query.clone();
        Ok(results)
    }

    /// Every quote a ```` ```query ```` block finds, in reading order (source by source,
    /// locator by locator), up to `limit`.
    pub fn collect(&self, query: &str, limit: usize) -> Result<Vec<Hit>, QueryError> {
        let searcher = &self.searcher;
        let quotes = SearchRequest {
            kind: Some(Kind::Quote),
            ..SearchRequest::default()
        };
        let filters = self.filters(&quotes)?;
        let query = self.build(self.syntax().parse(query)?, &filters)?;
        let by_order = TopDocs::with_limit(limit.max(1))
            .order_by_fast_field::<u64>("order", tantivy::Order::Asc);
        searcher
            .search(&*query, &by_order)?
            .into_iter()
            .map(|(_, address)| self.hit(searcher, address, 0.0, None))
            .collect()
    }

    fn parser(&self) -> QueryParser {
        let f = self.fields;
        let mut parser = QueryParser::for_index(self.index, vec![f.title, f.body, f.author]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, super::schema::TITLE_BOOST);
        parser
    }

    /// The `--concept`, `--source` and `--kind` options as queries every hit must match.
    fn filters(&self, request: &SearchRequest) -> Result<Vec<Box<dyn Query>>, QueryError> {
        let f = self.fields;
        let facet_query = |field, path: &str| -> Box<dyn Query> {
            let facet = Facet::from_text(path).expect("paths are built valid");
            Box::new(TermQuery::new(
                Term::from_facet(field, &facet),
                IndexRecordOption::Basic,
            ))
        };
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        for concept in &request.concepts {
            let alternatives: Vec<(Occur, Box<dyn Query>)> = self
                .syntax()
                .concept_facets(concept)?
                .iter()
                .map(|p| (Occur::Should, facet_query(f.concept, p)))
                .collect();
            filters.push(Box::new(BooleanQuery::new(alternatives)));
        }
        if let Some(source) = &request.source {
            filters.push(facet_query(
                f.source,
                &format!("/{}", crate::slug::slugify(source)),
            ));
        }
        if let Some(kind) = request.kind {
            filters.push(facet_query(f.kind, &format!("/{kind}")));
        }
        Ok(filters)
    }

    fn build(
        &self,
        ast: UserInputAst,
        filters: &[Box<dyn Query>],
    ) -> Result<Box<dyn Query>, QueryError> {
        let text_query = self
            .parser()
            .build_query_from_user_input_ast(ast)
            .map_err(|e| QueryError::Invalid(e.to_string()))?;
        if filters.is_empty() {
            return Ok(text_query);
        }
        // Filters decide what matches, never how it ranks: a score of zero adds nothing, so a
        // filtered search ranks as the same search unfiltered (and as the browser's does).
        let mut clauses = vec![(Occur::Must, text_query)];
        clauses.extend(filters.iter().map(|q| {
            let filter: Box<dyn Query> = Box::new(ConstScoreQuery::new(q.box_clone(), 0.0));
            (Occur::Must, filter)
        }));
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    fn run(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        query: &dyn Query,
    ) -> Result<SearchResults, QueryError> {
        let limit = request.limit.max(1);
        let facets = request.facets.then_some((
            PathCounts { field: "concept" },
            PathCounts { field: "source" },
        ));
        // A few more than asked: documents tied with the last one are ordered by kind and id
        // below, not by where they sit in the index, so every reader of the index (and the
        // browser's bundle) cuts the list at the same place.
        let stats = Stats::of(searcher, self.fields)?;
        let (mut top, total, facets) = searcher.search_with_statistics_provider(
            query,
            &(
                TopDocs::with_limit(limit + TIES).order_by_score(),
                Count,
                facets,
            ),
            &stats,
        )?;
        if top.len() > limit {
            let cutoff = top[limit - 1].0;
            top.retain(|(score, _)| *score >= cutoff);
        }
        let mut snippets = SnippetGenerator::create(searcher, query, self.fields.body)?;
        snippets.set_max_num_chars(180);
        let mut hits: Vec<Hit> = top
            .into_iter()
            .map(|(score, address)| self.hit(searcher, address, score, Some(&snippets)))
            .collect::<Result<_, _>>()?;
        // Equal scores in a stable order, whatever segment each document sits in.
        hits.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| (&a.kind, &a.id).cmp(&(&b.kind, &b.id)))
        });
        hits.truncate(limit);
        Ok(SearchResults {
            query: String::new(),
            corrected: None,
            total,
            hits,
            facets: facet_counts(facets),
        })
    }

    /// An empty query with filters lists everything that matches them, in reading order:
    /// "every quote on reliability from DDIA", source by source, locator by locator.
    fn listing(
        &self,
        searcher: &Searcher,
        request: &SearchRequest,
        mut filters: Vec<Box<dyn Query>>,
    ) -> Result<SearchResults, QueryError> {
        if filters.is_empty() {
            return Err(QueryError::Invalid(
                "give words to search for, or --concept, --source or --kind to list".to_string(),
            ));
        }
        if request.kind.is_none() && !request.concepts.is_empty() {
            let quote = Facet::from_text("/quote").expect("valid");
            filters.push(Box::new(TermQuery::new(
                Term::from_facet(self.fields.kind, &quote),
                IndexRecordOption::Basic,
            )));
        }
        let query: Box<dyn Query> = Box::new(BooleanQuery::new(
            std::iter::once((Occur::Must, Box::new(AllQuery) as Box<dyn Query>))
                .chain(filters.into_iter().map(|q| (Occur::Must, q)))
                .collect(),
        ));
        let limit = request.limit.max(1);
        let facets = request.facets.then_some((
            PathCounts { field: "concept" },
            PathCounts { field: "source" },
        ));
        let by_order =
            TopDocs::with_limit(limit).order_by_fast_field::<u64>("order", tantivy::Order::Asc);
        let (top, total, facets) = searcher.search(&*query, &(by_order, Count, facets))?;
        let hits = top
            .into_iter()
            .map(|(_, address)| self.hit(searcher, address, 0.0, None))
            .collect::<Result<_, _>>()?;
        Ok(SearchResults {
            query: request.query.clone(),
            corrected: None,
            total,
            hits,
            facets: facet_counts(facets),
        })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        address: DocAddress,
        score: f32,
        snippets: Option<&SnippetGenerator>,
    ) -> Result<Hit, QueryError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let stored = Stored::of(&doc, self.fields);
        // A quote's snippet comes from its own text when the words are there, else from its
        // annotation; a listing without words shows the text as it is.
        let shown = stored.text.as_deref().unwrap_or(&stored.body);
        let plain = || crate::text::escape(&crate::text::shorten(shown, 180));
        let snippet = match snippets {
            Some(generator) => {
                let mut candidates = stored.text.iter().chain(std::iter::once(&stored.body));
                let marked = candidates.find_map(|candidate| {
                    let mut snippet = generator.snippet(candidate);
                    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                    (!snippet.highlighted().is_empty()).then(|| snippet.to_html())
                });
                marked.unwrap_or_else(plain)
            }
            None => plain(),
        };
        Ok(Hit {
            kind: stored.kind,
            id: stored.id,
            title: stored.title,
            url: stored.url,
            score,
            snippet,
            concepts: stored.concepts,
            source: stored.source,
            locator: stored.locator,
        })
    }

    /// The query with each word that matches nothing replaced by the nearest indexed word
    /// (edit distance 1, or 2 for words of eight letters or more); `None` if nothing changed.
    /// The query with each unknown plain word replaced by the nearest indexed word, by the
    /// rule the browser's bundle applies too (`commonplace_client::search::correct`).
    fn correct(&self, searcher: &Searcher, text: &str) -> Result<Option<String>, QueryError> {
        let language = self.language;
        let analyzer = commonplace_client::Analyzer::new(language)
            .ok_or_else(|| QueryError::Invalid(format!("no stemmer for `{language}`")))?;
        let known = |term: &str| {
            [self.fields.title, self.fields.body].iter().any(|&field| {
                searcher
                    .doc_freq(&Term::from_field_text(field, term))
                    .is_ok_and(|n| n > 0)
            })
        };
        let mut vocabularies: BTreeMap<char, Vec<(String, u32)>> = BTreeMap::new();
        for initial in commonplace_client::search::unknown_initials(&analyzer, text, &known) {
            vocabularies.insert(initial, self.vocabulary(searcher, initial)?);
        }
        let vocabulary = |initial: char| -> Vec<(&str, u32)> {
            vocabularies
                .get(&initial)
                .map(|v| v.iter().map(|(t, f)| (t.as_str(), *f)).collect())
                .unwrap_or_default()
        };
        Ok(commonplace_client::search::correct(
            &analyzer,
            text,
            &known,
            &vocabulary,
        ))
    }

    /// Every title and body term that begins with `initial`, with the number of documents
    /// of the field that has it in more.
    pub fn vocabulary(
        &self,
        searcher: &Searcher,
        initial: char,
    ) -> Result<Vec<(String, u32)>, QueryError> {
        let mut prefix = [0u8; 4];
        let prefix = initial.encode_utf8(&mut prefix).as_bytes();
        let mut counts: BTreeMap<String, [u32; 2]> = BTreeMap::new();
        for (f, field) in [self.fields.title, self.fields.body]
            .into_iter()
            .enumerate()
        {
            for segment in searcher.segment_readers() {
                let inverted = segment.inverted_index(field)?;
                let mut stream = inverted
                    .terms()
                    .range()
                    .ge(prefix)
                    .into_stream()
                    .map_err(|e| QueryError::Tantivy(e.into()))?;
                while stream.advance() {
                    if !stream.key().starts_with(prefix) {
                        break;
                    }
                    let Ok(term) = std::str::from_utf8(stream.key()) else {
                        continue;
                    };
                    counts.entry(term.to_string()).or_default()[f] += stream.value().doc_freq;
                }
            }
        }
        Ok(counts
            .into_iter()
            .map(|(term, [title, body])| (term, title.max(body)))
            .collect())
    }
}

fn facet_counts(counts: Option<(BTreeMap<String, u64>, BTreeMap<String, u64>)>) -> Facets {
    match counts {
        Some((concept, source)) => Facets { concept, source },
        None => Facets::default(),
    }
}

/// Counts matching documents by every name on their facet paths, in one walk of the facet
/// column: a document on `/reliability/fault-tolerance` counts once for `reliability` and once
/// for `fault-tolerance`, however many of its paths pass through them.
struct PathCounts {
    field: &'static str,
}

struct PathCountsSegment {
    reader: tantivy::fastfield::FacetReader,
    /// For each facet ordinal of the segment, the local ids of the names on its path.
    names_of_ord: Vec<Vec<u32>>,
    names: Vec<String>,
    counts: Vec<u64>,
    seen: Vec<u32>,
}

impl tantivy::collector::Collector for PathCounts {
    type Fruit = BTreeMap<String, u64>;
    type Child = PathCountsSegment;

    fn for_segment(
        &self,
        _: tantivy::SegmentOrdinal,
        segment: &tantivy::SegmentReader,
    ) -> tantivy::Result<PathCountsSegment> {
        let reader = segment.facet_reader(self.field)?;
        let dict = reader.facet_dict();
        let mut names: Vec<String> = Vec::new();
        let mut local: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
        let mut names_of_ord = Vec::with_capacity(dict.num_terms());
        let mut bytes = Vec::new();
        for ord in 0..dict.num_terms() as u64 {
            bytes.clear();
            dict.ord_to_term(ord, &mut bytes)?;
            let ids = bytes
                .split(|b| *b == 0)
                .filter(|part| !part.is_empty())
                .map(|part| {
                    let name = String::from_utf8_lossy(part).into_owned();
                    let next = names.len() as u32;
                    *local.entry(name.clone()).or_insert_with(|| {
                        names.push(name);
                        next
                    })
                })
                .collect();
            names_of_ord.push(ids);
        }
        Ok(PathCountsSegment {
            reader,
            counts: vec![0; names.len()],
            names_of_ord,
            names,
            seen: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<BTreeMap<String, u64>>) -> tantivy::Result<Self::Fruit> {
        let mut total = BTreeMap::new();
        for fruit in fruits {
            for (name, count) in fruit {
                *total.entry(name).or_insert(0) += count;
            }
        }
        Ok(total)
    }
}

impl tantivy::collector::SegmentCollector for PathCountsSegment {
    type Fruit = BTreeMap<String, u64>;

    fn collect(&mut self, doc: tantivy::DocId, _: tantivy::Score) {
        self.seen.clear();
        for ord in self.reader.facet_ords(doc) {
            for &name in &self.names_of_ord[ord as usize] {
                if !self.seen.contains(&name) {
                    self.seen.push(name);
                    self.counts[name as usize] += 1;
                }
            }
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.names
            .into_iter()
            .zip(self.counts)
            .filter(|(_, count)| *count > 0)
            .collect()
    }
}
