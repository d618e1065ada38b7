// The coding screen: turn a mouse selection into code-point positions, apply a code,
// remove, undo and write memos without reloading the page, and paint codes in their colours.
//
// Positions count Unicode code points of the stored text (ADR 0008), never UTF-16 units:
// every run of text carries its own data-start / data-end, and the part of a run before
// the selection is measured with [...text].length, so an emoji (two UTF-16 units) counts 1.
//
// Nothing may move the text while it is being selected (a drag that started on one line would
// end on another, and the wrong passage would be coded): the status line is in the side
// panel, not above the text, and a fresh workspace from the server waits until the mouse
// button is released.
(function () {
  "use strict";

  var FALLBACK = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
  var pending = null; // {start, end, text}: the last selection made in the transcript
  var dragging = false; // the mouse button went down in the transcript and is still down
  var waiting = null; // a workspace that arrived during a drag, swapped in when it ends

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }
  function codePoints(text) { return Array.from(text).length; }

  // --- colours ---------------------------------------------------------------------------

  function colourOf(id) {
    var item = $('#code-tree li[data-code="' + id + '"]');
    var colour = item && item.getAttribute("data-colour");
    if (colour && /^#[0-9a-fA-F]{6}$/.test(colour)) { return colour; }
    return FALLBACK[Number(id) % FALLBACK.length];
  }

  function tint(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function paint(root) {
    $$("#code-tree li[data-code]", root).forEach(function (item) {
      var swatch = $(".swatch", item);
      if (swatch) { swatch.style.backgroundColor = colourOf(item.getAttribute("data-code")); }
    });
    $$("[data-codes]", root).forEach(function (element) {
      var ids = element.getAttribute("data-codes").split(" ").filter(Boolean);
      if (!ids.length) { return; }
      var colours = ids.map(colourOf);
      // a light wash of the first code, and one underline per code, stacked
      element.style.backgroundColor = tint(colours[0], ids.length > 1 ? 0.32 : 0.22);
      element.style.backgroundImage = colours.map(function (c) {
        return "linear-gradient(" + c + "," + c + ")";
      }).join(",");
      element.style.backgroundSize = colours.map(function () { return "100% 2px"; }).join(",");
      element.style.backgroundPosition = colours.map(function (c, i) {
        return "0 calc(100% - " + (i * 3) + "px)";
      }).join(",");
      element.style.backgroundRepeat = "no-repeat";
      if (ids.length > 1) { element.classList.add("overlap"); }
    });
  }

  // --- selection -> positions ------------------------------------------------------------

  function runOf(node, container) {
    var element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    var run = element && element.closest("[data-start]");
    return run && container.contains(run) ? run : null;
  }

  // The code-point position of a boundary point (node, offset) in the transcript.
  function position(container, node, offset, isEnd) {
    var length = Number(container.getAttribute("data-length"));
    if (!container.contains(node)) {
      var before = container.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_PRECEDING;
      return before ? 0 : length;
    }
    var run = runOf(node, container);
    if (run && node.nodeType === Node.TEXT_NODE) {
      return Number(run.getAttribute("data-start")) + codePoints(node.data.slice(0, offset));
    }
    // An element boundary (a triple click, a drag past the end of a line): the nearest run.
    var point = document.createRange();
    point.setStart(node, offset);
    var runs = $$("[data-start]", container);
    if (!isEnd) {
      for (var i = 0; i < runs.length; i++) {
        if (point.comparePoint(runs[i], 0) >= 0) { return Number(runs[i].getAttribute("data-start")); }
      }
      return length;
    }
    for (var j = runs.length - 1; j >= 0; j--) {
      if (point.comparePoint(runs[j], runs[j].childNodes.length) <= 0) {
        return Number(runs[j].getAttribute("data-end"));
      }
    }
    return 0;
  }

  function readSelection() {
    var container = $("#transcript-text");
    var selection = window.getSelection();
    if (!container || !selection || selection.rangeCount === 0) { return null; }
    var range = selection.getRangeAt(0);
    if (range.collapsed || !range.intersectsNode(container)) { return null; }
    var start = position(container, range.startContainer, range.startOffset, false);
    var end = position(container, range.endContainer, range.endOffset, true);
    if (end <= start) { return null; }
    return { start: start, end: end, text: selection.toString() };
  }

  // The DOM boundary point (text node, UTF-16 offset) of a code-point position in the text.
  function boundaryAt(container, at, isEnd) {
    var runs = $$("[data-start]", container);
    for (var i = 0; i < runs.length; i++) {
      var start = Number(runs[i].getAttribute("data-start"));
      var end = Number(runs[i].getAttribute("data-end"));
      var node = runs[i].firstChild;
      var inside = isEnd ? (at > start && at <= end) : (at >= start && at < end);
      if (inside && node && node.nodeType === Node.TEXT_NODE) {
        return { node: node, offset: Array.from(node.data).slice(0, at - start).join("").length };
      }
    }
    return null;
  }

  // Select the pending positions again in a freshly swapped-in transcript, so that what is
  // highlighted is still what a code key or button would apply.
  function reselect() {
    var container = $("#transcript-text");
    if (!pending || !container) { return; }
    var from = boundaryAt(container, pending.start, false);
    var to = boundaryAt(container, pending.end, true);
    if (!from || !to) { return; }
    var range = document.createRange();
    range.setStart(from.node, from.offset);
    range.setEnd(to.node, to.offset);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // The line keeps its height whatever it says (coding.css), so that filling it moves nothing.
  function showSelection() {
    var info = $("#selection-info");
    var workspace = $("#workspace");
    if (!info) { return; }
    if (!pending) {
      info.textContent = (workspace && workspace.getAttribute("data-nothing-selected")) || "";
      return;
    }
    var excerpt = pending.text.length > 60 ? pending.text.slice(0, 60) + "…" : pending.text;
    info.textContent = "[" + pending.start + "–" + pending.end + "] " + excerpt;
  }

  document.addEventListener("selectionchange", function () {
    var container = $("#transcript-text");
    if (!container) { return; }
    var found = readSelection();
    if (found) {
      pending = found;
    } else {
      var selection = window.getSelection();
      // a click inside the text (an empty selection there) forgets the old selection
      if (selection && selection.isCollapsed && selection.anchorNode &&
          container.contains(selection.anchorNode)) {
        pending = null;
      }
    }
    showSelection();
  });

  // --- talking to the server -------------------------------------------------------------

  function csrfToken() {
    var input = $("#workspace [name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector("#workspace");
    var old = $("#workspace");
    if (!fresh || !old) { return false; }
    // Replacing the text under a drag would end the selection somewhere else: wait.
    if (dragging) { waiting = html; return true; }
    var filter = $("#code-filter");
    var filterText = filter ? filter.value : "";
    old.replaceWith(fresh);
    paint(fresh);
    var newFilter = $("#code-filter");
    if (newFilter) { newFilter.value = filterText; }
    filterCodes();
    reselect();
    showSelection();
    return true;
  }

  function dragEnded() {
    if (!dragging) { return; }
    dragging = false;
    if (waiting) { var html = waiting; waiting = null; swap(html); }
  }

  function fail(message) {
    var status = $("#coding-status");
    if (!status) { return; }
    var p = document.createElement("p");
    p.className = "error";
    p.setAttribute("role", "alert");
    p.textContent = message;
    status.appendChild(p);
  }

  function post(url, body) {
    body.set("csrfmiddlewaretoken", csrfToken());
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.text().then(function (html) {
        if ((response.ok || response.status === 400) && swap(html)) { return; }
        fail(response.status + " " + response.statusText);
      });
    }).catch(function (error) { fail(String(error)); });
  }

  function apply(codeId) {
    var workspace = $("#workspace");
    if (!workspace) { return; }
    if (!pending) {
      var info = $("#selection-info");
      if (info) { info.textContent = workspace.getAttribute("data-no-selection") || "Select some text first."; }
      return;
    }
    var body = new FormData();
    body.append("code", codeId);
    body.append("start", String(pending.start));
    body.append("end", String(pending.end));
    var url = workspace.getAttribute("data-apply-url");
    pending = null;
    window.getSelection().removeAllRanges();
    post(url, body).then(function () {
      var filter = $("#code-filter");
      if (filter) { filter.value = ""; filterCodes(); filter.blur(); }
    });
  }

  function undo() {
    var form = $("#undo-form");
    if (form) { post(form.action, new FormData(form)); }
  }

  // --- the code tree: filter and number keys ---------------------------------------------

  function visibleButtons() {
    return $$("#code-tree .code-apply").filter(function (button) {
      return !button.closest("li").hidden;
    });
  }

  function filterCodes() {
    var filter = $("#code-filter");
    var words = filter ? filter.value.trim().toLowerCase() : "";
    $$("#code-tree li[data-code]").forEach(function (item) {
      var name = (item.getAttribute("data-name") || "").toLowerCase();
      item.hidden = words !== "" && (name.indexOf(words) === -1 || !$(".code-apply", item));
    });
    $$("#code-tree kbd.key").forEach(function (key) { key.textContent = ""; });
    visibleButtons().slice(0, 9).forEach(function (button, i) {
      $("kbd.key", button).textContent = String(i + 1);
    });
  }

  function inField(target) {
    return target && (target.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".code-apply");
    if (button) { event.preventDefault(); apply(button.getAttribute("data-code")); }
  });

  document.addEventListener("mousedown", function (event) {
    if (!event.target.closest) { return; }
    // Keep the text selection when a code button is pressed with the mouse.
    if (event.target.closest(".code-apply")) { event.preventDefault(); }
    if (event.button === 0 && event.target.closest("#transcript-text")) { dragging = true; }
  });
  // The browser sends the release here even when it happens outside the window; losing the
  // window's focus ends a drag too, so that a workspace can never wait for ever.
  document.addEventListener("mouseup", dragEnded);
  window.addEventListener("blur", dragEnded);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-coding-form")) { return; }
    event.preventDefault();
    post(form.action, new FormData(form));
  });

  document.addEventListener("input", function (event) {
    if (event.target.id === "code-filter") { filterCodes(); }
  });

  document.addEventListener("keydown", function (event) {
    if (!$("#workspace")) { return; }
    var target = event.target;
    if (target.id === "code-filter") {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = visibleButtons()[0];
        if (first) { apply(first.getAttribute("data-code")); }
      } else if (event.key === "Escape") {
        target.value = "";
        filterCodes();
      }
      return;
    }
    if (inField(target)) { return; }
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
      event.preventDefault();
      undo();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (/^[1-9]$/.test(event.key) && pending) {
      var button = visibleButtons()[Number(event.key) - 1];
      if (button) { event.preventDefault(); apply(button.getAttribute("data-code")); }
      return;
    }
    if (pending && event.key.length === 1 && /\S/.test(event.key)) {
      var filter = $("#code-filter");
      if (filter) { filter.focus(); } // the key press then types into the filter
    }
  });

  function start() {
    paint(document);
    filterCodes();
    showSelection();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
