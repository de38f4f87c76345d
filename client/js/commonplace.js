// commonplace's search for published sites: an ES module served at /_search/commonplace.js,
// next to the bundle `commonplace build` exports from its Tantivy index. No server is needed.
//
//   import { search } from "/_search/commonplace.js";
//   const results = await search("tail latency", { concept: "scalability", limit: 10 });
//   // results: [{ id, kind, url, title, score, snippet, concepts, source, locator }, ...],
//   // best first, with the ids and urls of `commonplace search --json`; results.total counts
//   // every match; results.corrected is the query searched instead when the words as typed
//   // found nothing (or null).
//
// rank(query, options) resolves sooner, once the results are ranked and before what they
// show is fetched: [{ score, data }, ...] with .total and .corrected, where data() resolves to
// the result above. The search page uses it to show each result as it arrives.
//
// Options: concept (a name or alias; narrower concepts included), source (an id), kind ("note",
// "quote", "concept" or "source"), limit (default 10), typing (true while the reader types: the
// last word, unless followed by a space, also matches the words it begins). In the query, words are all required,
// -word excludes, and concept:, source: and kind: work as the options do. The ranking is the
// terminal's, computed by a small WebAssembly module from the same analyzer and the same BM25.
// `snippet` is HTML: the text escaped, with matched words in <mark>.

const bundle = new URL(".", import.meta.url);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
let ready = null;

// The bundle's files are gzip-compressed. Some hosts serve `.gz` files with
// `Content-Encoding: gzip`, and then the browser has inflated them already: bytes that are
// not gzip are used as they came.
async function fetchBytes(path) {
  const response = await fetch(new URL(path, bundle));
  if (!response.ok) throw new Error(`commonplace search: ${path}: HTTP ${response.status}`);
  return inflate(new Uint8Array(await response.arrayBuffer()));
}

async function inflate(bytes) {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(inflated).arrayBuffer());
  } catch {
    return bytes;
  }
}

// Bytes `start` to before `end` of a bundle file, by an HTTP range request. A host that
// ignores ranges answers with the whole file: it is kept and sliced from then on, and until
// the first answer for a file says which kind of host this is, no other range of it is asked
// for, so such a host sends each file once.
const wholeFiles = new Map();
const probes = new Map();
async function fetchRange(path, start, end, cache = "default") {
  const probe = probes.get(path);
  if (probe) await probe.catch(() => {});
  const whole = wholeFiles.get(path);
  if (whole && cache === "default") return whole.subarray(start, end);
  const request = (async () => {
    const response = await fetch(new URL(path, bundle), { cache, headers: { Range: `bytes=${start}-${end - 1}` } });
    if (!response.ok) throw new Error(`commonplace search: ${path}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status === 206) return bytes;
    wholeFiles.set(path, bytes);
    return bytes.subarray(start, end);
  })();
  if (!probe) probes.set(path, request);
  return request;
}

async function fetchJson(path) {
  return JSON.parse(decoder.decode(await fetchBytes(path)));
}

function start() {
  ready ??= (async () => {
    const [manifest, meta, module] = await Promise.all([
      fetchJson("index.json.gz"),
      fetchBytes("meta.bin.gz"),
      fetchBytes("commonplace.wasm.gz").then((bytes) => WebAssembly.instantiate(bytes, {})),
    ]);
    const wasm = module.instance.exports;
    const state = { manifest, wasm, chunks: new Map(), fragments: new Map() };
    const status = call(state, "cp_init", [manifest.language, meta, JSON.stringify(manifest.chunks)]);
    if (status !== 0) throw new Error(`commonplace search: cannot start (${status})`);
    return state;
  })();
  return ready;
}

// Calls an export with strings and byte arrays copied into the module's memory, each passed as
// (pointer, length), followed by any plain numbers.
function call(state, name, inputs, ...numbers) {
  const { wasm } = state;
  const buffers = inputs.map((input) => {
    const bytes = typeof input === "string" ? encoder.encode(input) : input;
    const ptr = wasm.cp_alloc(bytes.length);
    new Uint8Array(wasm.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  });
  try {
    return wasm[name](...buffers.flat(), ...numbers);
  } finally {
    for (const [ptr, len] of buffers) wasm.cp_free(ptr, len);
  }
}

function result(state) {
  const { wasm } = state;
  const bytes = new Uint8Array(wasm.memory.buffer, wasm.cp_result_ptr(), wasm.cp_result_len());
  return JSON.parse(decoder.decode(bytes));
}

function slug(text) {
  return text.normalize("NFC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "");
}

function chunk(state, number) {
  if (!state.chunks.has(number)) {
    state.chunks.set(number, fetchBytes(`terms/${number}.bin.gz`).then((bytes) => {
      call(state, "cp_add_chunk", [bytes], number);
      return true;
    }));
  }
  return state.chunks.get(number);
}

// Fetches the chunks of a query's terms; returns the terms.
async function loadTerms(state, text) {
  call(state, "cp_query_terms", [text]);
  const terms = result(state);
  const numbers = [...new Set(terms.map((t) => call(state, "cp_chunk_of", [t])))];
  await Promise.all(numbers.map((n) => chunk(state, n)));
  return terms;
}

function vocabulary(state, initial) {
  state.vocabularies ??= new Map();
  if (!state.vocabularies.has(initial)) {
    const file = `vocabulary/${initial.toString(16)}.bin.gz`;
    state.vocabularies.set(initial, fetchBytes(file)
      .catch(() => new Uint8Array([0]))
      .then((bytes) => call(state, "cp_add_vocabulary", [bytes], initial)));
  }
  return state.vocabularies.get(initial);
}

// Document `doc`'s fragment: where it is in `docs.bin` from `docs.idx`, then its bytes. Right
// after a new build is published, the browser's cache may hold ranges of the old files: bytes
// that do not read as a fragment are asked for again past the cache.
function fragment(state, doc) {
  const read = async (cache) => {
    const at = new DataView((await fetchRange("docs.idx", 4 * doc, 4 * doc + 8, cache)).slice().buffer);
    const bytes = await fetchRange("docs.bin", at.getUint32(0, true), at.getUint32(4, true), cache);
    return JSON.parse(decoder.decode(await inflate(bytes)));
  };
  if (!state.fragments.has(doc)) state.fragments.set(doc, read("default").catch(() => read("reload")));
  return state.fragments.get(doc);
}

// `concept:x`, `source:x` and `kind:x` words become options.
function splitFilters(query, options) {
  const filters = { concepts: options.concept ? [options.concept] : [], source: options.source, kind: options.kind };
  const words = [];
  for (const word of query.split(/\s+/)) {
    const match = /^(concept|source|kind):(.+)$/.exec(word);
    if (!match) { words.push(word.replace(/^"|"$/g, "")); continue; }
    if (match[1] === "concept") filters.concepts.push(match[2]);
    else filters[match[1]] = match[2];
  }
  return { text: words.filter((w) => w && w !== "OR").join(" "), filters };
}

const escapes = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };
const escape = (text) => text.replace(/[&<>"']/g, (c) => escapes[c]);

// The text with the words that start like a query term marked.
function snippet(text, terms) {
  const folded = (w) => w.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
  return text.split(/([\p{L}\p{N}]+)/u).map((part, i) => {
    if (i % 2 === 1 && terms.some((t) => folded(part).startsWith(t))) return `<mark>${escape(part)}</mark>`;
    return escape(part);
  }).join("");
}

// Fetches and starts the client ahead of the first search (the search page calls it on load),
// so a search only waits for what its words need.
export async function preload() {
  const state = await start();
  // The engine compiles the ranking for speed once it has run a while: run it now, not on
  // the reader's first search.
  state.warm ??= state.wasm.cp_warm();
}

// Ranks a query without waiting for what results show: resolves, once ranked, to
// [{ score, data }, ...] best first, with .total and .corrected, where data() resolves to the
// result as search() gives it (fetching its fragment). A page can show each result as it
// arrives; search() is rank() then every data().
export async function rank(query, options = {}) {
  const state = await start();
  const { manifest } = state;
  const { text, filters } = splitFilters(query, options);
  const limit = Math.max(1, Math.min(options.limit ?? 10, 1000));

  const typing = options.typing ? 1 : 0;
  if (filters.kind && !["note", "quote", "concept", "source"].includes(filters.kind)) {
    throw new Error(`unknown kind \`${filters.kind}\`; use one of note, quote, concept, source`);
  }
  const concepts = filters.concepts.map((written) => {
    const key = slug(written);
    const name = manifest.aliases[key] ?? key;
    if (!(name in manifest.concepts)) throw new Error(`unknown concept \`${written}\``);
    return name;
  });
  const sourceId = filters.source ? slug(filters.source) : null;

  // Everything the query needs, fetched at once: its words' chunks, the chunks of a typed
  // prefix, the filter lists.
  const needed = [loadTerms(state, text)];
  if (typing) {
    call(state, "cp_prefix_chunks", [text]);
    needed.push(Promise.all(result(state).map((n) => chunk(state, n))));
  }
  const lists = Promise.all([
    ...concepts.map((name) => fetchBytes(`concepts/${name}.bin.gz`)),
    ...(sourceId === null ? [] : [sourceId in manifest.sources
      ? fetchBytes(`sources/${sourceId}.bin.gz`)
      : Promise.resolve(new Uint8Array([0]))]),
  ]);
  const [[loaded], filterLists] = await Promise.all([Promise.all(needed), lists]);
  let terms = loaded;

  // The module keeps one set of filters: they are set right before each ranking, with no
  // wait in between, so a search started meanwhile cannot change them under this one.
  const applyFilters = () => {
    call(state, "cp_filter_clear", []);
    for (const list of filterLists) call(state, "cp_filter_docs", [list]);
    if (filters.kind) call(state, "cp_filter_range", [], ...(manifest.kinds[filters.kind] ?? [0, 0]));
  };
  applyFilters();
  if (call(state, "cp_search", [text], limit, typing) !== 0) throw new Error("commonplace search failed");
  let ranked = result(state);
  let corrected = null;
  if (ranked.total === 0 && text.trim()) {
    // As the terminal does: unknown words replaced by the nearest indexed ones, once.
    call(state, "cp_unknown_initials", [text]);
    await Promise.all(result(state).map((initial) => vocabulary(state, initial)));
    call(state, "cp_correct", [text]);
    const retry = result(state);
    if (retry) {
      const retryTerms = await loadTerms(state, retry);
      applyFilters();
      call(state, "cp_search", [retry], limit, 0);
      const retried = result(state);
      if (retried.total > 0) {
        ranked = retried;
        corrected = retry;
        terms = retryTerms;
      }
    }
  }
  const bits = new DataView(new ArrayBuffer(4));
  const hits = ranked.hits.map(([doc, scoreBits]) => {
    bits.setUint32(0, scoreBits);
    const score = bits.getFloat32(0);
    let data = null;
    return {
      score,
      data: () => (data ??= fragment(state, doc).then((fragment) => {
        return {
          id: fragment.id,
          kind: fragment.kind,
          url: fragment.url,
          title: fragment.title,
          score,
          snippet: snippet(fragment.text, terms),
          concepts: fragment.concepts,
          source: fragment.source,
          locator: fragment.locator,
        };
      })),
    };
  });
  hits.total = ranked.total;
  hits.corrected = corrected;
  return hits;
}

export async function search(query, options = {}) {
  const ranked = await rank(query, options);
  const results = await Promise.all(ranked.map((hit) => hit.data()));
  results.total = ranked.total;
  results.corrected = ranked.corrected;
  return results;
}
