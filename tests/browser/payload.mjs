// The published site's search on a cold cache, query by query: the bytes fetched from
// /_search/ (the client module, its WebAssembly, the manifest and whatever the query needs)
// and the time to ranked results with their titles: after the search page preloaded the
// client (what a reader who opens the page and types waits), and from nothing at all.
// Usage: node payload.mjs PUBLIC_DIR QUERY...   (run by `cargo bench --bench search_bundle`)
import { chromium } from "playwright-core";
import { serveStatic, launchOptions } from "./static_server.mjs";

const [publicDir, ...queries] = process.argv.slice(2);
const site = await serveStatic(publicDir);
const browser = await chromium.launch(launchOptions());
const rows = [];
try {
  for (const query of queries) {
    // A new context: nothing cached. Everything fetched from /_search/ since the search page
    // began to load counts, the client and what the page preloads included.
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = site.counter.paths.length;
    await page.goto(site.url + "search/");
    const answer = await page.evaluate(async (query) => {
      const module = await import("/_search/commonplace.js");
      await module.preload();
      const started = performance.now();
      const results = await module.search(query, { limit: 10 });
      return { ms: performance.now() - started, total: results.total };
    }, query);
    let bytes = 0;
    let files = 0;
    for (let i = first; i < site.counter.paths.length; i++) {
      if (site.counter.paths[i].startsWith("/_search/")) {
        bytes += site.counter.sizes[i];
        files += 1;
      }
    }
    // The same query in a page that had loaded nothing of the search before it.
    const cold = await browser.newContext();
    const blank = await cold.newPage();
    await blank.goto(site.url + "404.html");
    const fromNothing = await blank.evaluate(async (query) => {
      const started = performance.now();
      const { search } = await import("/_search/commonplace.js");
      await search(query, { limit: 10 });
      return performance.now() - started;
    }, query);
    rows.push({ query, bytes, ms: answer.ms, cold: fromNothing, total: answer.total, files });
    console.log(`${JSON.stringify(query).padEnd(22)} ${String(Math.round(bytes / 1024)).padStart(4)} kB in ${String(files).padStart(2)} files; results ${answer.ms.toFixed(1).padStart(6)} ms after the page's preload, ${fromNothing.toFixed(1).padStart(6)} ms from nothing; ${answer.total} matches`);
    await context.close();
    await cold.close();
  }
} finally {
  await browser.close();
  site.close();
}
const sorted = (key) => rows.map((r) => r[key]).sort((a, b) => a - b);
const median = (xs) => xs[Math.floor(xs.length / 2)];
const kb = sorted("bytes").map((b) => b / 1024);
const ms = sorted("ms");
const cold = sorted("cold");
console.log(`payload per query: median ${median(kb).toFixed(1)} kB, max ${kb[kb.length - 1].toFixed(1)} kB (${rows.length} cold queries)`);
console.log(`first results after the search page's preload: median ${median(ms).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms`);
console.log(`first results from nothing (module, client, manifest and query in one go): median ${median(cold).toFixed(1)} ms, max ${cold[cold.length - 1].toFixed(1)} ms`);
