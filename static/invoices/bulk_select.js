/* The received list's "tick every invoice of this page" box, in the selection column's header
   (a progressive enhancement: without it, each invoice is ticked by hand, or "all those of the
   filters" chosen). Its label comes from the header's data-select-all, translated by the page. */
(function () {
  "use strict";
  const header = document.querySelector("[data-select-all]");
  if (!header) return;
  const boxes = Array.from(document.querySelectorAll("input[type=checkbox][name=invoices]"));
  if (!boxes.length) return;

  const group = document.createElement("div");
  group.className = "fr-checkbox-group fr-checkbox-group--sm";
  const all = document.createElement("input");
  all.type = "checkbox";
  all.id = "select-all-invoices";
  const label = document.createElement("label");
  label.className = "fr-label";
  label.htmlFor = all.id;
  const text = document.createElement("span");
  text.className = "fr-sr-only";
  text.textContent = header.dataset.selectAll;
  label.appendChild(text);
  group.append(all, label);
  header.replaceChildren(group);

  function reflect() {
    const ticked = boxes.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
  boxes.forEach(function (box) { box.addEventListener("change", reflect); });
  reflect();
})();
