/* The live view: re-draw from every state the server sends; an ended chat leads to its recap. */
"use strict";
(() => {
  const { el, clear, countdown, follow, pill, fillCommon, fillStream, questionState } = window.ChatUI;
  const root = document.getElementById("live");
  if (!root) return;
  const REMOVED_TEXT = "removed at the participant's request";
  const timer = countdown(document.getElementById("time-left"));
  const body = document.getElementById("queue-body");

  function render(state) {
    fillCommon(state, timer);
    fillStream(document.getElementById("answers"), state.recent, ["answer"]);
    const join = document.getElementById("join-room");
    if (join && state.status === "ended") join.hidden = true;
    clear(body);
    const queue = state.queue || [];
    if (!queue.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No questions yet.")));
    for (const q of queue) {
      body.append(el("tr", { class: `q-${q.status}` },
        el("td", { "data-label": "#" }, q.number), el("td", { "data-label": "Question" }, q.text || REMOVED_TEXT),
        el("td", { "data-label": "Asked by" }, q.author), el("td", { class: "votes", "data-label": "Votes" }, q.upvotes),
        el("td", { "data-label": "Status" }, pill(q.status), " ", el("span", { class: "small muted" }, q.status === "on_air" || q.position ? questionState(q) : ""))));
    }
  }
  follow(root.dataset.events, render);
})();
