// Injected into every page by `commonplace serve` (never into a built site): reloads the page
// when a rebuild changed it, and shows the content's errors over the page until they are fixed.
(() => {
  const base = document.currentScript.dataset.base || "";
  const events = new EventSource("/_commonplace/events");
  // Says the page listens: from here on, no rebuild can be missed (tests wait for it).
  events.addEventListener("open", () => {
    document.documentElement.dataset.commonplaceLive = "connected";
  });
  const here = () => {
    let path = decodeURIComponent(location.pathname);
    if (base && path.startsWith(base)) path = path.slice(base.length);
    path = path.replace(/^\/+/, "");
    return path === "" || path.endsWith("/") ? path + "index.html" : path;
  };
  events.addEventListener("reload", (event) => {
    const changed = JSON.parse(event.data);
    // A stylesheet, script or image may be on any page ("*": the page missed some rebuilds);
    // a page only reloads itself.
    const shared = changed.some((p) => !p.endsWith(".html") && !p.endsWith(".xml"));
    if (shared || changed.includes(here())) location.reload();
  });
  events.addEventListener("problems", (event) => show(JSON.parse(event.data)));
  events.addEventListener("ok", () => show(null));

  function show(problems) {
    let overlay = document.getElementById("commonplace-problems");
    if (!problems) {
      if (overlay) {
        overlay.remove();
        // The page on screen was the last good one; the fixed site may differ.
        location.reload();
      }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "commonplace-problems";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText =
        "position:fixed;inset:auto 1rem 1rem 1rem;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#2b0b0e;color:#ffd7d7;border:2px solid #e5484d;border-radius:8px;padding:1rem;" +
        "font:14px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 8px 30px #0008";
      document.body.appendChild(overlay);
    }
    overlay.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = "commonplace: the site has errors; this is the last good version";
    overlay.appendChild(title);
    const list = document.createElement("pre");
    // Explicit colours: the site's own <pre> style would otherwise apply.
    list.style.cssText =
      "margin:.5rem 0 0;padding:0;border:0;background:transparent;color:inherit;" +
      "font:inherit;white-space:pre-wrap";
    // textContent: a message quotes the author's text, which must show as text.
    list.textContent = problems.lines.join("\n");
    overlay.appendChild(list);
  }
})();
