// Chromium driven through the DevTools protocol over a pipe, with nothing but pages and
// Runtime.evaluate: for timings. Playwright watches every request of its pages (its network
// events cross to Node and back), which on this 2-core machine made ten small fetches take
// 50 to 80 ms where a page nobody watches takes about 25; a reader's browser is not watched.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchOptions } from "./static_server.mjs";

export async function launchUnwatched() {
  const { executablePath, args } = launchOptions();
  const profile = mkdtempSync(join(tmpdir(), "commonplace-chromium-"));
  const chrome = spawn(executablePath, [...args, "--headless", "--remote-debugging-pipe",
    `--user-data-dir=${profile}`, "about:blank"], { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"] });
  const [toChrome, fromChrome] = [chrome.stdio[3], chrome.stdio[4]];
  let next = 0;
  const replies = new Map();
  const waiters = [];
  let pending = "";
  fromChrome.on("data", (data) => {
    pending += data.toString();
    let end;
    while ((end = pending.indexOf("\0")) >= 0) {
      const message = JSON.parse(pending.slice(0, end));
      pending = pending.slice(end + 1);
      if (message.id !== undefined) {
        replies.get(message.id)?.(message);
        replies.delete(message.id);
      } else {
        for (const waiter of waiters.splice(0)) if (!waiter(message)) waiters.push(waiter);
      }
    }
  });
  const send = (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    const id = ++next;
    replies.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
    toChrome.write(JSON.stringify({ id, method, params, sessionId }) + "\0");
  });
  const event = (method, sessionId) => new Promise((resolve) => {
    waiters.push((m) => (m.method === method && m.sessionId === sessionId ? (resolve(m.params), true) : false));
  });
  await send("Browser.getVersion");
  return {
    // A page in a new context (its own empty cache and connections) that has loaded `url`.
    async open(url) {
      const { browserContextId } = await send("Target.createBrowserContext");
      const { targetId } = await send("Target.createTarget", { url: "about:blank", browserContextId });
      const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
      await send("Page.enable", {}, sessionId);
      const loaded = event("Page.loadEventFired", sessionId);
      await send("Page.navigate", { url }, sessionId);
      await loaded;
      return {
        async evaluate(expression) {
          const answer = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true }, sessionId);
          if (answer.exceptionDetails) throw new Error(answer.exceptionDetails.exception?.description ?? answer.exceptionDetails.text);
          return answer.result.value;
        },
        close: () => send("Target.disposeBrowserContext", { browserContextId }),
      };
    },
    async close() {
      const exited = new Promise((resolve) => chrome.once("exit", resolve));
      await send("Browser.close").catch(() => chrome.kill());
      await exited;
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
