// On every page: "/" or Ctrl-K (⌘K) puts the cursor in the search box (the search page's own
// box there), unless the reader is typing somewhere already.
document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  const slash = event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey;
  const commandK = event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey);
  if (!slash && !commandK) return;
  const box = document.getElementById("search-input") || document.querySelector(".site-search input");
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});

// Diagrams: a page with ```mermaid blocks loads the site's own copy of Mermaid, which draws
// each block in place (in the reader's light or dark scheme). Without scripts the source shows.
const diagrams = document.querySelectorAll("pre.mermaid");
if (diagrams.length > 0) {
  const base = document.documentElement.dataset.base || "";
  import(`${base}/_mermaid/mermaid.esm.min.mjs`).then(({ default: mermaid }) => {
    const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark ? "dark" : "default" });
    return mermaid.run({ nodes: diagrams });
  }).catch((error) => console.error("commonplace: diagrams could not be drawn", error));
}
