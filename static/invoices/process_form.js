/* The agent's decision form (one invoice, or several from the received list): offer only the
   reasons that may justify the chosen decision, and the mandate number only for "Mandatée".
   The server checks the same rules. */
(function () {
  "use strict";
  const form = document.querySelector("[data-process-form]");
  if (!form || !form.querySelector("#id_target")) return;
  const reasonsByStatus = JSON.parse(document.getElementById("reasons-by-status").textContent);
  const target = form.querySelector("#id_target");
  const reason = form.querySelector("#id_reason");
  const mandate = form.querySelector("#id_mandate_number");
  const groupOf = (el) => el.closest(".fr-input-group, .fr-select-group");

  function update() {
    const allowed = reasonsByStatus[target.value];
    groupOf(reason).hidden = !allowed;
    Array.from(reason.options).forEach(function (option) {
      option.hidden = Boolean(option.value) && !(allowed || []).includes(Number(option.value));
    });
    if (reason.selectedOptions[0] && reason.selectedOptions[0].hidden) reason.value = "";
    if (mandate) groupOf(mandate).hidden = target.value !== "MANDATEE";
  }
  target.addEventListener("change", update);
  update();
})();
