"use strict";
// The step-through page: forward steps, then backward steps, over one SVG graph.
// Everything it needs is in this file: no request leaves the page.
(function () {
  const steps = JSON.parse(document.getElementById("chainrule-steps").textContent);
  const groupsTag = document.getElementById("chainrule-groups");
  const groups = groupsTag ? JSON.parse(groupsTag.textContent) : [];
  const layoutsTag = document.getElementById("chainrule-layouts");
  const layouts = layoutsTag ? JSON.parse(layoutsTag.textContent) : {};
  const area = document.getElementById("graph");
  let svg = area.querySelector("svg");     // replaced by another layout when a box opens
  const byId = (id) => document.getElementById(id);
  const PLAY_MS = 900;
  let index = -1;          // -1: before the first step
  let timer = null;

  // ----- stepping ---------------------------------------------------------------------
  function go(to) {
    index = Math.max(-1, Math.min(steps.length - 1, to));
    if (index >= 0) openGroupOf(steps[index].node);
    highlight();
    noteGradients();
    noteProducts();
    showPanel();
    if (index >= 0) keepInView(svg.getElementById(steps[index].node));
  }

  function setClass(id, name) {
    const el = id ? svg.getElementById(id) : null;
    if (el) el.classList.add(name);
  }

  function highlight() {
    for (const name of ["active", "done", "done-back", "source"]) {
      svg.querySelectorAll("." + name).forEach((el) => el.classList.remove(name));
    }
    for (let i = 0; i < index; i++) {
      const step = steps[i];
      setClass(step.node, step.phase === "forward" ? "done" : "done-back");
      if (step.phase === "forward") setClass(step.gate, "done");
    }
    if (index < 0) return;
    const step = steps[index];
    setClass(step.node, "active");
    setClass(step.gate, "active");
    step.edges.forEach((id) => setClass(id, "active"));
    step.terms.forEach((term) => setClass(term.gate, "source"));
  }

  function showPanel() {
    const step = steps[index];
    byId("counter").textContent = step
      ? `step ${index + 1} of ${steps.length}`
      : `${steps.length} steps`;
    byId("phase").textContent = step ? step.phase : "";
    byId("phase").className = step ? step.phase : "";
    byId("name").textContent = step ? step.name : "Start";
    byId("formula").textContent = step ? step.formula : "";
    byId("gate-formula").textContent = step ? step.gate_formula : "";
    byId("value-label").textContent = !step ? "" :
      step.phase === "forward" ? `${step.name} =` : `${step.symbol} =`;
    byId("value").textContent = step ? step.value : "";
    byId("shape").textContent = step && step.shape ? `shape ${step.shape}` : "";
    showTerms(step);
    byId("prev").disabled = index < 0;
    byId("reset").disabled = index < 0;
    byId("next").disabled = index >= steps.length - 1;
  }

  function showTerms(step) {
    const list = byId("terms");
    list.replaceChildren();
    if (!step || step.terms.length === 0) return;
    for (const term of step.terms) {
      const item = document.createElement("li");
      item.className = "term";
      // explain's own text: with the sum over broadcast axes where the engine does one
      item.append(span("term-formula", term.formula), " = ", span("term-value", term.value),
        span("term-detail", termDetail(term)));
      list.append(item);
    }
    if (step.terms.length > 1) {
      const sum = document.createElement("li");
      sum.className = "sum";
      sum.append(`${step.terms.length} paths add up: ${step.symbol} = `,
        span("term-value", step.value));
      list.append(sum);
    }
  }

  function termDetail(term) {
    const how = term.elementwise
      ? `upstream ${term.upstream} × local ${term.local}`
      : `upstream ${term.upstream_symbol} through the gate's backward`;
    return `through ${term.consumer} (${term.via}): ${how}`;
  }

  // Values appear as the steps reach them: a done forward step writes its value under a
  // computed node (nothing computed shows at Start), a done backward step its gradient, as in
  // the seeds' figures.
  function noteGradients() {
    svg.querySelectorAll(".grad-note, .value-note").forEach((el) => el.remove());
    const below = {};
    for (let i = 0; i <= index; i++) {
      const step = steps[i];
      const el = svg.getElementById(step.node);
      if (!el || (step.phase === "forward" && !step.gate) ||
          el.classList.contains("in-closed-group")) continue;   // inside a closed box
      const box = el.getBBox();
      const line = below[step.node] = (below[step.node] || 0) + 1;
      const text = step.phase === "forward" ? `= ${shorten(step.value)}`
        : `grad ${shorten(step.value)}`;
      note(step.phase === "forward" ? "value-note" : "grad-note", box.x + box.width / 2,
        box.y + box.height + 11 * line, text, el.parentNode);
    }
  }

  function note(className, x, y, text, parent = svg) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", "text");
    el.setAttribute("class", className);
    el.setAttribute("x", x);
    el.setAttribute("y", y);
    el.setAttribute("text-anchor", "middle");
    el.textContent = text;
    parent.append(el);
    return el;
  }

  // The current backward step writes each path's product on its edge (upstream × local =
  // share) and, where several paths meet, their sum at the node.
  function noteProducts() {
    svg.querySelectorAll(".edge-note, .sum-note").forEach((el) => el.remove());
    const step = steps[index];
    if (!step || step.phase !== "backward") return;
    const layer = svg.querySelector("g") || svg;
    for (const term of step.terms) {   // the panel has the whole text; the edge a short one
      const text = term.local
        ? `${shorten(term.upstream, 12)} × ${shorten(term.local, 12)} = ${shorten(term.value, 14)}`
        : `= ${shorten(term.value, 22)}`;
      for (const id of term.edges) {
        const edge = svg.getElementById(id);
        if (!edge) continue;
        const box = edge.getBBox();
        note("edge-note", box.x + box.width / 2, box.y + box.height / 2 - 4, text, layer);
      }
    }
    const el = svg.getElementById(step.node);
    if (el && step.terms.length > 1) {
      const box = el.getBBox();
      const parts = step.terms.map((t) => shorten(t.value, 12)).join(" + ");
      note("sum-note", box.x + box.width / 2, box.y - 6,
        `sum: ${shorten(parts, 40)} = ${shorten(step.value, 14)}`, layer);
    }
  }

  function shorten(text, most = 28) {
    return text.length > most ? text.slice(0, most - 1) + "…" : text;
  }

  function span(className, text) {
    const el = document.createElement("span");
    el.className = className;
    el.textContent = text;
    return el;
  }

  function play() {
    if (timer) return stop();
    if (index >= steps.length - 1) go(-1);
    byId("play").textContent = "Pause";
    timer = setInterval(() => {
      go(index + 1);
      if (index >= steps.length - 1) stop();
    }, PLAY_MS);
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    byId("play").textContent = "Play";
  }

  // ----- module groups: a module's gates are one box until opened --------------------
  // Boxes nest (a block holds its attention's box). A click on a box, or a step that
  // reaches one of its nodes, opens it. With the built-in layout the page has a layout for
  // every set of open boxes (a closed box takes only its own room) and shows the one that
  // fits; otherwise each box covers its members where they were laid out, hidden.
  const ns = "http://www.w3.org/2000/svg";
  const relayout = Object.keys(layouts).length > 0;
  const opened = new Set();     // with layouts: the open groups' ids
  const closed = new Map();     // without: group id -> its box element
  const byGroup = new Map(groups.map((g) => [g.id, g]));

  function isClosed(group) {
    return relayout ? !opened.has(group.id) : closed.has(group.id);
  }

  // The layout of the open groups replaces the picture. The view moves with the group just
  // opened: its leftmost node comes where the left end of its box was.
  function showLayout(group) {
    const key = [...opened].sort().join(",");
    if (!(key in layouts)) return;
    const box = svg.getElementById(group.id);
    const was = box ? graphBox(box) : null;
    const holder = document.createElement("div");
    holder.innerHTML = layouts[key];
    const next = holder.querySelector("svg");
    svg.replaceWith(next);
    svg = next;
    const size = svg.viewBox.baseVal;
    full = { x: size.x, y: size.y, w: size.width, h: size.height };
    const now = group.members.map((id) => svg.getElementById(id)).filter(Boolean)
      .map(graphBox).sort((a, b) => a.x - b.x)[0];
    if (was && now) {
      const dy = now.y + now.h / 2 - (was.y + was.h / 2);
      view = { ...view, x: view.x + now.x - was.x, y: view.y + dy };
    }
    setView(view);
  }

  function makeBox(group) {
    const members = group.members.map((id) => svg.getElementById(id)).filter(Boolean);
    if (!members.length) return null;
    const boxes = members.map((el) => el.getBBox());
    const x = Math.min(...boxes.map((b) => b.x)) - 4;
    const y = Math.min(...boxes.map((b) => b.y)) - 4;
    const w = Math.max(...boxes.map((b) => b.x + b.width)) - x + 4;
    const h = Math.max(...boxes.map((b) => b.y + b.height)) - y + 4;
    const box = document.createElementNS(ns, "g");
    box.setAttribute("class", "group-box");
    box.setAttribute("id", group.id);
    const rect = document.createElementNS(ns, "rect");
    for (const [k, v] of Object.entries({ x, y, width: w, height: h, rx: 8 })) {
      rect.setAttribute(k, v);
    }
    const title = document.createElementNS(ns, "title");
    title.textContent = `${group.label}: ${group.gates} gates (click to open)`;
    box.append(title, rect);
    note("group-label", x + w / 2, y + h / 2 + 4, `${group.label} ▸`, box);
    return { box, parent: members[0].parentNode };
  }

  function collapseAll() {
    if (relayout) return;         // the first layout has every box closed
    const made = groups.map(makeBox);          // every box measured before anything hides
    groups.forEach((group, i) => {
      if (!made[i]) return;
      made[i].parent.append(made[i].box);
      closed.set(group.id, made[i].box);
    });
    groups.forEach((group) => { if (closed.has(group.id)) hide(group); });
  }

  // A closed group hides its members, its edges and the boxes inside it.
  function hide(group) {
    for (const id of [...group.members, ...group.edges, ...group.inner]) {
      const el = svg.getElementById(id);
      if (el) el.classList.add("in-closed-group");
    }
  }

  function open(group) {
    if (relayout) {
      opened.add(group.id);
      return showLayout(group);
    }
    const box = closed.get(group.id);
    if (!box) return;
    box.remove();
    closed.delete(group.id);
    for (const id of [...group.members, ...group.edges, ...group.inner]) {
      const el = svg.getElementById(id);
      if (el) el.classList.remove("in-closed-group");
    }
    group.inner.forEach((id) => { if (closed.has(id)) hide(byGroup.get(id)); });
  }

  function openGroupOf(nodeId) {
    for (const group of [...groups].reverse()) {   // outer boxes first
      if (isClosed(group) && group.members.includes(nodeId)) open(group);
    }
  }

  // A click on a closed box opens it and shows its first member.
  area.addEventListener("click", (e) => {
    const box = e.target.closest && e.target.closest(".group-box");
    const group = box ? byGroup.get(box.id) : null;
    if (!group || !isClosed(group)) return;
    open(group);
    highlight();
    noteGradients();
    noteProducts();
    const first = group.members.map((id) => svg.getElementById(id)).find(Boolean);
    keepInView(first);
  });

  // ----- view: fit, zoom, pan ---------------------------------------------------------
  // The view always has the window's aspect, so what is shown is exactly the viewBox.
  const whole = svg.viewBox.baseVal;
  let full = { x: whole.x, y: whole.y, w: whole.width, h: whole.height };
  const LABEL_PX = 11;     // the smallest label font size, in screen pixels, the page opens at
  let view = { ...full };

  function setView(next) {
    view = next;
    svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  }

  function screenAspect() {
    const r = svg.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? r.height / r.width : full.h / full.w;
  }

  function around(cx, cy, w) {
    const h = w * screenAspect();
    return { x: cx - w / 2, y: cy - h / 2, w, h };
  }

  function fit() {
    const w = Math.max(full.w, full.h / screenAspect());
    setView(around(full.x + full.w / 2, full.y + full.h / 2, w));
  }

  // The median font size of the graph's labels on screen, in pixels, at the present view
  // (from the font size and the scale: a browser's box of tiny text is not proportional).
  function labelPixels() {
    const sizes = [...svg.querySelectorAll(".node text")].map((t) => {
      const size = parseFloat(t.getAttribute("font-size") || getComputedStyle(t).fontSize);
      const m = t.getScreenCTM();
      return m ? size * Math.hypot(m.a, m.b) : 0;
    }).filter((h) => h > 0).sort((a, b) => a - b);
    return sizes.length ? sizes[Math.floor(sizes.length / 2)] : LABEL_PX;
  }

  // Fit the whole graph when its labels stay readable; else zoom in until they are, on the
  // region of the first step (each later step is kept in view as it comes).
  function startView() {
    fit();
    const first = steps.length ? svg.getElementById(steps[0].node) : null;
    const shown = labelPixels();
    if (shown >= LABEL_PX || !first) return;
    const w = view.w * shown / LABEL_PX;
    const box = graphBox(first);
    setView(around(box.x + w / 2 - 20, box.y + box.h / 2, w));
  }

  function zoom(factor, cx = view.x + view.w / 2, cy = view.y + view.h / 2) {
    const w = Math.min(full.w * 4, Math.max(full.w / 200, view.w * factor));
    const k = w / view.w;
    setView({ x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k, w, h: view.h * k });
  }

  function toGraph(clientX, clientY) {
    const p = new DOMPoint(clientX, clientY).matrixTransform(svg.getScreenCTM().inverse());
    return { x: p.x, y: p.y };
  }

  function graphBox(el) {
    const r = el.getBoundingClientRect();
    const a = toGraph(r.left, r.top);
    const b = toGraph(r.right, r.bottom);
    return { x: a.x, y: a.y, w: b.x - a.x, h: b.y - a.y };
  }

  function keepInView(el) {
    if (!el) return;
    const box = graphBox(el);
    const inside = box.x >= view.x && box.y >= view.y && box.x + box.w <= view.x + view.w &&
      box.y + box.h <= view.y + view.h;
    if (!inside) setView(around(box.x + box.w / 2, box.y + box.h / 2, view.w));
  }

  window.addEventListener("resize", () =>
    setView(around(view.x + view.w / 2, view.y + view.h / 2, view.w)));

  // Listeners sit on the graph's area, which keeps them when the picture is replaced.
  let drag = null;
  area.addEventListener("pointerdown", (e) => {
    if (e.target.closest && e.target.closest(".group-box")) return;   // a click opens it
    drag = { start: toGraph(e.clientX, e.clientY) };
    area.setPointerCapture(e.pointerId);
    area.classList.add("panning");
  });
  area.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const p = toGraph(e.clientX, e.clientY);
    setView({ ...view, x: view.x - (p.x - drag.start.x), y: view.y - (p.y - drag.start.y) });
  });
  const endDrag = () => { drag = null; area.classList.remove("panning"); };
  area.addEventListener("pointerup", endDrag);
  area.addEventListener("pointercancel", endDrag);
  area.addEventListener("wheel", (e) => {
    e.preventDefault();
    const p = toGraph(e.clientX, e.clientY);
    zoom(Math.exp(e.deltaY * 0.0015), p.x, p.y);
  }, { passive: false });

  // ----- controls -----------------------------------------------------------------------
  byId("next").addEventListener("click", () => { stop(); go(index + 1); });
  byId("prev").addEventListener("click", () => { stop(); go(index - 1); });
  byId("reset").addEventListener("click", () => { stop(); go(-1); });
  byId("play").addEventListener("click", play);
  byId("zoom-in").addEventListener("click", () => zoom(1 / 1.25));
  byId("zoom-out").addEventListener("click", () => zoom(1.25));
  byId("fit").addEventListener("click", fit);

  const KEYS = {
    ArrowRight: () => { stop(); go(index + 1); },
    ArrowDown: () => { stop(); go(index + 1); },
    ArrowLeft: () => { stop(); go(index - 1); },
    ArrowUp: () => { stop(); go(index - 1); },
    Home: () => { stop(); go(-1); },
    End: () => { stop(); go(steps.length - 1); },
    " ": play,
    "+": () => zoom(1 / 1.25),
    "=": () => zoom(1 / 1.25),
    "-": () => zoom(1.25),
    "0": fit,
  };
  document.addEventListener("keydown", (e) => {
    const action = KEYS[e.key];
    if (!action || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    action();
  });

  collapseAll();
  startView();
  go(-1);
})();
