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
