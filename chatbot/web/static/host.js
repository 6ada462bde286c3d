/* The host dashboard: live state in, commands out (fetch with the CSRF token; plain forms work
   without JS). The result is shown to the host alone; End and Reject ask "are you sure?" first.
   Held posts (the bot cannot tell whether they went out) wait for the host's word on each. While
   the archive cannot take writes (locked, disk full) a note says so, and goes once it can. */
"use strict";
(() => {
  const { el, clear, clock, countdown, follow, pill, fillCommon, fillStream, questionState, toast } = window.ChatUI;
  const root = document.getElementById("host");
  if (!root) return;
  const csrf = root.dataset.csrf;
  const base = `/host/${encodeURIComponent(root.dataset.session)}`;
  const action = `${base}/action`;
  const REMOVED_TEXT = "removed at the participant's request";
  const timer = countdown(document.getElementById("time-left"));
  const body = document.getElementById("queue-body");
  const flash = document.getElementById("flash");
  const cautions = JSON.parse(root.dataset.cautions || "{}");
  const reasons = JSON.parse(root.dataset.reasons || "{}");
  const heldCard = document.getElementById("held");
  const heldList = document.getElementById("held-list");
  const archiveCard = document.getElementById("archive");
  const archiveText = document.getElementById("archive-text");

  async function send(fields, caution, url = action) {
    if (caution) {
      if (!window.confirm(caution)) return;
      fields = { ...fields, confirm: "yes" };
    }
    const data = new FormData();
    data.append("csrf", csrf);
    for (const [k, v] of Object.entries(fields)) data.append(k, v);
    try {
      const response = await fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrf },
      });
      if (!response.ok) { toast(flash, `${response.status}: ${await response.text()}`, true); return false; }
      const result = await response.json();
      toast(flash, result.ok ? result.text || "done." : `Not done: ${result.text}`, !result.ok);
      return result.ok;
    } catch (err) {
      toast(flash, `could not reach the server: ${err}`, true);
      return false;
    }
  }

  const sayForm = document.getElementById("say-form");
  if (sayForm) {
    const box = document.getElementById("say-text");
    sayForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = box.value.trim();
      const word = /^[/!]([\w+-]+)/.exec(text);
      const caution = word && cautions[word[1].toLowerCase()];
      const n = (text.match(/\d+/) || ["?"])[0];
      if (text && await send({ text }, caution && caution.replaceAll("{n}", n), `${base}/say`) && box.value.trim() === text) box.value = "";
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); sayForm.requestSubmit(); }
    });
  }

  function questionButtons(q) {
    if (!["open", "approved", "on_air"].includes(q.status)) return "";
    const b = (name, label) => el("button", {
      class: "button small", type: "button", "data-action": name,
      onclick: () => send({ action: name, n: q.number }, (cautions[name] || "").replaceAll("{n}", q.number)),
    }, label);
    return el("span", { class: "actions" },
      q.status === "open" ? b("approve", "Approve") : "", b("answered", "Answered"), b("reject", "Reject"));
  }

  function renderHeld(held) {
    clear(heldList);
    heldCard.hidden = !held.length;
    for (const p of held) {
      const b = (wentOut, label, cls) => el("button", {
        class: `button small ${cls}`, type: "button", "data-went-out": wentOut,
        onclick: () => send({ key: p.key, platform: p.platform, went_out: wentOut }, null, `${base}/held`),
      }, label);
      heldList.append(el("li", { "data-key": p.key, "data-platform": p.platform },
        el("p", { class: "small muted" }, `${p.kind} on ${p.platform}, meant for ${clock(p.intended_at)}: ${reasons[p.reason] || p.reason}`),
        el("blockquote", { class: "held-text" }, p.text),
        el("span", { class: "actions" }, b("no", "It did not go out: send it", "primary"), b("yes", "It went out", ""))));
    }
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
    fillStream(document.getElementById("stream"), state.recent);
    renderHeld(state.held || []);
    const archive = state.archive || { writable: true, alert: null };  // not writable: messages wait
    archiveCard.hidden = archive.writable;
    archiveText.textContent = archive.alert || "";
    const allowed = ALLOWED[state.status];
    for (const button of root.querySelectorAll(".controls button[data-action]")) {
      button.disabled = allowed !== undefined && !allowed.includes(button.dataset.action);
    }
    clear(body);
    const queue = state.queue || [];
    if (!queue.length) body.append(el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No questions yet.")));
    for (const q of queue) {
      body.append(el("tr", { class: `q-${q.status}`, "data-number": q.number },
        el("td", { "data-label": "#" }, q.number), el("td", { "data-label": "Question" }, q.text || REMOVED_TEXT),
        el("td", { "data-label": "Asked by" }, (q.askers && q.askers.length > 1) ? `${q.author} +${q.askers.length - 1}` : q.author),
        el("td", { class: "votes", "data-label": "Votes" }, q.upvotes),
        el("td", { "data-label": "Status" }, pill(q.status), " ", el("span", { class: "small muted" }, q.status === "on_air" || q.position ? questionState(q) : "")),
        el("td", { "data-label": "Actions" }, questionButtons(q))));
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
