/* Signed-out sessions lose nothing (issue 14, item 10). Progressive enhancement: without
   JavaScript every form still works; with it,
   - the text typed in any posted form's text areas is kept in this tab's sessionStorage while
     it is typed, and put back on the form's page if the page comes back empty (after signing
     in again); it is dropped once the server has received the form;
   - a staff session with an idle limit shows a warning two minutes before it ends, with a
     "Stay signed in" button that restarts the idle clock (POST /session/keep-alive/).
   No inline script or style: the portal's Content-Security-Policy allows neither. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.sessionStorage) { return; }
  var PREFIX = "portal-draft:";
  var store = window.sessionStorage;
  var onSignIn = window.location.pathname === script.getAttribute("data-login-path");

  function draftKey(form, field) {
    var action = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
    return PREFIX + action.pathname + "#" + field.name;
  }
  function read(key) {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }

  // A form sent just before this page: on the sign-in page it did not arrive (the session had
  // ended), so its text is still to be sent; on any other page the server has it.
  for (var i = store.length - 1; i >= 0; i--) {
    var key = store.key(i);
    if (key && key.indexOf(PREFIX) === 0) {
      var draft = read(key);
      if (draft && draft.sent) {
        if (onSignIn) { draft.sent = false; store.setItem(key, JSON.stringify(draft)); }
        else { store.removeItem(key); }
      }
    }
  }

  var restored = false;
  var fields = document.querySelectorAll("form[method=post] textarea[name], form[method=POST] textarea[name]");
  Array.prototype.forEach.call(fields, function (field) {
    var form = field.form;
    var k = draftKey(form, field);
    var draft = read(k);
    if (draft && !draft.sent && draft.text && !field.value.trim()) {
      field.value = draft.text;
      restored = true;
    }
    field.addEventListener("input", function () {
      if (field.value.trim()) { store.setItem(k, JSON.stringify({ text: field.value, sent: false })); }
      else { store.removeItem(k); }
    });
    if (!form.hasAttribute("data-draft-watch")) {
      form.setAttribute("data-draft-watch", "");
      form.addEventListener("submit", function () {
        Array.prototype.forEach.call(form.querySelectorAll("textarea[name]"), function (area) {
          var ak = draftKey(form, area);
          if (area.value.trim()) { store.setItem(ak, JSON.stringify({ text: area.value, sent: true })); }
        });
      });
    }
  });
  if (restored) {
    var note = document.createElement("p");
    note.className = "notification draft-restored";
    note.setAttribute("role", "status");
    note.textContent = script.getAttribute("data-restored");
    var main = document.getElementById("main");
    if (main) { main.insertBefore(note, main.firstChild); }
  }

  // The idle warning, for sessions that have an idle limit.
  var idle = parseInt(script.getAttribute("data-idle-seconds"), 10);
  var warnBefore = parseInt(script.getAttribute("data-warn-seconds"), 10) || 120;
  var box = document.getElementById("session-warning");
  if (!box || isNaN(idle)) { return; }
  var stay = document.getElementById("session-stay");
  var text = box.querySelector(".session-warning__text");
  var signIn = box.querySelector(".session-warning__sign-in");
  var warnTimer, endTimer;

  function signedOut() {
    text.textContent = text.getAttribute("data-signed-out");
    stay.hidden = true;
    signIn.hidden = false;
    box.hidden = false;
  }
  function schedule(seconds) {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(function () { box.hidden = false; stay.focus(); },
      Math.max(0, seconds - warnBefore) * 1000);
    endTimer = window.setTimeout(signedOut, seconds * 1000);
  }
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  stay.addEventListener("click", function () {
    fetch(script.getAttribute("data-keep-alive"), {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.status === 204) {
        box.hidden = true;
        schedule(idle);
      } else {
        signedOut();
      }
    }, signedOut);
  });
  schedule(idle);
})();
