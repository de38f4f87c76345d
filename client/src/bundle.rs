//! The static search bundle's binary parts, written by `commonplace build` and read in the
//! browser: the scoring constants (`meta.bin`), the term chunks (`terms/N.bin`) and the filter
//! lists (`concepts/NAME.bin`, `sources/ID.bin`). Numbers are little-endian; counts and
//! document numbers are LEB128 varints; document lists are delta-coded.
//!
//! Documents are numbered by their key (`kind:id`) in byte order, so the numbers of one kind
//! form a range and equal scores are ordered as `commonplace search` orders them.

/// Bumped whenever the layout changes.
pub const FORMAT: u32 = 3;

/// Tantivy's BM25 constants.
pub const K1: f32 = 1.2;
pub const B: f32 = 0.75;

/// The fields a query searches, in the order Tantivy's query parser adds them.
pub const FIELDS: [&str; 3] = ["title", "body", "author"];

/// What scoring needs beyond the postings: for each searched field, its boost and its average
/// length (Tantivy's `total_num_tokens / total_num_docs`, as `f32` bits). The length
/// normalization below is computed from them with the same `f32` operations as Tantivy's
/// `Bm25Weight`, so it comes out the same to the bit on any IEEE machine, the browser's too.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub doc_count: u32,
    pub fields: Vec<FieldMeta>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldMeta {
    pub boost: f32,
    pub average: f32,
    /// BM25's length normalization for each of the 256 encoded lengths.
    pub norms: Vec<f32>,
}

impl FieldMeta {
    pub fn new(boost: f32, average: f32) -> FieldMeta {
        let norms = (0..=255u8)
            .map(|id| K1 * (1.0 - B + B * field_norm(id) as f32 / average))
            .collect();
        FieldMeta {
            boost,
            average,
            norms,
        }
    }
}

/// Tantivy's decoding of a one-byte field length (`fieldnorm::FIELD_NORMS_TABLE`; a test in
/// the main crate compares the two for every byte): lengths up to 39 as they are, then groups
/// of eight lengths, each group's step twice the one before (40, 42, ... 54; 56, 60, ... 84;
/// 88, 96, ...). Computed rather than listed: the list was a kilobyte of the browser's module.
pub fn field_norm(id: u8) -> u32 {
    if id < 40 {
        return u32::from(id);
    }
    let (group, within) = (u32::from(id - 40) / 8, u64::from(id - 40) % 8);
    let mut start = 40u64;
    for g in 0..group {
        start += 8 << (g + 1);
    }
    (start + (within << (group + 1))) as u32
}

/// One term's postings in one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPostings {
    pub field: u8,
    /// Tantivy's idf for the term in the field, over the whole index.
    pub idf: f32,
    /// (document, term frequency, encoded field length), by document.
    pub postings: Vec<(u32, u32, u8)>,
}

/// One term of a chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct TermEntry {
    pub term: String,
    pub fields: Vec<FieldPostings>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub &'static str);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad search bundle: {}", self.0)
    }
}

impl std::error::Error for FormatError {}

pub fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// A reader over bytes that fails cleanly on truncated input.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, FormatError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at).ok_or(FormatError("truncated"))?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(FormatError("varint too long"))
    }

    fn u32(&mut self) -> Result<u32, FormatError> {
        u32::try_from(self.varint()?).map_err(|_| FormatError("number too large"))
    }

    fn byte(&mut self) -> Result<u8, FormatError> {
        let byte = *self.bytes.get(self.at).ok_or(FormatError("truncated"))?;
        self.at += 1;
        Ok(byte)
    }

    fn f32(&mut self) -> Result<f32, FormatError> {
        let bytes = self
            .bytes
            .get(self.at..self.at + 4)
            .ok_or(FormatError("truncated"))?;
        self.at += 4;
        Ok(f32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn str(&mut self) -> Result<&'a str, FormatError> {
        let len = self.varint()? as usize;
        let bytes = self
            .bytes
            .get(self.at..self.at + len)
            .ok_or(FormatError("truncated"))?;
        self.at += len;
        std::str::from_utf8(bytes).map_err(|_| FormatError("term is not UTF-8"))
    }

    /// `count` delta-coded document numbers.
    fn doc_deltas(&mut self, count: usize) -> Result<Vec<u32>, FormatError> {
        let mut docs = Vec::with_capacity(count);
        let mut doc = 0u32;
        for _ in 0..count {
            doc = doc
                .checked_add(self.u32()?)
                .ok_or(FormatError("document number overflows"))?;
            docs.push(doc);
        }
        Ok(docs)
    }

    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

impl Meta {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(&mut out, u64::from(FORMAT));
        write_varint(&mut out, u64::from(self.doc_count));
        write_varint(&mut out, self.fields.len() as u64);
        for field in &self.fields {
            out.extend_from_slice(&field.boost.to_le_bytes());
            out.extend_from_slice(&field.average.to_le_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Meta, FormatError> {
        let mut r = Reader { bytes, at: 0 };
        if r.varint()? != u64::from(FORMAT) {
            return Err(FormatError("another format version"));
        }
        let doc_count = r.u32()?;
        let count = r.varint()?;
        let mut fields = Vec::new();
        for _ in 0..count {
            let boost = r.f32()?;
            let average = r.f32()?;
            fields.push(FieldMeta::new(boost, average));
        }
        Ok(Meta { doc_count, fields })
    }
}

/// Appends a term: its text, the length of its postings, then per field the field, the idf
/// and three columns (document deltas, term frequencies, encoded lengths), which compress far
/// better apart than interleaved.
pub fn encode_term(out: &mut Vec<u8>, entry: &TermEntry) {
    write_varint(out, entry.term.len() as u64);
    out.extend_from_slice(entry.term.as_bytes());
    let mut body = vec![entry.fields.len() as u8];
    for field in &entry.fields {
        body.push(field.field);
        body.extend_from_slice(&field.idf.to_le_bytes());
        write_varint(&mut body, field.postings.len() as u64);
        write_doc_deltas(&mut body, field.postings.iter().map(|&(doc, _, _)| doc));
        for &(_, tf, _) in &field.postings {
            write_varint(&mut body, u64::from(tf));
        }
        body.extend(field.postings.iter().map(|&(_, _, norm)| norm));
    }
    write_varint(out, body.len() as u64);
    out.extend_from_slice(&body);
}

/// Finds one term in a chunk, skipping the others' postings unread.
pub fn find_term(chunk: &[u8], term: &str) -> Result<Option<TermEntry>, FormatError> {
    Ok(find_terms(chunk, |t| t == term)?.into_iter().next())
}

/// Every term of a chunk that `wanted` accepts, with its postings; the others' postings are
/// skipped unread.
pub fn find_terms(
    chunk: &[u8],
    wanted: impl Fn(&str) -> bool,
) -> Result<Vec<TermEntry>, FormatError> {
    let mut r = Reader {
        bytes: chunk,
        at: 0,
    };
    let mut out = Vec::new();
    while !r.done() {
        let term = r.str()?;
        let len = r.varint()? as usize;
        let end = r.at.checked_add(len).ok_or(FormatError("truncated"))?;
        if end > chunk.len() {
            return Err(FormatError("truncated"));
        }
        if !wanted(term) {
            r.at = end;
            continue;
        }
        let field_count = r.byte()?;
        let mut fields = Vec::new();
        for _ in 0..field_count {
            let field = r.byte()?;
            let idf = r.f32()?;
            let count = r.varint()? as usize;
            let docs = r.doc_deltas(count)?;
            let mut tfs = Vec::with_capacity(count);
            for _ in 0..count {
                tfs.push(r.u32()?);
            }
            let mut postings = Vec::with_capacity(count);
            for (doc, tf) in docs.into_iter().zip(tfs) {
                postings.push((doc, tf, r.byte()?));
            }
            fields.push(FieldPostings {
                field,
                idf,
                postings,
            });
        }
        out.push(TermEntry {
            term: term.to_string(),
            fields,
        });
        r.at = end;
    }
    Ok(out)
}

/// The title and body terms that begin with one character, each with the number of
/// documents of the field that has it in more: what a typo's correction chooses from.
pub fn encode_vocabulary(terms: &[(String, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    write_varint(&mut out, terms.len() as u64);
    for (term, freq) in terms {
        write_varint(&mut out, term.len() as u64);
        out.extend_from_slice(term.as_bytes());
        write_varint(&mut out, u64::from(*freq));
    }
    out
}

pub fn decode_vocabulary(bytes: &[u8]) -> Result<Vec<(String, u32)>, FormatError> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.varint()?;
    let mut terms = Vec::new();
    for _ in 0..count {
        let term = r.str()?.to_string();
        terms.push((term, r.u32()?));
    }
    Ok(terms)
}

/// The file name of the vocabulary of terms that begin with `initial`.
pub fn vocabulary_file(initial: char) -> String {
    let mut name = String::new();
    let mut n = u32::from(initial);
    loop {
        name.insert(0, char::from_digit(n % 16, 16).expect("a hex digit"));
        n /= 16;
        if n == 0 {
            break;
        }
    }
    name
}

/// A sorted list of document numbers.
pub fn encode_docs(docs: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    write_varint(&mut out, docs.len() as u64);
    write_doc_deltas(&mut out, docs.iter().copied());
    out
}

/// Sorted document numbers, each as its distance from the one before.
fn write_doc_deltas(out: &mut Vec<u8>, docs: impl Iterator<Item = u32>) {
    let mut previous = 0;
    for doc in docs {
        write_varint(out, u64::from(doc - previous));
        previous = doc;
    }
}

pub fn decode_docs(bytes: &[u8]) -> Result<Vec<u32>, FormatError> {
    let mut r = Reader { bytes, at: 0 };
    let count = r.varint()? as usize;
    r.doc_deltas(count)
}

/// The chunk that holds `term`, given the first term of every chunk (sorted).
pub fn chunk_of(firsts: &[String], term: &str) -> usize {
    firsts
        .partition_point(|first| first.as_str() <= term)
        .saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_and_meta_round_trip() {
        let entry = TermEntry {
            term: "replic".into(),
            fields: vec![FieldPostings {
                field: 1,
                idf: 1.25,
                postings: vec![(3, 1, 20), (300, 7, 255), (70_000, 2, 0)],
            }],
        };
        let other = TermEntry {
            term: "zebra".into(),
            fields: vec![],
        };
        let mut chunk = Vec::new();
        encode_term(&mut chunk, &entry);
        encode_term(&mut chunk, &other);
        assert_eq!(find_term(&chunk, "replic").unwrap(), Some(entry));
        assert_eq!(find_term(&chunk, "zebra").unwrap(), Some(other));
        assert_eq!(find_term(&chunk, "nope").unwrap(), None);
        assert!(find_term(&chunk[..chunk.len() - 3], "zebra").is_err());

        let meta = Meta {
            doc_count: 5,
            fields: vec![FieldMeta::new(3.0, 17.25)],
        };
        assert_eq!(Meta::decode(&meta.encode()).unwrap(), meta);
        assert_eq!(decode_docs(&encode_docs(&[0, 5, 9])).unwrap(), [0, 5, 9]);
        let vocabulary = vec![("load".to_string(), 9), ("lé".to_string(), 1)];
        assert_eq!(
            decode_vocabulary(&encode_vocabulary(&vocabulary)).unwrap(),
            vocabulary
        );
        assert_eq!(vocabulary_file('l'), "6c");
        assert_eq!(vocabulary_file('é'), "e9");
    }

    #[test]
    fn chunks_are_found_by_their_first_term() {
        let firsts: Vec<String> = ["", "fault", "replic"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(chunk_of(&firsts, "abc"), 0);
        assert_eq!(chunk_of(&firsts, "fault"), 1);
        assert_eq!(chunk_of(&firsts, "load"), 1);
        assert_eq!(chunk_of(&firsts, "zzz"), 2);
    }
}
