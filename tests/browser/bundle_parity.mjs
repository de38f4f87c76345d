// The published site's search, in Chromium, against `commonplace search --json`: for every
// case, the same ids in the same order and the same total.
// Usage: node bundle_parity.mjs PUBLIC_DIR CASES.json   (run by tests/it/browser.rs)
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { serveStatic, launchOptions } from "./static_server.mjs";

const [publicDir, casesFile] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(casesFile, "utf8"));
const site = await serveStatic(publicDir);
const browser = await chromium.launch(launchOptions());
let failures = 0;
try {
  const page = await browser.newPage();
  await page.goto(site.url);
  const answers = await page.evaluate(async (cases) => {
    const { search } = await import("/_search/commonplace.js");
    const out = [];
    for (const c of cases) {
      const results = await search(c.query, { concept: c.concept ?? undefined, kind: c.kind ?? undefined, limit: 10 });
      out.push({ total: results.total, ids: results.map((r) => `${r.kind}:${r.id}`), urls: results.map((r) => r.url) });
    }
    return out;
  }, cases);
  cases.forEach((c, i) => {
    const got = answers[i];
    const same = got.total === c.total && JSON.stringify(got.ids) === JSON.stringify(c.ids)
      && JSON.stringify(got.urls) === JSON.stringify(c.urls);
    if (!same) {
      failures += 1;
      console.log(`differs: ${JSON.stringify(c.query)} ${c.concept ?? ""} ${c.kind ?? ""}\n  browser ${got.total} ${JSON.stringify(got.ids)}\n  cli     ${c.total} ${JSON.stringify(c.ids)}`);
    }
  });
  console.log(`browser parity: ${cases.length - failures} of ${cases.length} cases equal`);
} finally {
  await browser.close();
  site.close();
}
process.exit(failures === 0 ? 0 : 1);
