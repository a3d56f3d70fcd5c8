// What the console's and the portal's scripts share. Every page works without scripts; these
// only help: Persian digits read as typed, the error summary focused after a refused form,
// and a business's name looked up as its ID is typed.
(function () {
  "use strict";

  var FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  var AR_DIGITS = "٠١٢٣٤٥٦٧٨٩";

  function asciiDigits(s) {
    return String(s).replace(/[۰-۹٠-٩]/g, function (d) {
      var i = FA_DIGITS.indexOf(d);
      return String(i >= 0 ? i : AR_DIGITS.indexOf(d));
    });
  }

  function persianDigits(s) {
    return String(s).replace(/[0-9]/g, function (d) { return FA_DIGITS[+d]; });
  }

  function csrf() {
    return document.body.getAttribute("data-csrf") || "";
  }

  // A refused form: take the reader to the summary of what to fix.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  // The business's name as its ID is typed (the public registry look-up): inputs carrying
  // data-business-lookup="ID-of-the-output" show the name there and fill #business_name.
  function businessLookup(root) {
    var inputs = (root || document).querySelectorAll("[data-business-lookup]");
    Array.prototype.forEach.call(inputs, function (input) {
      var out = document.getElementById(input.getAttribute("data-business-lookup"));
      var nameField = document.getElementById("business_name");
      var timer = null;
      var asked = "";
      function look() {
        var id = asciiDigits(input.value).replace(/[\s\-./_]/g, "");
        if (!/^[0-9]{1,20}$/.test(id)) { out.textContent = ""; asked = ""; return; }
        if (id === asked) { return; }
        asked = id;
        out.textContent = "در حال جستجو…";
        fetch("/v1/businesses/" + id, { headers: { "Accept": "application/json" } })
          .then(function (r) {
            if (r.status === 404) { out.textContent = "این شناسه در سامانه ثبت نشده است."; return null; }
            return r.ok ? r.json() : Promise.reject(r.status);
          })
          .then(function (b) {
            if (!b || asked !== id) { return; }
            out.textContent = "واحد صنفی: " + b.name + (b.city ? "، " + b.city : "");
            if (nameField && !nameField.value) { nameField.value = b.name; nameField.dispatchEvent(new Event("input", { bubbles: true })); }
          })
          .catch(function () { out.textContent = "جستجو انجام نشد؛ اتصال را بررسی کنید."; });
      }
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(look, 250); });
      input.addEventListener("samat:lookup", look);
      if (input.value) { look(); }
    });
  }

  window.Samat = { asciiDigits: asciiDigits, persianDigits: persianDigits, csrf: csrf, businessLookup: businessLookup };

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors();
    businessLookup();
  });
})();
