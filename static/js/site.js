// Site behaviour that would otherwise need inline scripts (the CSP allows none).
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.dataset.autosubmit !== undefined && target.form) {
    target.form.submit();
  }
});
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) {
    event.detail.headers["X-CSRFToken"] = token.value;
  }
});
// A "tick all" box (data-check-all="<name>") ticks or clears every checkbox of that name in its form.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.dataset.checkAll && target.form) {
    for (const box of target.form.querySelectorAll(`input[type=checkbox][name="${target.dataset.checkAll}"]`)) {
      box.checked = target.checked;
    }
  }
});
