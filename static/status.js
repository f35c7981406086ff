// Auto-refresh without losing the scroll position: fetch the page, swap the live sections in place.
// Served as a file because the Content-Security-Policy forbids inline script.
(function () {
  "use strict";
  var EVERY = 30000;
  var paused = false;
  var toggle = document.getElementById("refresh-toggle");

  function busy(section) {
    // Never swap a section under someone typing a note or with a form open.
    var active = document.activeElement;
    if (active && section.contains(active) && /INPUT|SELECT|TEXTAREA|BUTTON/.test(active.tagName)) return true;
    return section.querySelector("details[open]") !== null;
  }

  function refresh() {
    if (paused || document.hidden) return;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        // Logged out (here or on another device) or past the session's 12 hours: go and log in,
        // rather than keep showing old figures under "retrying".
        if (response.redirected && response.url.indexOf("/login") !== -1) {
          window.location.assign(response.url);
          throw new Error("signed out");
        }
        if (response.redirected || !response.ok) throw new Error("status " + response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("section[data-live]").forEach(function (section) {
          var next = fresh.getElementById(section.id);
          if (next && !busy(section)) section.innerHTML = next.innerHTML;
        });
        ["updated", "render-ms"].forEach(function (id) {
          var a = document.getElementById(id), b = fresh.getElementById(id);
          if (a && b) a.textContent = b.textContent;
        });
        tick();
      })
      .catch(function (err) {
        var updated = document.getElementById("updated");
        if (updated) updated.textContent = "Refresh failed (" + err.message + "); retrying";
      });
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".timer[data-since]").forEach(function (el) {
      var minutes = Math.max(0, Math.floor((now - Date.parse(el.getAttribute("data-since"))) / 60000));
      el.textContent = minutes + " min ago";
    });
  }

  if (toggle) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      paused = !paused;
      toggle.setAttribute("aria-pressed", paused ? "true" : "false");
      toggle.textContent = paused ? "Resume auto-refresh" : "Pause auto-refresh";
    });
  }
  setInterval(refresh, EVERY);
  setInterval(tick, 15000);
})();
