/* Upload progress, as a progressive enhancement of every form that sends files.

   Without this script (or without a file chosen) the form submits as usual. With it, the form
   is sent by XMLHttpRequest so that a progress bar can follow the upload; the server's answer
   (the next page after its redirect, or the form with its errors) then replaces the page, as
   a normal submission would. A form opts out with data-no-upload-progress. base.html marks
   the part of the page an answer replaces with data-page-body.

   The texts come from the data attributes of the <script> tag (base.html translates them). */
(function () {
  "use strict";
  // Once per page, even if a template includes the script a second time.
  const root = document.documentElement;
  if (root.hasAttribute("data-upload-progress")) return;
  root.setAttribute("data-upload-progress", "");

  const script = document.currentScript;
  const text = {
    sending: (script && script.dataset.sending) || "Envoi du fichier",
    percent: (script && script.dataset.percent) || "Envoi du fichier : {percent} %",
    processing: (script && script.dataset.processing) || "Fichier envoyé, vérification en cours…",
    failed: (script && script.dataset.failed) || "L’envoi a échoué. Vérifiez votre connexion et réessayez.",
  };

  function hasFiles(form) {
    return Array.from(form.querySelectorAll("input[type=file]")).some(function (input) {
      return input.files && input.files.length > 0;
    });
  }

  function progressBox(form) {
    let box = form.querySelector("[data-upload-progress-box]");
    if (box) return box;
    box = document.createElement("div");
    box.className = "chorus-upload-progress fr-mb-2w";
    box.setAttribute("data-upload-progress-box", "");
    const id = "upload-progress-" + Math.random().toString(36).slice(2, 8);
    box.innerHTML =
      '<label class="fr-label" for="' + id + '"></label>' +
      '<progress id="' + id + '" max="100" value="0"></progress>' +
      '<p class="fr-text--sm fr-mb-0" role="status" aria-live="polite"></p>';
    box.querySelector("label").textContent = text.sending;
    const buttons = form.querySelector(".fr-btns-group, button[type=submit]");
    form.insertBefore(box, buttons && buttons.parentNode === form ? buttons : null);
    return box;
  }

  function show(box, percent, message) {
    const bar = box.querySelector("progress");
    if (percent === null) bar.removeAttribute("value");  // indeterminate: the server works
    else bar.value = percent;
    box.querySelector("[role=status]").textContent = message;
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
      button.disabled = busy;
    });
    form.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function replacePage(xhr) {
    // The server's answer replaces the page body (messages and content), as a normal
    // submission would show it; header and footer stay. The design system's script sees the
    // new nodes and sets them up; the page's own scripts are run again on them.
    const answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
    const fresh = answer.querySelector("[data-page-body]");
    const current = document.querySelector("[data-page-body]");
    if (!fresh || !current) {
      window.location.assign(xhr.responseURL || window.location.href);
      return;
    }
    answer.querySelectorAll("link[rel=stylesheet]").forEach(function (link) {
      if (!document.querySelector('link[rel=stylesheet][href="' + link.getAttribute("href") + '"]')) {
        document.head.appendChild(document.importNode(link, true));
      }
    });
    current.replaceWith(document.importNode(fresh, true));
    document.title = answer.title;
    if (xhr.responseURL && xhr.responseURL !== window.location.href) {
      window.history.replaceState(null, "", xhr.responseURL);  // as after POST then redirect
    }
    answer.querySelectorAll("body > script[src]").forEach(function (old) {
      const src = old.getAttribute("src");
      if (old.type === "module" || old.noModule || src.indexOf("/dsfr/") >= 0 ||
          src.indexOf("upload_progress") >= 0) return;
      const script = document.createElement("script");
      script.src = src;
      document.body.appendChild(script);
    });
    window.scrollTo(0, 0);
    const heading = document.querySelector("[data-page-body] h1");
    if (heading) {  // a screen reader starts again from the new page's title
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    if (form.enctype !== "multipart/form-data" || form.hasAttribute("data-no-upload-progress")) return;
    if (!hasFiles(form) || !window.FormData) return;
    event.preventDefault();

    const data = new FormData(form);
    const submitter = event.submitter;
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const box = progressBox(form);
    show(box, 0, text.percent.replace("{percent}", "0"));
    setBusy(form, true);

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      const percent = Math.round((e.loaded / e.total) * 100);
      show(box, percent, text.percent.replace("{percent}", String(percent)));
    });
    xhr.upload.addEventListener("load", function () {
      show(box, null, text.processing);
    });
    xhr.addEventListener("load", function () {
      if (xhr.status >= 500 || !xhr.responseText) {
        show(box, 0, text.failed);
        setBusy(form, false);
        return;
      }
      replacePage(xhr);
    });
    xhr.addEventListener("error", function () {
      show(box, 0, text.failed);
      setBusy(form, false);
    });
    xhr.send(data);
  });
})();
