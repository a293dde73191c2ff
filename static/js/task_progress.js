/* Progress of a task a worker runs (an EJ file being loaded), as a progressive enhancement of
   the elements marked data-progress-url.

   Without this script the page shows the progress of the moment and asks to reload it. With it,
   the URL (a JSON answer: percent, processed, total, done) is polled every second: the bar and
   its status line follow, and the page is reloaded once the task is done, to show its outcome.
   After a few failed polls in a row it stops and says so.

   The texts come from the box's data attributes (the template translates them): data-text
   ("{done} / {total}"), data-failed. They are not on the script's tag: after an upload,
   upload_progress.js puts the answer's page in place and runs its scripts again by their
   address alone. */
(function () {
  "use strict";
  const INTERVAL = 1000;
  const MAX_FAILURES = 5;

  function fill(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  function follow(box) {
    const bar = box.querySelector("progress");
    const status = box.querySelector("[data-progress-text]");
    const hint = box.querySelector("[data-progress-hint]");
    const texts = box.dataset;
    if (hint) hint.hidden = true;
    let failures = 0;

    function poll() {
      fetch(box.dataset.progressUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (state) {
          failures = 0;
          if (bar) bar.value = state.percent;
          if (status && texts.text) {
            status.textContent = fill(texts.text, { done: state.processed, total: state.total });
          }
          if (state.done) {
            window.location.reload();
          } else {
            window.setTimeout(poll, INTERVAL);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < MAX_FAILURES) {
            window.setTimeout(poll, INTERVAL);
          } else if (status && texts.failed) {
            status.textContent = texts.failed;
          }
        });
    }
    window.setTimeout(poll, INTERVAL);
  }

  document.querySelectorAll("[data-progress-url]:not([data-progress-followed])").forEach(
    function (box) {
      box.setAttribute("data-progress-followed", "");
      follow(box);
    }
  );
})();
