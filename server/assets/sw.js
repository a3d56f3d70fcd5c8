// The portal's service worker: shows a notification when the server pushes that a complaint
// changed (the push carries only the tracking code, the stage and the feed position; the page
// fetches the rest), tells open pages to refresh, and opens the complaint when tapped.
"use strict";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function readPush(event) {
  if (!event.data) { return {}; }
  try { return event.data.json(); } catch (e) { return {}; }
}

self.addEventListener("push", function (event) {
  var msg = readPush(event);
  var code = typeof msg.tracking_code === "string" && /^[0-9]{10}$/.test(msg.tracking_code) ? msg.tracking_code : null;
  var url = code ? "/my/complaints/" + code : "/my";
  var title = "سامانه ۱۲۴";
  var body = code ? "وضعیت شکایت " + code + " تغییر کرد. برای دیدن جزئیات بزنید." : "خبر تازه‌ای درباره شکایت شما هست.";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
      clients.forEach(function (c) { c.postMessage({ type: "complaint-changed", tracking_code: code }); });
      return self.registration.showNotification(title, {
        body: body,
        tag: code || "samat",
        renotify: true,
        lang: "fa",
        dir: "rtl",
        icon: "/assets/icons/icon-192.png",
        data: { url: url }
      });
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/my";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (clients) {
      for (var i = 0; i < clients.length; i++) {
        if (new URL(clients[i].url).pathname === url && "focus" in clients[i]) { return clients[i].focus(); }
      }
      return self.clients.openWindow(url);
    })
  );
});
