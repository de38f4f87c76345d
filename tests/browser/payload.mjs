// The published site's search on a cold cache, query by query: the bytes fetched from
// /_search/ (the client module, its WebAssembly, the manifest and whatever the query needs)
// and the time from calling search() to having the ranked results with their titles.
// Usage: node payload.mjs PUBLIC_DIR QUERY...   (run by `cargo bench --bench search_bundle`)
import { chromium } from "playwright-core";
import { serveStatic, launchOptions } from "./static_server.mjs";

const [publicDir, ...queries] = process.argv.slice(2);
const site = await serveStatic(publicDir);
const browser = await chromium.launch(launchOptions());
const rows = [];
try {
  for (const query of queries) {
    // A new context: nothing cached, nothing loaded.
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(site.url + "search/");
    const before = { bytes: site.counter.bytes, paths: site.counter.paths.length };
    const answer = await page.evaluate(async (query) => {
      const started = performance.now();
      const { search } = await import("/_search/commonplace.js");
      const results = await search(query, { limit: 10 });
      return { ms: performance.now() - started, total: results.total, shown: results.length };
    }, query);
    const fetched = site.counter.paths.slice(before.paths).filter((p) => p.startsWith("/_search/"));
    // Bytes of /_search/ files only (page, stylesheet and scripts of the page not counted).
    let bytes = 0;
    for (let i = before.paths; i < site.counter.paths.length; i++) {
      if (site.counter.paths[i].startsWith("/_search/")) bytes += site.counter.sizes[i];
    }
    rows.push({ query, bytes, ms: answer.ms, total: answer.total, files: fetched.length });
    console.log(`${JSON.stringify(query).padEnd(28)} ${String(Math.round(bytes / 1024)).padStart(5)} kB in ${String(fetched.length).padStart(2)} files, first results ${answer.ms.toFixed(1).padStart(6)} ms, ${answer.total} matches`);
    await context.close();
  }
} finally {
  await browser.close();
  site.close();
}
const sorted = (key) => rows.map((r) => r[key]).sort((a, b) => a - b);
const median = (xs) => xs[Math.floor(xs.length / 2)];
const kb = sorted("bytes").map((b) => b / 1024);
const ms = sorted("ms");
console.log(`payload per query: median ${median(kb).toFixed(1)} kB, max ${kb[kb.length - 1].toFixed(1)} kB; first results: median ${median(ms).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms (${rows.length} cold queries)`);
