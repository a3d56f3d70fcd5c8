// The staff console's enhancements (after app.js). Every page works without this script; it
// only adds a live refresh of the queue (long-poll /staff/live) and keyboard shortcuts
// (data-key).
(function () {
  "use strict";

  var persianDigits = window.Samat.persianDigits;

  // --- Live queue: wait for a change anywhere, then fetch this page again and swap the queue.
  function liveQueue() {
    var live = document.getElementById("live");
    var queue = document.getElementById("queue");
    if (!live || !queue || !window.fetch) { return; }
    var seen = live.getAttribute("data-seen") || "0";
    var delay = 1000;
    function refresh() {
      return fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("queue");
          var total = doc.getElementById("queue-total");
          if (fresh) { queue.innerHTML = fresh.innerHTML; }
          if (total && document.getElementById("queue-total")) { document.getElementById("queue-total").textContent = total.textContent; }
          var now = new Date();
          live.textContent = "به‌روز شد، ساعت " + persianDigits(("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2));
          live.className = "live no-print fresh";
          selectRow(0);
        });
    }
    function wait() {
      fetch("/staff/live?seen=" + encodeURIComponent(seen), { credentials: "same-origin" })
        .then(function (r) {
          if (r.status === 401 || r.redirected) { return Promise.reject("logged out"); }
          return r.ok ? r.json() : Promise.reject(r.status);
        })
        .then(function (body) {
          delay = 1000;
          var changed = String(body.changes) !== String(seen);
          seen = String(body.changes);
          return changed ? refresh() : null;
        })
        .then(function () { setTimeout(wait, 200); })
        .catch(function (why) {
          if (why === "logged out") { live.textContent = "ورود شما پایان یافته؛ صفحه را تازه کنید."; return; }
          live.textContent = "اتصال برقرار نیست؛ دوباره تلاش می‌شود…";
          setTimeout(wait, delay);
          delay = Math.min(delay * 2, 30000);
        });
    }
    live.textContent = "به‌روزرسانی خودکار روشن است.";
    wait();
  }

  // --- Keyboard: data-key on links, buttons and fields; j/k/Enter in the queue.
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }
  function selectRow(i) {
    var all = rows();
    all.forEach(function (r) { r.classList.remove("selected"); });
    if (!all.length || selected < 0) { return; }
    selected = Math.max(0, Math.min(i, all.length - 1));
    all[selected].classList.add("selected");
    all[selected].scrollIntoView({ block: "nearest" });
  }
  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }
  function keys() {
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (e.key === "Escape" && typing(e.target)) { e.target.blur(); return; }
      if (typing(e.target)) { return; }
      if (e.key === "j" || e.key === "k") {
        selected = selected < 0 ? 0 : selected + (e.key === "j" ? 1 : -1);
        selectRow(selected);
        e.preventDefault();
        return;
      }
      if (e.key === "Enter" && selected >= 0) {
        var row = rows()[selected];
        if (row) { location.href = row.getAttribute("data-href"); e.preventDefault(); }
        return;
      }
      var el = document.querySelector('[data-key="' + (e.key === "/" ? "/" : e.key.replace(/"/g, "")) + '"]');
      if (!el) { return; }
      e.preventDefault();
      if (typing(el)) { el.focus(); } else { el.click(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    liveQueue();
    keys();
  });
})();
