// The published site's search, in Chromium, against `commonplace search --json`: for every
// case, the same ids in the same order and the same total.
// Usage: node bundle_parity.mjs PUBLIC_DIR CASES.json   (run by tests/it/browser.rs)
import { chromium } from "playwright-core";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { serveStatic, launchOptions } from "./static_server.mjs";

const [publicDir, casesFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
// The same site three times: as most hosts serve it; with its `.gz` files sent as
// `Content-Encoding: gzip` (which some hosts do), when the browser inflates them first; and by
// a host that ignores range requests, which sends the whole fragment file once.
const sites = [
  await serveStatic(publicDir),
  await serveStatic(publicDir, { gzipEncoded: true }),
  await serveStatic(publicDir, { ranges: false }),
];
const hows = ["", " (files sent gzip-encoded)", " (no range requests)"];
const browser = await chromium.launch(launchOptions());
let failures = 0;
try {
  for (const [s, site] of sites.entries()) {
    const page = await browser.newPage();
    await page.goto(site.url);
    const answers = await page.evaluate(async ([cases, concurrently]) => {
      const { search } = await import("/_search/commonplace.js");
      const one = async (c) => {
        const results = await search(c.query, { concept: c.concept ?? undefined, kind: c.kind ?? undefined, limit: 10 });
        return { total: results.total, ids: results.map((r) => `${r.kind}:${r.id}`), urls: results.map((r) => r.url) };
      };
      const out = [];
      for (const c of cases) out.push(await one(c));
      if (concurrently) {
        // All at once, as a reader typing fast starts searches before others end: the same
        // answers, so no search sees another's filters.
        const together = await Promise.all(cases.map(one));
        together.forEach((answer, i) => {
          if (JSON.stringify(answer) !== JSON.stringify(out[i])) out[i] = { ...out[i], concurrent: answer };
        });
      }
      return out;
    }, [cases, s === 0]);
    const how = hows[s];
    cases.forEach((c, i) => {
      const got = answers[i];
      const same = got.total === c.total && JSON.stringify(got.ids) === JSON.stringify(c.ids)
        && JSON.stringify(got.urls) === JSON.stringify(c.urls) && !got.concurrent;
      if (!same) {
        failures += 1;
        console.log(`differs${how}: ${JSON.stringify(c.query)} ${c.concept ?? ""} ${c.kind ?? ""}\n  browser ${got.total} ${JSON.stringify(got.ids)}\n  cli     ${c.total} ${JSON.stringify(c.ids)}${got.concurrent ? `\n  run concurrently: ${JSON.stringify(got.concurrent)}` : ""}`);
      }
    });
    await page.close();
    for (const file of ["/_search/docs.bin", "/_search/docs.idx"]) {
      const sizes = site.counter.paths.flatMap((p, i) => (p === file ? [site.counter.sizes[i]] : []));
      const whole = statSync(join(publicDir, file)).size;
      // A host that answers ranges is asked only for them; one that does not sends each file
      // once.
      const wrong = s === 2 ? sizes.length > 1 : sizes.some((size) => size >= whole);
      if (sizes.length === 0 || wrong) {
        failures += 1;
        console.log(`${file} fetched as ${JSON.stringify(sizes)} bytes of ${whole}${how}`);
      }
    }
  }
  console.log(`browser parity: ${sites.length * cases.length - failures} of ${sites.length * cases.length} cases equal`);
} finally {
  await browser.close();
  for (const site of sites) site.close();
}
process.exit(failures === 0 ? 0 : 1);
