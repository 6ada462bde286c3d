(() => {
  "use strict";
  /* Served by the web app, the search form goes to /search. Opened from the file system,
     it searches window.CHATBOT_SEARCH (search-index.js) right here instead. */
  const form = document.getElementById("search");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  if (!form || location.protocol !== "file:") return;
  const titles = new Map();
  for (const item of document.querySelectorAll("[data-slug]")) titles.set(item.dataset.slug, item.dataset.title);
  /* search-index.js lists one file of messages per recap (search/<slug>.js); each adds its part. */
  const load = (src, done) => {
    const script = document.createElement("script");
    script.src = src;
    script.addEventListener("load", () => done(true));
    script.addEventListener("error", () => done(false));
    document.head.appendChild(script);
  };
  load("search-index.js", (ok) => {
    if (!ok) { status.textContent = "The search index (search-index.js) is missing."; return; }
    if (Array.isArray(window.CHATBOT_SEARCH)) return; /* written by an earlier version: one file */
    const files = Array.isArray(window.CHATBOT_SEARCH_FILES) ? window.CHATBOT_SEARCH_FILES : [];
    let waiting = files.length;
    const finish = () => { window.CHATBOT_SEARCH = [].concat(...(window.CHATBOT_SEARCH_PARTS || [])); };
    if (!waiting) finish();
    for (const file of files) load(file, () => { waiting -= 1; if (!waiting) finish(); });
  });
  const LIMIT = 200;

  const snippet = (text, terms) => {
    const fragment = document.createDocumentFragment();
    const lower = text.toLocaleLowerCase();
    const first = Math.max(0, Math.min(...terms.map((t) => lower.indexOf(t))) - 80);
    const shown = (first > 0 ? "…" : "") + text.slice(first, first + 280) + (text.length > first + 280 ? "…" : "");
    const shownLower = shown.toLocaleLowerCase();
    let at = 0;
    while (at < shown.length) {
      let next = -1;
      let term = "";
      for (const t of terms) {
        const found = shownLower.indexOf(t, at);
        if (found !== -1 && (next === -1 || found < next)) { next = found; term = t; }
      }
      if (next === -1) { fragment.append(shown.slice(at)); break; }
      fragment.append(shown.slice(at, next));
      const mark = document.createElement("mark");
      mark.textContent = shown.slice(next, next + term.length);
      fragment.append(mark);
      at = next + term.length;
    }
    return fragment;
  };

  const search = (query) => {
    const terms = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    list.replaceChildren();
    if (!terms.length) { list.hidden = true; status.textContent = ""; return; }
    const records = window.CHATBOT_SEARCH;
    if (!Array.isArray(records)) { status.textContent = "The search index is still loading or missing."; return; }
    const hits = records.filter((r) => {
      const hay = (r.text + " " + r.author + " " + r.name).toLocaleLowerCase();
      return terms.every((t) => hay.includes(t));
    });
    for (const r of hits.slice(0, LIMIT)) {
      const item = document.createElement("li");
      const link = document.createElement("a");
      const page = r.page > 1 ? "/page-" + r.page : ""; /* a long channel record's later page */
      link.href = encodeURIComponent(r.slug) + page + ".html#" + encodeURIComponent(r.anchor);
      link.textContent = (r.name ? r.name + " " : "") + r.author;
      const meta = document.createElement("span");
      meta.className = "result-meta";
      meta.textContent = r.when + " · " + (titles.get(r.slug) || r.slug);
      const text = document.createElement("p");
      text.className = "result-text";
      text.dir = "auto";
      text.append(snippet(r.text, terms));
      item.append(link, meta, text);
      list.append(item);
    }
    list.hidden = hits.length === 0;
    const shown = hits.length > LIMIT ? ` (showing the first ${LIMIT})` : "";
    status.textContent = `${hits.length} message${hits.length === 1 ? "" : "s"} found for “${query.trim()}”${shown}.`;
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(form.elements.q.value);
  });
})();
