// The search page. On a published site it searches the bundle `commonplace build` exported
// (/_search/commonplace.js, no server); under `commonplace serve`, which exports no bundle, it
// asks the server's /api/search. Both rank as `commonplace search` does.
(() => {
  const input = document.getElementById("search-input");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const filters = document.getElementById("search-filters");
  const base = document.documentElement.dataset.base || "";
  let latest = 0;
  // Ten results at first, ten more for each press of "More results": each shown result
  // fetches what it shows, so a search moves only what the reader looks at.
  const PAGE = 10;
  let limit = PAGE;
  let timer;
  const more = document.createElement("button");
  more.type = "button";
  more.id = "search-more";
  more.textContent = "More results";
  more.hidden = true;
  more.addEventListener("click", () => { clearTimeout(timer); limit += PAGE; run(input.value, false, false, true); });
  list.after(more);
  // The filters in force, kept in the URL beside the query.
  const chosen = { concept: "", source: "" };
  const readFilters = () => {
    const params = new URLSearchParams(location.search);
    chosen.concept = params.get("concept") || "";
    chosen.source = params.get("source") || "";
  };
  readFilters();

  // The bundle's module when there is one, else the server's API, in the same shape:
  // { total, corrected, hits }, each hit a function that resolves to what it shows (the
  // bundle fetches that after ranking, so each result can show as soon as it arrives).
  const backend = import(`${base}/_search/commonplace.js`).then(
    (module) => {
      module.preload().catch(() => {});
      return (query, options) => module.rank(query, options)
        .then((ranked) => ({ hits: ranked.map((hit) => hit.data), total: ranked.total, corrected: ranked.corrected }));
    },
    () => async (query, options) => {
      const params = new URLSearchParams({ q: query, limit: String(options.limit) });
      if (options.concept) params.set("concept", options.concept);
      if (options.source) params.set("source", options.source);
      const response = await fetch(`/api/search?${params}`);
      const answer = await response.json().catch(() => ({ error: "search is not available here" }));
      if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
      return { ...answer, hits: answer.hits.map((hit) => () => Promise.resolve(hit)) };
    },
  );

  function setUrl(query, push) {
    const url = new URL(location.href);
    for (const [key, value] of [["q", query], ["concept", chosen.concept], ["source", chosen.source]]) {
      if (value) url.searchParams.set(key, value); else url.searchParams.delete(key);
    }
    if (url.href !== location.href) history[push ? "pushState" : "replaceState"](null, "", url);
  }

  function showFilters(hits) {
    // The concepts and sources of the results shown, with how many of them carry each; a
    // click narrows to one, and a chosen filter shows with a × to lift it.
    filters.replaceChildren();
    for (const [key, of] of [["concept", (hit) => hit.concepts || []], ["source", (hit) => (hit.source ? [hit.source] : [])]]) {
      if (chosen[key]) {
        const clear = document.createElement("button");
        clear.type = "button";
        clear.className = "tag active";
        clear.dataset.filter = key;
        clear.textContent = `${chosen[key]} ×`;
        clear.title = `Show results from every ${key}`;
        clear.addEventListener("click", () => { chosen[key] = ""; run(input.value, true); });
        filters.append(clear);
        continue;
      }
      const counts = new Map();
      for (const hit of hits) for (const name of of(hit)) counts.set(name, (counts.get(name) || 0) + 1);
      const top = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 12);
      for (const [name, count] of top) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "tag";
        button.dataset.filter = key;
        button.textContent = `${name} ${count}`;
        button.addEventListener("click", () => { chosen[key] = name; run(input.value, true); });
        filters.append(button);
      }
    }
  }

  async function run(query, push, typing = false, further = false) {
    const asked = ++latest;
    if (!further) limit = PAGE;
    more.hidden = true;
    setUrl(query, push);
    // Busy until every result of the latest search shows (assistive technology, and tests,
    // wait for it).
    const done = () => { if (asked === latest) list.setAttribute("aria-busy", "false"); };
    list.setAttribute("aria-busy", "true");
    if (!query.trim()) {
      done();
      list.replaceChildren();
      filters.replaceChildren();
      status.textContent = "";
      return;
    }
    status.textContent = "Searching…";
    let answer;
    try {
      const { concept, source } = chosen;
      answer = await (await backend)(query, { limit, concept: concept || undefined, source: source || undefined, typing });
    } catch (error) {
      if (asked === latest) {
        list.replaceChildren();
        status.textContent = error.message;
      }
      done();
      return;
    }
    if (asked !== latest) return;
    const corrected = answer.corrected ? ` (showing results for “${answer.corrected}”)` : "";
    status.textContent = `${answer.total} result${answer.total === 1 ? "" : "s"}${corrected}`;
    list.replaceChildren();
    // A place for every result, in rank order, filled as its data arrives.
    const shown = answer.hits.map(async (data) => {
      const item = document.createElement("li");
      item.className = "loading";
      list.append(item);
      const hit = await data();
      if (asked !== latest) return hit;
      item.className = "";
      const link = document.createElement("a");
      link.href = hit.url;
      // Titles are the author's text, shown as text.
      link.textContent = hit.title || hit.id;
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = hit.locator ? `${hit.kind} · ${hit.locator}` : hit.kind;
      const snippet = document.createElement("p");
      // The snippet comes escaped, with only <mark> around matched words.
      snippet.innerHTML = hit.snippet;
      item.append(link, " ", kind, snippet);
      return hit;
    });
    let hits;
    try {
      hits = await Promise.all(shown);
    } catch (error) {
      if (asked === latest) status.textContent = error.message;
      done();
      return;
    }
    if (asked === latest) {
      showFilters(hits);
      more.hidden = hits.length >= answer.total;
    }
    done();
  }

  // Arrow keys move between the box and the results; Enter follows a result.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const links = [input, ...list.querySelectorAll("li > a")];
    const at = links.indexOf(document.activeElement);
    if (at === -1) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(links.length - 1, at + (event.key === "ArrowDown" ? 1 : -1)));
    links[next].focus();
  });

  const first = new URLSearchParams(location.search).get("q") || "";
  input.value = first;
  run(first, false);
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => run(input.value, false, true), 120);
  });
  input.form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Enter searches now; the search the typing had scheduled would only repeat it (and
    // undo a "More results" pressed meanwhile).
    clearTimeout(timer);
    run(input.value, true);
  });
  window.addEventListener("popstate", () => {
    input.value = new URLSearchParams(location.search).get("q") || "";
    readFilters();
    run(input.value, false);
  });
})();
