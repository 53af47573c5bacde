// The canvas: Khung's render (an <img> of the PNG the server made) under an
// SVG overlay in the template's own coordinates (viewBox = the canvas), on
// which the selected layer's box and handles, the problems of the row shown
// and the guides are drawn. The mouse and the arrow keys move and resize
// the selected layer through app.change().
import { clone, geometry, hits, moveLayer, growLayer, resizeBox, setBox } from './model.js';

const SVG = 'http://www.w3.org/2000/svg';
const HANDLES = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w'];
const CURSORS = { nw: 'nwse-resize', se: 'nwse-resize', ne: 'nesw-resize', sw: 'nesw-resize', n: 'ns-resize', s: 'ns-resize', e: 'ew-resize', w: 'ew-resize' };
const HANDLE_PX = 10;  // a handle's side on screen

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.append(e);
  return e;
}

// Where a handle sits on a box.
function handlePoint([x, y, w, h], handle) {
  const px = handle.includes('w') ? x : handle.includes('e') ? x + w : x + w / 2;
  const py = handle.includes('n') ? y : handle.includes('s') ? y + h : y + h / 2;
  return [px, py];
}

// The largest rectangle of aspect `aspect` centred on the canvas.
function centredRect(width, height, aspect) {
  const w = Math.min(width, height * aspect), h = w / aspect;
  return [(width - w) / 2, (height - h) / 2, w, h];
}

export function createStage(app) {
  const wrap = document.getElementById('stage-wrap');
  const stage = document.getElementById('stage');
  const img = document.getElementById('render');
  const svg = document.getElementById('overlay');
  const guides = { round: document.getElementById('guide-round'), desktop: document.getElementById('guide-desktop'),
                   phone: document.getElementById('guide-phone') };
  let scale = 1;
  let drag = null;
  let gestures = 0;

  const size = () => ({ width: app.doc?.width || 1, height: app.doc?.height || 1 });

  function fit() {
    const { width, height } = size();
    // The canvas fits the column's width and 56% of the window's height;
    // the frame around it takes the canvas's height.
    const aw = Math.max(100, wrap.clientWidth - 24), ah = Math.max(100, window.innerHeight * 0.56 - 24);
    scale = Math.min(aw / width, ah / height, 1);
    wrap.style.height = `${Math.round(height * scale) + 24}px`;
    stage.style.width = `${Math.round(width * scale)}px`;
    stage.style.height = `${Math.round(height * scale)}px`;
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    document.getElementById('zoom-info').textContent = `${width} × ${height} px, xem ở ${Math.round(scale * 100)}%`;
    draw();
  }

  // The canvas point under a mouse event.
  function toCanvas(e) {
    const r = svg.getBoundingClientRect();
    const { width, height } = size();
    return [(e.clientX - r.left) * width / r.width, (e.clientY - r.top) * height / r.height];
  }

  function drawGuides(g) {
    const { width, height } = size();
    const sw = { 'vector-effect': 'non-scaling-stroke', fill: 'none' };
    const label = (x, y, text, anchor = 'start') => {
      const t = el('text', { x, y, class: 'guide-label', 'font-size': 12 / scale, 'text-anchor': anchor }, g);
      t.textContent = text;
    };
    if (guides.round.checked) {
      const r = Math.min(width, height) / 2;
      el('circle', { cx: width / 2, cy: height / 2, r, class: 'guide guide-round', ...sw }, g);
      label(width / 2, height / 2 - r + 18 / scale, 'Vùng tròn của ảnh đại diện', 'middle');
    }
    // The cover's labels: the computer's at its part's top left, the phone's at its bottom right.
    const rect = (aspect, cls, text, top) => {
      const [x, y, w, h] = centredRect(width, height, aspect);
      el('rect', { x, y, width: w, height: h, class: `guide ${cls}`, ...sw }, g);
      if (top) label(x + 6 / scale, y + 16 / scale, text);
      else label(x + w - 6 / scale, y + h - 6 / scale, text, 'end');
    };
    if (guides.desktop.checked) rect(820 / 312, 'guide-desktop', 'Ảnh bìa trên máy tính (820:312)', true);
    if (guides.phone.checked) rect(640 / 360, 'guide-phone', 'Ảnh bìa trên điện thoại (640:360)', false);
  }

  function outline(g, geo, attrs) {
    const [x, y, w, h] = geo.box;
    return geo.round
      ? el('circle', { cx: x + w / 2, cy: y + h / 2, r: w / 2, 'vector-effect': 'non-scaling-stroke', ...attrs }, g)
      : el('rect', { x, y, width: w, height: h, 'vector-effect': 'non-scaling-stroke', ...attrs }, g);
  }

  function drawProblems(g) {
    const { width, height } = size();
    const seen = new Map();  // layer -> messages already drawn
    for (const p of app.canvasProblems()) {
      const layer = app.doc.layers?.[p.layer];
      const geo = layer && geometry(layer, width, height);
      if (!geo) continue;
      const lines = seen.get(p.layer) || [];
      if (lines.includes(p.message)) continue;
      if (!lines.length) {
        outline(g, geo, { class: 'problem-halo' });  // white under the red: visible on red artwork too
        outline(g, geo, { class: 'problem-box', 'data-problem-layer': p.layer });
      }
      lines.push(p.message);
      seen.set(p.layer, lines);
      const [x, y, , h] = geo.box;
      const fontSize = 13 / scale;
      const below = y + h + fontSize * 1.6 * lines.length;
      const ty = below < height ? below : Math.max(fontSize, y - fontSize * 0.6 - fontSize * 1.6 * (lines.length - 1));
      // Cut to what fits between the box's left edge and the canvas's right one.
      const left = Math.max(2, Math.min(x, width * 0.6));
      const room = Math.max(20, Math.floor((width - left) / (fontSize * 0.64)));
      const labelled = el('g', {}, g);
      el('title', {}, labelled).textContent = p.message;  // the whole message, on hover
      const t = el('text', { x: left, y: ty, class: 'problem-label', 'font-size': fontSize, 'data-problem-layer': p.layer }, labelled);
      t.textContent = p.message.length > room ? p.message.slice(0, room - 1) + '…' : p.message;
      const b = t.getBBox(), pad = 3 / scale;
      labelled.insertBefore(el('rect', { x: b.x - pad, y: b.y - pad, width: b.width + 2 * pad, height: b.height + 2 * pad,
                                          rx: pad, class: 'problem-pill', 'vector-effect': 'non-scaling-stroke' }), t);
    }
  }

  function drawSelection(g) {
    const { width, height } = size();
    const layer = app.doc.layers?.[app.selected];
    const geo = layer && geometry(layer, width, height);
    if (!geo) return;
    outline(g, geo, { class: 'selection', 'data-selection': app.selected });
    if (!geo.movable) return;
    const s = HANDLE_PX / scale;
    for (const h of HANDLES) {
      const [px, py] = handlePoint(geo.box, h);
      el('rect', { x: px - s / 2, y: py - s / 2, width: s, height: s, class: 'handle', 'data-handle': h,
                   style: `cursor: ${CURSORS[h]}`, 'vector-effect': 'non-scaling-stroke' }, g);
    }
  }

  function draw() {
    svg.replaceChildren();
    if (!app.doc) return;
    drawGuides(el('g', { class: 'guides' }, svg));
    drawProblems(el('g', { class: 'problems' }, svg));
    drawSelection(el('g', { class: 'selected' }, svg));
  }

  // The topmost layer under a canvas point, or -1.
  function layerAt(x, y) {
    const { width, height } = size();
    const layers = app.doc.layers || [];
    for (let i = layers.length - 1; i >= 0; --i) if (hits(layers[i], x, y, width, height)) return i;
    return -1;
  }

  svg.addEventListener('pointerdown', (e) => {
    if (!app.doc || e.button !== 0) return;
    svg.focus({ preventScroll: true });
    const [x, y] = toCanvas(e);
    const handle = e.target.getAttribute('data-handle');
    let index = app.selected;
    if (!handle) {
      index = layerAt(x, y);
      app.select(index);
      if (index < 0) return;
    }
    const { width, height } = size();
    const layer = app.doc.layers[index];
    const geo = geometry(layer, width, height);
    if (!geo || !geo.movable) return;
    e.preventDefault();
    svg.setPointerCapture(e.pointerId);
    drag = { index, handle, x, y, original: clone(layer), box: geo.box.slice(), round: geo.round, key: `drag:${++gestures}`,
             last: '0,0' };
    svg.style.cursor = handle ? CURSORS[handle] : 'move';
  });

  svg.addEventListener('pointermove', (e) => {
    if (!drag) {
      if (app.doc && !e.target.getAttribute('data-handle')) {
        const [x, y] = toCanvas(e);
        svg.style.cursor = layerAt(x, y) >= 0 ? 'pointer' : 'default';
      }
      return;
    }
    const [x, y] = toCanvas(e);
    const dx = Math.round(x - drag.x), dy = Math.round(y - drag.y);
    if (`${dx},${dy}` === drag.last) return;
    drag.last = `${dx},${dy}`;
    const [bx, by, bw, bh] = drag.box;
    const box = drag.handle ? resizeBox(drag.box, drag.handle, dx, dy, drag.round) : [bx + dx, by + dy, bw, bh];
    const { index, original } = drag;
    app.change((doc) => {
      const layer = clone(original);
      setBox(layer, box);
      doc.layers[index] = layer;
    }, { key: drag.key, gesture: true });
  });

  const endDrag = (e) => {
    if (!drag) return;
    drag = null;
    svg.style.cursor = '';
    if (svg.hasPointerCapture(e.pointerId)) svg.releasePointerCapture(e.pointerId);
  };
  svg.addEventListener('pointerup', endDrag);
  svg.addEventListener('pointercancel', endDrag);

  // Arrow keys: move by 1 px (Shift: 10 px); with Alt (Option), change the
  // width (left, right) or height (up, down) instead.
  function onArrow(e) {
    const dir = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[e.key];
    if (!dir || !app.doc || app.selected < 0 || e.ctrlKey || e.metaKey) return false;
    const step = e.shiftKey ? 10 : 1;
    const [dx, dy] = [dir[0] * step, dir[1] * step];
    const { width, height } = size();
    const layer = app.doc.layers[app.selected];
    const geo = geometry(layer, width, height);
    if (!geo || !geo.movable) return false;
    const index = app.selected;
    app.change((doc) => {
      if (e.altKey) growLayer(doc.layers[index], dx, dy, width, height);
      else moveLayer(doc.layers[index], dx, dy, width, height);
    }, { key: `keys:${index}:${e.altKey ? 'size' : 'move'}` });
    return true;
  }

  for (const box of Object.values(guides)) box.addEventListener('change', draw);
  new ResizeObserver(fit).observe(wrap);
  window.addEventListener('resize', fit);

  return {
    fit,
    draw,
    onArrow,
    focus: () => svg.focus({ preventScroll: true }),
    // Shows a PNG (base64) as the canvas's image.
    show(png) {
      img.src = `data:image/png;base64,${png}`;
    },
    clear() {
      img.removeAttribute('src');
    },
  };
}
