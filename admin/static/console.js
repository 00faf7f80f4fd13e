// Jobwheel console: progressive enhancement only. Every page works without this file; with
// it, destructive forms ask first and the job form previews its next fire times live.
(function () {
  "use strict";
  var meta = function (name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : "";
  };
  var base = meta("base-path");

  // Forms marked data-confirm ask before they submit (deletes, stops).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Buttons marked data-copy="ID" copy that input's value (the new API token).
  document.addEventListener("click", function (event) {
    var id = event.target.getAttribute && event.target.getAttribute("data-copy");
    var input = id && document.getElementById(id);
    if (!input) { return; }
    input.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(input.value).catch(function () { /* selected instead */ });
    }
  });

  // Live schedule preview: [data-preview] holds the output; it reads the inputs named in
  // data-type / data-conf / data-tz and asks the server (the scheduler's own code) for the
  // next fire times as the user types.
  function wirePreview(box) {
    var type = document.getElementById(box.getAttribute("data-type"));
    var conf = document.getElementById(box.getAttribute("data-conf"));
    var tz = document.getElementById(box.getAttribute("data-tz"));
    var timer = null;
    var seq = 0;
    function refresh() {
      var mine = ++seq;
      var query = "type=" + encodeURIComponent(type ? type.value : "CRON") +
        "&conf=" + encodeURIComponent(conf ? conf.value : "") +
        "&tz=" + encodeURIComponent(tz ? tz.value : "");
      fetch(base + "/console/schedule-preview?" + query, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (mine !== seq) { return; }
          box.textContent = "";
          box.classList.toggle("invalid", !!data.error);
          if (data.error) {
            box.textContent = data.error;
            return;
          }
          if (!data.times.length) {
            box.textContent = box.getAttribute("data-none") || "—";
            return;
          }
          data.times.forEach(function (t) {
            var line = document.createElement("div");
            line.className = "preview-time";
            line.textContent = t + "  (" + data.tz + ")";
            box.appendChild(line);
          });
        })
        .catch(function () { /* offline or logged out: keep the last preview */ });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 250);
    }
    [type, conf, tz].forEach(function (el) {
      if (el) { el.addEventListener("input", later); el.addEventListener("change", later); }
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-preview]"), wirePreview);
  });

  // Rolling log: [data-log-tail] polls the run's executor log every 3 s and appends what is
  // new (the server escaped it, keeping only <br> and <b>), until the server says `end` or
  // 20 polls in a row brought nothing new.
  var POLL_MS = 3000;
  var MAX_IDLE_POLLS = 20;
  function wireTail(pre) {
    var url = pre.getAttribute("data-log-tail");
    var state = document.getElementById("rolling-state");
    var from = 1;
    var idle = 0;
    function say(text) { if (state) { state.textContent = text; } }
    function poll() {
      fetch(url + "?from=" + from, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.error) {
            say(data.error);
            idle++;
          } else if (data.toLineNum >= data.fromLineNum) {
            pre.insertAdjacentHTML("beforeend", data.logContent || "");
            from = data.toLineNum + 1;
            idle = 0;
          } else {
            idle++;
          }
          if (data.end) {
            pre.setAttribute("data-done", "end");
            say(pre.getAttribute("data-ended") || "");
            return;
          }
          if (idle >= MAX_IDLE_POLLS) {
            pre.setAttribute("data-done", "idle");
            return;
          }
          setTimeout(poll, POLL_MS);
        })
        .catch(function () {
          idle++;
          if (idle < MAX_IDLE_POLLS) { setTimeout(poll, POLL_MS); }
        });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-log-tail]"), wireTail);
  });

  // GLUE editor: Tab in a [data-tab-indent] textarea inserts a tab instead of leaving the
  // field, and [data-glue-load] buttons copy a saved version into the editor (not saved
  // until the user saves it with a remark).
  document.addEventListener("keydown", function (event) {
    var area = event.target;
    if (event.key !== "Tab" || event.shiftKey || !area.hasAttribute || !area.hasAttribute("data-tab-indent")) { return; }
    event.preventDefault();
    var start = area.selectionStart;
    area.setRangeText("\t", start, area.selectionEnd, "end");
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-glue-load]");
    var editor = document.getElementById("glue-source");
    var version = button && document.getElementById(button.getAttribute("data-glue-load"));
    if (version && editor) {
      editor.value = version.value;
      editor.focus();
    }
  });

  // For scripts that change state: fetch with the CSRF header.
  window.jobwheelPost = function (url, body) {
    return fetch(base + url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "x-csrf-token": meta("csrf-token"), "content-type": "application/x-www-form-urlencoded" },
      body: body || ""
    });
  };
})();
