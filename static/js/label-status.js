// Keeps an open verification page current: if the label's status changes while the page is
// open, reload it so the verdict is never stale. No third-party code, no tracking.
(function () {
  const page = document.querySelector("[data-status-url]");
  if (!page) return;
  const url = page.getAttribute("data-status-url");
  // The label's own status when the page was made (the verdict may say more: an untrusted key).
  const shown = page.getAttribute("data-label-status");
  setInterval(function () {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (s.status !== shown) window.location.reload();
    }).catch(function () {});
  }, 5000);
})();
