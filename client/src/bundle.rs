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
        let norms = FIELD_NORMS
            .iter()
            .map(|&length| K1 * (1.0 - B + B * length as f32 / average))
            .collect();
        FieldMeta {
            boost,
            average,
            norms,
        }
    }
}

/// Tantivy's decoding of a one-byte field length (`fieldnorm::FIELD_NORMS_TABLE`; a test in
/// the main crate compares the two).
#[rustfmt::skip]
pub const FIELD_NORMS: [u32; 256] = [
    0, 1, 2, 3, 4, 5, 6, 7,
    8, 9, 10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23,
    24, 25, 26, 27, 28, 29, 30, 31,
    32, 33, 34, 35, 36, 37, 38, 39,
    40, 42, 44, 46, 48, 50, 52, 54,
    56, 60, 64, 68, 72, 76, 80, 84,
    88, 96, 104, 112, 120, 128, 136, 144,
    152, 168, 184, 200, 216, 232, 248, 264,
    280, 312, 344, 376, 408, 440, 472, 504,
    536, 600, 664, 728, 792, 856, 920, 984,
    1048, 1176, 1304, 1432, 1560, 1688, 1816, 1944,
    2072, 2328, 2584, 2840, 3096, 3352, 3608, 3864,
    4120, 4632, 5144, 5656, 6168, 6680, 7192, 7704,
    8216, 9240, 10264, 11288, 12312, 13336, 14360, 15384,
    16408, 18456, 20504, 22552, 24600, 26648, 28696, 30744,
    32792, 36888, 40984, 45080, 49176, 53272, 57368, 61464,
    65560, 73752, 81944, 90136, 98328, 106520, 114712, 122904,
    131096, 147480, 163864, 180248, 196632, 213016, 229400, 245784,
    262168, 294936, 327704, 360472, 393240, 426008, 458776, 491544,
    524312, 589848, 655384, 720920, 786456, 851992, 917528, 983064,
    1048600, 1179672, 1310744, 1441816, 1572888, 1703960, 1835032, 1966104,
    2097176, 2359320, 2621464, 2883608, 3145752, 3407896, 3670040, 3932184,
    4194328, 4718616, 5242904, 5767192, 6291480, 6815768, 7340056, 7864344,
    8388632, 9437208, 10485784, 11534360, 12582936, 13631512, 14680088, 15728664,
    16777240, 18874392, 20971544, 23068696, 25165848, 27263000, 29360152, 31457304,
    33554456, 37748760, 41943064, 46137368, 50331672, 54525976, 58720280, 62914584,
    67108888, 75497496, 83886104, 92274712, 100663320, 109051928, 117440536, 125829144,
    134217752, 150994968, 167772184, 184549400, 201326616, 218103832, 234881048, 251658264,
    268435480, 301989912, 335544344, 369098776, 402653208, 436207640, 469762072, 503316504,
    536870936, 603979800, 671088664, 738197528, 805306392, 872415256, 939524120, 1006632984,
    1073741848, 1207959576, 1342177304, 1476395032, 1610612760, 1744830488, 1879048216, 2013265944,
];

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
