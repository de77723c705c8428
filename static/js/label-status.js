// Keeps an open verification page current: if the label's status changes while the page is
// open, reload it so the verdict is never stale. No third-party code, no tracking.
(function () {
  const page = document.querySelector("[data-status-url]");
  if (!page) return;
  const url = page.getAttribute("data-status-url");
  // The label's own status and its verdict (a revoked signing key) when the page was made.
  const shown = page.getAttribute("data-label-status");
  const verdict = page.getAttribute("data-label-verdict");
  setInterval(function () {
    fetch(url, { cache: "no-store" }).then(function (r) { return r.json(); }).then(function (s) {
      if (s.status !== shown || s.verdict !== verdict) window.location.reload();
    }).catch(function () {});
  }, 5000);
})();
