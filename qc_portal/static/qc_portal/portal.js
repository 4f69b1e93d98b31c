// Behaviour shared by every page. No inline handlers anywhere (Content-Security-Policy):
// a <select data-autosubmit> submits its form when changed (the language switch).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
    target.form.submit();
  }
});
