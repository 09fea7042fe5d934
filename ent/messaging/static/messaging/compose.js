// The message editor (UTI-CCO-CEL-07): a formatting toolbar over a contenteditable area that
// writes into the form's textarea, a recipient picker, attachments saved as soon as they are
// chosen, and the draft saved every 30 seconds and when the page is left.
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) { return; }
  var textarea = form.querySelector('textarea[name="body"]');
  var format = form.querySelector('input[name="body_format"]');
  var editor = document.getElementById("editor");
  var area = document.getElementById("editor-area");
  var status = document.getElementById("autosave-status");
  var draftField = form.querySelector('input[name="draft"]');
  // The buttons named "action" shadow form.action: read the attribute.
  var postUrl = form.getAttribute("action");
  var dirty = false;
  var saving = null;

  // The editor replaces the textarea; a plain-text body becomes paragraphs.
  if (format.value !== "html") {
    var text = textarea.value;
    textarea.value = text ? "<p>" + text.replace(/&/g, "&amp;").replace(/</g, "&lt;")
      .replace(/\n/g, "<br>") + "</p>" : "";
    format.value = "html";
  }
  area.innerHTML = textarea.value;
  editor.hidden = false;
  textarea.hidden = true;
  textarea.setAttribute("aria-hidden", "true");
  textarea.tabIndex = -1;
  document.execCommand("defaultParagraphSeparator", false, "p");

  function sync() { textarea.value = area.innerHTML; }
  function changed() { dirty = true; }
  area.addEventListener("input", function () { sync(); changed(); });
  form.addEventListener("input", function (event) { if (event.target !== area) { changed(); } });

  var buttons = editor.querySelectorAll("[data-command]");
  function refresh() {
    buttons.forEach(function (button) {
      if (button.hasAttribute("aria-pressed")) {
        button.setAttribute("aria-pressed", String(document.queryCommandState(button.dataset.command)));
      }
    });
  }
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var value = null;
      if (button.dataset.command === "createLink") {
        value = window.prompt(button.dataset.prompt, "https://");
        if (!value) { return; }
      }
      area.focus();
      document.execCommand(button.dataset.command, false, value);
      sync(); changed(); refresh();
    });
  });
  document.addEventListener("selectionchange", function () {
    if (document.activeElement === area) { refresh(); }
  });

  // Saving the draft.
  function payload(withFiles) {
    sync();
    var data = new FormData(form);
    data.set("action", "autosave");
    if (!withFiles) { data.delete("uploads"); }
    return data;
  }
  function say(message) { status.textContent = message; }
  function applied(answer) {
    if (answer.draft) { draftField.value = answer.draft; }
    var slot = document.getElementById("draft-attachments-slot");
    if (slot && typeof answer.attachments_html === "string") { slot.innerHTML = answer.attachments_html; }
  }
  function save(withFiles) {
    if (saving) { return saving; }
    dirty = false;
    say(status.dataset.saving);
    saving = fetch(postUrl, {method: "POST", body: payload(withFiles), credentials: "same-origin",
                                 headers: {"X-Requested-With": "fetch"}})
      .then(function (response) {
        return response.json().then(function (answer) {
          applied(answer);
          if (!response.ok) {
            var messages = [];
            Object.keys(answer.errors || {}).forEach(function (key) { messages = messages.concat(answer.errors[key]); });
            say(messages.join(" "));
            return;
          }
          if (withFiles) {
            var input = form.querySelector('input[name="uploads"]');
            if (input) { input.value = ""; }
          }
          form.querySelectorAll('input[name="stored_file_ids"]:checked').forEach(function (box) { box.checked = false; });
          say(status.dataset.saved + " " + (answer.saved_at || ""));
        });
      })
      .catch(function () { dirty = true; })
      .finally(function () { saving = null; });
    return saving;
  }
  form.addEventListener("change", function (event) {
    var name = event.target.name;
    if (name === "uploads" || name === "stored_file_ids" || name === "remove_attachment_ids") {
      save(true);
    }
  });
  window.setInterval(function () { if (dirty) { save(false); } }, 30000);
  var submitting = false;
  form.addEventListener("submit", function () { sync(); submitting = true; });
  function leave() {
    if (submitting || !dirty) { return; }
    dirty = false;
    var data = payload(false);
    if (!(navigator.sendBeacon && navigator.sendBeacon(postUrl, data))) {
      fetch(postUrl, {method: "POST", body: data, keepalive: true, credentials: "same-origin"});
    }
  }
  window.addEventListener("pagehide", leave);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { leave(); }
  });

  // The recipient picker: people and lists within the communication rules (the API decides).
  var picker = document.getElementById("recipient-picker");
  var search = document.getElementById("recipient-search");
  var options = document.getElementById("recipient-options");
  var target = document.getElementById("recipient-field");
  var add = document.getElementById("recipient-add");
  var pickerStatus = document.getElementById("recipient-status");
  var url = form.dataset.recipientsUrl;
  var timer = null;
  var labels = {};
  picker.hidden = false;
  search.addEventListener("input", function () {
    window.clearTimeout(timer);
    var text = search.value.trim();
    if (text.length < 2 || labels[text]) { return; }
    timer = window.setTimeout(function () {
      fetch(url + "?q=" + encodeURIComponent(text), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (items) {
          options.innerHTML = "";
          items.forEach(function (item) {
            var option = document.createElement("option");
            option.value = item.token;
            option.label = item.label;
            option.textContent = item.label;
            labels[item.token] = item.label;
            options.appendChild(option);
          });
          pickerStatus.textContent = pickerStatus.dataset.found + " " + items.length;
        });
    }, 200);
  });
  function addRecipient() {
    var token = search.value.trim();
    if (!token) { return; }
    var field = document.getElementById(target.value);
    var present = field.value.split(/[,;\s]+/).filter(Boolean);
    if (present.indexOf(token) === -1) { present.push(token); }
    field.value = present.join(", ");
    pickerStatus.textContent = pickerStatus.dataset.added + " " + (labels[token] || token);
    search.value = "";
    changed();
    search.focus();
  }
  add.addEventListener("click", addRecipient);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); addRecipient(); }
  });
})();
