/* medskapa feedback widget. On a guidance page:
 *   <script src="https://MEDSKAPA/widget.js" data-document="SLUG" defer></script>
 * Optional: data-version="2.0" (default: the current version), data-lang="sv" or "en"
 * (default: the reader's browser's language, if one of them, else Swedish).
 * Beside each heading that names one of the document's sections it adds "Lämna synpunkt på
 * avsnittet", which opens medskapa's own form in a dialog (an iframe): what the reader types
 * goes to medskapa and never passes through this page's scripts. No dependencies, no cookies.
 * A heading is recognised by its id (the section key, "avsnitt-KEY" or "rubrik-KEY") or by its
 * text (the heading with or without its number, ignoring case, spacing and punctuation). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.document || !window.fetch || !window.HTMLDialogElement) return;
  var origin = new URL(script.src).origin;
  var slug = script.dataset.document;
  var ID_KEY = "medskapa.webblasare";
  var CSS =
    ".medskapa-widget{margin:.25em 0 1em;font-size:.9em}" +
    ".medskapa-widget-open{background:none;border:0;padding:.2em 0;color:inherit;font:inherit;" +
    "text-decoration:underline;cursor:pointer;opacity:.85;min-height:1.75rem}" +
    ".medskapa-widget-open:hover,.medskapa-widget-open:focus-visible{opacity:1}" +
    ".medskapa-widget-dialog{width:min(44rem,calc(100vw - 2rem));max-height:calc(100vh - 2rem);" +
    "padding:0;border:1px solid #555;border-radius:6px;display:flex;flex-direction:column}" +
    ".medskapa-widget-dialog:not([open]){display:none}" +
    ".medskapa-widget-dialog::backdrop{background:rgba(0,0,0,.5)}" +
    ".medskapa-widget-bar{display:flex;gap:1rem;align-items:center;justify-content:space-between;" +
    "padding:.5rem 1rem;border-bottom:1px solid #ccc}" +
    ".medskapa-widget-bar h2{font-size:1.1rem;margin:0;padding:0;border:0}" +
    ".medskapa-widget-bar button{font:inherit;padding:.3em .8em;cursor:pointer}" +
    ".medskapa-widget-dialog iframe{border:0;width:100%;height:min(40rem,calc(100vh - 6rem))}" +
    ".medskapa-widget-vh{position:absolute!important;width:1px;height:1px;overflow:hidden;" +
    "clip:rect(0 0 0 0);white-space:nowrap}";

  function addStyles() {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
    } catch (e) {
      var style = document.createElement("style");
      style.textContent = CSS;
      document.head.appendChild(style);
    }
  }

  function words(text) {
    return (text || "").normalize("NFC").toLowerCase()
      .replace(/[\s\u00a0]+/g, " ").replace(/[.:;,!?\u2013\u2014-]+$/, "").trim()
      .replace(/^(\d+(?:\.\d+)*)\.? (?:[\u2013\u2014-] )?/, "$1 ");
  }

  // The id medskapa's form uses when its own storage is blocked in the frame (one answer per
  // browser on "Hjälpte informationen"): random, kept here, given in the fragment only.
  function browserId() {
    try {
      var id = localStorage.getItem(ID_KEY);
      if (!/^[A-Za-z0-9_-]{22,64}$/.test(id || "")) {
        var bytes = crypto.getRandomValues(new Uint8Array(16));
        id = btoa(String.fromCharCode.apply(null, bytes))
          .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
        localStorage.setItem(ID_KEY, id);
      }
      return id;
    } catch (e) {
      return "";
    }
  }

  function el(name, attrs, text) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  var dialog, frame, title, opener;

  function makeDialog(data) {
    dialog = el("dialog", {
      "class": "medskapa-widget-dialog", "aria-labelledby": "medskapa-widget-title",
      lang: data.language
    });
    var bar = el("div", { "class": "medskapa-widget-bar" });
    title = el("h2", { id: "medskapa-widget-title" });
    var close = el("button", { type: "button" }, data.labels.close);
    close.addEventListener("click", function () { dialog.close(); });
    bar.append(title, close);
    dialog.append(bar);
    dialog.addEventListener("close", function () {
      // The event comes a moment after the dialog closed: it may have been opened again since.
      if (dialog.open) return;
      if (frame) frame.remove();
      frame = null;
      if (opener) opener.focus();
    });
    window.addEventListener("message", function (event) {
      if (frame && event.origin === origin && event.source === frame.contentWindow &&
          event.data && event.data.medskapa === "close") dialog.close();
    });
    document.body.appendChild(dialog);
  }

  // Each opening gets a frame of its own: a fresh form, and nothing left of the last one.
  function open(data, section, heading, button) {
    if (!dialog) makeDialog(data);
    opener = button;
    title.textContent = data.labels.dialog_title + ": " + heading;
    var id = browserId();
    if (frame) frame.remove();
    frame = el("iframe", {
      title: data.labels.frame_title,
      src: section.form_url + (id ? "#webblasare=" + id : "")
    });
    dialog.append(frame);
    dialog.showModal();
  }

  function attach(data) {
    var byId = {}, byText = {};
    data.sections.forEach(function (s) {
      byId[s.key] = byId["avsnitt-" + s.key] = byId["rubrik-" + s.key] = s;
      byText[words(s.heading)] = byText[words(s.heading)] || s;
      if (s.number) byText[words(s.number + " " + s.heading)] = s;
    });
    var used = {};
    var found = 0;
    document.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (h) {
      var s = byId[h.id] || byText[words(h.textContent)];
      if (!s || used[s.key] || h.closest(".medskapa-widget-dialog")) return;
      used[s.key] = true;
      found += 1;
      var heading = h.textContent.replace(/\s+/g, " ").trim();
      var box = el("p", { "class": "medskapa-widget", lang: data.language });
      var button = el("button", { type: "button", "class": "medskapa-widget-open",
        "data-medskapa-section": s.key }, data.labels.open);
      button.appendChild(el("span", { "class": "medskapa-widget-vh" }, " \u201d" + heading + "\u201d"));
      button.addEventListener("click", function () { open(data, s, heading, button); });
      box.appendChild(button);
      h.after(box);
    });
    if (found) addStyles();
  }

  var query = new URLSearchParams();
  if (script.dataset.version) query.set("version", script.dataset.version);
  if (script.dataset.lang) query.set("lang", script.dataset.lang);
  var url = origin + "/api/v1/widget/" + encodeURIComponent(slug) +
    (query.toString() ? "?" + query : "");
  function start() {
    // The header makes the browser ask medskapa first (a CORS preflight): a site medskapa does
    // not list is refused before anything is read.
    fetch(url, { credentials: "omit", mode: "cors", headers: { "X-Medskapa-Widget": "1" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(attach)
      .catch(function (e) { if (window.console) console.warn("medskapa widget: " + e.message); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
