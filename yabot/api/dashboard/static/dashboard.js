// YABOT's dashboard: a small single-page app over the admin API (no framework, no CDN).
// Every number it shows comes from an API route; every action it offers is an API route the
// caller's role may use (the API checks the role again and audits the action).
"use strict";

const API = "/api/v1";
const ROLE_RANK = { viewer: 1, operator: 2, admin: 3 };
const session = {
  token: sessionStorage.getItem("yabot.token"),
  role: sessionStorage.getItem("yabot.role"),
  subject: sessionStorage.getItem("yabot.subject"),
};
let pollTimer = null;
let pageSerial = 0;

// ---- small helpers -------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function can(role) {
  return (ROLE_RANK[session.role] || 0) >= ROLE_RANK[role];
}

function fmtTime(epoch) {
  if (epoch === null || epoch === undefined) return "—";
  const d = typeof epoch === "number" ? new Date(epoch * 1000) : new Date(epoch);
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

function fmtNum(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (unit === "s") {
    if (value < 0.001) return (value * 1e6).toFixed(0) + " µs";
    if (value < 1) return (value * 1000).toFixed(value < 0.01 ? 2 : 1) + " ms";
    return value.toFixed(2) + " s";
  }
  if (unit === "bytes") return (value / 1048576).toFixed(1) + " MB";
  if (unit === "/s") return (value < 10 ? value.toFixed(2) : value.toFixed(0)) + "/s";
  return Number.isInteger(value) ? value.toLocaleString("en") : value.toFixed(2);
}

function newKey() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
}

class ApiFailure extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body, headers) {
  const init = { method, headers: { Accept: "application/json", ...(headers || {}) } };
  if (session.token) init.headers.Authorization = "Bearer " + session.token;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(API + path, init);
  let data = null;
  try {
    data = await response.json();
  } catch (_) {
    data = null;
  }
  if (response.status === 401 && path !== "/auth/token") {
    signOut("Your session ended; sign in again.");
    throw new ApiFailure(401, "unauthorized", "signed out");
  }
  if (!response.ok) {
    const err = (data && data.error) || {};
    throw new ApiFailure(response.status, err.code || "error", err.message || response.statusText);
  }
  return data;
}

function confirmAction(title, text) {
  const modal = document.getElementById("modal");
  document.getElementById("modal-title").textContent = title;
  document.getElementById("modal-text").textContent = text;
  modal.hidden = false;
  return new Promise((resolve) => {
    const done = (answer) => {
      modal.hidden = true;
      ok.removeEventListener("click", yes);
      cancel.removeEventListener("click", no);
      resolve(answer);
    };
    const ok = document.getElementById("modal-confirm");
    const cancel = document.getElementById("modal-cancel");
    const yes = () => done(true);
    const no = () => done(false);
    ok.addEventListener("click", yes);
    cancel.addEventListener("click", no);
    ok.focus();
  });
}

function flash(container, text, bad) {
  const note = h("div", { class: bad ? "flash bad" : "flash", role: "status" }, text);
  container.prepend(note);
  setTimeout(() => note.remove(), 8000);
}

function poll(fn, everyMs) {
  // Runs fn now and every everyMs while this page is shown; a failure is shown on the page
  // (and cleared by the next success) instead of stopping the refresh.
  clearInterval(pollTimer);
  const serial = pageSerial;
  const problem = document.getElementById("page-error");
  const tick = async () => {
    if (serial !== pageSerial || document.hidden) return;
    try {
      await fn();
      if (problem) problem.textContent = "";
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 401) return;
      if (problem) problem.textContent = `Could not refresh: ${err.message}`;
    }
  };
  pollTimer = setInterval(tick, everyMs);
  return tick();
}

// ---- session -------------------------------------------------------------------------------

function signOut(reason) {
  session.token = session.role = session.subject = null;
  sessionStorage.clear();
  clearInterval(pollTimer);
  showLogin(reason || "");
}

function showLogin(message) {
  document.getElementById("nav").hidden = true;
  document.getElementById("who").textContent = "";
  document.getElementById("page").replaceChildren();
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = message || "";
  document.getElementById("login-user").focus();
}

async function signIn(event) {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  const username = document.getElementById("login-user").value;
  const password = document.getElementById("login-password").value;
  try {
    const answer = await api("POST", "/auth/token", { username, password });
    session.token = answer.access_token;
    session.role = answer.role;
    session.subject = username;
    sessionStorage.setItem("yabot.token", session.token);
    sessionStorage.setItem("yabot.role", session.role);
    sessionStorage.setItem("yabot.subject", session.subject);
    document.getElementById("login-password").value = "";
    route();
  } catch (err) {
    error.textContent =
      err.status === 429 ? "Too many attempts; wait and try again." : err.message;
  }
}

function showChrome() {
  document.getElementById("login").hidden = true;
  document.getElementById("nav").hidden = false;
  const who = document.getElementById("who");
  who.replaceChildren(
    h("span", { id: "who-name" }, session.subject + " "),
    h("span", { class: "pill", id: "who-role" }, session.role),
    h("button", { class: "secondary", type: "button", onclick: () => signOut("Signed out.") },
      "Sign out"),
  );
}

// ---- charts (canvas, no library) -----------------------------------------------------------

const COLOURS = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9"];

function drawChart(canvas, samples, keys, unit, windowS) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 320;
  const height = canvas.clientHeight || 120;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  const g = canvas.getContext("2d");
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);
  const left = 52, right = 6, top = 6, bottom = 16;
  // The x axis spans the samples kept (at least 5 minutes), up to the whole window.
  const now = samples.length ? samples[samples.length - 1].t : Date.now() / 1000;
  const span = Math.min(windowS, Math.max(300, samples.length ? now - samples[0].t : 0));
  const start = now - span;
  let max = 0;
  for (const s of samples) for (const k of keys) if (s[k] !== null && s[k] > max) max = s[k];
  max = max > 0 ? max * 1.1 : 1;
  const x = (t) => left + ((t - start) / span) * (width - left - right);
  const y = (v) => top + (1 - v / max) * (height - top - bottom);
  g.strokeStyle = "#e3e6ec";
  g.fillStyle = "#667085";
  g.font = "10px system-ui, sans-serif";
  g.lineWidth = 1;
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    g.beginPath();
    g.moveTo(left, y(v));
    g.lineTo(width - right, y(v));
    g.stroke();
    g.fillText(fmtNum(v, unit), 2, y(v) + 3);
  }
  const minutes = Math.round(span / 60);
  for (const [label, t] of [[`-${minutes} min`, start], [`-${minutes / 2}`, start + span / 2], ["now", now]]) {
    g.fillText(label, Math.min(x(t), width - 24), height - 3);
  }
  keys.forEach((key, i) => {
    g.strokeStyle = COLOURS[i % COLOURS.length];
    g.lineWidth = 1.5;
    g.beginPath();
    let pen = false;
    for (const s of samples) {
      if (s.t < start || s[key] === null || s[key] === undefined) {
        pen = false;
        continue;
      }
      if (pen) g.lineTo(x(s.t), y(s[key]));
      else g.moveTo(x(s.t), y(s[key]));
      pen = true;
    }
    g.stroke();
  });
}

const CHARTS = [
  { title: "Players", keys: ["resident", "active"], unit: "players" },
  { title: "Updates delivered", keys: ["updates_per_s"], unit: "/s" },
  { title: "Update → reply confirmed (p50, p99)", keys: ["reply_p50", "reply_p99"], unit: "s" },
  { title: "Inbox lag: update → its turn (p50, p99)", keys: ["wait_p50", "wait_p99"], unit: "s" },
  { title: "Turn (p50, p99)", keys: ["turn_p50", "turn_p99"], unit: "s" },
  { title: "Reply send: submit → Telegram (p50, p99)", keys: ["send_p50", "send_p99"], unit: "s" },
  { title: "Sender queue", keys: ["send_queue"], unit: "calls" },
  { title: "Telegram 429s and retries", keys: ["rate_limited_per_s", "retries_per_s"], unit: "/s" },
  { title: "Inbox group commit p99", keys: ["inbox_commit_p99"], unit: "s" },
  { title: "Backlogs: snapshot writer, event relay", keys: ["snapshot_pending", "relay_backlog"], unit: "items" },
  { title: "Replies pending, mailbox depth", keys: ["replies_pending", "mailbox_depth"], unit: "items" },
  { title: "GC pause p99", keys: ["gc_pause_p99"], unit: "s" },
  { title: "Time in GC per interval", keys: ["gc_pause_s"], unit: "s" },
  { title: "Resident memory", keys: ["rss_bytes"], unit: "bytes" },
];

const TILES = [
  ["resident", "Resident players", "players"],
  ["active", "Active players", "players"],
  ["updates_per_s", "Updates", "/s"],
  ["reply_p50", "Update → reply p50", "s"],
  ["reply_p99", "Update → reply p99", "s"],
  ["wait_p99", "Update → turn p99", "s"],
  ["send_p50", "Reply send p50", "s"],
  ["send_p99", "Reply send p99", "s"],
  ["send_queue", "Sender queue", "calls"],
  ["rate_limited_per_s", "429s", "/s"],
  ["retries_per_s", "Retries", "/s"],
  ["snapshot_pending", "Snapshot backlog", "items"],
  ["relay_backlog", "Relay backlog", "items"],
  ["gc_pause_p99", "GC pause p99", "s"],
];

// ---- pages ---------------------------------------------------------------------------------

async function overviewPage(root) {
  const tiles = h("div", { class: "tiles", id: "tiles" });
  const charts = h("div", { class: "charts", id: "charts" });
  const arche = h("div", { class: "card", id: "archetypes" }, "Loading…");
  const ready = h("div", { class: "toolbar", id: "readiness" });
  root.append(
    h("h1", {}, "Overview"),
    h("p", { class: "muted", id: "overview-note" }, ""),
    ready, tiles, charts,
    h("h2", {}, "Archetypes across players"), arche,
  );
  const canvases = CHARTS.map((chart) => {
    const canvas = h("canvas", { "data-keys": chart.keys.join(",") });
    const legend = h("span", { class: "legend" },
      chart.keys.map((k, i) => h("span", {}, h("i", { style: "background:" + COLOURS[i] }), k)));
    charts.append(h("div", { class: "chart" }, h("div", { class: "title" }, chart.title, legend), canvas));
    return canvas;
  });
  let samples = [];
  let windowS = 3600;
  const refreshReadiness = async () => {
    // /readyz answers 503 with the same body when a required dependency is down.
    const response = await fetch("/readyz", { headers: { Accept: "application/json" } });
    const body = await response.json();
    ready.replaceChildren(h("span", { class: "muted" }, "Dependencies:"),
      ...body.checks.map((c) => h("span", {
        class: c.ok ? "pill ok" : "pill bad", title: c.detail || "", "data-dependency": c.name,
      }, `${c.name} ${c.ok ? "ok" : "down"}${c.required ? "" : " (optional)"}`)));
  };
  const refresh = async () => {
    const since = samples.length ? samples[samples.length - 1].t : undefined;
    const answer = await api("GET", "/dashboard/overview" + (since ? "?since=" + since : ""));
    windowS = answer.window_s;
    samples = samples.concat(answer.samples).filter((s) => s.t > Date.now() / 1000 - windowS - 60);
    const last = samples[samples.length - 1] || {};
    document.getElementById("overview-note").textContent =
      `${samples.length} samples, one every ${answer.interval_s} s, last ${fmtTime(last.t)}.`;
    tiles.replaceChildren(...TILES.map(([key, label, unit]) =>
      h("div", { class: "tile", "data-key": key }, h("div", { class: "label" }, label),
        h("div", { class: "value" }, fmtNum(last[key], unit)))));
    CHARTS.forEach((chart, i) => drawChart(canvases[i], samples, chart.keys, chart.unit, windowS));
  };
  let archetypesAt = 0;
  const refreshArchetypes = async () => {
    if (Date.now() - archetypesAt < 30000) return;
    archetypesAt = Date.now();
    const dist = await api("GET", "/dashboard/archetypes");
    const most = Math.max(1, ...Object.values(dist.counts));
    arche.replaceChildren(
      h("p", { class: "muted" },
        `Dominant archetype of ${dist.players} resident players` +
        (dist.players < dist.resident ? ` (a sample of ${dist.resident})` : "") +
        `, read ${fmtTime(dist.at)}. "none" = not enough evidence yet.`),
      h("table", { id: "archetype-table" },
        Object.entries(dist.counts).map(([name, count]) => h("tr", {},
          h("td", {}, name), h("td", { class: "num" }, count),
          h("td", { style: "width:60%" }, h("div", { class: "bar" },
            h("div", { style: `width:${(100 * count) / most}%` }))))))
    );
  };
  await poll(async () => {
    await refresh();
    await refreshReadiness();
    await refreshArchetypes();
  }, 5000);
}

async function playersPage(root) {
  const table = h("tbody", {});
  const form = h("form", { class: "toolbar", onsubmit: (e) => {
    e.preventDefault();
    const id = document.getElementById("player-id").value.trim();
    if (/^\d+$/.test(id)) location.hash = "#/player/" + id;
  } },
  h("input", { id: "player-id", placeholder: "Telegram user id", inputmode: "numeric" }),
  h("button", { type: "submit" }, "Open player"));
  root.append(
    h("h1", {}, "Players"), form,
    h("p", { class: "muted" }, "Resident players (actors in memory); any player opens by id."),
    h("table", { id: "players-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "user id"), h("th", { class: "num" }, "mailbox"),
        h("th", { class: "num" }, "processed"), h("th", { class: "num" }, "idle"),
        h("th", { class: "num" }, "restarts"))),
      table));
  await poll(async () => {
    const page = await api("GET", "/actors?limit=200");
    table.replaceChildren(...page.items.map((a) => h("tr", {
      class: "clickable", "data-user": a.user_id,
      onclick: () => { location.hash = "#/player/" + a.user_id; },
    }, h("td", {}, a.user_id), h("td", { class: "num" }, a.mailbox_depth),
    h("td", { class: "num" }, a.processed), h("td", { class: "num" }, a.idle_seconds.toFixed(1) + " s"),
    h("td", { class: "num" }, a.restarts))));
    if (!page.items.length) table.append(h("tr", {}, h("td", { colspan: 5 }, "No resident players.")));
  }, 3000);
}

function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.flatMap(([k, v, id]) => [h("dt", {}, k), h("dd", { id }, v)]));
}

function signatureView(sig) {
  const rows = Object.entries(sig.archetypes).map(([name, a]) => h("tr", {},
    h("td", {}, name + (sig.dominant === name ? " ★" : "")),
    h("td", { class: "num" }, a.score.toFixed(3)),
    h("td", { style: "width:35%" }, h("div", { class: "bar" }, h("div", { style: `width:${a.score * 100}%` }))),
    h("td", { class: "contrib" }, contributions(a.recent))));
  return h("div", { id: "signature" },
    kv([
      ["dominant", sig.dominant, "sig-dominant"],
      ["confidence", (sig.confidence * 100).toFixed(0) + "%"],
      ["mood", `${sig.mood.value} (valence ${sig.mood.valence}, arousal ${sig.mood.arousal})`],
      ["resonance", sig.resonance.score.toFixed(3)],
      ["interactions", sig.interactions],
      ["sessions / streak", `${sig.sessions} / ${sig.streak_days} days`],
    ]),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "archetype"), h("th", { class: "num" }, "score"),
      h("th", {}, ""), h("th", {}, "recent contributions (what moved it)"))), h("tbody", {}, rows)),
    h("p", { class: "contrib" }, "resonance: ", contributions(sig.resonance.recent)),
    h("p", { class: "contrib" }, "mood: ", contributions(sig.mood.recent)));
}

function contributions(list) {
  if (!list || !list.length) return "—";
  return list.map((c) => `${c.kind} ${c.delta > 0 ? "+" : ""}${c.delta} (${fmtTime(c.at).slice(11, 19)})`).join(", ");
}

async function playerPage(root, userId) {
  const status = h("div", { id: "player-status" });
  const live = h("div", { class: "grid2" });
  root.append(h("h1", {}, "Player ", h("span", { id: "player-title" }, String(userId))), status);
  if (can("operator")) root.append(actionsView(userId, status));
  else root.append(h("p", { class: "muted", id: "no-actions" }, "Your role (viewer) can look but not act."));
  root.append(live);
  const story = h("div", { class: "card", id: "story" });
  const wallet = h("div", { class: "card", id: "wallet" });
  const sig = h("div", { class: "card", id: "signature-card" });
  const sub = h("div", { class: "card", id: "subscription" });
  const actor = h("div", { class: "card", id: "actor" });
  const events = h("div", { class: "card", id: "events" });
  live.append(story, sub, sig, wallet, actor, events);
  await poll(async () => {
    const [p, a, e] = await Promise.all([
      api("GET", `/players/${userId}?ledger_limit=20`),
      api("GET", `/actors/${userId}`),
      api("GET", `/events/recent?user_id=${userId}&limit=10`),
    ]);
    events.replaceChildren(h("h2", {}, "Recent events"), e.items.length ? h("table", { id: "events-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "when"), h("th", {}, "type"), h("th", {}, "payload"))),
      h("tbody", {}, e.items.map((ev) => h("tr", { "data-type": ev.type },
        h("td", {}, fmtTime(ev.occurred_at).slice(11, 19)), h("td", {}, ev.type),
        h("td", { class: "contrib" }, JSON.stringify(ev.payload).slice(0, 120))))))
      : h("p", { class: "muted" }, "No events in the newest 10,000."));
    const profile = p.profile || {};
    document.getElementById("player-title").textContent =
      `${userId} ${profile.first_name || ""}${profile.username ? " @" + profile.username : ""}`;
    const s = p.story;
    story.replaceChildren(h("h2", {}, "Story position"), kv([
      ["story", `${s.story_id} (version ${s.version})`],
      ["chapter", s.chapter ?? "—", "story-chapter"],
      ["scene", s.scene ?? "—", "story-scene"],
      ["turn", s.turn, "story-turn"],
      ["scenes read", s.scenes_read],
      ["question open", s.question ? "yes" : "no"],
      ["ended", s.ended ? "yes" : "no"],
    ]));
    const subscription = p.subscription;
    sub.replaceChildren(h("h2", {}, "Subscription"), subscription ? kv([
      ["tier", subscription.tier, "sub-tier"],
      ["status", subscription.status, "sub-status"],
      ["since", fmtTime(subscription.started_at)],
      ["ends", fmtTime(subscription.ends_at)],
      ["source", subscription.source],
    ]) : h("p", { id: "sub-tier" }, "free (never subscribed)"));
    sig.replaceChildren(h("h2", {}, "Emotional signature"), signatureView(p.signature));
    wallet.replaceChildren(
      h("h2", {}, "Wallet: ", h("span", { id: "balance" }, p.balance), " besitos"),
      h("table", { id: "ledger" },
        h("thead", {}, h("tr", {}, h("th", {}, "when"), h("th", { class: "num" }, "amount"),
          h("th", {}, "reason"), h("th", { class: "num" }, "balance"), h("th", {}, "key"))),
        h("tbody", {}, p.ledger.map((m) => h("tr", { "data-key": m.idempotency_key },
          h("td", {}, fmtTime(m.created_at).slice(5, 19)), h("td", { class: "num" }, (m.amount > 0 ? "+" : "") + m.amount),
          h("td", {}, m.reason), h("td", { class: "num" }, m.balance_after),
          h("td", { class: "muted key", title: m.idempotency_key }, m.idempotency_key))))));
    actor.replaceChildren(h("h2", {}, "Actor"), kv([
      ["resident", a.resident_before ? "yes" : "no (activated by this view)"],
      ["mailbox", a.mailbox_depth],
      ["restarts", a.restarts],
      ["transitions", a.state.transitions, "actor-transitions"],
      ["last update id", a.state.last_update_id],
      ["snapshot version", a.snapshot_version ?? "—"],
      ["language", a.state.language],
      ["refreshed", fmtTime(Date.now() / 1000), "refreshed-at"],
    ]));
  }, 2000);
}

function actionsView(userId, status) {
  const run = async (title, text, call, done) => {
    if (!(await confirmAction(title, text))) return;
    try {
      const answer = await call();
      flash(status, done(answer));
    } catch (err) {
      flash(status, `${title} failed: ${err.message}`, true);
    }
  };
  const amount = h("input", { id: "besitos-amount", type: "number", step: "1", value: "10", style: "width:7em" });
  const reason = h("input", { id: "besitos-reason", value: "gift from the team", maxlength: "200" });
  const key = h("input", { id: "besitos-key", value: newKey(), style: "width:17em" });
  const days = h("input", { id: "vip-days", type: "number", min: "1", max: "3650", value: "30", style: "width:5em" });
  const vipKey = newKey();
  return h("div", { class: "actions", id: "actions" },
    h("button", { type: "button", id: "act-passivate", class: "secondary", onclick: () => run(
      "Passivate", `Save player ${userId}'s actor and stop it? Its next message activates it again.`,
      () => api("POST", `/actors/${userId}/passivate`),
      (a) => (a.requested ? "Passivation requested." : "The actor was not resident.")) }, "Passivate"),
    h("button", { type: "button", id: "act-restart", class: "secondary", onclick: () => run(
      "Restart", `Rebuild player ${userId}'s actor from its snapshot and inbox?`,
      () => api("POST", `/actors/${userId}/restart`), () => "Actor restarted.") }, "Restart"),
    h("form", { id: "besitos-form", onsubmit: (e) => {
      e.preventDefault();
      const n = parseInt(amount.value, 10);
      if (!n) { flash(status, "The amount must be a whole number other than 0.", true); return; }
      const k = key.value.trim();
      run(n > 0 ? "Credit besitos" : "Debit besitos",
        `${n > 0 ? "Credit" : "Debit"} ${Math.abs(n)} besitos ${n > 0 ? "to" : "from"} player ${userId} ` +
        `for "${reason.value}" (idempotency key ${k})?`,
        () => api("POST", `/players/${userId}/besitos`, { amount: n, reason: reason.value },
          { "Idempotency-Key": k }),
        (a) => { key.value = newKey(); return `Done: balance ${a.balance} (key ${a.idempotency_key}).`; });
    } },
    h("label", {}, "besitos (+/-)", amount), h("label", {}, "reason", reason),
    h("label", {}, "idempotency key", key), h("button", { type: "submit", id: "act-besitos" }, "Apply")),
    h("form", { id: "vip-form", onsubmit: (e) => {
      e.preventDefault();
      run("Grant VIP", `Grant player ${userId} VIP for ${days.value} days?`,
        () => api("POST", `/players/${userId}/subscription`, { tier: "vip", days: parseInt(days.value, 10) },
          { "Idempotency-Key": vipKey + "-" + days.value }),
        (a) => `VIP ${a.status} until ${fmtTime(a.ends_at)}.`);
    } }, h("label", {}, "VIP days", days), h("button", { type: "submit", id: "act-vip" }, "Grant VIP")));
}

async function auditPage(root) {
  root.append(h("h1", {}, "Audit log"));
  if (!can("admin")) {
    root.append(h("p", { class: "muted", id: "audit-denied" }, "The audit log is for admins."));
    return;
  }
  const body = h("tbody", {});
  root.append(h("table", { id: "audit-table" }, h("thead", {}, h("tr", {},
    h("th", {}, "id"), h("th", {}, "when"), h("th", {}, "who"), h("th", {}, "action"),
    h("th", {}, "target"), h("th", {}, "details"))), body));
  const more = h("button", { type: "button", class: "secondary", id: "audit-more" }, "Older");
  root.append(h("div", { class: "toolbar" }, more));
  let before = null;
  const row = (e) => h("tr", { "data-action": e.action },
    h("td", {}, e.id), h("td", {}, fmtTime(e.at)), h("td", {}, e.who), h("td", {}, e.action),
    h("td", {}, e.target), h("td", {}, h("pre", {}, JSON.stringify(e.details))));
  more.addEventListener("click", async () => {
    if (before === null) return;
    const page = await api("GET", `/admin/audit?limit=50&before=${before}`);
    body.append(...page.items.map(row));
    before = page.next_before;
    more.disabled = before === null;
  });
  await poll(async () => {
    const page = await api("GET", "/admin/audit?limit=50");
    body.replaceChildren(...page.items.map(row));
    before = page.next_before;
    more.disabled = before === null;
  }, 5000);
}

async function broadcastsPage(root) {
  const status = h("div", {});
  root.append(h("h1", {}, "Broadcasts"), status);
  if (can("admin")) {
    const text = h("textarea", { id: "broadcast-text", rows: "3", maxlength: "4096", style: "width:100%" });
    const tier = h("select", { id: "broadcast-tier" }, ["all", "vip", "free"].map((t) => h("option", {}, t)));
    const lang = h("select", { id: "broadcast-lang" }, h("option", { value: "" }, "any"), h("option", {}, "en"), h("option", {}, "es"));
    root.append(h("form", { class: "card", id: "broadcast-form", onsubmit: async (e) => {
      e.preventDefault();
      if (!text.value.trim()) return;
      const segment = { tier: tier.value };
      if (lang.value) segment.language = lang.value;
      if (!(await confirmAction("Send broadcast", `Send this message to every ${tier.value} player${lang.value ? " (" + lang.value + ")" : ""}?`))) return;
      try {
        const b = await api("POST", "/broadcasts", { text: text.value, segment }, { "Idempotency-Key": newKey() });
        flash(status, `Broadcast ${b.id} started for ${b.total} players.`);
        text.value = "";
      } catch (err) {
        flash(status, "Broadcast failed: " + err.message, true);
      }
    } }, h("label", {}, "message (plain text)", text), h("div", { class: "toolbar" },
      h("label", {}, "tier", tier), h("label", {}, "language", lang), h("button", { type: "submit" }, "Send…"))));
  }
  const body = h("tbody", {});
  root.append(h("table", { id: "broadcast-table" }, h("thead", {}, h("tr", {},
    h("th", {}, "id"), h("th", {}, "state"), h("th", {}, "progress"), h("th", { class: "num" }, "sent"),
    h("th", { class: "num" }, "failed"), h("th", { class: "num" }, "pending"), h("th", {}, "by"),
    h("th", {}, "created"), h("th", {}, "text"), h("th", {}, ""))), body));
  await poll(async () => {
    const page = await api("GET", "/broadcasts?limit=50");
    body.replaceChildren(...page.items.map((b) => h("tr", { "data-id": b.id },
      h("td", {}, b.id), h("td", {}, h("span", { class: b.state === "running" ? "pill" : "pill ok" }, b.state)),
      h("td", { style: "width:18%" }, h("div", { class: "bar" },
        h("div", { style: `width:${b.total ? (100 * (b.sent + b.failed)) / b.total : 100}%` }))),
      h("td", { class: "num" }, b.sent), h("td", { class: "num" }, b.failed),
      h("td", { class: "num" }, b.pending), h("td", {}, b.created_by), h("td", {}, fmtTime(b.created_at)),
      h("td", {}, b.text.length > 60 ? b.text.slice(0, 60) + "…" : b.text),
      h("td", {}, can("admin") && b.state === "running" ? h("button", { type: "button", class: "secondary",
        onclick: async () => {
          if (!(await confirmAction("Cancel broadcast", `Stop broadcast ${b.id}?`))) return;
          try { await api("POST", `/broadcasts/${b.id}/cancel`); } catch (err) { flash(status, err.message, true); }
        } }, "Cancel") : ""))));
    if (!page.items.length) body.append(h("tr", {}, h("td", { colspan: 10 }, "No broadcasts yet.")));
  }, 2000);
}

// ---- routing -------------------------------------------------------------------------------

async function route() {
  if (!session.token) {
    showLogin("");
    return;
  }
  showChrome();
  pageSerial += 1;
  clearInterval(pollTimer);
  const root = document.getElementById("page");
  root.replaceChildren(h("p", { class: "error", id: "page-error", role: "alert" }));
  const [, page, arg] = (location.hash || "#/overview").split("/");
  for (const a of document.querySelectorAll("#nav a[data-page]")) {
    a.classList.toggle("current", a.dataset.page === page || (page === "player" && a.dataset.page === "players"));
  }
  try {
    if (page === "players") await playersPage(root);
    else if (page === "player" && /^\d+$/.test(arg || "")) await playerPage(root, Number(arg));
    else if (page === "audit") await auditPage(root);
    else if (page === "broadcasts") await broadcastsPage(root);
    else await overviewPage(root);
    root.dataset.loaded = page || "overview";
  } catch (err) {
    if (!(err instanceof ApiFailure && err.status === 401)) {
      document.getElementById("page-error").textContent = err.message;
    }
  }
}

document.getElementById("login-form").addEventListener("submit", signIn);
window.addEventListener("hashchange", route);
document.addEventListener("visibilitychange", () => { if (!document.hidden) route(); });
route();
