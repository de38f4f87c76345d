// The published site's search on a cold cache, query by query: the bytes fetched from
// /_search/ (the client module, its WebAssembly, the manifest and whatever the query needs)
// and the times to results: after the search page preloaded the client (what a reader who
// opens the page and types waits), and from nothing at all. Each time is to the ranked list
// (`rank()`), to the top result with its title and snippet (what the search page shows first)
// and to all ten (`search()`).
// Usage: node payload.mjs PUBLIC_DIR QUERY...   (run by `cargo bench --bench search_bundle`)
import { launchUnwatched } from "./cdp.mjs";
import { serveStatic } from "./static_server.mjs";

const [publicDir, ...queries] = process.argv.slice(2);
const site = await serveStatic(publicDir);
const browser = await launchUnwatched();

// Runs in the page: the three times of one query, in ms from its start.
const timed = (query, preloaded) => `(async () => {
  const started = performance.now();
  const module = await import("/_search/commonplace.js");
  if (${preloaded}) await module.preload();
  const from = ${preloaded} ? performance.now() : started;
  const ranked = await module.rank(${JSON.stringify(query)}, { limit: 10 });
  const rankedAt = performance.now() - from;
  const top = ranked.length ? ranked[0].data() : Promise.resolve();
  await top;
  const firstAt = performance.now() - from;
  await Promise.all(ranked.map((hit) => hit.data()));
  return { ranked: rankedAt, first: firstAt, all: performance.now() - from, total: ranked.total };
})()`;

const rows = [];
try {
  for (const query of queries) {
    // A new context: nothing cached. Everything fetched from /_search/ since the search page
    // began to load counts, the client and what the page preloads included.
    const firstRequest = site.counter.paths.length;
    const page = await browser.open(site.url + "search/");
    const warm = await page.evaluate(timed(query, true));
    let bytes = 0;
    let files = 0;
    for (let i = firstRequest; i < site.counter.paths.length; i++) {
      if (site.counter.paths[i].startsWith("/_search/")) {
        bytes += site.counter.sizes[i];
        files += 1;
      }
    }
    await page.close();
    // The same query in a page that had loaded nothing of the search before it.
    const blank = await browser.open(site.url + "404.html");
    const cold = await blank.evaluate(timed(query, false));
    await blank.close();
    rows.push({ query, bytes, files, warm, cold });
    const ms = (t) => `${t.ranked.toFixed(1)} / ${t.first.toFixed(1)} / ${t.all.toFixed(1)}`;
    console.log(`${JSON.stringify(query).padEnd(22)} ${String(Math.round(bytes / 1000)).padStart(4)} kB in ${String(files).padStart(2)} files; ranked / top result / ten: ${ms(warm)} ms after the page's preload, ${ms(cold)} ms from nothing; ${warm.total} matches`);
  }
} finally {
  await browser.close();
  site.close();
}
const median = (xs) => xs[Math.floor(xs.length / 2)];
const summary = (pick) => {
  const xs = rows.map(pick).sort((a, b) => a - b);
  return `median ${median(xs).toFixed(1)}, max ${xs[xs.length - 1].toFixed(1)}`;
};
// kB as browsers' developer tools count them, 1,000 bytes.
console.log(`payload per query (kB): ${summary((r) => r.bytes / 1000)} (${rows.length} cold queries)`);
for (const [key, when] of [["warm", "after the search page's preload"], ["cold", "from nothing (module, client, manifest and query in one go)"]]) {
  console.log(`${when}: ranked ${summary((r) => r[key].ranked)} ms; top result shown ${summary((r) => r[key].first)} ms; all ten ${summary((r) => r[key].all)} ms`);
}
