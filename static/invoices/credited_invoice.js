/* A credit note's invoice ("Facture d'origine (avoir)"): the list shows only when the type is a
   credit note, and offers only the invoices of the supplier chosen and, once a whole SIRET is
   typed, of that recipient. The server checks the choice all the same. */
(function () {
  "use strict";
  const select = document.querySelector("select[name='original_invoice_number']");
  if (!select) return;
  const form = select.form;
  const group = select.closest("[data-credited-group]") || select.parentElement;
  const type = form.querySelector("[name='invoice_type']");
  const supplier = form.querySelector("[name='supplier']");
  const recipient = form.querySelector("[name='recipient_siret']");

  function isCreditNote() {
    return type && type.value === "AVOIR";
  }
  function update() {
    // Kept in view while it holds a choice or an error: nothing the supplier gave is hidden.
    const hasError = group.querySelector(".fr-error-text") !== null;
    group.hidden = !isCreditNote() && !select.value && !hasError;
    const siret = recipient ? recipient.value.replace(/\s/g, "") : "";
    for (const option of select.options) {
      if (!option.value) continue;
      const otherSupplier = supplier && option.dataset.supplier !== supplier.value;
      const otherRecipient = /^\d{14}$/.test(siret) && option.dataset.recipient !== siret;
      option.hidden = Boolean(otherSupplier || otherRecipient) && !option.selected;
    }
  }
  for (const field of [type, supplier, recipient]) {
    if (field) {
      field.addEventListener("change", update);
      field.addEventListener("input", update);
    }
  }
  update();
})();
