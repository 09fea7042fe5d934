/* Live conversation (UTI-CCO-MIN): the form still posts without JavaScript; with it, messages
   travel over the chat WebSocket and arrive without reloading the page. */
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  if (!form || !window.WebSocket) { return; }
  var history = document.getElementById("chat-history");
  var errorBox = document.getElementById("chat-error");
  var live = document.getElementById("chat-live");
  var textarea = form.querySelector("textarea");
  var conversation = Number(form.dataset.conversation);
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var socket = null;
  var ready = false;

  function showError(text) {
    errorBox.textContent = text;
  }

  function addMessage(message) {
    if (message.conversation !== conversation || document.getElementById("message-" + message.id)) {
      return;
    }
    var empty = document.getElementById("chat-empty");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.id = "message-" + message.id;
    item.dataset.message = String(message.id);
    var author = document.createElement("span");
    author.className = "chat-author";
    author.textContent = message.author || form.dataset.former;
    var time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = message.time;
    var body = document.createElement("p");
    body.className = "chat-body";
    body.textContent = message.body;
    item.append(author, " ", time, body);
    if (String(message.author_id) !== form.dataset.me) {
      var report = document.createElement("a");
      report.className = "report-link";
      report.href = form.dataset.reportUrl.replace(/0\/$/, message.id + "/");
      report.textContent = form.dataset.reportLabel;
      item.append(report);
    }
    history.append(item);
    var log = document.getElementById("chat-log");
    log.scrollTop = log.scrollHeight;
  }

  function connect() {
    socket = new WebSocket(scheme + window.location.host + form.dataset.socket);
    socket.addEventListener("message", function (event) {
      var frame = JSON.parse(event.data);
      if (frame.type === "ready") {
        ready = true;
        form.dataset.live = "true";
        socket.send(JSON.stringify({type: "follow", conversation: conversation}));
      } else if (frame.type === "message") {
        addMessage(frame.message);
        if (frame.message.conversation === conversation) {
          socket.send(JSON.stringify({type: "read", conversation: conversation}));
        }
      } else if (frame.type === "hidden") {
        var gone = document.getElementById("message-" + frame.id);
        if (gone) { gone.remove(); }
      } else if (frame.type === "presence") {
        document.querySelectorAll('.chat-status[data-person="' + frame.person + '"]').forEach(
          function (node) { node.dataset.status = frame.status; }
        );
      } else if (frame.type === "error") {
        showError(frame.message);
        if (frame.code === "closed") {
          form.querySelector("button[type=submit]").disabled = true;
        }
      }
    });
    socket.addEventListener("close", function () {
      ready = false;
      form.dataset.live = "false";
    });
  }

  form.addEventListener("submit", function (event) {
    if (!ready || socket.readyState !== WebSocket.OPEN) { return; }
    event.preventDefault();
    var body = textarea.value.trim();
    if (!body) {
      showError(textarea.dataset.empty || "");
      textarea.focus();
      return;
    }
    showError("");
    socket.send(JSON.stringify({type: "message", conversation: conversation, body: body}));
    textarea.value = "";
    textarea.focus();
  });

  textarea.addEventListener("keydown", function (event) {
    // Enter sends, Shift+Enter starts a new line, as in every chat.
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  connect();
})();
