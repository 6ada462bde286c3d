/* The chat room: a websocket to the room, and the session's live state for the sidebar.
   Commands (typed, or the vote button) are answered to you alone; what you write stays in the box
   until the server took it; an ended chat says so and leads to its recap. */
"use strict";
(() => {
  const { el, clear, clock, linkify, countdown, follow, questionState, recapOf } = window.ChatUI;
  const root = document.getElementById("room");
  if (!root) return;
  const $ = (id) => document.getElementById(id);
  const list = $("messages"), joinForm = $("join-form"), composer = $("composer"), text = $("text");
  const errorBox = $("room-error"), status = $("conn-status"), filter = $("filter");
  const timer = countdown($("time-left"));
  const cautions = JSON.parse(root.dataset.cautions || "{}");
  const reactions = JSON.parse(root.dataset.reactions || "[]");
  const byId = new Map();
  const NAME_KEY = `chatbot-name-${root.dataset.room}`;
  const MAX_RETRIES = 8;
  let ws = null, you = null, answerLabel = null, retry = 0, over = false, errorTimer = null;
  let replyTo = null, refs = 0, lastQueue = [];
  // ref -> the post sent (its text cleared from the box once the server took it), kept until "sent":
  // sent again after a reconnect with the same key, so the server stores it once
  const pending = new Map();
  const buttons = new Set();  // refs of the vote button's commands (answered on the button, not in the chat)
  const prompts = new Set();

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

  // -- votes: one per person, shown as given, taken back with a second click ----------------------
  const votesKey = () => `chatbot-votes-${root.dataset.room}-${you ? you.id : ""}`;
  function voted() {
    try { return new Set(JSON.parse(localStorage.getItem(votesKey()) || "[]")); } catch { return new Set(); }
  }
  function setVoted(number, on) {
    const set = voted();
    if (on) set.add(number); else set.delete(number);
    localStorage.setItem(votesKey(), JSON.stringify([...set]));
    renderQueue(lastQueue);
  }

  // -- messages ------------------------------------------------------------------------------
  const LABEL = /^\s*(?:\*\*)?([QATqat]\s?\d{1,3}[a-z]?)\s*[:.)\-/]/;

  function labelsOf(m) {
    const found = LABEL.exec(m.text);
    return found ? found[1].toUpperCase().replace(" ", "") : "";
  }

  function reactionBar(m) {
    const bar = el("div", { class: "reactions", "data-for": m.id });
    for (const r of m.reactions || []) {
      const mine = you && (r.by || []).includes(you.id);
      bar.append(el("button", {
        type: "button", class: `chip reaction${mine ? " mine" : ""}`, "aria-pressed": mine ? "true" : "false",
        "aria-label": `${r.emoji} ${r.count}: react`, onclick: () => react(m.id, r.emoji),
      }, `${r.emoji} ${r.count}`));
    }
    return bar;
  }

  function actions(m) {
    if (m.only_you || !you || over) return "";
    const picker = el("span", { class: "picker", hidden: true },
      reactions.map((e) => el("button", { type: "button", class: "chip", "aria-label": `React with ${e}`,
        onclick: () => { picker.hidden = true; react(m.id, e); } }, e)));
    return el("div", { class: "msg-actions" },
      el("button", { type: "button", class: "link-button", onclick: () => startReply(m) }, "Reply"),
      el("button", { type: "button", class: "link-button", "aria-label": "React",
        onclick: () => { picker.hidden = !picker.hidden; } }, "React"),
      picker);
  }

  function messageNode(m) {
    const a = m.author;
    const label = labelsOf(m);
    const isPrompt = (a.bot || a.host) && /^[QT]/.test(label);
    const classes = ["msg", a.bot ? "bot" : "", a.host ? "host" : "", isPrompt ? "prompt-msg" : "",
      you && a.id === you.id ? "mine" : "", m.only_you ? "only-you" : ""].filter(Boolean).join(" ");
    const parent = m.reply_to ? byId.get(m.reply_to) : null;
    const initial = (a.name.match(/[\p{L}\p{N}]/u) || ["?"])[0].toUpperCase();
    const avatar = el("span", { class: "avatar", "aria-hidden": "true" }, a.bot ? "#" : initial);
    avatar.style.setProperty("--h", hue(a.id));
    const body = label ? m.text.replace(LABEL, "").trim() : m.text;
    const command = m.command ? `/${m.command}${(m.args || []).length ? " " + m.args.join(" ") : ""}` : "";
    return el("div", { class: classes, id: `m-${m.id}`, "data-host": a.host ? "1" : "", "data-label": label.replace(/^[A-Z]/, "") },
      avatar,
      el("div", { class: "msg-body" },
        el("div", { class: "msg-meta" },
          el("span", { class: "name" }, a.name),
          a.bot ? el("span", { class: "badge" }, "bot") : a.host ? el("span", { class: "badge" }, "host") : "",
          m.only_you ? el("span", { class: "badge only-you-badge" }, "only you can see this") : "",
          el("time", { datetime: m.ts }, clock(m.ts))),
        command ? el("div", { class: "reply-to" }, `↪ your command ${command}`) : "",
        parent ? el("div", { class: "reply-to" }, `↪ ${parent.author.name}: ${parent.text.slice(0, 80)}`) : "",
        el("div", { class: "msg-text" },
          label ? el("span", { class: isPrompt ? "prompt-label" : "label-badge" }, label) : "",
          linkify(body)),
        reactionBar(m),
        actions(m)));
  }

  function visible(node) {
    const want = filter.value;
    if (!want) return true;
    if (want === "hosts") return node.dataset.host === "1";
    return node.dataset.label === want;
  }

  function add(m) {
    if (!m.only_you && byId.has(m.id)) return;
    byId.set(m.id, m);
    const label = labelsOf(m);
    if ((m.author.bot || m.author.host) && /^Q\d/.test(label) && !prompts.has(label)) {
      prompts.add(label);
      filter.append(el("option", { value: label.slice(1) }, `${label} and its answers`));
    }
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    const node = messageNode(m);
    node.hidden = !visible(node);
    list.append(node);
    if (nearBottom || (you && m.author.id === you.id)) list.scrollTop = list.scrollHeight;
  }

  function redraw() {
    const all = [...byId.values()];
    clear(list);
    for (const m of all) { const node = messageNode(m); node.hidden = !visible(node); list.append(node); }
    list.scrollTop = list.scrollHeight;
  }
  filter.addEventListener("change", () => { for (const node of list.children) node.hidden = !visible(node); });

  // -- the socket ----------------------------------------------------------------------------------
  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) { ws.send(JSON.stringify(frame)); return true; }
    showError(over ? "the chat has ended" : "not connected; reconnecting…");
    return false;
  }

  function nextRef() { refs += 1; return `r${refs}`; }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
  }
  function resend() {  // what was sent but never confirmed: the same post, the same key
    for (const [ref, post] of pending) send({ type: "post", text: post.text, reply_to: post.reply_to, ref, key: post.key });
  }

  function react(id, emoji) { send({ type: "react", id, emoji }); }

  function command(name, args) {
    const ref = nextRef();
    buttons.add(ref);
    send({ type: "command", name, args: args.map(String), ref });
  }

  function joined(who) {
    you = who;
    localStorage.setItem(NAME_KEY, who.name);
    $("you-name").textContent = who.name + (who.host ? " (host)" : "");
    joinForm.hidden = true;
    composer.hidden = false;
    text.focus();
    redraw();
    renderQueue(lastQueue);
  }

  function answered(frame) {
    const m = frame.message;
    const n = Number((m.args || [])[0]);
    if (m.command === "upvote" && (frame.ok || /already upvoted/.test(m.text))) setVoted(n, true);
    else if (m.command === "unvote" && (frame.ok || /not upvoted/.test(m.text))) setVoted(n, false);
    if (frame.ref && buttons.delete(frame.ref)) {  // the vote button: it shows the vote itself
      if (!frame.ok) showError(m.text);
      return;
    }
    add(m);
  }

  function ended() {
    if (over) return;
    over = true;
    status.textContent = "The chat has ended.";
    const pill = $("status-pill");
    pill.textContent = "ended"; pill.className = "pill pill-ended";
    $("composer-wrap").hidden = true;
    $("now-banner").hidden = true;
    $("ended").hidden = false;
    if (ws) ws.close();
    redraw();
  }

  /** What the server says of the room: "open", "ended", "closed" (for now) or "away". */
  async function roomState() {
    try {
      const r = await fetch(`/chat/${encodeURIComponent(root.dataset.room)}/state`, { cache: "no-store" });
      if (r.status === 404) return "closed";
      const s = await r.json();
      if (s.recap && $("recap-link")) $("recap-link").href = s.recap;
      return s.ended ? "ended" : s.open ? "open" : "closed";
    } catch { return "away"; }  // the server is away: try again later
  }

  function connect() {
    if (over) return;
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
      } else if (frame.type === "joined") { joined(frame.you); resend(); }
      else if (frame.type === "message") add(frame.message);
      else if (frame.type === "answer") answered(frame);
      else if (frame.type === "sent") {
        const sent = pending.get(frame.ref);
        pending.delete(frame.ref);
        if (sent !== undefined && text.value.trim() === sent.text) { text.value = ""; $("counter").textContent = "0"; }
      } else if (frame.type === "reactions") {
        const m = byId.get(frame.id);
        if (m) { m.reactions = frame.reactions; const node = $(`m-${frame.id}`); if (node) node.replaceWith(messageNode(m)); }
      } else if (frame.type === "removed") {
        for (const id of frame.ids) { byId.delete(id); const node = $(`m-${id}`); if (node) node.remove(); }
      } else if (frame.type === "error") {
        if (frame.ref) { pending.delete(frame.ref); buttons.delete(frame.ref); }  // what was written stays
        showError(frame.error);
        if (!you) { joinForm.hidden = false; composer.hidden = true; }
      }
    };
    ws.onclose = async () => {
      if (over) return;
      const now = await roomState();
      if (now === "ended") { ended(); return; }
      retry += 1;
      if (retry > MAX_RETRIES) { status.textContent = "disconnected: reload the page to try again"; return; }
      const wait = Math.min(retry, 5) * 2;
      status.textContent = `${now === "closed" ? "the room is closed for now" : "disconnected"}; trying again in ${wait} s`;
      setTimeout(connect, wait * 1000);
    };
  }

  // -- the composer --------------------------------------------------------------------------------
  function startReply(m) {
    replyTo = m;
    $("replying-name").textContent = m.author.name;
    $("replying-text").textContent = m.text.slice(0, 80);
    $("replying").hidden = false;
    text.focus();
  }
  function stopReply() { replyTo = null; $("replying").hidden = true; }
  $("replying-cancel").addEventListener("click", stopReply);

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("join-name").value.trim();
    if (name) send({ type: "join", name });
  });
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    const word = /^[/!]([\w+-]+)/.exec(body);
    const caution = word && cautions[word[1].toLowerCase()];
    if (caution) {
      const n = (body.match(/\d+/) || ["?"])[0];
      if (!window.confirm(caution.replaceAll("{n}", n))) return;
    }
    const ref = nextRef();
    const post = { text: body, reply_to: replyTo ? replyTo.id : null, key: newKey() };
    if (send({ type: "post", ...post, ref })) { pending.set(ref, post); stopReply(); }
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

  // -- tabs (phones): the chat or the questions -------------------------------------------------------
  for (const tab of root.querySelectorAll(".room-tabs .tab")) {
    tab.addEventListener("click", () => {
      root.dataset.tab = tab.dataset.tab;
      for (const t of root.querySelectorAll(".room-tabs .tab")) t.setAttribute("aria-pressed", String(t === tab));
    });
  }

  // -- the sidebar: the queue and the counts, from the live state ---------------------------------------
  function renderQueue(queue) {
    lastQueue = queue;
    const box = clear($("queue"));
    const waiting = queue.filter((q) => q.status === "open" || q.status === "approved");
    const asked = queue.filter((q) => q.status === "on_air");
    const done = queue.filter((q) => q.status === "answered");
    $("tab-count").textContent = waiting.length ? `(${waiting.length})` : "";
    if (!queue.length || (!waiting.length && !asked.length && !done.length)) box.append(el("li", { class: "muted small" }, "No questions yet."));
    const mine = voted();
    for (const q of [...asked, ...waiting, ...done]) {
      const own = you && (q.askers || [q.author]).includes(you.name);
      const open = q.status !== "answered" && !over;
      const on = mine.has(q.number);
      const label = on ? `Take back your vote for question ${q.number}` : `Vote for question ${q.number}`;
      box.append(el("li", { class: `q q-${q.status}`, "data-number": q.number },
        el("div", { class: "q-votes" },
          el("button", {
            class: `vote${on ? " voted" : ""}`, type: "button", title: own ? "your own question" : label,
            disabled: !(you && open && !own), "aria-label": label, "aria-pressed": on ? "true" : "false",
            onclick: () => command(on ? "unvote" : "upvote", [q.number]),
          }, "▲"),
          el("span", { class: "count" }, q.upvotes)),
        el("div", { class: "q-body" },
          el("div", { class: "q-text" }, q.text ? linkify(q.text) : el("em", {}, "removed at the participant's request")),
          el("div", { class: "muted small" }, `#${q.number} · ${q.author} · ${questionState(q)}`))));
    }
  }

  function renderState(state) {
    if (state.status === "ended") { ended(); }
    else {
      const pillNode = $("status-pill");
      pillNode.textContent = state.status;
      pillNode.className = `pill pill-${state.status}`;
    }
    timer.set(state);
    if (state.session && $("recap-link")) $("recap-link").href = recapOf(state);
    const p = state.current_prompt;
    const banner = $("now-banner");
    if (p && !over) {
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

  const saved = localStorage.getItem(NAME_KEY);
  if (saved && !$("join-name").value) $("join-name").value = saved;
  if (root.dataset.ended) { ended(); return; }
  if (root.dataset.session) follow(`/live/${encodeURIComponent(root.dataset.session)}/events`, renderState, ended);
  else { $("status-pill").textContent = "open"; }
  connect();
})();
