// The photo module's work for the page, one operation per message: the page
// talks to it through photo-engine.js, which runs it in a Web Worker (so a
// member dragging a photo never waits for the resampler) or, where module
// workers are missing, on the page itself. Every result is plain data.
import { loadKhung } from './khung-photo.js';

let khung = null;
const templates = new Map();  // template id -> the module's template
let photo = null;

function template(id) {
  const t = templates.get(id);
  if (!t) throw new Error(`template '${id}' is not loaded`);
  return t;
}

// The framed photo as a transferable {data: ArrayBuffer, width, height},
// and the placement settled (its offsets back where the photo stops moving).
function frame({ id, placement, width, flatten }) {
  if (!photo) throw new Error('no photo');
  const t = template(id);
  const out = t.frame(photo, placement, { width, flatten });
  let data = out.data;
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
  return { data: data.buffer, width: out.width, height: out.height, settled: t.settle(photo, placement) };
}

export const ops = {
  async load({ wasmUrl }) {
    khung = khung || (await loadKhung(wasmUrl));
    return true;
  },
  // under, over: PNG bytes (ArrayBuffer; under may be null); answers the
  // window the module draws through (for auto windows, the hole it found).
  template({ id, under, over, width, height, window }) {
    if (templates.has(id)) return templates.get(id).window;
    const t = khung.template({ under: under && new Uint8Array(under), over: new Uint8Array(over), width, height, window });
    templates.set(id, t);
    return t.window;
  },
  photo({ data, width, height }) {
    if (photo) photo.free();
    photo = null;
    photo = khung.photo({ data: new Uint8ClampedArray(data), width, height });
    return true;
  },
  coverSize({ id, placement }) {
    return khung.coverSize(template(id), placement);
  },
  frame,
};

// Runs one message {id, op, args}: answers {id, result} or {id, error}.
export async function run({ id, op, args }) {
  try {
    if (!ops[op]) throw new Error(`unknown operation ${op}`);
    const result = await ops[op](args);
    return { reply: { id, result }, transfer: result && result.data instanceof ArrayBuffer ? [result.data] : [] };
  } catch (e) {
    return { reply: { id, error: String((e && e.message) || e) }, transfer: [] };
  }
}
