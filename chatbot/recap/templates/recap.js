(() => {
  "use strict";
  /* Sortable tables: headings become buttons; without JS the table keeps its server order. */
  const value = (row, index, type) => {
    const cell = row.cells[index];
    const raw = cell.dataset.sort ?? cell.textContent.trim();
    return type === "number" ? Number.parseFloat(raw) || 0 : raw.toLocaleLowerCase();
  };
  for (const table of document.querySelectorAll("table[data-sortable]")) {
    const heads = Array.from(table.tHead.rows[0].cells);
    const body = table.tBodies[0];
    heads.forEach((th, index) => {
      const type = th.dataset.type || "text";
      const button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", () => {
        const current = th.getAttribute("aria-sort");
        const first = type === "number" ? "descending" : "ascending";
        const next = current ? (current === "ascending" ? "descending" : "ascending") : first;
        for (const other of heads) other.removeAttribute("aria-sort");
        th.setAttribute("aria-sort", next);
        const sign = next === "ascending" ? 1 : -1;
        const rows = Array.from(body.rows);
        rows.sort((a, b) => {
          const x = value(a, index, type);
          const y = value(b, index, type);
          const order = type === "number" ? x - y : x.localeCompare(y);
          return order * sign || Number(a.dataset.order) - Number(b.dataset.order);
        });
        body.append(...rows);
      });
    });
  }
  /* Printing shows everything: open collapsed sections, then restore them. */
  const opened = [];
  window.addEventListener("beforeprint", () => {
    for (const details of document.querySelectorAll("details:not([open])")) {
      details.open = true;
      opened.push(details);
    }
  });
  window.addEventListener("afterprint", () => {
    while (opened.length) opened.pop().open = false;
  });
  /* A link to a message on a closed page of a long transcript opens that page. */
  const reveal = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    for (let node = id && document.getElementById(id); node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  };
  window.addEventListener("hashchange", reveal);
  reveal();
})();
