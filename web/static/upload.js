// Drag-and-drop upload: each file is its own request (so each has its own progress bar and
// its own error), sent two at a time; the server queues the work and this page polls the
// per-photo status until nothing is left in the pipeline.
(function () {
  "use strict";
  const form = document.getElementById("upload-form");
  form.addEventListener("submit", (event) => event.preventDefault());
  const zone = document.getElementById("dropzone");
  const input = form.querySelector("input[type=file]");
  const tbody = document.querySelector("#uploads tbody");
  const slug = form.dataset.device;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const ACTIVE = ["queued", "detecting", "reading"];
  let pending = [], running = 0, polling = null;

  function cell(row, index) { return row.children[index]; }

  function newRow(name) {
    const row = document.createElement("tr");
    row.innerHTML = "<td></td><td><progress max='1' value='0'></progress></td>" +
                    "<td><span class='status status-sending'>sending</span></td><td class='detail'></td><td></td>";
    cell(row, 0).textContent = name;
    tbody.prepend(row);
    return row;
  }

  function show(row, upload) {
    row.dataset.upload = upload.id;
    const badge = cell(row, 2).firstElementChild;
    badge.className = "status status-" + upload.status;
    badge.textContent = upload.status;
    cell(row, 3).textContent = upload.detail || "";
    const link = cell(row, 4);
    if (upload.photo_url) {
      link.innerHTML = "<a>board view</a>";
      link.firstElementChild.href = upload.photo_url;
    } else if (upload.status === "failed") {
      link.innerHTML = "<button type='button'>Retry</button>";
      link.firstElementChild.dataset.retry = upload.id;
    } else {
      link.textContent = "";
    }
  }

  function fail(row, message) {
    const badge = cell(row, 2).firstElementChild;
    badge.className = "status status-failed";
    badge.textContent = "refused";
    cell(row, 3).textContent = message;
  }

  function send(file, row) {
    running += 1;
    const data = new FormData();
    data.append("file", file, file.name);
    data.append("board", form.elements.board.value);
    data.append("side", form.elements.side.value);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/devices/${encodeURIComponent(slug)}/photos`);
    xhr.setRequestHeader("X-CSRFToken", token);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) cell(row, 1).firstElementChild.value = e.loaded / e.total; };
    xhr.onload = () => {
      cell(row, 1).firstElementChild.value = 1;
      let body = {};
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = {error: `HTTP ${xhr.status}`}; }
      if (xhr.status === 202) { show(row, body.upload); startPolling(); } else { fail(row, body.error || `HTTP ${xhr.status}`); }
      next();
    };
    xhr.onerror = () => { fail(row, "the connection failed; nothing was stored"); next(); };
    xhr.send(data);
  }

  function next() {
    running -= 1;
    while (running < 2 && pending.length) { const [file, row] = pending.shift(); send(file, row); }
  }

  function add(files) {
    for (const file of files) pending.push([file, newRow(file.name)]);
    while (running < 2 && pending.length) { const [file, row] = pending.shift(); send(file, row); }
  }

  async function poll() {
    const response = await fetch(`/api/devices/${encodeURIComponent(slug)}/uploads`, {headers: {Accept: "application/json"}});
    if (!response.ok) return;
    const uploads = (await response.json()).uploads;
    for (const upload of uploads) {
      const row = tbody.querySelector(`tr[data-upload="${upload.id}"]`);
      if (row) show(row, upload);
    }
    if (!uploads.some(u => ACTIVE.includes(u.status)) && running === 0 && !pending.length) {
      clearInterval(polling);
      polling = null;
    }
  }

  function startPolling() { if (!polling) polling = setInterval(poll, 1000); }

  ["dragenter", "dragover"].forEach(type => zone.addEventListener(type, (e) => {
    e.preventDefault(); zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach(type => zone.addEventListener(type, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (e) => { e.preventDefault(); add(e.dataTransfer.files); });
  input.addEventListener("change", () => { add(input.files); input.value = ""; });
  tbody.addEventListener("click", async (e) => {
    const id = e.target.dataset && e.target.dataset.retry;
    if (!id) return;
    const response = await fetch(`/api/uploads/${id}/retry`, {method: "POST", headers: {"X-CSRFToken": token}});
    const body = await response.json();
    if (response.ok) { show(e.target.closest("tr"), body.upload); startPolling(); }
  });
  if (tbody.querySelector(".status-queued, .status-detecting, .status-reading")) startPolling();
})();
