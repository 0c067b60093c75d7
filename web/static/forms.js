// Page behaviour that used to sit inline in the templates: the Content-Security-Policy allows scripts
// from this site's own files only. Each part acts only when its page's element is there.
(function () {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content;

  // Device page: publish (admin), after a confirmation.
  const publish = document.querySelector(".publish-form");
  if (publish) publish.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.confirm("Publish this device? Its verified components become public.")) return;
    const response = await fetch(publish.action, {method: "POST", headers: {"X-CSRFToken": csrf()}});
    if (response.ok) window.location.reload(); else alert((await response.json()).error);
  });

  // Triage: the header box checks or clears every row.
  const all = document.querySelector(".triage input.all");
  if (all) all.addEventListener("change", () => document.querySelectorAll(".triage input[name=component]")
                                                   .forEach(box => { box.checked = all.checked; }));

  // Any form whose button asks first (revoking an API token).
  document.querySelectorAll("button[data-confirm]").forEach(button => button.form.addEventListener("submit", event => {
    if (!window.confirm(button.dataset.confirm)) event.preventDefault();
  }));

  // Manufacturer page: record a letter, or a reply to one.
  document.querySelectorAll(".reply-form form").forEach(form => form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
    const response = await fetch(form.dataset.url, {method: "POST", body: JSON.stringify(body), headers: {
      "Content-Type": "application/json", "X-CSRFToken": csrf()}});
    if (response.ok) window.location.reload();
    else form.querySelector(".form-error").textContent = (await response.json()).error;
  }));

  // Review page: verify, correct, reject, not a chip from the buttons or the keyboard (v, c, r, x; n skips).
  const form = document.getElementById("review-form");
  if (!form) return;
  const id = document.querySelector(".review").dataset.component;
  const fields = ["marking", "part_number", "manufacturer", "category", "date_code"].filter(f => form.elements[f]);
  const original = Object.fromEntries(fields.map(f => [f, form.elements[f].value]));
  async function send(verdict) {
    const body = {verdict: verdict, comment: form.elements.comment.value || null};
    if (verdict === "corrected") {
      body.corrections = Object.fromEntries(fields.filter(f => form.elements[f].value !== original[f])
                                                  .map(f => [f, form.elements[f].value]));
    }
    const response = await fetch(`/api/components/${id}/review`, {method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}, body: JSON.stringify(body)});
    if (response.ok) { window.location.reload(); return; }
    form.querySelector(".review-error").textContent = (await response.json()).error;
  }
  form.addEventListener("submit", (event) => event.preventDefault());
  form.querySelectorAll("button[data-verdict]").forEach(b => b.addEventListener("click", () => send(b.dataset.verdict)));
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT") { if (event.key === "Enter") send("corrected"); return; }
    const verdict = {v: "verified", c: "corrected", r: "rejected", x: "not_a_chip"}[event.key];
    if (verdict) { event.preventDefault(); send(verdict); }
    if (event.key === "n") { window.location = document.querySelector(".keys a.button").href; }
  });
})();
