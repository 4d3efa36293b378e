// medskapa: small progressive enhancements. Everything here also works without it.
(function () {
  "use strict";

  var ANNOUNCE_AFTER_MS = 1000;

  // The visible counter follows every keystroke; screen readers hear it only once the typing
  // pauses, not after each character.
  function updateCounter(textarea) {
    var out = document.getElementById(textarea.dataset.counter);
    if (!out) return;
    var max = parseInt(out.dataset.max, 10);
    var left = max - textarea.value.length;
    out.textContent = left + " " + out.dataset.label;
    out.classList.toggle("counter-low", left < 200);
    var live = out.nextElementSibling;
    if (!live || !live.hasAttribute("data-counter-live")) return;
    window.clearTimeout(live.timer);
    live.timer = window.setTimeout(function () { live.textContent = out.textContent; }, ANNOUNCE_AFTER_MS);
  }

  function enhanceCounter(textarea) {
    var out = document.getElementById(textarea.dataset.counter);
    if (out && !(out.nextElementSibling && out.nextElementSibling.hasAttribute("data-counter-live"))) {
      var live = document.createElement("p");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      live.setAttribute("data-counter-live", "");
      out.after(live);
    }
    updateCounter(textarea);
    textarea.addEventListener("input", function () { updateCounter(textarea); });
  }

  // A button beside each password field shows what was typed (long passphrases are easy to
  // mistype unseen); the field goes back to hidden when its form is sent.
  function enhancePassword(input) {
    if (input.dataset.reveal) return;
    input.dataset.reveal = "1";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary reveal-password";
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    // The words come from the page (base.html), in its language.
    var words = document.body.dataset;
    var show = words.textShowPassword || "Visa lösenordet";
    var hide = words.textHidePassword || "Dölj lösenordet";
    button.textContent = show;
    button.addEventListener("click", function () {
      var shown = input.type === "password";
      input.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
      button.textContent = shown ? hide : show;
    });
    if (input.form) {
      input.form.addEventListener("submit", function () { input.type = "password"; });
    }
    input.after(button);
  }

  // Safety signals (feedback/safety.py sends its phrase list): while the text is typed, show
  // where to get help now as soon as it suggests a risk to life, and tell the server it was
  // shown, so that sending does not stop to show it again. The server checks anyway.
  function safetyMatcher(rules) {
    var phrases = rules.phrases.map(function (p) {
      return p.all.map(function (source) { return new RegExp(source, "g"); });
    });
    var word = new RegExp("[" + rules.letters + "']+", "g");
    function negated(text, start) {
      var clause = text.slice(0, start).split(/[.,;:!?()\n]/).pop();
      var words = clause.match(word) || [];
      return words.slice(-2).some(function (w) { return rules.negations.indexOf(w) !== -1; });
    }
    function found(pattern, text) {
      pattern.lastIndex = 0;
      var m;
      while ((m = pattern.exec(text)) !== null) {
        if (!negated(text, m.index)) return true;
        pattern.lastIndex = m.index + 1;
      }
      return false;
    }
    return function (value) {
      var text = value.normalize("NFC").toLowerCase().replace(/[’‘´`]/g, "'").replace(/\s+/g, " ");
      return phrases.some(function (all) {
        return all.every(function (pattern) { return found(pattern, text); });
      });
    };
  }

  function enhanceSafety(textarea) {
    if (textarea.dataset.safetyReady) return;
    textarea.dataset.safetyReady = "1";
    var panel = document.getElementById(textarea.dataset.safetyPanel);
    var shown = textarea.form && textarea.form.querySelector("[data-safety-shown]");
    var matches;
    try {
      matches = safetyMatcher(JSON.parse(textarea.dataset.safetyRules));
    } catch (e) {
      return;  // the server still shows the help before the text is sent
    }
    function check() {
      if (!panel || !matches(textarea.value)) return;
      panel.hidden = false;
      if (shown) shown.value = "ja";
    }
    textarea.addEventListener("input", function () {
      window.clearTimeout(textarea.safetyTimer);
      textarea.safetyTimer = window.setTimeout(check, 300);
    });
    check();
  }

  function enhance(root) {
    root.querySelectorAll("textarea[data-counter]").forEach(enhanceCounter);
    root.querySelectorAll("textarea[data-safety-rules]").forEach(enhanceSafety);
    root.querySelectorAll("button[data-copy]").forEach(function (b) {
      if (!navigator.clipboard) return;
      b.hidden = false;
      b.addEventListener("click", function () {
        var source = document.getElementById(b.dataset.copy);
        var code = source ? source.lastChild.textContent.trim() : "";
        navigator.clipboard.writeText(code).then(function () {
          b.textContent = b.textContent.indexOf("Copy") === 0 ? "Copied" : "Kopierad";
        });
      });
    });
    root.querySelectorAll("button[data-print]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", function () { window.print(); });
    });
    root.querySelectorAll("input[type=password][id]").forEach(enhancePassword);
    if (root === document) return;
    // Swapped-in content: move focus to what the reader must see first (an error summary, a
    // personal-data warning, the receipt), or to the heading of a form that was just opened.
    var slot = root.classList.contains("feedback-slot") ? root : null;
    var quote = slot ? pendingQuotes[slot.id] : null;
    if (quote) {
      delete pendingQuotes[slot.id];
      fillQuote(slot.querySelector("form.feedback-form"), quote);
      return;
    }
    var focus = root.matches("[data-autofocus]") ? root : root.querySelector("[data-autofocus]");
    if (!focus && slot) focus = slot.querySelector(".form-heading");
    if (focus) focus.focus();
  }

  // Remember the passage a reader selects inside one section, to quote it in feedback.
  var selected = null;
  var pendingQuotes = {};
  var CONTEXT = 32;

  function sectionOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest(".section") : null;
  }

  function onSelection() {
    var buttons = document.querySelectorAll("button[data-quote-for]");
    var sel = window.getSelection();
    var text = sel && sel.rangeCount ? sel.toString().trim() : "";
    var section = text ? sectionOf(sel.anchorNode) : null;
    var body = section ? section.querySelector(".section-text") : null;
    if (!body || section !== sectionOf(sel.focusNode) || !body.contains(sel.anchorNode)) {
      buttons.forEach(function (b) { if (document.activeElement !== b) b.hidden = true; });
      if (!text) return;
      selected = null;
      return;
    }
    var range = sel.getRangeAt(0);
    var before = document.createRange();
    before.selectNodeContents(body);
    before.setEnd(range.startContainer, range.startOffset);
    var after = document.createRange();
    after.selectNodeContents(body);
    after.setStart(range.endContainer, range.endOffset);
    selected = {
      key: section.dataset.sectionKey,
      exact: text.slice(0, 1000),
      prefix: before.toString().replace(/\s+/g, " ").slice(-CONTEXT),
      suffix: after.toString().replace(/\s+/g, " ").slice(0, CONTEXT)
    };
    buttons.forEach(function (b) { b.hidden = b.dataset.quoteFor !== selected.key; });
  }

  function fillQuote(form, quote) {
    if (!form || !quote) return;
    var section = form.querySelector("[name=section]");
    if (section) section.value = quote.key;
    form.querySelector("[name=quote]").value = quote.exact;
    form.querySelector("[name=quote_prefix]").value = quote.prefix;
    form.querySelector("[name=quote_suffix]").value = quote.suffix;
    form.querySelector("[name=quote]").focus();
  }

  function openFormIn(slot) {
    return slot ? slot.querySelector("form.feedback-form") : null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-quote-for]");
    // The quote is what is selected now, not what was selected when the timer last ran.
    if (button && window.getSelection().toString().trim()) onSelection();
    if (button && selected && typeof htmx !== "undefined") {
      var quote = selected;
      var slot = document.getElementById("synpunkt-" + quote.key);
      var form = openFormIn(slot);
      if (form) {
        // Keep what the reader already typed; only the quote changes.
        fillQuote(form, quote);
        return;
      }
      pendingQuotes[slot.id] = quote;
      htmx.ajax("GET", button.dataset.formUrl, { source: button, target: slot, swap: "innerHTML" });
      return;
    }
    // "Avbryt" in a form opened in place closes it and returns to where the reader was.
    var cancel = event.target.closest("a[data-close-form]");
    var cancelSlot = cancel ? cancel.closest(".feedback-slot") : null;
    if (cancelSlot) {
      event.preventDefault();
      var opener = document.querySelector('[hx-target="#' + cancelSlot.id + '"]');
      cancelSlot.replaceChildren();
      if (opener) opener.focus();
    }
  });

  // "Lämna synpunkt" on a form that is already open goes back to that form instead of
  // replacing it with an empty one: nothing typed is lost.
  document.addEventListener("htmx:confirm", function (event) {
    var target = event.detail.elt.getAttribute("hx-target");
    if (!target || target.indexOf("#synpunkt-") !== 0) return;
    var slot = document.getElementById(target.slice(1));
    if (!openFormIn(slot)) return;
    event.preventDefault();
    var heading = slot.querySelector(".form-heading");
    if (heading) heading.focus();
  });

  // A send that fails (server busy, too many sends, no connection) says so in the form, and
  // everything typed stays. htmx alone would leave the page as it was, without a word.
  function showSendError(form, kind) {
    var box = form.querySelector("[data-send-error]");
    if (!box) {
      box = document.createElement("div");
      box.className = "notice notice-error";
      box.setAttribute("role", "alert");
      box.setAttribute("tabindex", "-1");
      box.setAttribute("data-send-error", "");
      var heading = form.querySelector(".form-heading");
      form.insertBefore(box, heading ? heading.nextSibling : form.firstChild);
    }
    box.textContent = form.dataset[kind];
    box.focus();
  }

  function onFailure(event, kind) {
    var elt = event.detail.elt;
    if (!elt || !elt.closest) return;
    var form = elt.closest("form.feedback-form");
    if (form) {
      showSendError(form, kind);
      return;
    }
    // Opening a form in place failed: its own page shows what went wrong, without JavaScript.
    var url = elt.matches("a[href]") ? elt.href : elt.dataset.formUrl;
    if (url) window.location.assign(url);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    onFailure(event, status === 429 ? "errorRateLimited" : "errorFailed");
  });
  document.addEventListener("htmx:sendError", function (event) { onFailure(event, "errorOffline"); });

  // While the selection changes (a drag, Shift+arrows) wait for it to settle; when the mouse
  // button or a key is let go, it has.
  function selectionSettled(event) {
    // Letting go on the quote button itself: its click uses the selection as it is.
    if (event.target.closest && event.target.closest("button[data-quote-for]")) return;
    window.clearTimeout(onSelection.timer);
    onSelection();
  }
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(onSelection.timer);
    onSelection.timer = window.setTimeout(onSelection, 150);
  });
  document.addEventListener("pointerup", selectionSettled);
  document.addEventListener("keyup", selectionSettled);

  // Printing: closed <details> (the document's list of versions) print open. Chromium does
  // this in the print styles (::details-content); for other browsers they are opened just
  // before printing and closed again after, so the screen is left as it was.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) {
      d.open = true;
      d.dataset.openedForPrint = "1";
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-opened-for-print]").forEach(function (d) {
      d.open = false;
      delete d.dataset.openedForPrint;
    });
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (event) { enhance(event.detail.elt); });
})();
