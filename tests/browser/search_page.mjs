// The search page under `commonplace serve` lists what /api/search finds, as you type, and
// keeps the query in the URL. Usage: node search_page.mjs SITE_URL   (run by tests/it/browser.rs)
import { chromium } from "playwright-core";

const [siteUrl] = process.argv.slice(2);
const WAIT = { timeout: 30_000 };
const check = (condition, message) => { if (!condition) throw new Error(message); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
try {
  const page = await browser.newPage();
  const api = await (await fetch(new URL("/api/search?q=tail+latency&limit=20", siteUrl))).json();
  check(api.total > 0, "the API finds something");

  // Results show one by one as their data arrives; the list is busy until all have.
  const settled = (status = /^\d+ results?/) => page.waitForFunction((status) => status.test(document.getElementById("search-status").textContent)
    && document.getElementById("search-results").getAttribute("aria-busy") === "false", status, WAIT);
  await page.goto(siteUrl + "search/?q=tail+latency");
  await settled();
  const titles = await page.locator("#search-results li > a").allInnerTexts();
  const expected = api.hits.map((h) => h.title || h.id);
  check(JSON.stringify(titles) === JSON.stringify(expected),
    `the page lists the API's results in order: ${JSON.stringify(titles)} vs ${JSON.stringify(expected)}`);
  const hrefs = await page.locator("#search-results li > a").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  check(JSON.stringify(hrefs) === JSON.stringify(api.hits.map((h) => h.url)), "with the same URLs");

  // Typing searches again and puts the query in the URL.
  await page.fill("#search-input", "twitter fan-out");
  await page.waitForFunction(() => new URL(location.href).searchParams.get("q") === "twitter fan-out", null, WAIT);
  await settled();
  const status = await page.innerText("#search-status");
  const typed = await (await fetch(new URL("/api/search?q=twitter+fan-out&limit=20", siteUrl))).json();
  check(status.startsWith(`${typed.total} result`), `the status counts the results: ${status}`);

  // Matched words are marked; text that looks like HTML stays text.
  check((await page.locator("#search-results mark").count()) > 0, "matched words are marked");
  await page.fill("#search-input", "zebrafish");
  await settled(/^1 result$/);
  const snippet = await page.innerText("#search-results li p");
  check(snippet.includes("<img src=x onerror=window.pwned=1>"), `the HTML shows as text: ${snippet}`);
  await page.waitForTimeout(300);
  check(await page.evaluate(() => window.pwned === undefined), "no script of the content ran");

  // A bad query shows the API's error, not a broken page.
  await page.fill("#search-input", "\"unclosed");
  await page.waitForFunction(() => document.getElementById("search-status").textContent.includes("syntax error"), null, WAIT);
  console.log("browser: the search page shows the API's results");
} finally {
  await browser.close();
}
