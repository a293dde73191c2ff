/* Length limits said, never applied silently.

   A text field's maxlength makes the browser cut what is typed or pasted beyond it, without a
   word. Once such a field is focused, this script takes the limit off the browser (kept in
   data-maxlength; the server still refuses a text too long, with a message under the field)
   and shows under the field a live counter: "12 / 255 caractères", then how many are too
   many. Fields added later (a new invoice line) are handled when they are focused.

   The texts come from the data attributes of the <script> tag (base.html translates them). */
(function () {
  "use strict";
  const root = document.documentElement;
  if (root.hasAttribute("data-char-count")) return;
  root.setAttribute("data-char-count", "");

  const script = document.currentScript;
  const text = {
    count: (script && script.dataset.count) || "{count} / {max} caractères",
    over: (script && script.dataset.over) || "{count} / {max} caractères : {over} de trop",
  };
  const COUNTED = "textarea[maxlength], input[maxlength]:is([type=text], :not([type]))";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_all, name) {
      return String(values[name]);
    });
  }

  function counterOf(field) {
    const id = field.getAttribute("data-char-counter");
    if (id) return document.getElementById(id);
    const max = parseInt(field.getAttribute("maxlength"), 10);
    if (!max || max < 20) return null; // codes and short numbers: their hint says the length
    field.setAttribute("data-maxlength", String(max));
    field.removeAttribute("maxlength");
    const counter = document.createElement("p");
    counter.id = (field.id || "field-" + Math.random().toString(36).slice(2, 8)) + "-count";
    counter.className = "fr-hint-text chorus-char-count";
    field.insertAdjacentElement("afterend", counter);
    const described = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    field.setAttribute("aria-describedby", described.concat(counter.id).join(" ").trim());
    field.setAttribute("data-char-counter", counter.id);
    return counter;
  }

  function update(field) {
    const counter = counterOf(field);
    if (!counter) return;
    const max = parseInt(field.getAttribute("data-maxlength"), 10);
    const count = Array.from(field.value).length;
    const over = count - max;
    counter.textContent = fill(over > 0 ? text.over : text.count, { count: count, max: max, over: over });
    counter.classList.toggle("fr-error-text", over > 0);
    counter.classList.toggle("fr-hint-text", over <= 0);
    counter.setAttribute("aria-live", over > 0 ? "assertive" : "off");
  }

  function counted(target) {
    return target instanceof Element && (target.matches(COUNTED) || target.hasAttribute("data-char-counter"));
  }

  document.addEventListener("focusin", function (event) {
    if (counted(event.target)) update(event.target);
  });
  document.addEventListener("input", function (event) {
    if (counted(event.target)) update(event.target);
  });
})();
