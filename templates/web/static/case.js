// The case pages: small enhancements; every form works without JavaScript.
// - [data-print]: a button that opens the browser's print dialog (print view).
// - [data-focus]: the message of a refused form gets the focus, so it is seen and read out.
// - form.upload-form[data-max-bytes]: says at once when the chosen file is over the size limit,
//   instead of sending it first (the server checks again and refuses it all the same).
// The live routing of the new-case form is app.js's data-live-routing (shared with the lookup page).
(function () {
  "use strict";

  function sizeText(bytes) {
    var mb = bytes / (1024 * 1024);
    if (mb >= 1) { return mb.toFixed(1).replace(".", ",").replace(/,0$/, "") + " MB"; }
    return Math.ceil(bytes / 1024) + " KB";
  }

  function setupUpload(form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    var input = form.querySelector("input[type=file]");
    var message = form.querySelector(".upload-size-error");
    if (!input || !message || !limit) { return; }
    function check() {
      var file = input.files && input.files[0];
      var tooBig = !!file && file.size > limit;
      message.hidden = !tooBig;
      message.textContent = tooBig ? "Die Datei „" + file.name + "“ ist zu groß (" + sizeText(file.size) +
        "); erlaubt sind höchstens " + sizeText(limit) + ". Bitte verkleinern oder aufteilen." : "";
      input.setAttribute("aria-invalid", tooBig ? "true" : "false");
      return !tooBig;
    }
    input.addEventListener("change", check);
    form.addEventListener("submit", function (event) {
      if (!check()) { event.preventDefault(); input.focus(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // after a refused form, move to its message (also for screen readers), wherever it is on the page
    var message = document.querySelector("[data-focus]");
    if (message) { message.focus(); message.scrollIntoView({ block: "center" }); }
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form.upload-form[data-max-bytes]"), setupUpload);
  });
})();
