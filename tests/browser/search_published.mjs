// The search page of a published site (static files only): results from the bundle equal the
// terminal's, "/" and Ctrl-K reach the box from any page, arrows walk the results, a concept
// chip narrows, the back button returns to the previous search, and HTML in the content
// stays text. Usage: node search_published.mjs PUBLIC_DIR EXPECTED.json
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { serveStatic, launchOptions } from "./static_server.mjs";

const [publicDir, expectedFile] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedFile, "utf8"));
const WAIT = { timeout: 30_000 };
const check = (condition, message) => { if (!condition) throw new Error(message); };
const site = await serveStatic(publicDir);
const browser = await chromium.launch(launchOptions());
try {
  const page = await browser.newPage();
  const urls = async () => page.locator("#search-results li > a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
  // Results show one by one as their data arrives; the list is busy until all have.
  const settled = (status = /^\d+ results?/) => page.waitForFunction((status) => status.test(document.getElementById("search-status").textContent)
    && document.getElementById("search-results").getAttribute("aria-busy") === "false", status, WAIT);

  // "/" on another page focuses the header box; typing and Enter lead to the search page.
  await page.goto(site.url + "notes/ddia-part-1/");
  await page.keyboard.press("/");
  check(await page.evaluate(() => document.activeElement.matches(".site-search input")), "/ focuses the header box");
  await page.keyboard.type("tail latency");
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/search\/\?q=tail\+latency/, WAIT);
  await settled();
  check(JSON.stringify(await urls()) === JSON.stringify(expected.plain.urls),
    `the page lists what the terminal lists: ${JSON.stringify(await urls())} vs ${JSON.stringify(expected.plain.urls)}`);
  check((await page.innerText("#search-status")).startsWith(`${expected.plain.total} result`), "the total is the terminal's");
  check((await page.locator("#search-results mark").count()) > 0, "matched words are marked");

  // Ctrl-K focuses the page's box; arrows walk the results.
  await page.locator("body").click();
  await page.keyboard.press("Control+k");
  check(await page.evaluate(() => document.activeElement.id === "search-input"), "Ctrl-K focuses the search box");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  const focused = await page.evaluate(() => document.activeElement.getAttribute("href"));
  check(focused === expected.plain.urls[1], `ArrowDown twice reaches the second result: ${focused}`);

  // A concept chip narrows to that concept, as --concept does.
  await page.locator("#search-filters button[data-filter=concept]", { hasText: expected.narrowed.concept }).first().click();
  await page.waitForURL(/concept=/, WAIT);
  await settled();
  check(JSON.stringify(await urls()) === JSON.stringify(expected.narrowed.urls),
    `the chip narrows as --concept does: ${JSON.stringify(await urls())} vs ${JSON.stringify(expected.narrowed.urls)}`);

  // A source chip narrows further, as --source does.
  await page.locator("#search-filters button[data-filter=source]", { hasText: expected.sourced.source }).first().click();
  await page.waitForURL(/source=/, WAIT);
  await settled();
  check(JSON.stringify(await urls()) === JSON.stringify(expected.sourced.urls),
    `the source chip narrows as --source does: ${JSON.stringify(await urls())} vs ${JSON.stringify(expected.sourced.urls)}`);
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes("source="), null, WAIT);
  await settled();

  // Back returns to the unfiltered search.
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes("concept="), null, WAIT);
  await settled();
  check(JSON.stringify(await urls()) === JSON.stringify(expected.plain.urls), "back restores the previous search");

  // Ten results at first; "More results" shows the next ones, in the terminal's order.
  await page.fill("#search-input", "data");
  await page.keyboard.press("Enter");
  await page.waitForURL(/q=data$/, WAIT);
  await settled(new RegExp(`^${expected.many.total} results`));
  check(JSON.stringify(await urls()) === JSON.stringify(expected.many.urls.slice(0, 10)), `the first ten: ${JSON.stringify(await urls())}`);
  check(await page.isVisible("#search-more"), "more results are offered");
  await page.click("#search-more");
  await page.waitForFunction((n) => document.querySelectorAll("#search-results li > a").length === n, expected.many.urls.length, WAIT);
  await settled();
  check(JSON.stringify(await urls()) === JSON.stringify(expected.many.urls), `all of them: ${JSON.stringify(await urls())}`);
  check(!(await page.isVisible("#search-more")), "nothing more is offered when all show");

  // While typing, the last word also matches the words it begins.
  await page.fill("#search-input", "");
  await page.locator("#search-input").pressSequentially("percen");
  // The URL changes as the search starts (and the list turns busy): then wait for it to end.
  await page.waitForURL(/q=percen$/, WAIT);
  await settled();
  const typed = await urls();
  check(typed.includes("/notes/scalability/percentiles-and-tail-latency/"),
    `a partly typed word finds what it begins: ${JSON.stringify(typed)}`);

  // HTML in the content is text.
  await page.fill("#search-input", "zebrafish");
  await page.waitForURL(/q=zebrafish$/, WAIT);
  await settled(/^1 result$/);
  const snippet = await page.innerText("#search-results li p");
  check(snippet.includes("<img src=x onerror=window.pwned=1>"), `HTML shows as text: ${snippet}`);
  await page.waitForTimeout(300);
  check(await page.evaluate(() => window.pwned === undefined), "no script of the content ran");
  console.log("browser: the published search page works");
} finally {
  await browser.close();
  site.close();
}
