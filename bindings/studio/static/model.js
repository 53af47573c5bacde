// The template document and what the studio reads from it: the geometry of
// each layer kind (as a box the overlay can draw, move and resize), the
// placeholders of its texts, new layers, and the document as sent to the
// server. Pure functions of plain JSON values: no DOM here.

// A placeholder as the library reads it (find_placeholders): "{{ name }}",
// the name of letters, digits, '_' and '-'.
const PLACEHOLDER = /\{\{ *([A-Za-z0-9_-]{1,64}) *\}\}/g;

export const clone = (v) => JSON.parse(JSON.stringify(v));

const isText = (l) => l.type === 'text' || l.type === 'arc_text';

// The field names of every text and QR code's data, in order of first use.
export function placeholders(doc) {
  const names = [];
  for (const layer of doc.layers || []) {
    const text = isText(layer) ? layer.text : layer.type === 'qr' ? layer.data : undefined;
    if (typeof text !== 'string') continue;
    for (const m of text.matchAll(PLACEHOLDER)) if (!names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

// The document as saved and rendered: declarations of fields no text uses
// are dropped (the schema refuses them), an empty "fields" too.
// The top-level keys come in the order of the bundled templates (the server
// saves keys in the order sent).
export function cleanDoc(doc) {
  const copy = clone(doc);
  if (copy.fields && typeof copy.fields === 'object' && !Array.isArray(copy.fields)) {
    const used = placeholders(copy);
    for (const name of Object.keys(copy.fields)) if (!used.includes(name)) delete copy.fields[name];
    if (Object.keys(copy.fields).length === 0) delete copy.fields;
  }
  const out = {};
  for (const key of ['title', 'width', 'height', 'fields', 'layers']) if (key in copy) out[key] = copy[key];
  return Object.assign(out, copy);
}

const num = (v, d = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const isBox = (b) => Array.isArray(b) && b.length === 4 && b.every((v) => typeof v === 'number');
const isPoint = (p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number');

// The geometry of a layer: {box: [x, y, w, h], round, movable} where `round`
// says the box is a circle's (width and height stay equal), or null when the
// layer has none the canvas can show (an "auto" photo window).
export function geometry(layer, width, height) {
  const canvas = [0, 0, width, height];
  switch (layer.type) {
    case 'text':
    case 'qr':
      return isBox(layer.box) ? { box: layer.box, round: false, movable: true } : null;
    case 'image':
      return { box: isBox(layer.box) ? layer.box : canvas, round: false, movable: true };
    case 'photo': {
      const w = layer.window || {};
      return isBox(w.box) ? { box: w.box, round: w.shape === 'circle', movable: true } : null;
    }
    case 'arc_text': {
      if (!isPoint(layer.center)) return null;
      const r = num(layer.radius, 1);
      return { box: [layer.center[0] - r, layer.center[1] - r, 2 * r, 2 * r], round: true, movable: true };
    }
    case 'fill': {
      const s = layer.shape;
      if (!s) return { box: canvas, round: false, movable: false };
      if (s.type === 'rect' && isBox(s.box)) return { box: s.box, round: false, movable: true };
      if ((s.type === 'circle' || s.type === 'ring') && isPoint(s.center)) {
        const r = num(s.type === 'ring' ? s.outer : s.radius, 1);
        return { box: [s.center[0] - r, s.center[1] - r, 2 * r, 2 * r], round: true, movable: true };
      }
      return null;
    }
    default:
      return null;
  }
}

// Whole pixels, but a circle's centre may sit on a half pixel.
const tidy = (v) => Math.round(v * 2) / 2;

// Writes a box back into the layer's own keys (geometry's inverse).
export function setBox(layer, box) {
  const [x, y, w, h] = box.map(Math.round);
  const circle = () => ({ center: [tidy(box[0] + box[2] / 2), tidy(box[1] + box[3] / 2)], r: tidy(box[2] / 2) });
  switch (layer.type) {
    case 'text':
    case 'image':
    case 'qr':
      layer.box = [x, y, w, h];
      break;
    case 'photo':
      layer.window.box = [x, y, w, h];
      break;
    case 'arc_text': {
      const c = circle();
      layer.center = c.center;
      layer.radius = Math.max(1, c.r);
      break;
    }
    case 'fill': {
      const s = layer.shape;
      if (s.type === 'rect') s.box = [x, y, w, h];
      else {
        const c = circle();
        s.center = c.center;
        if (s.type === 'circle') s.radius = Math.max(1, c.r);
        else {
          // A ring keeps its proportions: the inner radius scales with the outer.
          const ratio = num(s.outer, 1) > 0 ? num(s.inner) / num(s.outer, 1) : 0;
          s.outer = Math.max(1, c.r);
          s.inner = Math.min(s.outer - 1, Math.max(0, Math.round(s.outer * ratio)));
        }
      }
      break;
    }
  }
}

// Moves a layer by whole pixels.
export function moveLayer(layer, dx, dy, width, height) {
  const g = geometry(layer, width, height);
  if (!g || !g.movable) return false;
  const [x, y, w, h] = g.box;
  setBox(layer, [x + dx, y + dy, w, h]);
  return true;
}

// Makes a layer wider by dw and taller by dh (a circle: its radius grows by
// whichever is not zero), its top-left corner staying put.
export function growLayer(layer, dw, dh, width, height) {
  const g = geometry(layer, width, height);
  if (!g || !g.movable) return false;
  const [x, y, w, h] = g.box;
  if (g.round) {
    const d = 2 * (dw || dh);
    const side = Math.max(2, w + d);
    setBox(layer, [x + (w - side) / 2, y + (h - side) / 2, side, side]);
  } else {
    setBox(layer, [x, y, Math.max(1, w + dw), Math.max(1, h + dh)]);
  }
  return true;
}

// The box a resize handle gives: `handle` is one of n ne e se s sw w nw,
// the mouse having moved (dx, dy) from where the drag began on `box`. The
// opposite edge stays put; a round box stays square.
export function resizeBox(box, handle, dx, dy, round) {
  let [x0, y0, x1, y1] = [box[0], box[1], box[0] + box[2], box[1] + box[3]];
  if (handle.includes('w')) x0 = Math.min(x0 + dx, x1 - 1);
  if (handle.includes('e')) x1 = Math.max(x1 + dx, x0 + 1);
  if (handle.includes('n')) y0 = Math.min(y0 + dy, y1 - 1);
  if (handle.includes('s')) y1 = Math.max(y1 + dy, y0 + 1);
  if (!round) return [x0, y0, x1 - x0, y1 - y0];
  const horizontal = handle === 'e' || handle === 'w';
  const vertical = handle === 'n' || handle === 's';
  const side = horizontal ? x1 - x0 : vertical ? y1 - y0 : Math.max(x1 - x0, y1 - y0);
  const cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
  const left = handle.includes('w') ? x1 - side : handle.includes('e') ? x0 : cx - side / 2;
  const top = handle.includes('n') ? y1 - side : handle.includes('s') ? y0 : cy - side / 2;
  return [left, top, side, side];
}

// Whether a canvas point is inside the layer's box (a circle's: its disc).
export function hits(layer, x, y, width, height) {
  const g = geometry(layer, width, height);
  if (!g) return false;
  const [bx, by, bw, bh] = g.box;
  if (g.round) {
    const r = bw / 2;
    return (x - bx - r) ** 2 + (y - by - r) ** 2 <= r * r;
  }
  return x >= bx && x <= bx + bw && y >= by && y <= by + bh;
}

// A new layer of `type`, centred on a width x height canvas.
export function newLayer(type, width, height, { family = 'Noto Sans', image = 'bundled:images/emblem.png' } = {}) {
  const cx = Math.round(width / 2), cy = Math.round(height / 2);
  const short = Math.min(width, height);
  const centred = (w, h) => [Math.round(cx - w / 2), Math.round(cy - h / 2), Math.round(w), Math.round(h)];
  switch (type) {
    case 'text':
      return {
        type: 'text', text: 'Nội dung mới', box: centred(width * 0.5, height * 0.25),
        font: { family, weight: 700, size: Math.max(8, Math.round(short / 10)) },
        color: '#FFFFFF', align: 'center', valign: 'middle',
      };
    case 'arc_text':
      return {
        type: 'arc_text', text: 'Chữ theo vòng tròn', center: [cx, cy], radius: Math.round(short * 0.4),
        start_angle: 0, direction: 'clockwise', align: 'center',
        font: { family, weight: 700, size: Math.max(8, Math.round(short / 14)) }, color: '#FFFFFF',
      };
    case 'image':
      return { type: 'image', src: image, box: centred(short * 0.5, short * 0.5), fit: 'contain' };
    case 'fill':
      return { type: 'fill', shape: { type: 'rect', box: centred(width * 0.4, height * 0.3) }, color: '#FFD23F' };
    case 'photo':
      return { type: 'photo', window: { shape: 'circle', box: centred(short * 0.6, short * 0.6) } };
    case 'qr':
      return { type: 'qr', data: 'https://www.congdoan.vn/', box: centred(short * 0.4, short * 0.4) };
    default:
      throw new Error(`unknown layer type ${type}`);
  }
}

// "layers[1].font.family" -> ["layers", 1, "font", "family"].
export function parsePath(path) {
  const parts = [];
  for (const m of String(path || '').matchAll(/([^.[\]]+)|\[(\d+)\]/g)) parts.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return parts;
}

// A colour as the template writes it, as #RRGGBB for <input type=color>
// (alpha dropped), or null when it is not one.
export function pickerColor(c) {
  if (typeof c !== 'string') return null;
  const named = { black: '#000000', white: '#ffffff', transparent: '#000000' }[c.toLowerCase()];
  if (named) return named;
  let m = /^#([0-9a-f]{3})$/i.exec(c);
  if (m) return '#' + [...m[1]].map((d) => d + d).join('').toLowerCase();
  m = /^#([0-9a-f]{6})(?:[0-9a-f]{2})?$/i.exec(c);
  return m ? '#' + m[1].toLowerCase() : null;
}

// The picker's #rrggbb with the alpha of the colour it replaces kept.
export function withPicked(old, picked) {
  const m = typeof old === 'string' && /^#[0-9a-f]{6}([0-9a-f]{2})$/i.exec(old);
  return (picked + (m ? m[1] : '')).toUpperCase();
}
