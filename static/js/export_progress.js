/* Export progress, as a progressive enhancement of the links marked data-export-progress.

   Without this script (or in a browser without streams) the link downloads the file as usual.
   With it, the file is fetched as a stream: a progress bar counts its rows against the total
   the page already shows (data-total), then the file is handed to the browser as a download
   under the name the server gave. On any failure the link is followed as usual.

   The texts come from the data attributes of the link (the template translates them):
   data-running ("{rows} / {total}"), data-done ("{rows}"), data-failed. */
(function () {
  "use strict";
  const root = document.documentElement;
  if (root.hasAttribute("data-export-progress")) return;
  root.setAttribute("data-export-progress", "");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return key in values ? String(values[key]) : whole;
    });
  }

  function progressBox(link) {
    let box = link.parentNode.querySelector("[data-export-progress-box]");
    if (box) return box;
    box = document.createElement("div");
    box.className = "chorus-upload-progress fr-mt-1w";
    box.setAttribute("data-export-progress-box", "");
    const id = "export-progress-" + Math.random().toString(36).slice(2, 8);
    box.innerHTML =
      '<label class="fr-label" for="' + id + '"></label>' +
      '<progress id="' + id + '" max="100" value="0"></progress>' +
      '<p class="fr-text--sm fr-mb-0" role="status" aria-live="polite"></p>';
    box.querySelector("label").textContent = link.textContent.trim();
    link.parentNode.appendChild(box);
    return box;
  }

  function show(box, percent, message) {
    box.querySelector("progress").value = percent;
    box.querySelector("[role=status]").textContent = message;
  }

  function fileName(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = /filename="([^"]+)"/.exec(header);
    return match ? match[1] : fallback;
  }

  function save(blob, name) {
    const url = URL.createObjectURL(blob);
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = name;
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
  }

  async function exportWithProgress(link) {
    const total = Math.max(parseInt(link.dataset.total || "0", 10), 0);
    const text = {
      running: link.dataset.running || "{rows} / {total}",
      done: link.dataset.done || "{rows}",
      failed: link.dataset.failed || "",
    };
    const box = progressBox(link);
    link.setAttribute("aria-disabled", "true");
    show(box, 0, fill(text.running, { rows: 0, total: total }));
    const response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
    const reader = response.body.getReader();
    const chunks = [];
    let newlines = 0;
    for (;;) {
      const step = await reader.read();
      if (step.done) break;
      chunks.push(step.value);
      for (let i = 0; i < step.value.length; i += 1) if (step.value[i] === 10) newlines += 1;
      const rows = Math.max(newlines - 1, 0);  // the first line holds the column titles
      const percent = total ? Math.min(100, Math.round((rows / total) * 100)) : 0;
      show(box, percent, fill(text.running, { rows: rows, total: total }));
    }
    const rows = Math.max(newlines - 1, 0);
    save(new Blob(chunks, { type: "text/csv" }), fileName(response, "export.csv"));
    show(box, 100, fill(text.done, { rows: rows }));
    link.removeAttribute("aria-disabled");
  }

  document.addEventListener("click", function (event) {
    const link = event.target instanceof Element && event.target.closest("a[data-export-progress]");
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    if (!window.fetch || !window.ReadableStream || link.getAttribute("aria-disabled") === "true") return;
    event.preventDefault();
    exportWithProgress(link).catch(function () {
      const box = progressBox(link);
      show(box, 0, link.dataset.failed || "");
      link.removeAttribute("aria-disabled");
      window.location.assign(link.href);  // the plain download, as without this script
    });
  });
})();
