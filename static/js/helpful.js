// medskapa: "Hjälpte informationen på sidan dig?" and the pages framed by the widget.
// - Every answer carries this browser's random id (one answer per browser and version). It is
//   kept in medskapa's own localStorage; in a frame whose storage is blocked, the widget hands
//   the id it keeps for medskapa in the fragment (#webblasare=...), which no server sees.
// - A version this browser has answered on shows a thank-you instead of the question.
// - In the widget's dialog, "Avbryt", "Stäng" and Escape ask the guidance page to close it.
(function () {
  "use strict";

  var ID_KEY = "medskapa.webblasare";
  var ANSWERED_KEY = "medskapa.hjalpte";
  var VALID_ID = /^[A-Za-z0-9_-]{22,64}$/;

  function storage() {
    try {
      var s = window.localStorage;
      s.getItem(ID_KEY);
      return s;
    } catch (e) {
      return null;
    }
  }

  function newId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function fromFragment() {
    var match = /(?:^#|&)webblasare=([A-Za-z0-9_-]+)/.exec(window.location.hash);
    return match && VALID_ID.test(match[1]) ? match[1] : null;
  }

  var pageId = null;
  function browserId() {
    var s = storage();
    var id = s ? s.getItem(ID_KEY) : null;
    if (id && VALID_ID.test(id)) return id;
    id = fromFragment() || pageId || newId();
    pageId = id;
    if (s) s.setItem(ID_KEY, id);
    return id;
  }

  // The action without its query (?lang=): an answer counts whichever language it was given in.
  function answeredKey(form) {
    return form.getAttribute("action").split("?")[0] + "@" + form.dataset.helpfulVersion;
  }

  function answered() {
    var s = storage();
    try {
      return JSON.parse((s && s.getItem(ANSWERED_KEY)) || "[]");
    } catch (e) {
      return [];
    }
  }

  function remember(key) {
    var s = storage();
    if (!s) return;
    var list = answered().filter(function (k) { return k !== key; });
    list.push(key);
    s.setItem(ANSWERED_KEY, JSON.stringify(list.slice(-200)));
  }

  function enhance(root) {
    root.querySelectorAll("form.helpful-form").forEach(function (form) {
      var field = form.querySelector("input[name=browser]");
      if (field && !field.value) field.value = browserId();
      if (answered().indexOf(answeredKey(form)) !== -1 && form.dataset.already) {
        var done = document.createElement("p");
        done.className = "helpful-form helpful-done notice notice-ok";
        done.textContent = form.dataset.already;
        form.replaceWith(done);
      }
    });
    root.querySelectorAll("button[data-close-embed]").forEach(function (button) {
      if (window.parent === window) return;
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("button[data-close-embed]")) return;
    // The message says nothing but "close"; the widget checks that it came from its frame.
    window.parent.postMessage({ medskapa: "close" }, "*");
  });

  // Escape pressed inside the frame never reaches the guidance page's dialog: pass it on.
  if (window.parent !== window) {
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !event.defaultPrevented) {
        window.parent.postMessage({ medskapa: "close" }, "*");
      }
    });
  }

  // The answer was taken (or had been given before): remember it for this browser.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.helpful-form")) return;
    if (event.detail.xhr.status === 200) remember(answeredKey(form));
  });

  // A send that fails (too many answers, server busy, no connection) says so in the form.
  function showError(event, kind) {
    var form = event.detail.elt;
    if (!form.matches || !form.matches("form.helpful-form")) return;
    var box = form.querySelector("[data-send-error]");
    if (!box) {
      box = document.createElement("div");
      box.className = "notice notice-error";
      box.setAttribute("role", "alert");
      box.setAttribute("tabindex", "-1");
      box.setAttribute("data-send-error", "");
      form.insertBefore(box, form.querySelector("fieldset"));
    }
    box.textContent = form.dataset[kind];
    box.focus();
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showError(event, status === 429 ? "errorRateLimited" : "errorFailed");
  });
  document.addEventListener("htmx:sendError", function (event) { showError(event, "errorFailed"); });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // What htmx swapped in (a form shown again with its errors) gets its id too.
  document.addEventListener("htmx:afterSettle", function () { enhance(document); });
})();
