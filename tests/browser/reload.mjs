// An open page reloads itself after its note is edited, shows the content's errors over the
// last good page, and recovers when they are fixed; a page the edit did not change stays.
// Usage: node reload.mjs SITE_URL SITE_DIR   (run by tests/it/browser.rs)
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [siteUrl, siteDir] = process.argv.slice(2);
const NOTE = "notes/scalability/describing-load/";
const file = join(siteDir, "content/notes/scalability/describing-load.md");
const original = readFileSync(file, "utf8");
const WAIT = { timeout: 30_000 };

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
});
try {
  const page = await browser.newPage();
  const other = await browser.newPage();
  await page.goto(siteUrl + NOTE);
  await other.goto(siteUrl + "notes/reliability/faults-are-not-failures/");
  for (const p of [page, other]) {
    await p.waitForFunction(() => document.documentElement.dataset.commonplaceLive === "connected", null, WAIT);
    await p.evaluate(() => { window.notReloaded = true; });
  }

  // 1. An edit: the open page reloads and shows it; the other page stays as it was.
  let loaded = page.waitForEvent("load", WAIT);
  writeFileSync(file, original + "\nA paragraph written while the page was open.\n");
  await loaded;
  check(!(await page.evaluate(() => window.notReloaded)), "the page reloaded");
  check((await page.innerText("article")).includes("A paragraph written while the page was open."),
    "the reloaded page shows the edit");
  await other.waitForTimeout(500);
  check(await other.evaluate(() => window.notReloaded === true), "a page the edit did not change did not reload");

  // 2. A broken link: the errors show over the last good page, which does not reload.
  await page.waitForFunction(() => document.documentElement.dataset.commonplaceLive === "connected", null, WAIT);
  await page.evaluate(() => { window.notReloaded = true; });
  writeFileSync(file, original.replace("Both need a way", "Both need [[no such note]] and a way"));
  const overlay = page.locator("#commonplace-problems");
  await overlay.waitFor(WAIT);
  const shown = await overlay.innerText();
  check(shown.includes("describing-load.md:26:11: error: unknown link target `no such note`"),
    `the overlay names the file, line and problem: ${shown}`);
  check(await page.evaluate(() => window.notReloaded === true), "the page did not reload on an error");
  check(!(await page.innerText("article")).includes("no such note"), "the last good page stays");

  // 3. Fixed: the overlay goes and the page shows the fixed site.
  loaded = page.waitForEvent("load", WAIT);
  writeFileSync(file, original.replace("Both need a way", "Both need, fixed, a way"));
  await loaded;
  await page.waitForFunction(() => document.documentElement.dataset.commonplaceLive === "connected", null, WAIT);
  check((await page.locator("#commonplace-problems").count()) === 0, "the overlay is gone");
  check((await page.innerText("article")).includes("Both need, fixed, a way"), "the fixed text shows");
  console.log("browser: reload, overlay and recovery all seen");
} finally {
  writeFileSync(file, original);
  await browser.close();
}
