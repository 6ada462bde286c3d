/* The host dashboard: live state in, commands out (fetch with the CSRF token; plain forms work
   without JS). The result is shown to the host alone; End and Reject ask "are you sure?" first. */
"use strict";
(() => {
  const { el, clear, countdown, follow, pill, fillCommon } = window.ChatUI;
  const root = document.getElementById("host");
  if (!root) return;
  const csrf = root.dataset.csrf;
  const action = `/host/${encodeURIComponent(root.dataset.session)}/action`;
  const timer = countdown(document.getElementById("time-left"));
  const body = document.getElementById("queue-body");
  const flash = document.getElementById("flash");
  const cautions = JSON.parse(root.dataset.cautions || "{}");

  function say(lines, bad) {
    clear(flash);
    for (const line of lines) flash.append(el("p", { class: bad ? "bad" : "" }, line));
  }

  async function send(fields, caution) {
    if (caution) {
      if (!window.confirm(caution)) return;
      fields = { ...fields, confirm: "yes" };
    }
    const data = new FormData();
    data.append("csrf", csrf);
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    try {
      const response = await fetch(action, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      });
      if (!response.ok) { say([`${response.status}: ${await response.text()}`], true); return; }
      const result = await response.json();
      say([result.text || "done."], !result.ok);
    } catch (err) {
      say([`could not reach the server: ${err}`], true);
    }
  }

  function questionButtons(q) {
    if (q.status !== "open" && q.status !== "approved") return "";
    const b = (name, label) => el("button", {
      class: "button small", type: "button", "data-action": name,
      onclick: () => send({ action: name, n: q.number }, (cautions[name] || "").replaceAll("{n}", q.number)),
    }, label);
    return el("span", { class: "actions" },
      q.status === "open" ? b("approve", "Approve") : "", b("answered", "Answered"), b("reject", "Reject"));
  }

  // Which session controls make sense in which status (the server refuses the others anyway).
  const ALLOWED = {
    scheduled: ["start", "end", "extend"],
    live: ["pause", "next", "skip", "next_question", "extend", "end"],
    paused: ["resume", "start", "end", "extend"],
    ended: [],
  };

  function render(state) {
    fillCommon(state, timer);
    const allowed = ALLOWED[state.status];
    for (const button of root.querySelectorAll(".controls button[data-action]")) {
      button.disabled = allowed !== undefined && !allowed.includes(button.dataset.action);
    }
    clear(body);
    const queue = state.queue || [];
    if (!queue.length) body.append(el("tr", {}, el("td", { colspan: 7, class: "muted" }, "No questions yet.")));
    for (const q of queue) {
      body.append(el("tr", { class: `q-${q.status}`, "data-number": q.number },
        el("td", {}, q.position ?? ""), el("td", {}, q.number), el("td", {}, q.text),
        el("td", {}, (q.askers && q.askers.length > 1) ? `${q.author} +${q.askers.length - 1}` : q.author),
        el("td", { class: "votes" }, q.upvotes), el("td", {}, pill(q.status)), el("td", {}, questionButtons(q))));
    }
  }

  // Every static form on the page (controls, merge, route) posts through fetch instead of reloading.
  for (const form of root.querySelectorAll("form.inline-form")) {
    // (form.action would be the hidden input named "action", not the attribute)
    if (!(form.getAttribute("action") || "").endsWith("/action")) continue;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const fields = Object.fromEntries(new FormData(form, event.submitter));
      delete fields.csrf;
      send(fields, event.submitter && event.submitter.dataset.confirm);
    });
  }
  follow(root.dataset.events, render);
})();
