/* The progress of a bulk decision, as a progressive enhancement of its page.

   Without this script the page says the decision is running and offers to reload it. With it,
   the bar and the status line follow the JSON progress (data-url) every second, and the page
   reloads itself once the decision is done, to list what was done and what was refused.
   The running text comes from data-running ("{handled} / {total}"), translated by the page. */
(function () {
  "use strict";
  const box = document.querySelector("[data-bulk-progress]");
  if (!box || box.dataset.state === "DONE") return;
  const bar = box.querySelector("progress");
  const status = box.querySelector("[data-bulk-progress-status]");
  const template = box.dataset.running || "{handled} / {total}";
  const PERIOD = 1000;

  function fill(values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  async function poll() {
    let progress;
    try {
      const response = await fetch(box.dataset.url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (response.redirected) {
        window.location.reload(); // signed out meanwhile: the page itself says where to go
        return;
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      progress = await response.json();
    } catch (error) {
      window.setTimeout(poll, PERIOD * 3); // a hiccup: try again, a little later
      return;
    }
    bar.max = progress.total;
    bar.value = progress.handled;
    bar.textContent = progress.percent + " %";
    status.textContent = fill(progress);
    if (progress.state === "DONE") {
      window.location.reload();
      return;
    }
    window.setTimeout(poll, PERIOD);
  }

  window.setTimeout(poll, PERIOD);
})();
