// The agent console: signs in with the agent's token, shows the queues, takes
// offered conversations, and works several at once up to capacity.
(function () {
  "use strict";
  const $ = id => document.getElementById(id);
  const store = sessionStorage;
  let socket = null;
  let me = null;
  let queues = [];
  const waiting = new Map();   // conversation -> {queue, priority, since, position, offered_to}
  const mine = new Map();      // conversation -> {context, lines: [], unread}
  let open = null;
  let signingIn = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function ago(since) {
    const s = Math.max(0, Math.round((Date.now() - since) / 1000));
    return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${s % 60}s`;
  }
  function send(event) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(event));
  }

  function renderWaiting() {
    const body = $("waiting");
    body.textContent = "";
    const rows = [...waiting.entries()].sort((a, b) => a[1].since - b[1].since);
    for (const [id, w] of rows) {
      const tr = el("tr", w.offered_to === me ? "offered" : "");
      tr.dataset.conversation = id;
      tr.append(el("td", null, id), el("td", null, w.queue || ""), el("td", "prio-" + (w.priority || "normal"), w.priority || "normal"),
                el("td", "waited", ago(w.since)));
      const actions = el("td");
      if (w.offered_to === me) {
        const accept = el("button", "accept", "Accept");
        accept.onclick = () => send({ type: "agent_accept", conversation: id });
        const decline = el("button", "secondary decline", "Decline");
        decline.onclick = () => send({ type: "agent_decline", conversation: id });
        actions.append(accept, " ", decline);
      } else if (w.offered_to) {
        actions.textContent = "offered to " + w.offered_to;
      } else {
        const take = el("button", "take", "Take");
        take.onclick = () => send({ type: "agent_accept", conversation: id });
        actions.append(take);
      }
      tr.append(actions);
      body.append(tr);
    }
  }
  setInterval(() => document.querySelectorAll("#waiting tr").forEach(tr => {
    const w = waiting.get(tr.dataset.conversation);
    if (w) tr.querySelector(".waited").textContent = ago(w.since);
  }), 1000);

  function renderMine() {
    const list = $("mine");
    list.textContent = "";
    for (const [id, c] of mine) {
      const li = el("li", id === open ? "active" : "");
      li.dataset.conversation = id;
      const name = (c.context && c.context.customer && (c.context.customer.name || c.context.customer.id)) || id;
      li.append(el("span", null, name));
      if (c.unread) li.append(el("span", "unread", String(c.unread)));
      li.onclick = () => show(id);
      list.append(li);
    }
  }

  function line(role, text, who) {
    const d = el("div", "line " + role);
    if (who) d.append(el("div", "who", who));
    d.append(document.createTextNode(text));
    return d;
  }

  function renderContext(ctx) {
    const box = $("context");
    box.textContent = "";
    if (!ctx) return;
    const section = (title, pairs) => {
      box.append(el("h3", null, title));
      const dl = el("dl");
      for (const [k, v] of pairs) {
        if (v === undefined || v === null || v === "") continue;
        dl.append(el("dt", null, k));
        const dd = el("dd");
        if (v instanceof Node) dd.append(v); else dd.textContent = String(v);
        dl.append(dd);
      }
      box.append(dl);
    };
    const c = ctx.customer || {};
    section("Customer", [["id", c.id], ["name", c.name], ["tier", c.tier], ["language", ctx.language]]);
    section("Escalation", [["reason", ctx.reason], ["rule", ctx.rule], ["queue", ctx.queue], ["priority", ctx.priority]]);
    if (ctx.summary) { box.append(el("h3", null, "Summary")); box.append(el("p", "summary", ctx.summary)); }
    const intents = (ctx.intents || []).map(i => `${i.intent} (${Math.round(i.confidence * 100)}%)`).join(", ");
    const tags = el("span");
    for (const tag of ctx.tags || []) tags.append(el("span", "tag", tag));
    let mood = "unknown";
    if (ctx.sentiment) {
      const s = ctx.sentiment;
      mood = el("span", s.latest < -0.2 ? "mood-neg" : s.latest > 0.2 ? "mood-pos" : "",
                `latest ${s.latest}, trend ${s.trend}` + (s.emotion ? `, ${s.emotion}` : ""));
    }
    section("Understood", [["intents", intents], ["tags", tags], ["sentiment", mood]]);
    const slots = Object.entries(ctx.slots || {});
    if (slots.length) section("Collected", slots);
  }

  function show(id) {
    open = id;
    const c = mine.get(id);
    $("empty").hidden = !!c;
    $("thread").hidden = !c;
    if (!c) { renderContext(null); renderMine(); return; }
    c.unread = 0;
    $("thread-title").textContent = id;
    const t = $("transcript");
    t.textContent = "";
    for (const l of c.lines) t.append(line(l.role, l.text, l.who));
    t.scrollTop = t.scrollHeight;
    renderContext(c.context);
    renderMine();
    $("reply-text").focus();
  }

  function append(id, role, text, who) {
    const c = mine.get(id);
    if (!c) return;
    c.lines.push({ role, text, who });
    if (id === open) {
      const t = $("transcript");
      t.append(line(role, text, who));
      t.scrollTop = t.scrollHeight;
    } else {
      c.unread++;
      renderMine();
    }
  }

  function drop(id) {
    mine.delete(id);
    if (open === id) { open = mine.size ? mine.keys().next().value : null; show(open); }
    renderMine();
  }

  function setStatus(status) {
    const badge = $("my-status");
    badge.textContent = status;
    badge.className = "badge " + status;
  }

  function on(e) {
    switch (e.type) {
      case "signed_in": {
        me = e.agent;
        queues = e.queues || [];
        $("signin").hidden = true;
        $("console").hidden = false;
        $("me").textContent = e.name ? `${e.name} (${e.agent})` : e.agent;
        if (e.skills && e.skills.length) $("skills").value = e.skills.join(" ");
        else $("skills").value = queues.join(" ");
        if (e.capacity) $("capacity").value = e.capacity;
        setStatus(e.status);
        const select = $("transfer-queue");
        select.textContent = "";
        for (const q of queues) {
          const o = el("option", null, "queue: " + q);
          o.value = "queue:" + q;
          select.append(o);
        }
        for (const a of e.agents || []) {
          const o = el("option", null, "agent: " + a.name);
          o.value = "agent:" + a.id;
          select.append(o);
        }
        break;
      }
      case "queues":
        waiting.clear();
        for (const w of e.waiting) waiting.set(w.conversation, { ...w, since: Date.parse(w.since) || Date.now() });
        renderWaiting();
        break;
      case "escalated": {
        const w = waiting.get(e.conversation) || { since: Date.now() };
        Object.assign(w, { queue: e.queue, priority: e.priority, reason: e.reason });
        waiting.set(e.conversation, w);
        renderWaiting();
        break;
      }
      case "queued": {
        const w = waiting.get(e.conversation) || { since: Date.now(), priority: "normal" };
        Object.assign(w, { queue: e.queue, position: e.position, offered_to: null });
        waiting.set(e.conversation, w);
        renderWaiting();
        break;
      }
      case "offered": {
        const w = waiting.get(e.conversation) || { since: Date.now(), priority: "normal" };
        w.offered_to = e.agent;
        waiting.set(e.conversation, w);
        renderWaiting();
        break;
      }
      case "assigned":
        waiting.delete(e.conversation);
        renderWaiting();
        if (e.agent === me && e.context) {
          const lines = (e.context.transcript || []).map(l => ({
            role: l.role, text: l.text, who: l.role === "agent" ? l.agent : l.role === "customer" ? "customer" : l.role === "bot" ? "bot" : null }));
          mine.set(e.conversation, { context: e.context, lines, unread: 0 });
          renderMine();
          if (!open || !mine.has(open)) show(e.conversation);
          else if (open === e.conversation) show(open);
        }
        break;
      case "customer_message":
        append(e.conversation, "customer", e.text, "customer");
        break;
      case "agent_message":
        append(e.conversation, "agent", e.text, e.agent);
        break;
      case "transferred":
        if (e.from_agent === me) drop(e.conversation);
        break;
      case "handed_back":
      case "resolved":
      case "closed":
      case "ticket":
        waiting.delete(e.conversation);
        renderWaiting();
        drop(e.conversation);
        break;
      case "error":
        if (open) append(open, "system", "⚠ " + e.message);
        else alert(e.message);
        break;
    }
  }

  function connect(agent, token) {
    const q = new URLSearchParams({ agent, token });
    const ws = new WebSocket(`${location.origin.replace(/^http/, "ws")}/ws/agent?${q}`);
    signingIn = true;
    ws.onopen = () => { socket = ws; signingIn = false; store.setItem("handoff.agent", JSON.stringify({ agent, token })); };
    ws.onmessage = m => { try { on(JSON.parse(m.data)); } catch (err) { console.error(err); } };
    ws.onclose = () => {
      const refused = signingIn;
      socket = null;
      signingIn = false;
      if (refused && !me) {
        // The server answers 401 before the upgrade: the page sees only a closed socket.
        $("signin-error").textContent = "Sign-in refused: check the agent id and token.";
        store.removeItem("handoff.agent");
        return;
      }
      if (store.getItem("handoff.agent")) setTimeout(() => connect(agent, token), 1000);
    };
  }

  $("signin").onsubmit = ev => {
    ev.preventDefault();
    $("signin-error").textContent = "";
    connect($("agent-id").value.trim(), $("agent-token").value);
  };
  $("go-online").onclick = () => {
    const skills = $("skills").value.split(/[\s,]+/).filter(Boolean);
    send({ type: "agent_status", status: "online", skills, capacity: Number($("capacity").value) || 1 });
    setStatus("online");
  };
  $("go-away").onclick = () => { send({ type: "agent_status", status: "away" }); setStatus("away"); };
  $("sign-out").onclick = () => {
    send({ type: "agent_status", status: "offline" });
    store.removeItem("handoff.agent");
    location.reload();
  };
  $("reply").onsubmit = ev => {
    ev.preventDefault();
    const text = $("reply-text").value.trim();
    if (!text || !open) return;
    send({ type: "agent_message", conversation: open, text });
    $("reply-text").value = "";
  };
  $("to-bot").onclick = () => open && send({ type: "agent_release", conversation: open, outcome: "to_bot" });
  $("resolve").onclick = () => open && send({ type: "agent_release", conversation: open, outcome: "resolved" });
  $("transfer").onclick = () => {
    if (!open) return;
    const [kind, target] = $("transfer-queue").value.split(/:(.*)/s);
    send({ type: "agent_transfer", conversation: open, [kind === "agent" ? "to_agent" : "queue"]: target });
  };

  const saved = JSON.parse(store.getItem("handoff.agent") || "null");
  if (saved) connect(saved.agent, saved.token);
})();
