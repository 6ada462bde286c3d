/* The live view: re-draw from every state the server sends. */
"use strict";
(() => {
  const { el, clear, countdown, follow, pill, fillCommon } = window.ChatUI;
  const root = document.getElementById("live");
  if (!root) return;
  const timer = countdown(document.getElementById("time-left"));
  const body = document.getElementById("queue-body");

  function render(state) {
    fillCommon(state, timer);
    clear(body);
    const queue = state.queue || [];
    if (!queue.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No questions yet.")));
    for (const q of queue) {
      body.append(el("tr", { class: `q-${q.status}` },
        el("td", {}, q.position ?? ""), el("td", {}, q.number), el("td", {}, q.text),
        el("td", {}, q.author), el("td", { class: "votes" }, q.upvotes), el("td", {}, pill(q.status))));
    }
  }
  follow(root.dataset.events, render);
})();
