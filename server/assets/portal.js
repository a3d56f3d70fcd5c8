// The citizens' portal's enhancements (after app.js). Every page works without this script;
// it only adds:
// - the filing form kept in this browser (localStorage) until it is filed, photos included
//   (downscaled first), so a dropped connection or a closed tab loses nothing, and a retried
//   submission carries the same client_id (the server files it once);
// - the guild barcode read as soon as its photo is taken (POST /v1/scan);
// - a copy button for the tracking code;
// - the service worker, and Web Push subscribed through the devices API;
// - a notice when the service worker hears that a complaint changed.
(function () {
  "use strict";

  var DRAFT = "samat.portal.draft";
  var PHOTOS = "samat.portal.photos";
  var MAX_SIDE = 1600;
  var SCAN_SIDE = 2200;

  function store(key, value) {
    try {
      if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, JSON.stringify(value)); }
      return true;
    } catch (e) { return false; }
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  // --- Photos: drawn onto a canvas at most MAX_SIDE wide (upright, no metadata), as JPEG.
  function downscale(file, side) {
    var make = window.createImageBitmap ? createImageBitmap(file, { imageOrientation: "from-image" }) : Promise.reject("no bitmap");
    return make.then(function (bmp) {
      var scale = Math.min(1, side / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * scale);
      canvas.height = Math.round(bmp.height * scale);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.82); });
    });
  }

  function dataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(r.result); };
      r.onerror = reject;
      r.readAsDataURL(blob);
    });
  }

  function fromDataUrl(url, name) {
    var parts = url.split(",");
    var bin = atob(parts[1]);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new File([bytes], name, { type: "image/jpeg" });
  }

  function setFiles(input, files) {
    if (!window.DataTransfer) { return false; }
    var dt = new DataTransfer();
    files.forEach(function (f) { dt.items.add(f); });
    input.files = dt.files;
    return true;
  }

  function previews(box, urls, onRemove) {
    box.innerHTML = "";
    urls.forEach(function (url, i) {
      var wrap = document.createElement("span");
      var img = document.createElement("img");
      img.src = url;
      img.alt = "عکس " + window.Samat.persianDigits(i + 1);
      var rm = document.createElement("button");
      rm.type = "button";
      rm.className = "link";
      rm.textContent = "حذف";
      rm.addEventListener("click", function () { onRemove(i); });
      wrap.appendChild(img);
      wrap.appendChild(document.createElement("br"));
      wrap.appendChild(rm);
      box.appendChild(wrap);
    });
  }

  // --- The filing form.
  function fileForm() {
    var form = document.getElementById("file-form");
    if (!form) { return; }
    var photosInput = document.getElementById("photos-input");
    var box = document.getElementById("photo-previews");
    var clientId = document.getElementById("client_id");
    var kept = [];

    function fields() {
      var out = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "file" || el.type === "hidden" || el.type === "submit") { return; }
        if (el.type === "radio") { if (el.checked) { out[el.name] = el.value; } return; }
        if (el.type === "checkbox") { out[el.name] = el.checked; return; }
        out[el.name] = el.value;
      });
      out.client_id = clientId.value;
      return out;
    }

    function save() { store(DRAFT, fields()); }

    function restore(draft) {
      Object.keys(draft).forEach(function (name) {
        if (name === "client_id") { clientId.value = draft[name]; return; }
        if (draft[name] === "" || draft[name] === null) { return; }
        var els = form.elements[name];
        if (!els) { return; }
        var list = els.length !== undefined && !els.tagName ? Array.prototype.slice.call(els) : [els];
        list.forEach(function (el) {
          if (el.type === "radio") { el.checked = el.value === draft[name]; }
          else if (el.type === "checkbox") { el.checked = !!draft[name]; }
          else { el.value = draft[name]; }
        });
      });
    }

    function showPhotos() {
      setFiles(photosInput, kept.map(function (url, i) { return fromDataUrl(url, "photo-" + (i + 1) + ".jpg"); }));
      previews(box, kept, function (i) {
        kept.splice(i, 1);
        store(PHOTOS, kept);
        showPhotos();
      });
    }

    // Restore what this browser kept, unless the server just sent the form back with what
    // was posted (a refused form keeps its own values).
    var draft = load(DRAFT);
    var refused = !!document.querySelector(".error-summary") || !!document.getElementById("photos-again") || (document.getElementById("scan-result") && !document.getElementById("scan-result").hidden);
    var empty = !form.elements.description.value && !form.querySelector("input[name=category]:checked");
    if (draft && empty && !refused) {
      restore(draft);
      document.getElementById("draft-restored").hidden = false;
    } else if (draft && refused && draft.client_id === clientId.value) {
      // Same filing: keep the draft in step with what the server sent back.
      save();
    } else {
      save();
    }
    kept = (load(PHOTOS) || []).filter(function (u) { return typeof u === "string" && u.indexOf("data:image/") === 0; });
    if (kept.length) { showPhotos(); }

    document.getElementById("draft-clear").addEventListener("click", function () {
      store(DRAFT, null);
      store(PHOTOS, null);
      location.href = "/file";
    });
    form.addEventListener("input", save);
    form.addEventListener("change", save);

    photosInput.addEventListener("change", function () {
      var chosen = Array.prototype.slice.call(photosInput.files || []);
      if (!chosen.length) { return; }
      Promise.all(chosen.map(function (f) { return downscale(f, MAX_SIDE).then(dataUrl); }))
        .then(function (urls) {
          kept = kept.concat(urls).slice(0, 10);
          if (!store(PHOTOS, kept)) { store(PHOTOS, null); }
          showPhotos();
        })
        .catch(function () { /* the browser cannot draw it (HEIC on some phones): send as chosen */ });
    });

    // The barcode photo is read at once; the button does the same without a script.
    var sticker = document.getElementById("sticker");
    var result = document.getElementById("scan-result");
    sticker.addEventListener("change", function () {
      var file = sticker.files && sticker.files[0];
      if (!file) { return; }
      result.hidden = false;
      result.className = "note";
      result.textContent = "در حال خواندن بارکد…";
      downscale(file, SCAN_SIDE).catch(function () { return file; })
        .then(function (blob) {
          return fetch("/v1/scan", { method: "POST", headers: { "Content-Type": blob.type || "image/jpeg" }, body: blob });
        })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) { throw answer.body; }
          var g = (answer.body.codes || []).map(function (c) { return c.guild; }).filter(Boolean)[0];
          if (!g) {
            result.className = "note warn";
            result.textContent = "در این عکس بارکد صنفی پیدا نشد. عکس واضح‌تری از نزدیک بگیرید یا شناسه صنفی را بنویسید.";
            return;
          }
          var idField = document.getElementById("guild_id");
          var nameField = document.getElementById("business_name");
          idField.value = g.guild_id;
          var name = g.verified ? (g.name || g.registry_name) : g.registry_name;
          if (name) { nameField.value = name; }
          var shown = name || window.Samat.persianDigits(g.guild_id);
          if (g.verified) {
            result.className = "note ok";
            result.textContent = "بارکد صنفی معتبر خوانده شد: " + shown;
          } else {
            result.className = "note warn";
            result.textContent = "شناسه صنفی خوانده شد (" + shown + ")، اما این بارکد امضای معتبر وزارت صمت را ندارد؛ ممکن است برچسب جعلی یا دست‌کاری‌شده باشد.";
          }
          idField.dispatchEvent(new Event("samat:lookup"));
          sticker.value = "";
          save();
        })
        .catch(function (problem) {
          result.className = "note warn";
          result.textContent = (problem && problem.code === "rate_limited") ? "درخواست‌ها زیاد است؛ کمی بعد دوباره عکس بگیرید." : "خواندن بارکد انجام نشد؛ دکمه «خواندن بارکد» را بزنید یا شناسه را بنویسید.";
        });
    });
  }

  // --- After filing: the draft is done with; the code copies with one tap.
  function filedPage() {
    if (document.querySelector("[data-clear-draft]")) {
      store(DRAFT, null);
      store(PHOTOS, null);
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-copy");
        var done = function () { button.textContent = "کپی شد"; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { window.prompt("کد رهگیری:", text); });
        } else {
          window.prompt("کد رهگیری:", text);
        }
      });
    });
  }

  // --- Notifications: the service worker, and Web Push through the devices API.
  function base64UrlToBytes(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function bytesToBase64Url(buffer) {
    var bytes = new Uint8Array(buffer);
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function register(subscription) {
    var json = subscription.toJSON();
    return fetch("/v1/devices", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": window.Samat.csrf() },
      body: JSON.stringify({ kind: "unifiedpush", endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } })
    }).then(function (r) { if (!r.ok) { return r.json().then(function (p) { throw p; }); } return r.json(); });
  }

  function notifications() {
    if (!("serviceWorker" in navigator)) { return; }
    var ready = navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () { return navigator.serviceWorker.ready; });
    // A change heard by the service worker: say so on the page.
    navigator.serviceWorker.addEventListener("message", function (event) {
      var msg = event.data || {};
      if (msg.type !== "complaint-changed") { return; }
      var banner = document.getElementById("changed");
      if (banner && (!msg.tracking_code || location.pathname.indexOf(msg.tracking_code) >= 0)) {
        banner.hidden = false;
      }
    });
    var box = document.getElementById("push");
    if (!box || !document.body.hasAttribute("data-signed-in") || !("PushManager" in window)) { return; }
    var status = document.getElementById("push-status");
    var button = document.getElementById("push-enable");
    box.hidden = false;
    ready.then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
      if (sub && Notification.permission === "granted") {
        status.textContent = "اعلان‌ها در این مرورگر روشن است.";
        button.hidden = true;
      }
    }).catch(function () {});
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = "در حال روشن کردن اعلان‌ها…";
      Notification.requestPermission()
        .then(function (permission) {
          if (permission !== "granted") { throw { code: "denied" }; }
          return Promise.all([ready, fetch("/v1/push/vapid").then(function (r) { if (!r.ok) { throw { code: "push_not_configured" }; } return r.json(); })]);
        })
        .then(function (both) {
          return both[0].pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(both[1].public_key) });
        })
        .then(register)
        .then(function () {
          status.textContent = "اعلان‌ها در این مرورگر روشن شد؛ هر تغییر در شکایت‌هایتان را خبر می‌دهیم.";
          button.hidden = true;
        })
        .catch(function (e) {
          button.disabled = false;
          status.textContent = e && e.code === "denied"
            ? "اجازه نمایش اعلان داده نشد. آن را در تنظیمات مرورگر روشن کنید."
            : "اعلان در این مرورگر روشن نشد. پیامک‌ها مثل همیشه فرستاده می‌شوند.";
        });
    });
  }

  window.Samat.registerPush = register;
  window.Samat.bytesToBase64Url = bytesToBase64Url;

  document.addEventListener("DOMContentLoaded", function () {
    fileForm();
    filedPage();
    notifications();
  });
})();
