// assetfake's dashboard: fills in this server's address, and keeps the page current while
// the namespace changes (polls a small stamp; fetches the page again only when it moved).
(function () {
  "use strict";
  var body = document.body;

  function fillOrigin(root) {
    var spots = root.querySelectorAll("[data-origin]");
    for (var i = 0; i < spots.length; i++) {
      spots[i].textContent = window.location.origin;
    }
  }

  fillOrigin(document);
  var stampUrl = body.getAttribute("data-stamp-url");
  var pageUrl = body.getAttribute("data-page-url");
  if (!stampUrl || !pageUrl) {
    return;
  }
  var stamp = body.getAttribute("data-stamp");
  var busy = false;

  function openKeys() {
    var keys = {};
    var open = document.querySelectorAll("details[open][data-key]");
    for (var i = 0; i < open.length; i++) {
      keys[open[i].getAttribute("data-key")] = true;
    }
    return keys;
  }

  function swap(text) {
    var fresh = new DOMParser().parseFromString(text, "text/html");
    var main = fresh.querySelector("main");
    if (!main) {
      return;
    }
    var keep = openKeys();
    var details = main.querySelectorAll("details[data-key]");
    for (var i = 0; i < details.length; i++) {
      if (keep[details[i].getAttribute("data-key")]) {
        details[i].setAttribute("open", "");
      }
    }
    document.querySelector("main").replaceWith(document.adoptNode(main));
    fillOrigin(document);
    stamp = fresh.body.getAttribute("data-stamp");
    body.setAttribute("data-stamp", stamp);
  }

  function poll() {
    if (busy || document.hidden) {
      return;
    }
    busy = true;
    fetch(stampUrl, { cache: "no-store" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (data) {
        if (data && data.stamp !== stamp) {
          return fetch(pageUrl, { cache: "no-store" })
            .then(function (answer) { return answer.ok ? answer.text() : null; })
            .then(function (text) { if (text) { swap(text); } });
        }
        return null;
      })
      .catch(function () { /* the server is gone: keep showing the last page */ })
      .then(function () { busy = false; });
  }

  window.setInterval(poll, 1000);
})();
