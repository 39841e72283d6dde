// Welcome Center adviser page: small progressive enhancements, no build step. The pages work without
// JavaScript; this only adds the live routing preview and confirmation prompts.
//
// Live routing: an input with data-live-routing="<id of the result element>" and optionally
// data-district-field="<id of the district input/select>" asks GET /api/routing?profession=…&district=…
// (an HTML fragment rendered by the server, already escaped) while the adviser types.
// Confirmation: a form with data-confirm="Text" asks before it is sent.
(function () {
  "use strict";

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  function setupLiveRouting(input) {
    var target = document.getElementById(input.getAttribute("data-live-routing"));
    if (!target) { return; }
    var districtId = input.getAttribute("data-district-field");
    var districtField = districtId ? document.getElementById(districtId) : null;
    var pending = null;
    var update = debounce(function () {
      var profession = input.value.trim();
      var district = districtField ? districtField.value : "";
      if (profession.length < 2 || !district) { target.textContent = ""; return; }
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = "/api/routing?profession=" + encodeURIComponent(profession) + "&district=" + encodeURIComponent(district);
      fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin", signal: pending.signal })
        .then(function (response) {
          if (response.status === 401) { return "<p class=\"field-error\" role=\"alert\">Sitzung abgelaufen: bitte neu anmelden.</p>"; }
          return (response.ok || response.status === 400) && !response.redirected ? response.text() : "";
        })
        .then(function (html) { target.innerHTML = html; })
        .catch(function () { /* aborted by newer typing, or offline: keep the last result */ });
    }, 250);
    input.addEventListener("input", update);
    if (districtField) { districtField.addEventListener("change", update); }
    if (input.value.trim().length >= 2) { update(); }
  }

  function setupConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-routing]"), setupLiveRouting);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), setupConfirm);
  });
})();
