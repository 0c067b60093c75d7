// The board view: OpenSeadragon shows the photo from Deep Zoom tiles (smooth on 12 MP boards);
// an SVG layer on top draws every region, recomputed from image to screen coordinates on each
// frame. Investigators select a region to move it, drag a corner to resize it, draw new ones
// and delete wrong ones; each edit goes to the JSON API, which re-cuts and re-reads the crop.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("board-data").textContent);
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const stage = document.querySelector(".board-stage");
  const panel = document.getElementById("board-panel");
  const message = document.querySelector(".board-message");
  const SVG = "http://www.w3.org/2000/svg";
  const HANDLE = 9;  // px on screen
  let regions = data.regions, selected = null, drawMode = false, gesture = null, drawing = null;
  const marked = new Set();  // regions a reviewer marked for one 'not a chip' verdict

  const viewer = OpenSeadragon({
    element: document.getElementById("board-viewer"), tileSources: data.tiles, showNavigationControl: false,
    maxZoomPixelRatio: 4, visibilityRatio: 0.5, animationTime: 0.4,
    gestureSettingsMouse: {clickToZoom: false, dblClickToZoom: true},
  });
  const overlay = document.createElementNS(SVG, "svg");
  overlay.setAttribute("class", "board-overlay");
  stage.appendChild(overlay);

  const P = (x, y) => new OpenSeadragon.Point(x, y);
  const toScreen = (x, y) => viewer.viewport.imageToViewerElementCoordinates(P(x, y));
  function toImage(event) {
    const box = viewer.element.getBoundingClientRect();
    return viewer.viewport.viewerElementToImageCoordinates(P(event.clientX - box.left, event.clientY - box.top));
  }
  function corners(r) {
    const a = r.angle * Math.PI / 180, c = Math.cos(a), s = Math.sin(a);
    return [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([sx, sy]) => {
      const dx = sx * r.w / 2, dy = sy * r.h / 2;
      return [r.cx + dx * c - dy * s, r.cy + dx * s + dy * c];
    });
  }
  function local(r, p) {  // the point in the region's own (unrotated) frame
    const a = r.angle * Math.PI / 180, c = Math.cos(a), s = Math.sin(a), dx = p.x - r.cx, dy = p.y - r.cy;
    return [dx * c + dy * s, -dx * s + dy * c];
  }
  const inside = (r, p) => { const [lx, ly] = local(r, p); return Math.abs(lx) <= r.w / 2 && Math.abs(ly) <= r.h / 2; };
  const hit = (p) => regions.filter(r => inside(r, p)).sort((a, b) => a.w * a.h - b.w * b.h)[0] || null;

  function shape(r, cls) {
    const g = document.createElementNS(SVG, "g");
    g.setAttribute("class", cls);
    g.dataset.region = r.id || "";
    const pts = corners(r).map(([x, y]) => toScreen(x, y));
    const poly = document.createElementNS(SVG, "polygon");
    poly.setAttribute("points", pts.map(p => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" "));
    g.appendChild(poly);
    if (r.label) {
      const text = document.createElementNS(SVG, "text");
      const top = pts.reduce((a, b) => (b.y < a.y ? b : a));
      text.setAttribute("x", top.x.toFixed(1));
      text.setAttribute("y", (top.y - 5).toFixed(1));
      text.textContent = r.label;
      g.appendChild(text);
    }
    if (cls.includes("selected") && data.can_edit) {
      pts.forEach((p, i) => {
        const dot = document.createElementNS(SVG, "circle");
        dot.setAttribute("cx", p.x.toFixed(1)); dot.setAttribute("cy", p.y.toFixed(1)); dot.setAttribute("r", 6);
        dot.dataset.corner = i;
        g.appendChild(dot);
      });
    }
    return g;
  }
  function render() {
    overlay.replaceChildren(...regions.map(r => shape(r, `region ${r.status}${r.usable === false ? " unreadable" : ""}`
                                                         + `${marked.has(r.id) ? " marked" : ""}`
                                                         + `${selected && r.id === selected.id ? " selected" : ""}`)),
                            ...(drawing ? [shape(drawing, "drawing")] : []));
  }
  ["open", "animation", "update-viewport", "resize"].forEach(name => viewer.addHandler(name, render));
  viewer.addHandler("open", () => {  // #region-12: arrive with that region selected and in view
    const wanted = /^#region-(\d+)$/.exec(window.location.hash);
    const r = wanted && regions.find(x => x.id === Number(wanted[1]));
    if (!r) return;
    const m = Math.max(r.w, r.h) * 1.5;
    viewer.viewport.fitBounds(viewer.viewport.imageToViewportRectangle(r.cx - m, r.cy - m, 2 * m, 2 * m), true);
    select(r);
  });

  function say(text, error) { message.textContent = text; message.classList.toggle("error", !!error); }

  function showPanel(r) {
    panel.querySelector(".panel-body").hidden = !r;
    panel.querySelector(".panel-empty").hidden = !!r;
    if (!r) return;
    const c = r.component;
    panel.querySelector(".panel-title").textContent = `Region ${r.id}` + (r.designator ? ` · ${r.designator}` : "");
    const crop = panel.querySelector(".panel-crop");
    crop.hidden = !r.crop_url;
    if (r.crop_url) crop.src = r.crop_url;
    const facts = [["Part number", c && c.part_number], ["Manufacturer", c && c.manufacturer], ["Status", r.status],
                   ["Origin", `${r.origin} by ${r.created_by}`], ["Edits", r.events.length]];
    panel.querySelector(".panel-facts").replaceChildren(...facts.flatMap(([k, v]) => {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k; dd.textContent = v === null || v === undefined || v === "" ? "—" : v;
      return [dt, dd];
    }));
    const open = panel.querySelector(".panel-open");
    open.hidden = !c;
    if (c) open.href = c.url;
    const form = panel.querySelector(".panel-form");
    if (form) { form.elements.designator.value = r.designator || ""; form.elements.angle.value = r.angle.toFixed(1); }
  }
  function select(r) { selected = r; showPanel(r); render(); }

  async function api(method, url, body) {
    const response = await fetch(url, {method, headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                                       body: body ? JSON.stringify(body) : undefined});
    const reply = await response.json();
    if (!response.ok) throw new Error(reply.error || `HTTP ${response.status}`);
    return reply.region;
  }
  function replace(region) {
    regions = region.deleted ? regions.filter(r => r.id !== region.id) : regions.some(r => r.id === region.id)
      ? regions.map(r => (r.id === region.id ? region : r)) : [...regions, region];
    select(region.deleted ? null : region);
  }
  async function save(r, changes, doing) {
    say(doing);
    try { replace(await api("PATCH", `/api/regions/${r.id}`, changes)); say("saved"); }
    catch (err) { say(err.message, true); replace(regions.find(x => x.id === r.id) || r); }
  }

  // Triage: a reviewer marks many waiting proposals (Shift+click, or all that read as nothing) and
  // rejects them as 'not a chip' in one request: all or none, one review each in the log.
  const triage = document.querySelector(".board-triage");
  const waiting = (r) => r.component && r.status === "proposed";
  function showMarked() {
    if (!triage) return;
    triage.querySelector(".triage-count").textContent = marked.size;
    triage.querySelector("[data-action=not-a-chip]").disabled = marked.size === 0;
    render();
  }
  async function notAChip() {
    if (!marked.size) return;
    const ids = regions.filter(r => marked.has(r.id)).map(r => r.component.id);
    say(`rejecting ${ids.length} as not a chip…`);
    const response = await fetch("/api/reviews", {method: "POST", body: JSON.stringify({components: ids, verdict: "not_a_chip"}),
                                                   headers: {"Content-Type": "application/json", "X-CSRFToken": token}});
    const reply = await response.json();
    if (!response.ok) { say(reply.error || `HTTP ${response.status}`, true); return; }
    regions.forEach(r => { if (marked.has(r.id)) r.status = "rejected"; });
    marked.clear();
    showMarked();
    say(`${ids.length} rejected as not a chip`);
  }
  if (triage) triage.addEventListener("click", (event) => {
    const action = event.target.closest("button") && event.target.closest("button").dataset.action;
    if (action === "mark-unreadable") { regions.filter(r => waiting(r) && r.usable === false).forEach(r => marked.add(r.id)); showMarked(); }
    if (action === "not-a-chip") notAChip();
  });

  viewer.addHandler("canvas-click", (event) => {
    if (!event.quick || drawMode) return;
    const r = hit(viewer.viewport.viewerElementToImageCoordinates(event.position));
    if (data.can_review && event.shift) {
      event.preventDefaultAction = true;
      if (r && waiting(r)) { if (marked.has(r.id)) marked.delete(r.id); else marked.add(r.id); }
      showMarked();
      return;
    }
    if (!data.can_edit) { if (r && r.component) window.location = r.component.url; return; }
    event.preventDefaultAction = true;
    select(r);
  });

  // Edits take the pointer before OpenSeadragon (capture phase), so a drag on a region moves the
  // region instead of panning the photo.
  stage.addEventListener("pointerdown", (event) => {
    if (!data.can_edit || event.button !== 0) return;
    const p = toImage(event);
    if (drawMode) {
      gesture = {kind: "draw", start: p};
    } else if (selected) {
      const screen = corners(selected).map(([x, y]) => toScreen(x, y));
      const box = viewer.element.getBoundingClientRect();
      const corner = screen.findIndex(s => Math.hypot(s.x - (event.clientX - box.left), s.y - (event.clientY - box.top)) <= HANDLE);
      if (corner >= 0) gesture = {kind: "resize", fixed: corners(selected)[(corner + 2) % 4], before: {...selected}};
      else if (inside(selected, p)) gesture = {kind: "move", start: p, before: {...selected}};
    }
    if (gesture) { event.stopPropagation(); event.preventDefault(); stage.setPointerCapture(event.pointerId); }
  }, true);
  stage.addEventListener("pointermove", (event) => {
    if (!gesture) return;
    event.stopPropagation();
    const p = toImage(event);
    if (gesture.kind === "draw") {
      const s = gesture.start;
      drawing = {cx: (s.x + p.x) / 2, cy: (s.y + p.y) / 2, w: Math.abs(p.x - s.x), h: Math.abs(p.y - s.y), angle: 0, label: ""};
    } else if (gesture.kind === "move") {
      Object.assign(selected, {cx: gesture.before.cx + p.x - gesture.start.x, cy: gesture.before.cy + p.y - gesture.start.y});
    } else {
      const [fx, fy] = gesture.fixed, a = selected.angle * Math.PI / 180, vx = p.x - fx, vy = p.y - fy;
      Object.assign(selected, {cx: (fx + p.x) / 2, cy: (fy + p.y) / 2,
                               w: Math.abs(vx * Math.cos(a) + vy * Math.sin(a)), h: Math.abs(-vx * Math.sin(a) + vy * Math.cos(a))});
    }
    render();
  }, true);
  stage.addEventListener("pointerup", async (event) => {
    if (!gesture) return;
    event.stopPropagation();
    const done = gesture;
    gesture = null;
    if (done.kind === "draw") {
      const box = drawing;
      drawing = null;
      setDrawMode(false);
      if (!box || box.w < 8 || box.h < 8) {  // a click, not a drag: box the package under it
        const p = done.start;
        say("finding the package under the click…");
        try { replace(await api("POST", `/api/photos/${data.photo_id}/regions`, {at: [p.x, p.y]})); say("region added"); }
        catch (err) { say(err.message, true); render(); }
        return;
      }
      say("reading the new region…");
      try { replace(await api("POST", `/api/photos/${data.photo_id}/regions`, {cx: box.cx, cy: box.cy, w: box.w, h: box.h, angle: 0})); say("region added"); }
      catch (err) { say(err.message, true); render(); }
      return;
    }
    const b = done.before, r = selected;
    if (Math.abs(r.cx - b.cx) + Math.abs(r.cy - b.cy) + Math.abs(r.w - b.w) + Math.abs(r.h - b.h) < 1) return;
    await save(r, {cx: r.cx, cy: r.cy, w: r.w, h: r.h, angle: r.angle}, "re-reading the moved region…");
  }, true);

  function setDrawMode(on) {
    drawMode = on;
    stage.classList.toggle("drawing", on);
    say(on ? "click on a package to box it, or drag to draw a region (Esc cancels)" : "");
  }
  async function removeSelected() {
    if (!selected || !window.confirm(`Delete region ${selected.id}? It stays in the record, marked deleted, and its component is rejected.`)) return;
    try { replace(await api("DELETE", `/api/regions/${selected.id}`)); say("region deleted"); }
    catch (err) { say(err.message, true); }
  }
  document.getElementById("board-toolbar").addEventListener("click", (event) => {
    const action = event.target.closest("button") && event.target.closest("button").dataset.action;
    if (action === "zoom-in") viewer.viewport.zoomBy(1.5);
    if (action === "zoom-out") viewer.viewport.zoomBy(1 / 1.5);
    if (action === "home") viewer.viewport.goHome();
    if (action === "draw") setDrawMode(!drawMode);
  });
  panel.addEventListener("submit", (event) => event.preventDefault());  // Enter saves through the keyboard handler
  panel.addEventListener("click", (event) => {
    const action = event.target.dataset.action;
    const form = panel.querySelector(".panel-form");
    if (action === "save" && selected) {
      save(selected, {designator: form.elements.designator.value, angle: parseFloat(form.elements.angle.value) || 0}, "saving…");
    }
    if (action === "delete") removeSelected();
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.tagName === "INPUT") {
      if (event.key === "Enter" && selected) panel.querySelector("[data-action=save]").click();
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "+" || event.key === "=") viewer.viewport.zoomBy(1.5);
    else if (event.key === "-") viewer.viewport.zoomBy(1 / 1.5);
    else if (event.key === "0") viewer.viewport.goHome();
    else if (event.key === "d" && data.can_edit) setDrawMode(!drawMode);
    else if (event.key === "x" && data.can_review) notAChip();
    else if (event.key === "Escape") { setDrawMode(false); drawing = null; select(null); }
    else if ((event.key === "Delete" || event.key === "Backspace") && data.can_edit && selected) { event.preventDefault(); removeSelected(); }
  });
  window.bomcatBoard = {viewer, regions: () => regions, marked: () => [...marked], toScreen, state: () => ({selected, gesture, drawMode})};  // for tests
})();
