/* The chat room: a websocket to the room, and the session's live state for the sidebar. */
"use strict";
(() => {
  const { el, clear, clock, countdown, follow } = window.ChatUI;
  const root = document.getElementById("room");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const list = $("messages"), joinForm = $("join-form"), composer = $("composer"), text = $("text");
  const errorBox = $("room-error"), status = $("conn-status");
  const timer = countdown($("time-left"));
  const byId = new Map();
  const NAME_KEY = `chatbot-name-${root.dataset.room}`;
  let ws = null, you = null, answerLabel = null, retry = 0, closedForGood = false, errorTimer = null;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    clearTimeout(errorTimer);
    errorTimer = setTimeout(() => { errorBox.hidden = true; }, 6000);
  }

  function hue(id) {
    let h = 0;
    for (const c of id) h = (h * 31 + c.charCodeAt(0)) % 360;
    return h;
  }

  const LABEL = /^\s*(?:\*\*)?([QATqat]\s?\d{1,3}[a-z]?)\s*[:.)\-/]/;

  function messageNode(m) {
    const a = m.author;
    const label = LABEL.exec(m.text);
    const isPrompt = (a.bot || a.host) && label && /^[QTqt]/.test(label[1]);
    const classes = ["msg", a.bot ? "bot" : "", a.host ? "host" : "", isPrompt ? "prompt-msg" : "",
      you && a.id === you.id ? "mine" : "", m.only_you ? "only-you" : ""].filter(Boolean).join(" ");
    const parent = m.reply_to ? byId.get(m.reply_to) : null;
    const initial = (a.name.match(/[\p{L}\p{N}]/u) || ["?"])[0].toUpperCase();
    const avatar = el("span", { class: "avatar", "aria-hidden": "true" }, a.bot ? "#" : initial);
    avatar.style.setProperty("--h", hue(a.id));
    return el("li", { class: classes, id: `m-${m.id}` },
      avatar,
      el("div", { class: "msg-body" },
        el("div", { class: "msg-meta" },
          el("span", { class: "name" }, a.name),
          a.bot ? el("span", { class: "badge" }, "bot") : a.host ? el("span", { class: "badge" }, "host") : "",
          m.only_you ? el("span", { class: "badge only-you-badge" }, "only you can see this") : "",
          el("time", { datetime: m.ts }, clock(m.ts))),
        parent ? el("div", { class: "reply-to" }, `↪ ${parent.author.name}: ${parent.text.slice(0, 80)}`) : "",
        el("div", { class: "msg-text" },
          label ? el("span", { class: isPrompt ? "prompt-label" : "label-badge" },
            label[1].toUpperCase().replace(" ", "")) : "",
          label ? m.text.replace(LABEL, "").trim() : m.text)));
  }

  function add(m) {
    if (byId.has(m.id)) return;
    byId.set(m.id, m);
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    list.append(messageNode(m));
    if (nearBottom || (you && m.author.id === you.id)) list.scrollTop = list.scrollHeight;
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    showError("not connected; reconnecting…");
    return false;
  }

  function joined(who) {
    you = who;
    localStorage.setItem(NAME_KEY, who.name);
    $("you-name").textContent = who.name;
    joinForm.hidden = true;
    composer.hidden = false;
    text.focus();
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(`${scheme}//${location.host}/chat/${encodeURIComponent(root.dataset.room)}/ws`);
    status.textContent = "connecting…";
    ws.onopen = () => { retry = 0; status.textContent = "connected"; };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (frame.type === "welcome") {
        clear(list); byId.clear();
        frame.messages.forEach(add);
        list.scrollTop = list.scrollHeight;
        const saved = you ? you.name : localStorage.getItem(NAME_KEY);
        if (saved) send({ type: "join", name: saved });
      } else if (frame.type === "joined") joined(frame.you);
      else if (frame.type === "message") add(frame.message);
      else if (frame.type === "error") {
        showError(frame.error);
        if (!you) { joinForm.hidden = false; composer.hidden = true; }
      }
    };
    ws.onclose = (event) => {
      if (event.code === 1001 && event.reason === "room closed") {
        closedForGood = true;
        status.textContent = "The chat room is closed. Thanks for joining!";
        composer.hidden = true; joinForm.hidden = true;
        $("answer-now").hidden = true;
        return;
      }
      if (closedForGood) return;
      retry = Math.min(retry + 1, 6);
      status.textContent = `disconnected; retrying in ${retry * 2} s`;
      setTimeout(connect, retry * 2000);
    };
  }

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("join-name").value.trim();
    if (name) send({ type: "join", name });
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    if (send({ type: "post", text: body })) { text.value = ""; $("counter").textContent = "0"; }
  });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  text.addEventListener("input", () => { $("counter").textContent = String(text.value.length); });
  function prefill(prefix) {
    text.value = prefix + text.value.replace(/^\s*(?:[QATqat]\s?\d+[a-z]?\s*[:.)\-/]|\/ask\b)\s*/, "");
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  }
  $("tool-answer").addEventListener("click", () => { if (answerLabel) prefill(`${answerLabel}: `); });
  $("answer-now").addEventListener("click", () => {
    if (answerLabel && you) prefill(`${answerLabel}: `); else $("join-name").focus();
  });
  $("tool-ask").addEventListener("click", () => prefill("/ask "));

  function renderQueue(queue) {
    const box = clear($("queue"));
    const waiting = queue.filter((q) => q.status === "open" || q.status === "approved");
    const done = queue.filter((q) => q.status === "answered");
    if (!waiting.length && !done.length) box.append(el("li", { class: "muted small" }, "No questions yet."));
    for (const q of [...waiting, ...done]) {
      const mine = you && (q.askers || [q.author]).includes(you.name);
      const canVote = !mine && q.status !== "answered" && you;
      box.append(el("li", { class: `q q-${q.status}`, "data-number": q.number },
        el("div", { class: "q-votes" },
          el("button", {
            class: "vote", type: "button", title: canVote ? `Upvote question ${q.number}` : "",
            disabled: !canVote, "aria-label": `Upvote question ${q.number}`,
            onclick: () => send({ type: "post", text: `/upvote ${q.number}` }),
          }, "▲"),
          el("span", { class: "count" }, q.upvotes)),
        el("div", { class: "q-body" },
          el("div", { class: "q-text" }, q.text),
          el("div", { class: "muted small" }, `#${q.number} · ${q.author}`,
            q.status === "answered" ? " · answered ✓" : q.position ? ` · place ${q.position}` : ""))));
    }
  }

  function renderState(state) {
    const pillNode = $("status-pill");
    pillNode.textContent = state.status;
    pillNode.className = `pill pill-${state.status}`;
    timer.set(state);
    const p = state.current_prompt;
    const banner = $("now-banner");
    if (p) {
      banner.hidden = false;
      $("now-label").textContent = p.label;
      $("now-text").textContent = p.text;
      answerLabel = /^[Qq]/.test(p.label) ? "A" + p.label.slice(1) : p.label;
      const tool = $("tool-answer");
      tool.textContent = `${answerLabel}: answer`;
      tool.disabled = false;
    } else banner.hidden = true;
    $("stat-people").textContent = state.participants ?? "–";
    $("stat-rate").textContent = state.messages_per_minute ?? "–";
    renderQueue(state.queue || []);
  }

  if (root.dataset.session) follow(`/live/${encodeURIComponent(root.dataset.session)}/events`, renderState);
  else { $("status-pill").textContent = "open"; }
  const saved = localStorage.getItem(NAME_KEY);
  if (saved) $("join-name").value = saved;
  connect();
})();
