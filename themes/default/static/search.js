// The search page. Under `commonplace serve` it asks the server's /api/search (the same
// results as `commonplace search --json`); a published site has no server to ask yet.
(() => {
  const input = document.getElementById("search-input");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  let latest = 0;

  async function run(query, push) {
    const asked = ++latest;
    if (push) {
      const url = new URL(location.href);
      if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
      history.replaceState(null, "", url);
    }
    list.replaceChildren();
    if (!query.trim()) {
      status.textContent = "";
      return;
    }
    status.textContent = "Searching…";
    let answer;
    try {
      const response = await fetch("/api/search?" + new URLSearchParams({ q: query, limit: "20" }));
      if (response.status === 404) throw new Error("no search API");
      answer = await response.json();
      if (!response.ok) {
        if (asked === latest) status.textContent = answer.error;
        return;
      }
    } catch {
      if (asked === latest) {
        status.textContent = "Search needs `commonplace serve` on this copy of the site; in the terminal, `commonplace search` works anywhere.";
      }
      return;
    }
    if (asked !== latest) return;
    const corrected = answer.corrected ? ` (showing results for “${answer.corrected}”)` : "";
    status.textContent = `${answer.total} result${answer.total === 1 ? "" : "s"}${corrected}`;
    for (const hit of answer.hits) {
      // Titles are the author's text, shown as text.
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = hit.url;
      link.textContent = hit.title || hit.id;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = hit.locator ? `${hit.kind} · ${hit.locator}` : hit.kind;
      const snippet = document.createElement("p");
      // The snippet comes escaped from the server, with only <mark> around matched words.
      snippet.innerHTML = hit.snippet;
      item.append(link, " ", kind, snippet);
      list.append(item);
    }
  }

  const first = new URLSearchParams(location.search).get("q") || "";
  input.value = first;
  run(first, false);
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value, true), 120);
  });
  input.form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(input.value, true);
  });
})();
