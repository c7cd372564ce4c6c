/*
 * 市民服务中台 — embeddable chat widget.
 *
 *   <script src="https://portal.example.gov.cn/static/web/chat-widget.js"
 *           data-api="https://portal.example.gov.cn" data-title="智能问答" defer></script>
 *
 * Talks the chat contract (DESIGN §5): POST {api}/api/v1/chat/messages/ {"text", "session"} and the
 * WebSocket {api}/ws/chat/ carrying the same JSON objects. WebSocket first, REST when it is not
 * available. A signed-in host page passes the resident's access token with
 * PortalChat.setToken(token): REST sends it as a bearer header; the WebSocket authenticates with a
 * short-lived single-use ticket from POST /api/v1/chat/ws-ticket/ (never the token in a URL).
 * Everything the server sends is rendered as text (textContent), never as HTML.
 */
(function () {
  "use strict";
  if (window.PortalChat) return;

  var script = document.currentScript || document.querySelector("script[src*='chat-widget.js']");
  var API = ((script && script.getAttribute("data-api")) || "").replace(/\/$/, "");
  var TITLE = (script && script.getAttribute("data-title")) || "智能问答";
  var SESSION_KEY = "portal-chat-session";
  var state = { token: null, session: null, ws: null, wsReady: false, connecting: null, open: false, busy: false };
  try { state.session = window.localStorage.getItem(SESSION_KEY); } catch (e) { /* private mode */ }

  var CSS = [
    ".pc-launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;",
    "background:#c8102e;color:#fff;font-size:24px;box-shadow:0 4px 14px rgba(0,0,0,.25);cursor:pointer;z-index:2147483000}",
    ".pc-launcher:focus-visible,.pc-panel button:focus-visible,.pc-input:focus-visible{outline:3px solid #f5a623;outline-offset:2px}",
    ".pc-panel{position:fixed;right:20px;bottom:88px;width:370px;max-width:calc(100vw - 24px);height:560px;",
    "max-height:calc(100vh - 110px);display:none;flex-direction:column;background:#fff;border-radius:14px;",
    "box-shadow:0 10px 40px rgba(0,0,0,.25);overflow:hidden;z-index:2147483001;",
    "font:14px/1.6 -apple-system,'PingFang SC','Microsoft YaHei',sans-serif;color:#1f2933}",
    ".pc-panel.pc-open{display:flex}",
    ".pc-head{background:#c8102e;color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between}",
    ".pc-head h2{margin:0;font-size:16px;font-weight:600}",
    ".pc-close{background:transparent;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1}",
    ".pc-log{flex:1;overflow-y:auto;padding:12px;background:#f5f7fa}",
    ".pc-msg{max-width:85%;margin:6px 0;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-break:break-word}",
    ".pc-me{margin-left:auto;background:#c8102e;color:#fff;border-bottom-right-radius:4px}",
    ".pc-bot{background:#fff;border:1px solid #e4e7eb;border-bottom-left-radius:4px}",
    ".pc-error{background:#fff4e5;border:1px solid #f5a623}",
    ".pc-cards{display:flex;flex-direction:column;gap:6px;margin:4px 0 8px}",
    ".pc-card{background:#fff;border:1px solid #e4e7eb;border-radius:10px;padding:8px 10px;text-align:left;cursor:pointer;font:inherit}",
    ".pc-card:hover{border-color:#c8102e}",
    ".pc-card strong{display:block;font-size:14px}",
    ".pc-card span{display:block;color:#52606d;font-size:12px}",
    ".pc-quick{display:flex;flex-wrap:wrap;gap:6px;padding:6px 12px 0;background:#fff}",
    ".pc-quick button{border:1px solid #c8102e;color:#c8102e;background:#fff;border-radius:14px;padding:3px 10px;cursor:pointer;font:inherit;font-size:13px}",
    ".pc-form{display:flex;gap:8px;padding:10px 12px;background:#fff;border-top:1px solid #e4e7eb}",
    ".pc-input{flex:1;border:1px solid #cbd2d9;border-radius:18px;padding:7px 12px;font:inherit;min-width:0}",
    ".pc-send{border:0;background:#c8102e;color:#fff;border-radius:18px;padding:0 16px;cursor:pointer;font:inherit}",
    ".pc-send:disabled{opacity:.5;cursor:default}",
    ".pc-typing{color:#7b8794;font-size:12px;padding:0 12px 4px;min-height:18px;background:#f5f7fa}",
    "@media (max-width:480px){.pc-panel{right:0;bottom:0;width:100vw;max-width:100vw;height:100vh;max-height:100vh;border-radius:0}}"
  ].join("");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var style = el("style");
  style.textContent = CSS;
  var launcher = el("button", "pc-launcher", "💬");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "打开" + TITLE);
  launcher.setAttribute("aria-expanded", "false");
  var panel = el("section", "pc-panel");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", TITLE);
  var head = el("div", "pc-head");
  head.appendChild(el("h2", null, TITLE));
  var closeButton = el("button", "pc-close", "×");
  closeButton.type = "button";
  closeButton.setAttribute("aria-label", "关闭");
  head.appendChild(closeButton);
  var log = el("div", "pc-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  var typing = el("div", "pc-typing");
  var quick = el("div", "pc-quick");
  var form = el("form", "pc-form");
  var input = el("input", "pc-input");
  input.type = "text";
  input.maxLength = 500;
  input.placeholder = "用一句话说说您想办什么";
  input.setAttribute("aria-label", "输入消息");
  var send = el("button", "pc-send", "发送");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);
  panel.appendChild(head);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(quick);
  panel.appendChild(form);

  function mount() {
    document.head.appendChild(style);
    document.body.appendChild(launcher);
    document.body.appendChild(panel);
  }

  function scroll() { log.scrollTop = log.scrollHeight; }

  function bubble(text, who) {
    var node = el("div", "pc-msg " + (who === "me" ? "pc-me" : who === "error" ? "pc-bot pc-error" : "pc-bot"), text);
    log.appendChild(node);
    scroll();
    return node;
  }

  function cardSubtitle(card) {
    var parts = [];
    var keys = ["subtitle", "department", "address", "time", card.status_display ? "status_display" : "status"];
    keys.forEach(function (key) {
      if (card[key] !== undefined && card[key] !== null && card[key] !== "" && typeof card[key] !== "object") {
        parts.push(String(card[key]));
      }
    });
    return parts.join(" · ");
  }

  function renderCards(cards) {
    if (!cards || !cards.length) return;
    var box = el("div", "pc-cards");
    cards.forEach(function (card) {
      var button = el("button", "pc-card");
      button.type = "button";
      button.setAttribute("data-card-type", card.type || "");
      button.appendChild(el("strong", null, card.title || ""));
      var sub = cardSubtitle(card);
      if (sub) button.appendChild(el("span", null, sub));
      button.addEventListener("click", function () {
        if (card.type === "login" || card.type === "realname") {
          // Signing in and real-name binding happen in the host page (mini-program, site login);
          // it answers by calling PortalChat.setToken(...) and PortalChat.send("继续").
          var hook = card.type === "login" ? window.PortalChat.onLogin : window.PortalChat.onRealname;
          if (typeof hook === "function") hook(card);
          else bubble(card.type === "login"
            ? "请先在本网站登录，登录后回到这里说“继续”。"
            : "请先在“实名认证”页面完成认证，完成后回到这里说“继续”。", "bot");
          return;
        }
        var payload = card.payload || card.title;
        if (payload) sendText(payload, card.title);
      });
      box.appendChild(button);
    });
    log.appendChild(box);
    scroll();
  }

  function renderQuickReplies(items) {
    quick.textContent = "";
    (items || []).forEach(function (item) {
      var button = el("button", null, item.title);
      button.type = "button";
      button.addEventListener("click", function () { sendText(item.payload || item.title, item.title); });
      quick.appendChild(button);
    });
  }

  function setBusy(busy) {
    state.busy = busy;
    send.disabled = busy;
    typing.textContent = busy ? "正在输入…" : "";
  }

  function handle(message) {
    setBusy(false);
    if (!message) return;
    if (message.error) {
      bubble(message.error.message || "出了点问题，请稍后再试。", "error");
      return;
    }
    if (message.session && message.session !== state.session) {
      state.session = message.session;
      try { window.localStorage.setItem(SESSION_KEY, state.session); } catch (e) { /* ignore */ }
    }
    var reply = message.reply || {};
    if (reply.text) bubble(reply.text, "bot");
    renderCards(reply.cards);
    renderQuickReplies(reply.quick_replies);
  }

  function headers() {
    var h = { "Content-Type": "application/json", "Accept": "application/json" };
    if (state.token) h.Authorization = "Bearer " + state.token;
    return h;
  }

  function sendRest(body) {
    return fetch(API + "/api/v1/chat/messages/", { method: "POST", headers: headers(), body: JSON.stringify(body) })
      .then(function (response) { return response.json().catch(function () { return null; }); })
      .then(function (data) { handle(data || { error: { message: "服务暂时出了点问题，请稍后再试。" } }); })
      .catch(function () { handle({ error: { message: "网络好像断开了，请检查网络后再试。" } }); });
  }

  function wsUrl(ticket) {
    var base = API || window.location.origin;
    var url = base.replace(/^http/, "ws") + "/ws/chat/";
    return ticket ? url + "?ticket=" + encodeURIComponent(ticket) : url;
  }

  function connect() {
    if (!("WebSocket" in window) || state.ws) return Promise.resolve();
    var ticketed = state.token
      ? fetch(API + "/api/v1/chat/ws-ticket/", { method: "POST", headers: headers(), body: "{}" })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (data) { return data.ticket || null; })
          .catch(function () { return null; })
      : Promise.resolve(null);
    return ticketed.then(function (ticket) {
      return new Promise(function (resolve) {
        var socket;
        try { socket = new WebSocket(wsUrl(ticket)); } catch (e) { resolve(); return; }
        var settled = false;
        var timer = setTimeout(function () { if (!settled) { settled = true; resolve(); } }, 3000);
        socket.onopen = function () {
          state.ws = socket;
          state.wsReady = true;
          if (!settled) { settled = true; clearTimeout(timer); resolve(); }
        };
        socket.onmessage = function (event) {
          var data = null;
          try { data = JSON.parse(event.data); } catch (e) { /* ignore non-JSON frames */ }
          if (data) handle(data);
        };
        socket.onclose = function () {
          state.ws = null;
          state.wsReady = false;
          if (!settled) { settled = true; clearTimeout(timer); resolve(); }
        };
        socket.onerror = function () { /* onclose follows */ };
      });
    });
  }

  function sendText(text, shown) {
    text = String(text || "").trim();
    if (!text || state.busy) return;
    bubble(shown || text, "me");
    renderQuickReplies([]);
    setBusy(true);
    var body = { text: text };
    // Wait for the socket attempt (at most 3 s) so a message typed right away does not race it.
    (state.connecting || Promise.resolve()).then(function () {
      if (state.session) body.session = state.session;
      if (state.wsReady && state.ws && state.ws.readyState === 1) {
        state.ws.send(JSON.stringify(body));
      } else {
        sendRest(body);
      }
    });
  }

  function open() {
    state.open = true;
    panel.classList.add("pc-open");
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
    if (!log.childNodes.length) {
      bubble("您好！我是市民服务小助手。可以问我办事指南、约运动场地、找家庭医生……直接说就行。", "bot");
      renderQuickReplies([
        { title: "怎么办居住证" }, { title: "约个羽毛球场" }, { title: "我的家庭医生" }, { title: "你能做什么" }
      ]);
    }
    state.connecting = connect();
  }

  function close() {
    state.open = false;
    panel.classList.remove("pc-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { (state.open ? close : open)(); });
  closeButton.addEventListener("click", close);
  panel.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    sendText(text);
  });
  // Enter while a Chinese IME is composing picks a candidate; it must not send the message.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) event.preventDefault();
  });

  window.PortalChat = {
    open: open,
    close: close,
    send: function (text) { if (!state.open) open(); sendText(text); },
    setToken: function (token) {
      state.token = token || null;
      if (state.ws) { state.ws.close(); state.ws = null; state.wsReady = false; }
      if (state.open) state.connecting = connect();  // reconnect as the signed-in resident
    },
    onLogin: null,
    onRealname: null,
    transport: function () { return state.wsReady ? "websocket" : "rest"; }
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
