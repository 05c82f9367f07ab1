// The handoff chat widget. A shop's page includes widget.css and this file;
// it adds a chat button and a panel that talk to handoff-web over WebSocket
// with the protocol's events. Options on the <script> tag:
//   data-server="wss://support.example.com"  (default: where this file came from)
//   data-lang="zh-CN" or "en"                 (default: the browser's language)
(function () {
  "use strict";
  const script = document.currentScript;
  const origin = (script && script.dataset.server) || new URL(script ? script.src : location.href).origin;
  const wsBase = origin.replace(/^http/, "ws");
  const storageKey = "handoff.session";
  const words = {
    en: { title: "Shop assistant", placeholder: "Type a message…", send: "Send", human: "Talk to a person",
          waiting: (p, s) => `Waiting for an agent: you are number ${p}` + (s > 0 ? `, about ${minutes(s, "en")}` : ""),
          cancel: "Stop waiting", joined: n => `${n} joined the chat`, back: "You are back with the assistant",
          resolved: "Marked as resolved", closed: "The chat has ended", ticket: "Our team will get back to you",
          reconnecting: "Reconnecting…", lang: "中文", thanks: "Thank you for your feedback!", agent: "Agent",
          transferred: "You are being passed to a colleague" },
    zh: { title: "购物助手", placeholder: "请输入消息…", send: "发送", human: "转人工客服",
          waiting: (p, s) => `正在为您转接人工客服：前面还有 ${p - 1} 位` + (s > 0 ? `，预计等待 ${minutes(s, "zh")}` : ""),
          cancel: "不等了", joined: n => `${n} 已加入对话`, back: "已转回智能助手", resolved: "问题已解决",
          closed: "对话已结束", ticket: "已为您创建工单，客服会尽快联系您", reconnecting: "正在重新连接…",
          lang: "EN", thanks: "感谢您的评价！", agent: "客服", transferred: "正在为您转接其他同事" },
  };
  function minutes(seconds, lang) {
    const m = Math.max(1, Math.round(seconds / 60));
    return lang === "zh" ? `${m} 分钟` : `${m} min`;
  }
  let lang = (script && script.dataset.lang) || navigator.language || "en";
  const short = () => (lang.toLowerCase().startsWith("zh") ? "zh" : "en");
  const t = () => words[short()];

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  const launcher = el("button", "hw-launcher");
  launcher.setAttribute("aria-label", "chat");
  // A speech bubble drawn, not an emoji: not every system has an emoji font.
  launcher.innerHTML = '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" ' +
    'd="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';
  const panel = el("div", "hw-panel");
  panel.setAttribute("role", "dialog");
  const head = el("div", "hw-head");
  const title = el("div", "hw-title");
  const langButton = el("button", "hw-lang");
  const closeButton = el("button", "hw-close", "✕");
  head.append(title, langButton, closeButton);
  const status = el("div", "hw-status");
  const statusText = el("span");
  const cancelButton = el("button", "hw-cancel");
  status.append(statusText, cancelButton);
  const log = el("div", "hw-log");
  log.setAttribute("aria-live", "polite");
  const humanButton = el("button", "hw-human");
  const form = el("form", "hw-form");
  const input = el("input");
  input.maxLength = 2000;
  const sendButton = el("button", null);
  sendButton.type = "submit";
  form.append(input, sendButton);
  panel.append(head, status, log, humanButton, form);

  function relabel() {
    title.textContent = t().title;
    langButton.textContent = t().lang;
    input.placeholder = t().placeholder;
    sendButton.textContent = t().send;
    humanButton.textContent = t().human;
    cancelButton.textContent = t().cancel;
  }

  let socket = null;
  let session = JSON.parse(localStorage.getItem(storageKey) || "null");
  let retry = 500;
  let agentName = "";

  function scroll() { log.scrollTop = log.scrollHeight; }
  function note(text) { log.append(el("div", "hw-note", text)); scroll(); }
  function bubble(role, text, who) {
    const m = el("div", "hw-msg hw-" + role);
    if (who) m.append(el("div", "hw-who", who));
    m.append(document.createTextNode(text));
    log.append(m);
    scroll();
    return m;
  }
  function clearReplies() { log.querySelectorAll(".hw-replies").forEach(r => r.remove()); }
  function replies(list, stars) {
    clearReplies();
    if (!list || !list.length) return;
    const box = el("div", "hw-replies" + (stars ? " hw-stars" : ""));
    for (const r of list) {
      const b = el("button", null, stars ? "★" : r.label);
      b.title = r.label;
      b.dataset.value = r.value;
      b.onclick = () => {
        clearReplies();
        if (stars) {
          send({ type: "feedback", score: Number(r.value) });
          note(t().thanks + " " + "★".repeat(Number(r.value)));
        } else if (r.value === "request_human") {
          bubble("customer", r.label);
          send({ type: "customer_action", action: "request_human" });
        } else {
          bubble("customer", r.label);
          send({ type: "customer_action", action: "choose", value: r.value });
        }
      };
      box.append(b);
    }
    log.append(box);
    scroll();
  }
  function waiting(e) {
    if (e) {
      statusText.textContent = t().waiting(e.position, e.estimated_wait_seconds);
      status.classList.add("hw-shown");
    } else {
      status.classList.remove("hw-shown");
    }
  }

  function send(event) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(event));
  }

  function on(e) {
    switch (e.type) {
      case "session":
        session = { conversation: e.conversation, resume: e.resume };
        localStorage.setItem(storageKey, JSON.stringify(session));
        // What follows (the history, or the welcome) is the whole log.
        log.textContent = "";
        break;
      case "history":
        agentName = e.agent_name || e.agent || "";
        for (const line of e.transcript)
          bubble(line.role, line.text, line.role === "agent" ? (agentName || t().agent) : null);
        if (e.state !== "queued" && e.state !== "offered") waiting(null);
        break;
      case "bot_message":
        bubble("bot", e.text);
        replies(e.quick_replies, e.kind === "survey");
        break;
      case "escalated":
        break;
      case "queued":
        waiting(e);
        break;
      case "assigned":
        waiting(null);
        agentName = e.agent_name || e.agent;
        note(t().joined(agentName));
        break;
      case "agent_message":
        bubble("agent", e.text, agentName || t().agent);
        break;
      case "transferred":
        note(t().transferred);
        break;
      case "handed_back":
        waiting(null);
        note(t().back);
        break;
      case "resolved":
        note(t().resolved);
        break;
      case "closed":
        waiting(null);
        if (e.reason !== "resolved") note(t().closed);
        break;
      case "ticket":
        waiting(null);
        note(t().ticket);
        break;
      case "error":
        note("⚠ " + e.message);
        break;
    }
  }

  function connect() {
    const q = new URLSearchParams({ lang });
    if (session) { q.set("conversation", session.conversation); q.set("resume", session.resume); }
    socket = new WebSocket(`${wsBase}/ws/customer?${q}`);
    socket.onopen = () => { retry = 500; };
    socket.onmessage = m => { try { on(JSON.parse(m.data)); } catch (err) { console.error(err); } };
    socket.onclose = () => {
      socket = null;
      if (retry > 500) note(t().reconnecting);
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }

  form.onsubmit = ev => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    clearReplies();
    bubble("customer", text);
    // Who the customer is, the server says (their id; tier and attributes
    // come from the shop, never from the page); the page gives the language
    // it was opened in.
    send({ type: "customer_message", text });
    input.value = "";
  };
  humanButton.onclick = () => send({ type: "customer_action", action: "request_human" });
  cancelButton.onclick = () => { send({ type: "customer_action", action: "cancel_handoff" }); waiting(null); };
  launcher.onclick = () => {
    panel.classList.toggle("hw-open");
    if (panel.classList.contains("hw-open")) {
      if (!socket) connect();
      input.focus();
    }
  };
  closeButton.onclick = () => panel.classList.remove("hw-open");
  // The server learns the new language at the next connection; the bot
  // follows the language the customer writes in anyway.
  langButton.onclick = () => {
    lang = short() === "zh" ? "en" : "zh-CN";
    relabel();
    if (socket) socket.close();
  };

  function mount() {
    relabel();
    document.body.append(launcher, panel);
    // A conversation under way opens again after a reload.
    if (session) { panel.classList.add("hw-open"); connect(); }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
