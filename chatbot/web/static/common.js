/* Shared helpers for the room, the live view and the dashboard. No framework, no network but our own. */
"use strict";

window.ChatUI = (() => {
  /** Build an element; text children become text nodes (never HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("data-") || k.startsWith("aria-")) node.setAttribute(k, v);
      else if (k in node) node[k] = v;
      else node.setAttribute(k, v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  // One time format on every page, the recaps' too: 24-hour "21:32" in the chat's time zone.
  let zone = document.querySelector("[data-timezone]")?.dataset.timezone || undefined;
  function setZone(name) { if (name) zone = name; }
  function clock(iso) {
    const d = new Date(iso);
    if (isNaN(d)) return "";
    try {
      return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone });
    } catch {
      return d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    }
  }

  /** Text with its web addresses as links (http and https only; rel as the recaps have it). */
  const URL_RE = /https?:\/\/[^\s<>"'`]+/gi;
  const TRAILING = /[.,;:!?…'"»”’)\]]+$/;
  function linkify(text) {
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      let url = match[0];
      const tail = url.match(TRAILING);
      if (tail && !(tail[0].startsWith(")") && url.includes("("))) url = url.slice(0, url.length - tail[0].length);
      out.append(text.slice(last, match.index));
      out.append(el("a", { href: url, rel: "nofollow ugc noopener", target: "_blank" }, url));
      last = match.index + url.length;
    }
    out.append(text.slice(last));
    return out;
  }

  function mmss(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
  }

  /** A ticking "time left" label driven by the latest state (it holds still while paused). */
  function countdown(node) {
    let target = null, mode = "", left = 0, timer = null;
    function draw() {
      if (!node) return;
      if (mode === "live" && target !== null) node.textContent = `${mmss((target - Date.now()) / 1000)} left`;
      else if (mode === "scheduled" && target !== null) node.textContent = `starts in ${mmss((target - Date.now()) / 1000)}`;
      else if (mode === "paused") node.textContent = `paused · ${mmss(left)} left`;
      else node.textContent = "";  // ended: the status pill says so
    }
    return {
      set(state) {
        mode = state.status || "";
        left = typeof state.seconds_left === "number" ? state.seconds_left : 0;
        const now = Date.parse(state.now);
        if (mode === "scheduled" && state.starts_at && !isNaN(now)) {
          target = Date.now() + (Date.parse(state.starts_at) - now);
        } else if (typeof state.seconds_left === "number") {
          target = Date.now() + state.seconds_left * 1000;
        } else target = null;
        draw();
        if (!timer) timer = setInterval(draw, 1000);
      },
    };
  }

  /** Follow a server-sent event stream of session states until the session ended (``onEnd``). A
      stream that stops otherwise (the server stopping mid-chat) or fails is tried again. */
  function follow(url, onState, onEnd) {
    const source = new EventSource(url);
    let ended = false;
    const end = () => { if (!ended) { ended = true; source.close(); if (onEnd) onEnd(); } };
    source.addEventListener("state", (e) => {
      try {
        const state = JSON.parse(e.data);
        setZone(state.session && state.session.timezone);
        onState(state);
        if (state.status === "ended") end();
      } catch (err) { console.error(err); }
    });
    source.addEventListener("end", (e) => {
      let status = "";
      try { status = JSON.parse(e.data).status; } catch { /* an end without a status */ }
      if (status === "ended") end();
    });
    return source;
  }

  const STATUS_WORDS = { on_air: "on air" };
  function pill(status) {
    return el("span", { class: `pill pill-${status}` }, STATUS_WORDS[status] || status);
  }

  /** Where a question stands, in words: its place in line, on air since when, answered when. */
  function questionState(q) {
    if (q.status === "on_air") return `on air at ${clock(q.aired_at)}`;
    if (q.status === "answered") return q.answered_at ? `answered at ${clock(q.answered_at)}` : "answered";
    if (q.position) return `place ${q.position}`;
    return STATUS_WORDS[q.status] || q.status;
  }

  function recapOf(state) {
    return state.session ? `/recaps/${encodeURIComponent(state.session.slug)}.html` : "";
  }

  /** The "this chat has ended" banner (``#ended``), pointing to the recap. */
  function showEnded(state) {
    const box = document.getElementById("ended");
    if (!box) return;
    box.hidden = false;
    const link = document.getElementById("recap-link");
    if (link && state) link.href = recapOf(state);
  }

  /** The status pill, stats, prompt, newcomers and latest answers of the live view and the dashboard. */
  function fillCommon(state, timer) {
    const set = (id, text) => { const n = document.getElementById(id); if (n) n.textContent = text; };
    const statusPill = document.getElementById("status-pill");
    if (statusPill) {
      statusPill.textContent = STATUS_WORDS[state.status] || state.status;
      statusPill.className = `pill pill-${state.status}`;
    }
    timer.set(state);
    const p = state.current_prompt;
    const ended = state.status === "ended";
    set("prompt-heading", ended ? "The chat has ended" : "Current prompt");
    set("prompt-label", ended || !p ? "" : p.label);
    set("prompt-text", ended ? "Thanks to everyone who took part: the recap has every answer."
      : p ? p.text : "The chat has not posted a prompt yet.");
    set("stat-people", state.participants ?? "–");
    set("stat-rate", state.messages_per_minute ?? "–");
    set("stat-messages", state.messages ?? "–");
    set("stat-questions", state.questions ?? (state.queue || []).length);
    const np = state.next_post;
    set("next-post", np && !ended ? `Next: ${np.kind}${np.key && np.kind === "prompt" ? " " + np.key.replace("prompt:", "") : ""} at ${clock(np.due)}` : "");
    if (ended) showEnded(state);
    const list = document.getElementById("newcomers");
    if (list) {
      clear(list);
      const people = state.new_participants || [];
      if (!people.length) list.append(el("li", { class: "muted" }, "Nobody yet."));
      for (const person of people) list.append(el("li", {}, person.name || person.handle, " ", el("span", { class: "muted small" }, clock(person.first_seen))));
    }
  }

  /** Messages of the state's ``recent`` as a list (``only``: the kinds to show). */
  function fillStream(node, recent, only) {
    if (!node) return;
    const shown = (recent || []).filter((m) => !only || only.includes(m.kind));
    const nearBottom = node.scrollHeight - node.scrollTop - node.clientHeight < 80;
    clear(node);
    if (!shown.length) node.append(el("li", { class: "muted small" }, only ? "No answers yet." : "Nothing said yet."));
    for (const m of shown) {
      node.append(el("li", { class: `said said-${m.kind}${m.host ? " said-host" : ""}` },
        el("div", { class: "said-meta small" },
          el("strong", {}, m.name || m.author),
          m.host ? el("span", { class: "badge" }, "host") : "",
          (m.answers || []).length ? el("span", { class: "label-badge" }, m.answers.map((l) => l.replace(/^Q/, "A")).join(", ")) : "",
          el("time", { datetime: m.ts, class: "muted" }, clock(m.ts))),
        el("div", { class: "said-text" }, linkify(m.text))));
    }
    if (nearBottom) node.scrollTop = node.scrollHeight;
  }

  /** A short message that fades (the dashboard's answer to the host alone). */
  function toast(node, text, bad) {
    if (!node) return;
    clear(node);
    node.append(el("p", { class: bad ? "bad" : "" }, text));
  }

  return { el, clear, clock, setZone, linkify, mmss, countdown, follow, pill, questionState, recapOf, showEnded, fillCommon, fillStream, toast };
})();
