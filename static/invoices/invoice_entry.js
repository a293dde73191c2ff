/* Invoice entry: add and remove lines, show the totals as you type, and tell what the chosen
   recipient requires. The server recomputes everything; this is only a preview. Amounts are
   computed exactly with BigInt (cents), rounded half away from zero like Python's ROUND_HALF_UP. */
(function () {
  "use strict";
  const form = document.querySelector("[data-invoice-entry]");
  if (!form) return;
  const messages = JSON.parse(document.getElementById("invoice-entry-messages").textContent);
  const body = form.querySelector("[data-lines]");
  const template = form.querySelector("[data-line-template]");
  const total = form.querySelector("#id_lines-TOTAL_FORMS");
  const lang = document.documentElement.lang || "fr";

  // "12,5" or "12.50" → BigInt scaled by 10^scale (null when not a number).
  function scaled(text, scale) {
    const clean = String(text || "").trim().replace(/\s/g, "").replace(",", ".");
    if (!/^-?\d*(\.\d*)?$/.test(clean) || clean === "" || clean === "-" || clean === ".") return null;
    const negative = clean.startsWith("-");
    const [whole, fraction = ""] = clean.replace("-", "").split(".");
    if (fraction.length > scale) return null;
    const value = BigInt((whole || "0") + fraction.padEnd(scale, "0"));
    return negative ? -value : value;
  }
  function divRound(value, divisor) {
    const half = divisor / 2n;
    return value >= 0n ? (value + half) / divisor : -((-value + half) / divisor);
  }
  function money(cents) {
    const currency = (form.querySelector("#id_currency") || {}).value || "EUR";
    const sign = cents < 0n ? "-" : "";
    const abs = cents < 0n ? -cents : cents;
    const amount = Number(abs / 100n) + Number(abs % 100n) / 100;
    try {
      return sign + new Intl.NumberFormat(lang, { style: "currency", currency }).format(amount);
    } catch (e) {
      return sign + amount.toFixed(2) + " " + currency;
    }
  }
  function field(row, name) {
    return row.querySelector('[data-field="' + name + '"]');
  }
  function deleted(row) {
    const box = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
    return box && box.checked;
  }

  function lineNet(row) {
    const quantity = scaled(field(row, "quantity").value, 4);
    const price = scaled(field(row, "unit_price").value, 4);
    const discount = scaled(field(row, "discount").value || "0", 2);
    if (quantity === null || price === null || discount === null) return null;
    return divRound(quantity * price - discount * 1000000n, 1000000n); // 10^8 → cents
  }

  function recompute() {
    const bases = new Map(); // rate ×10 (5.5 → 55) → cents
    body.querySelectorAll("[data-line]").forEach(function (row) {
      const cell = row.querySelector("[data-net]");
      if (deleted(row)) return;
      const net = lineNet(row);
      cell.textContent = net === null ? "—" : money(net);
      const rate = scaled(field(row, "vat_rate").value, 1);
      if (net === null || rate === null) return;
      bases.set(rate, (bases.get(rate) || 0n) + net);
    });
    let excl = 0n;
    let vat = 0n;
    const breakdown = form.querySelector("[data-breakdown]");
    breakdown.textContent = "";
    Array.from(bases.keys()).sort((a, b) => (a < b ? 1 : -1)).forEach(function (rate) {
      const base = bases.get(rate);
      const amount = divRound(base * rate, 1000n);
      excl += base;
      vat += amount;
      const tr = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = messages.rate + " " + (Number(rate) / 10).toLocaleString(lang) + " %";
      const td = document.createElement("td");
      td.className = "chorus-amount";
      td.textContent = money(base) + " → " + money(amount);
      tr.append(th, td);
      breakdown.append(tr);
    });
    const prepaid = scaled((form.querySelector("#id_prepaid_amount") || {}).value || "0", 2) || 0n;
    form.querySelector('[data-total="excl"]').textContent = money(excl);
    form.querySelector('[data-total="vat"]').textContent = money(vat);
    form.querySelector('[data-total="incl"]').textContent = money(excl + vat);
    form.querySelector('[data-total="due"]').textContent = money(excl + vat - prepaid);
  }

  function addLine() {
    const index = Number(total.value);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = body.lastElementChild;
    field(row, "description").focus();
    recompute();
  }

  form.querySelector("[data-add-line]").addEventListener("click", addLine);
  body.addEventListener("click", function (event) {
    const button = event.target.closest("[data-remove-line]");
    if (!button) return;
    const row = button.closest("[data-line]");
    const box = row.querySelector('input[type="checkbox"][name$="-DELETE"]');
    if (box) box.checked = true;
    row.hidden = true;
    recompute();
  });
  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);

  // --- the recipient's services and rules ---------------------------------------------------
  const siretInput = form.querySelector("#id_recipient_siret");
  const serviceInput = form.querySelector("#id_service_code");
  const info = form.querySelector("[data-recipient-info]");
  const datalist = form.querySelector("[data-services-list]");
  let recipient = null;
  let timer = null;
  serviceInput.setAttribute("list", "services-list");

  function say(lines, kind) {
    info.textContent = "";
    const p = document.createElement("p");
    p.className = "fr-message fr-message--" + kind;
    p.textContent = lines.filter(Boolean).join(" ");
    info.append(p);
  }
  // The star of a field the recipient requires (the server stars them on the first display).
  function star(input, required) {
    const label = form.querySelector('label[for="' + input.id + '"]');
    if (!label) return;
    const current = label.querySelector("[data-star]");
    if (required && !current) {
      const mark = document.createElement("span");
      mark.setAttribute("aria-hidden", "true");
      mark.setAttribute("data-star", "");
      mark.textContent = "*";
      label.insertBefore(mark, label.querySelector(".fr-hint-text"));
      label.insertBefore(document.createTextNode(" "), mark);
    } else if (!required && current) {
      current.remove();
    }
  }
  function describe() {
    const engagementInput = form.querySelector("#id_engagement_number");
    const chosenService = recipient && recipient.found
      ? recipient.services.find((s) => s.code === serviceInput.value.trim()) : null;
    star(serviceInput, Boolean(recipient && recipient.service_code_required));
    star(engagementInput, Boolean(recipient && (recipient.engagement_required ||
      (chosenService && chosenService.engagement_required))));
    if (!recipient) return;
    if (!recipient.found) return say([messages.unknown], "error");
    const chosen = recipient.services.find((s) => s.code === serviceInput.value.trim());
    const rules = [];
    if (!recipient.is_active) rules.push(messages.inactive);
    if (recipient.service_code_required) rules.push(messages.service_required);
    if (recipient.engagement_required) rules.push(messages.engagement_required);
    if (recipient.engagement_or_service_required) rules.push(messages.either_required);
    if (chosen && chosen.engagement_required) rules.push(messages.service_engagement_required);
    if (!rules.length) rules.push(messages.optional);
    if (!recipient.services.length) rules.push(messages.no_services);
    say([recipient.name + " —"].concat(rules), recipient.is_active ? "info" : "error");
  }
  function lookup() {
    const siret = siretInput.value.replace(/\s/g, "");
    if (!/^\d{14}$/.test(siret)) {
      recipient = null;
      offerFrames(allFrames);
      info.textContent = "";
      describe();
      return;
    }
    fetch(form.dataset.servicesUrl + "?siret=" + siret, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : null))
      .then(function (data) {
        recipient = data;
        offerFrames(data && data.found && data.frames ? data.frames : allFrames);
        datalist.textContent = "";
        ((data && data.services) || []).forEach(function (service) {
          const option = document.createElement("option");
          option.value = service.code;
          option.label = service.name;
          datalist.append(option);
        });
        describe();
      })
      .catch(function () { /* the server checks anyway */ });
  }
  siretInput.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 300);
  });
  serviceInput.addEventListener("input", describe);

  // --- the billing frames this recipient accepts, and the validator of an A9 / A12 ----------
  const frameSelect = form.querySelector("#id_billing_frame");
  const validatorField = form.querySelector("[data-validator-field]");
  const framesData = document.getElementById("billing-frames");
  const allFrames = framesData ? JSON.parse(framesData.textContent) : [];
  function offerFrames(frames) {
    if (!frameSelect || !frames.length) return;
    const current = frameSelect.value;
    frameSelect.textContent = "";
    frames.forEach(function (frame) {
      const option = document.createElement("option");
      option.value = frame.code;
      option.textContent = frame.label;
      option.selected = frame.code === current;
      frameSelect.append(option);
    });
    showValidator();
  }
  function showValidator() {
    if (!frameSelect || !validatorField) return;
    const named = frameSelect.value === "A9" || frameSelect.value === "A12";
    const input = validatorField.querySelector("input");
    validatorField.hidden = !named && !(input && input.value);
  }
  if (frameSelect) frameSelect.addEventListener("change", showValidator);
  showValidator();

  lookup();
  recompute();
})();
