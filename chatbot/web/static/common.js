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
      else if (k.startsWith("data-")) node.setAttribute(k, v);
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

  function clock(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function mmss(seconds) {
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const two = (n) => String(n).padStart(2, "0");
    return h ? `${h}:${two(m)}:${two(r)}` : `${m}:${two(r)}`;
  }

  /** A ticking "time left" label driven by the latest state. */
  function countdown(node) {
    let target = null, mode = "", timer = null;
    function draw() {
      if (!node) return;
      if (mode === "live" && target !== null) node.textContent = `${mmss((target - Date.now()) / 1000)} left`;
      else if (mode === "scheduled" && target !== null) node.textContent = `starts in ${mmss((target - Date.now()) / 1000)}`;
      else node.textContent = "";  // paused, ended: the status pill says so
    }
    return {
      set(state) {
        mode = state.status || "";
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

  /** Follow a server-sent event stream of session states. */
  function follow(url, onState, onEnd) {
    const source = new EventSource(url);
    source.addEventListener("state", (e) => {
      try { onState(JSON.parse(e.data)); } catch (err) { console.error(err); }
    });
    source.addEventListener("end", () => { source.close(); if (onEnd) onEnd(); });
    return source;
  }

  function pill(status) {
    return el("span", { class: `pill pill-${status}` }, status);
  }

  /** The status pill, stats and prompt fields shared by the live view and the dashboard. */
  function fillCommon(state, timer) {
    const set = (id, text) => { const n = document.getElementById(id); if (n) n.textContent = text; };
    const statusPill = document.getElementById("status-pill");
    if (statusPill) { statusPill.textContent = state.status; statusPill.className = `pill pill-${state.status}`; }
    timer.set(state);
    const p = state.current_prompt;
    set("prompt-label", p ? p.label : "");
    set("prompt-text", p ? p.text : "The chat has not posted a prompt yet.");
    set("stat-people", state.participants ?? "–");
    set("stat-rate", state.messages_per_minute ?? "–");
    set("stat-messages", state.messages ?? "–");
    set("stat-questions", (state.queue || []).length);
    const np = state.next_post;
    set("next-post", np && state.status !== "ended" ? `Next: ${np.kind}${np.key && np.kind === "prompt" ? " " + np.key.replace("prompt:", "") : ""} at ${clock(np.due)}` : "");
    const list = document.getElementById("newcomers");
    if (list) {
      clear(list);
      const people = state.new_participants || [];
      if (!people.length) list.append(el("li", { class: "muted" }, "Nobody yet."));
      for (const person of people) list.append(el("li", {}, person.name || person.handle, " ", el("span", { class: "muted small" }, clock(person.first_seen))));
    }
  }

  return { el, clear, clock, mmss, countdown, follow, pill, fillCommon };
})();
