// The photo module (khung-photo.wasm through khung-photo.js) under node,
// against the native library: for the same RGBA photo, template and
// placement, the module's frame is byte for byte `khung render`'s, and with
// an output width or flattening, the native frame_between's (native_frame).
// The module gets its templates as the member page does, from `khung serve`
// (GET /v1/templates, under.png and over.png).
//
//   node frame_test.mjs KHUNG NATIVE_FRAME KHUNG_PHOTO_JS KHUNG_PHOTO_WASM SOURCE_DIR WORK_DIR
// Prints one line a case; exits 1 when one fails (the module's output and the
// native one are then left in WORK_DIR).

import {execFileSync, spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

import {decodePng, encodePng} from './png.mjs';

const [khungCli, nativeFrame, gluePath, wasmPath, sourceDir, work] = process.argv.slice(2);
if (!work) {
  console.error('usage: node frame_test.mjs KHUNG NATIVE_FRAME KHUNG_PHOTO_JS KHUNG_PHOTO_WASM SOURCE_DIR WORK_DIR');
  process.exit(2);
}
fs.rmSync(work, {recursive: true, force: true});
fs.mkdirSync(work, {recursive: true});

const {loadKhung} = await import(pathToFileURL(path.resolve(gluePath)));
const khung = await loadKhung(fs.readFileSync(wasmPath));

let failures = 0;
function report(name, error) {
  if (error) {
    ++failures;
    console.log(`not ok - ${name}: ${error}`);
  } else {
    console.log(`ok - ${name}`);
  }
}

function run(program, args) {
  return execFileSync(program, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
}

// The message of a failing command, without the "khung: error: " prefix.
function failure(program, args) {
  try {
    run(program, args);
  } catch (e) {
    return e.stderr.trim().replace(/^khung: error: /, '');
  }
  throw new Error(`${path.basename(program)} ${args.join(' ')}: succeeded`);
}

// A photo with what resampling can get wrong: smooth gradients, hard-edged
// stripes, fine noise; with `alpha`, a soft transparent edge and a hole.
function makePhoto(width, height, seed, alpha = false) {
  let state = seed >>> 0;
  const random = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; ++y) {
    for (let x = 0; x < width; ++x) {
      const i = 4 * (y * width + x), noise = (random() - 0.5) * 40;
      const stripes = ((x >> 3) + (y >> 4)) & 1 && x > width / 2 && y > height / 3;
      data[i] = 128 + 110 * Math.sin(x * 0.031 + y * 0.017) + noise;
      data[i + 1] = stripes ? 235 : 60 + (160 * y) / height + noise;
      data[i + 2] = stripes ? 20 : 60 + (180 * x) / width - noise;
      data[i + 3] = 255;
      if (alpha) {
        const dx = x / width - 0.5, dy = y / height - 0.5, r = Math.hypot(dx, dy);
        data[i + 3] = r > 0.45 ? Math.max(0, 255 - (r - 0.45) * 2000) : r < 0.06 ? 0 : 255;
      }
    }
  }
  return {data, width, height};
}

// The photos: made ones, and the bundled sample photo's pixels (its ICC
// profile left out, so that both sides see the same RGBA).
const photos = {
  landscape: makePhoto(1200, 900, 1),
  portrait: makePhoto(640, 960, 2),
  tiny: makePhoto(37, 23, 3),
  alpha: makePhoto(500, 500, 4, true),
  astronaut: decodePng(fs.readFileSync(path.join(sourceDir, 'assets/photos/astronaut.png'))),
};
for (const [name, photo] of Object.entries(photos)) {
  photo.file = path.join(work, `photo-${name}.png`);
  fs.writeFileSync(photo.file, encodePng(photo));
  photo.handle = khung.photo(photo);
}

// The templates as the page gets them from `khung serve`: the bundled frames
// and tests/wasm/templates' in one folder, each frame's entry of
// GET /v1/templates (its window) and its layers below and above the photo
// (GET /v1/templates/{id}/under.png and over.png).
const folder = path.join(work, 'templates');
fs.cpSync(path.join(sourceDir, 'assets/templates'), folder, {recursive: true});
for (const file of fs.readdirSync(path.join(sourceDir, 'tests/wasm/templates')))
  fs.copyFileSync(path.join(sourceDir, 'tests/wasm/templates', file), path.join(folder, file));

async function serve(fn) {
  const server = spawn(khungCli, ['serve', '--host', '127.0.0.1', '--port', '0', '--templates', folder, '--quiet'],
                       {stdio: ['ignore', 'pipe', 'pipe']});
  let err = '';
  server.stderr.on('data', (d) => { err += d; });
  try {
    const base = await new Promise((resolve, reject) => {
      let out = '';
      server.stdout.on('data', (d) => {
        const m = /serving on (http:\/\/\S+)/.exec(out += d);
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`khung serve exited (${code}): ${err}`)));
    });
    return await fn(base);
  } finally {
    server.kill('SIGTERM');
  }
}

const templates = {};
await serve(async (base) => {
  const get = async (url) => {
    const response = await fetch(base + url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    return response;
  };
  const listed = await (await get('/v1/templates')).json();
  for (const id of ['frame-ring', 'frame-ribbon', 'badge', 'card']) {
    const info = listed.find((t) => t.id === id);
    report(`phone-${id}`, info.phone === true ? null : `"phone": ${info.phone}`);
    const t = {ref: path.join(folder, `${id}.json`), info};
    for (const part of ['under', 'over']) {
      t[part] = new Uint8Array(await (await get(`/v1/templates/${id}/${part}.png`)).arrayBuffer());
      t[`${part}File`] = path.join(work, `${id}-${part}.png`);
      fs.writeFileSync(t[`${part}File`], t[part]);
    }
    t.handle = khung.template({under: t.under, over: t.over, width: info.width, height: info.height, window: info.window});
    templates[id] = t;
  }
});
// The module also takes no layer below the photo for a transparent one.
{
  const t = templates['frame-ring'];
  t.bare = khung.template({under: null, over: t.over, width: 1080, height: 1080, window: t.info.window});
}

// Compares two RGBA images; a description of the difference, or null.
function difference(a, b) {
  if (a.width !== b.width || a.height !== b.height) return `${a.width}x${a.height} against ${b.width}x${b.height}`;
  let count = 0, largest = 0, first = -1;
  for (let i = 0; i < a.data.length; ++i) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d) {
      if (first < 0) first = i;
      ++count;
      largest = Math.max(largest, d);
    }
  }
  if (!count) return null;
  const pixel = first >> 2, x = pixel % a.width, y = Math.floor(pixel / a.width);
  const at = (img) => Array.from(img.data.subarray(4 * pixel, 4 * pixel + 4)).join(',');
  return `${count} bytes differ (largest by ${largest}); first at (${x}, ${y}): module ${at(a)}, native ${at(b)}`;
}

function placementArgs(p) {
  return ['--zoom', String(p.zoom ?? 1), `--offset=${p.offset_x ?? 0},${p.offset_y ?? 0}`, '--rotate', String(p.rotate ?? 0)];
}

function compare(name, moduleImage, nativeFile) {
  const native = decodePng(fs.readFileSync(nativeFile));
  const diff = difference(moduleImage, native);
  if (diff) fs.writeFileSync(path.join(work, `${name}-module.png`), encodePng(moduleImage));
  report(name, diff);
}

// The module against `khung render` of the same template, photo and placement.
const renders = [
  ['frame-ring', 'landscape', {}],
  ['frame-ring', 'landscape', {zoom: 1.7, offset_x: 0.2, offset_y: -0.1}],
  ['frame-ring', 'portrait', {zoom: 1.3, offset_x: -0.1, offset_y: 0.05, rotate: 17}],
  ['frame-ring', 'astronaut', {zoom: 1.3, offset_x: 0.1, offset_y: -0.05}],
  ['frame-ring', 'astronaut', {rotate: 90}],
  ['frame-ribbon', 'landscape', {rotate: 90}],
  ['frame-ribbon', 'portrait', {zoom: 2.5, offset_x: 0.3, offset_y: 0.3, rotate: -17}],
  ['frame-ribbon', 'astronaut', {rotate: 17}],
  ['frame-ribbon', 'tiny', {}],
  ['frame-ring', 'tiny', {zoom: 1.1, rotate: 17}],
  ['badge', 'alpha', {zoom: 1.2, rotate: 33}],
  ['badge', 'landscape', {offset_x: -1, offset_y: 1}],
  ['card', 'portrait', {zoom: 1.05, rotate: 180}],
  ['card', 'astronaut', {zoom: 4, offset_x: 0.5, offset_y: -0.5, rotate: 270}],
];
renders.forEach(([id, photo, placement], n) => {
  const name = `render-${n + 1}-${id}-${photo}`;
  try {
    const t = templates[id], out = path.join(work, `${name}-native.png`);
    run(khungCli, ['render', t.ref, '-p', photos[photo].file, ...placementArgs(placement), '-o', out]);
    compare(name, t.handle.frame(photos[photo].handle, placement), out);
  } catch (e) {
    report(name, e.message);
  }
});

{
  const name = 'render-bare-frame-ring', placement = {zoom: 1.4, rotate: 17};
  try {
    const out = path.join(work, `${name}-native.png`);
    run(khungCli, ['render', templates['frame-ring'].ref, '-p', photos.portrait.file, ...placementArgs(placement), '-o', out]);
    compare(name, templates['frame-ring'].bare.frame(photos.portrait.handle, placement), out);
  } catch (e) {
    report(name, e.message);
  }
}

// Output width and flattening against the native frame_between.
const frames = [
  ['frame-ring', 'landscape', {zoom: 1.2, rotate: 17}, {width: 540}],
  ['frame-ribbon', 'alpha', {}, {flatten: true}],
  ['badge', 'alpha', {offset_x: 0.2}, {width: 1000, flatten: true}],
  ['card', 'tiny', {rotate: 90}, {width: 333}],
];
frames.forEach(([id, photo, placement, output], n) => {
  const name = `frame-${n + 1}-${id}-${photo}${output.width ? '-width' + output.width : ''}${output.flatten ? '-flat' : ''}`;
  try {
    const t = templates[id], w = t.info.window, out = path.join(work, `${name}-native.png`);
    run(nativeFrame, [t.underFile, t.overFile, photos[photo].file, w.shape, w.x, w.y, w.width, w.height, w.radius,
                      placement.zoom ?? 1, placement.offset_x ?? 0, placement.offset_y ?? 0, placement.rotate ?? 0,
                      output.width ?? '-', output.flatten ? 1 : 0, out].map(String));
    compare(name, t.handle.frame(photos[photo].handle, placement, output), out);
  } catch (e) {
    report(name, e.message);
  }
});

// The module reads the auto window from over.png as the library reads it
// from the template's overlay.
for (const [id, t] of Object.entries(templates)) {
  const w = t.info.window, m = t.handle.window;
  report(`window-${id}`, m.x === w.x && m.y === w.y && m.width === w.width && m.height === w.height ? null
         : `module ${JSON.stringify(m)}, templates --json ${JSON.stringify(w)}`);
}

// Cover sizes and refusals are the library's, with its messages.
function throws(name, fn, expected) {
  try {
    fn();
    report(name, 'no error');
  } catch (e) {
    report(name, expected === undefined || e.message === expected ? null
           : `message '${e.message}', expected '${expected}'`);
  }
}
{
  const ring = templates['frame-ring'];
  const size = khung.coverSize(ring.handle, {zoom: 1.5});
  report('cover-size', size.width === 1200 && size.height === 1200 ? null : JSON.stringify(size));
  const turned = khung.coverSize(ring.handle, {rotate: 90});
  report('cover-size-turned', turned.width === 800 && turned.height === 800 ? null : JSON.stringify(turned));
  for (const [flag, placement] of [['--zoom=20', {zoom: 20}], ['--offset=1.5,0', {offset_x: 1.5}],
                                   ['--rotate=400', {rotate: 400}]]) {
    const cli = failure(khungCli, ['render', 'frame-ring', '-p', photos.tiny.file, flag, '-o', path.join(work, 'x.png')]);
    throws(`refused ${flag}`, () => ring.handle.frame(photos.tiny.handle, placement), cli);
    throws(`refused ${flag} (cover size)`, () => khung.coverSize(ring.handle, placement), cli);
  }
  // settle: a drag far past the photo's edge comes back to where it stops
  // moving, and that placement frames the same pixels.
  const wide = photos[Object.keys(photos)[0]].handle;
  const far = {zoom: 1.2, offset_x: 1, offset_y: -1, rotate: 17};
  const settled = ring.handle.settle(wide, far);
  report('settle-inside', Math.abs(settled.offset_x) < 1 && Math.abs(settled.offset_y) < 1 && settled.zoom === 1.2
         && settled.rotate === 17 ? null : JSON.stringify(settled));
  const a = ring.handle.frame(wide, far).data, b = ring.handle.frame(wide, settled).data;
  let worst = 0;
  for (let i = 0; i < a.length; ++i) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  report('settle-same-pixels', worst <= 1 ? null : `largest difference ${worst}`);
  throws('settle refuses a bad zoom', () => ring.handle.settle(wide, {zoom: 0}), 'zoom 0: must be between 1 and 10');
  const cli = failure(khungCli, ['render', 'frame-ring', '-p', photos.tiny.file, '--width', '0', '-o', path.join(work, 'x.png')]);
  throws('refused width 0', () => ring.handle.frame(photos.tiny.handle, {}, {width: 0}), cli);
  throws('not a PNG', () => khung.template({over: new Uint8Array([1, 2, 3]), width: 1080, height: 1080}),
         'over.png: not a PNG image');
  throws('a truncated PNG', () => khung.template({over: ring.over.subarray(0, 5000), width: 1080, height: 1080}));
  throws('a layer of another size', () => khung.template({over: ring.over, width: 1000, height: 1080}),
         'over.png: 1080x1080, the template is 1000x1080');
  throws('an unknown shape', () => khung.template({over: ring.over, width: 1080, height: 1080, window: {shape: 'star'}}),
         "window shape 'star': expected auto, circle or rect");
  throws('a photo of the wrong length', () => khung.photo({data: new Uint8Array(10), width: 2, height: 2}),
         'photo: 10 bytes for 2x2 RGBA pixels');
  const freed = khung.template({over: ring.over, width: 1080, height: 1080});
  freed.free();
  throws('a freed template', () => freed.frame(photos.tiny.handle), 'template: already freed');
}

for (const photo of Object.values(photos)) photo.handle.free();
for (const t of Object.values(templates)) t.handle.free();
templates['frame-ring'].bare.free();
console.log(failures ? `${failures} failed` : 'all passed');
process.exit(failures ? 1 : 0);
