// A static file server for a built site on 127.0.0.1, counting the bytes it sends, as file
// hosting (GitHub Pages, a bucket) would serve the site: no server-side code.
import { createServer } from "node:http";
import { open, readFile, stat } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

const types = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml",
  ".xml": "application/xml", ".gz": "application/gzip",
};

// With `gzipEncoded`, `.gz` files go out with `Content-Encoding: gzip`, as some hosts send
// them (the browser then inflates them before the page sees them). A range request
// (`Range: bytes=a-b`) is answered with those bytes (206), as GitHub Pages, Netlify,
// Cloudflare and buckets answer it, unless `ranges` is false: then with the whole file, as
// `python -m http.server` does.
export async function serveStatic(root, { gzipEncoded = false, ranges = true } = {}) {
  const counter = { bytes: 0, requests: 0, paths: [], sizes: [] };
  const server = createServer(async (request, response) => {
    try {
      let path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname));
      if (path.includes("..")) throw new Error("outside");
      let file = join(root, path);
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      let body;
      let status = 200;
      const headers = { "content-type": types[extname(file)] ?? "application/octet-stream" };
      const range = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? "");
      if (ranges && range) {
        // Only the bytes asked for are read, as a real host's server does.
        const size = (await stat(file)).size;
        const [start, end] = [Number(range[1]), Math.min(Number(range[2]), size - 1)];
        const handle = await open(file);
        try {
          body = Buffer.alloc(end + 1 - start);
          await handle.read(body, 0, body.length, start);
        } finally {
          await handle.close();
        }
        headers["content-range"] = `bytes ${start}-${end}/${size}`;
        status = 206;
      } else {
        body = await readFile(file);
      }
      counter.bytes += body.length;
      counter.requests += 1;
      counter.paths.push(path);
      counter.sizes.push(body.length);
      if (gzipEncoded && file.endsWith(".gz")) headers["content-encoding"] = "gzip";
      response.writeHead(status, headers);
      response.end(body);
    } catch {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, counter, close: () => server.close() };
}

export function launchOptions() {
  return {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  };
}
