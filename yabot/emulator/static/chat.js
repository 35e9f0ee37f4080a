// The emulator's chat page: act as a player, see what the bot shows, press its buttons.
// Talks only to the player side (/_emulator/...). URL parameters user, name, lang prefill the
// player and start the chat; send=TEXT also sends TEXT once connected; debug=1 shows message ids.
"use strict";

const api = "/_emulator";
const state = { user: null, player: null, after: 0, generation: 0, session: 0 };
const log = document.getElementById("log");
const input = document.getElementById("text");
const sendButton = document.getElementById("send");
const statusLine = document.getElementById("status");
const form = document.getElementById("player");
const debug = new URLSearchParams(location.search).get("debug") === "1";
const URL_PATTERN = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

// Plain text with its http(s) addresses made links, as Telegram's apps show them.
function linkify(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    frag.appendChild(document.createTextNode(text.slice(last, match.index)));
    frag.appendChild(link(match[0], match[0]));
    last = match.index + match[0].length;
  }
  frag.appendChild(document.createTextNode(text.slice(last)));
  return frag;
}

function link(href, content) {
  const a = document.createElement("a");
  if (/^https?:\/\//.test(href)) {
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener";
  }
  if (typeof content === "string") a.textContent = content;
  else a.appendChild(content);
  return a;
}

async function call(method, path, body) {
  const response = await fetch(api + path, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail);
    const err = new Error(detail || response.statusText);
    err.status = response.status;
    throw err;
  }
  return data;
}

// The emulator answers this when it has started again (`yabot run` restarted) and forgot us.
function forgotten(err) {
  return err.status === 404 && /no user with id/.test(err.message);
}

// What the page shows so far belongs to the emulator's previous life: its message ids will be
// used again and its buttons are gone. Keep it on screen, out of the way of the new messages.
function retire() {
  state.after = 0;
  state.session += 1;
  for (const el of log.querySelectorAll(".msg[id^='msg-']")) {
    el.id = "s" + state.session + "-" + el.id;
    el.querySelectorAll(".keyboard button").forEach((b) => { b.disabled = true; });
  }
}

// Register the player again with an emulator that forgot them, and say so on the page.
async function rejoin() {
  const p = state.player;
  if (!p) return false;
  await call("POST", "/users", { id: p.user, first_name: p.name, language_code: p.lang });
  retire();
  const note = document.createElement("div");
  note.className = "hint";
  note.textContent = "(the emulator started again and had forgotten you: registered you " +
    "again; the earlier buttons are gone, type a message to carry on)";
  log.appendChild(note);
  log.scrollTop = log.scrollHeight;
  return true;
}

function setStatus(text) {
  statusLine.textContent = text;
}

function toast(text) {
  const el = document.createElement("div");
  el.className = "toast";
  el.textContent = text;
  log.appendChild(el);
  log.scrollTop = log.scrollHeight;
  setTimeout(() => el.remove(), 4000);
}

// Render text with entities (offsets are UTF-16, like JavaScript strings) without innerHTML.
function renderText(text, entities) {
  const frag = document.createDocumentFragment();
  if (!text) return frag;
  const marks = Array.from({ length: text.length }, () => []);
  (entities || []).forEach((entity, index) => {
    for (let i = entity.offset; i < entity.offset + entity.length && i < text.length; i++) {
      marks[i].push(index);
    }
  });
  let start = 0;
  for (let i = 1; i <= text.length; i++) {
    if (i < text.length && marks[i].join() === marks[start].join()) continue;
    const segment = text.slice(start, i);
    const kinds = marks[start].map((index) => entities[index].type);
    const linked = kinds.some((kind) => ["text_link", "url", "code", "pre"].includes(kind));
    let node = linked ? document.createTextNode(segment) : linkify(segment);
    for (const index of marks[start]) {
      const entity = entities[index];
      if (entity.type === "text_link" || entity.type === "url") {
        node = link(entity.type === "url" ? text.slice(entity.offset, entity.offset + entity.length)
                                          : entity.url || "", node);
        continue;
      }
      const tag = { bold: "b", italic: "i", underline: "u", strikethrough: "s", code: "code",
                    pre: "pre", spoiler: "span", blockquote: "blockquote" }[entity.type];
      if (!tag) continue;
      const wrap = document.createElement(tag);
      if (entity.type === "spoiler") wrap.className = "spoiler";
      wrap.appendChild(node);
      node = wrap;
    }
    frag.appendChild(node);
    start = i;
  }
  return frag;
}

function renderMessage(message) {
  const el = document.createElement("div");
  el.id = "msg-" + message.message_id;
  el.className = "msg " + (message.from_bot ? "bot" : "user") + (message.deleted ? " deleted" : "");
  el.dataset.messageId = message.message_id;
  const text = document.createElement("div");
  text.className = "text";
  if (message.text != null) text.appendChild(renderText(message.text, message.entities));
  else if (message.photo) text.textContent = "🖼 photo" + (message.caption ? ": " + message.caption : "");
  else if (message.successful_payment) {
    const p = message.successful_payment;
    text.textContent = "✅ paid " + p.total_amount + " " + p.currency;
  }
  el.appendChild(text);
  if (message.invoice) {
    const inv = document.createElement("div");
    inv.className = "invoice";
    inv.textContent = "🧾 " + message.invoice.title + " — " + message.invoice.description +
      " (" + message.invoice.total_amount + " " + message.invoice.currency + ")";
    el.appendChild(inv);
  }
  const rows = message.buttons || [];
  if (rows.length && !message.deleted) {
    const keyboard = document.createElement("div");
    keyboard.className = "keyboard";
    for (const row of rows) {
      const rowEl = document.createElement("div");
      rowEl.className = "row";
      for (const button of row) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = button.text;
        if (button.callback_data !== undefined) {
          b.dataset.data = button.callback_data;
          b.addEventListener("click", () => press(message.message_id, button.callback_data, b));
        } else if (button.pay) {
          b.className = "pay";
          b.addEventListener("click", () => pay(message.message_id, b));
        } else if (button.url) {
          b.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
        } else {
          b.disabled = true;
        }
        rowEl.appendChild(b);
      }
      keyboard.appendChild(rowEl);
    }
    el.appendChild(keyboard);
  }
  const meta = document.createElement("div");
  meta.className = "meta";
  const notes = [];
  if (debug) notes.push("#" + message.message_id);
  if (message.edited) notes.push("edited");
  if (message.deleted) notes.push("deleted");
  meta.textContent = notes.join(" · ");
  el.appendChild(meta);
  return el;
}

function apply(event) {
  document.getElementById("hint")?.remove();
  const el = renderMessage(event.message);
  const existing = document.getElementById(el.id);
  if (existing) existing.replaceWith(el);
  else log.appendChild(el);
  log.scrollTop = log.scrollHeight;
}

async function press(messageId, data, button) {
  button.disabled = true;
  try {
    const res = await call("POST", `/users/${state.user}/press`, { message_id: messageId, data });
    const answer = await call("GET", `/callbacks/${res.callback_query_id}?timeout=5`);
    if (answer.answered && answer.text) toast(answer.text);
  } catch (err) {
    if (forgotten(err)) await rejoin().catch(() => false);
    else toast("⚠ " + err.message);
  } finally {
    button.disabled = false;
  }
}

async function pay(messageId, button) {
  button.disabled = true;
  setStatus("paying…");
  try {
    const res = await call("POST", `/users/${state.user}/pay`, { message_id: messageId });
    toast(res.status === "paid" ? "payment done" : "payment " + res.status +
      (res.error_message ? ": " + res.error_message : ""));
  } catch (err) {
    if (forgotten(err)) await rejoin().catch(() => false);
    else toast("⚠ " + err.message);
  } finally {
    button.disabled = false;
    setStatus("playing as " + state.user);
  }
}

async function send() {
  const text = input.value.trim();
  if (!text || !state.user) return;
  input.value = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await call("POST", `/users/${state.user}/messages`, { text });
      return;
    } catch (err) {
      if (attempt === 0 && forgotten(err) && (await rejoin().catch(() => false))) continue;
      toast("⚠ " + err.message);
      input.value = text;
      return;
    }
  }
}

async function follow(generation) {
  while (generation === state.generation) {
    try {
      const res = await call("GET", `/chats/${state.user}/events?after=${state.after}&timeout=25`);
      if (generation !== state.generation) return;
      if (res.last < state.after) {  // a younger log: the emulator started again
        retire();
        continue;
      }
      res.events.forEach(apply);
      state.after = res.last;
      setStatus("playing as " + state.user);
    } catch (err) {
      if (forgotten(err) && generation === state.generation &&
          (await rejoin().catch(() => false))) continue;
      setStatus("waiting for the emulator/bot: " + err.message);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function connect(user, name, lang) {
  await call("POST", "/users", { id: user, first_name: name, language_code: lang });
  localStorage.setItem("yabot-player", JSON.stringify({ user, name, lang }));
  state.user = user;
  state.player = { user, name, lang };
  state.after = 0;
  state.generation += 1;
  const hint = document.createElement("div");
  hint.id = "hint";
  hint.className = "hint";
  hint.textContent = "Send /start to begin the story.";
  log.replaceChildren(hint);
  input.disabled = false;
  sendButton.disabled = false;
  setStatus("playing as " + user);
  input.focus();
  follow(state.generation);
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = new FormData(form);
  try {
    await connect(Number(data.get("user")), String(data.get("name")), String(data.get("lang")));
  } catch (err) {
    setStatus("⚠ " + err.message);
  }
});
sendButton.addEventListener("click", send);
input.addEventListener("keydown", (e) => {
  if (e.key === "Enter") send();
});

(async () => {
  const params = new URLSearchParams(location.search);
  const saved = JSON.parse(localStorage.getItem("yabot-player") || "null") || {};
  const user = params.get("user") || saved.user || "";
  form.user.value = user;
  form.name.value = params.get("name") || saved.name || "Player";
  form.lang.value = params.get("lang") || saved.lang || "en";
  if (params.get("user")) {
    try {
      await connect(Number(user), form.name.value, form.lang.value);
      const first = params.get("send");
      if (first) {
        input.value = first;
        await send();
      }
    } catch (err) {
      setStatus("⚠ " + err.message);
    }
  }
})();
