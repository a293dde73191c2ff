// The invoice forms' account select follows the supplier select: choosing another supplier
// structure chooses its default account (or none when it has no account). Without this script
// the server says so next to the field; nothing else depends on it.
(function () {
  "use strict";
  function follow() {
    var supplier = document.getElementById("id_supplier");
    var account = document.getElementById("id_bank_account");
    if (!supplier || !account) {
      return;
    }
    supplier.addEventListener("change", function () {
      var own = account.querySelectorAll('option[data-structure="' + supplier.value + '"]');
      var chosen = "";
      for (var i = 0; i < own.length; i += 1) {
        if (own[i].hasAttribute("data-default") || chosen === "") {
          chosen = own[i].value;
        }
        if (own[i].hasAttribute("data-default")) {
          break;
        }
      }
      account.value = chosen;
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
})();
