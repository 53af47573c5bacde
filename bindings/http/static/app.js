// The member page: pick a frame, choose a photo, place it, download the
// server's render of exactly that placement.
import { drawPhoto, photoPointAt, placePhoto, offsetsFor, settle } from './placement.js';

const MAX_BYTES = 20 * 1024 * 1024;  // the server's default upload limit
const PREVIEW_SIDE = 2048;           // longest side of the copy the preview draws
const ZOOM_MAX = 4;
const MSG = {
  notImage: 'Tệp này không phải là ảnh. Hãy chọn ảnh JPG, PNG, HEIC hoặc WebP.',
  tooLarge: 'Ảnh quá lớn (tối đa 20 MB). Hãy chọn ảnh khác hoặc chụp lại với kích thước nhỏ hơn.',
  noPreviewHeic: 'Trình duyệt này không xem trước được ảnh HEIC. Bạn vẫn có thể nhấn “Tải ảnh về”: ảnh sẽ được đặt giữa khung.',
  noPreview: 'Trình duyệt không xem trước được ảnh này. Bạn vẫn có thể thử nhấn “Tải ảnh về”: ảnh sẽ được đặt giữa khung.',
  unreadable: 'Không đọc được ảnh này (ảnh hỏng, hoặc lớn hơn 50 megapixel). Hãy chọn ảnh khác.',
  busy: 'Máy chủ đang bận. Vui lòng đợi vài giây rồi nhấn “Tải ảnh về” lại.',
  network: 'Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.',
  noTemplates: 'Không tải được danh sách khung. Hãy tải lại trang.',
  working: 'Đang tạo ảnh…',
  done: 'Xong! Ảnh đã được tải về máy.',
};

const $ = (id) => document.getElementById(id);
const canvas = $('preview');
const ctx = canvas.getContext('2d');
const ui = {
  frames: $('frames'), file: $('photo'), fileName: $('photo-name'), zoom: $('zoom'), zoomValue: $('zoom-value'),
  rotate: $('rotate'), rotateValue: $('rotate-value'), turn: $('turn'), reset: $('reset'),
  download: $('download'), status: $('status'), error: $('error'), result: $('result'), resultImage: $('result-image'),
};

const state = {
  frame: null,    // template from /v1/templates
  overlay: null,  // its preview.png: the frame with a transparent hole
  file: null,     // the original file, sent as is
  image: null,    // what the preview draws (maybe a reduced copy), or null
  photo: null,    // the upright photo's size {width, height}
  p: { zoom: 1, offsetX: 0, offsetY: 0, rotate: 0 },
  quarter: 0,     // quarter turns from the 90° button; rotate = 90 * quarter + fine
  fine: 0,
  resultUrl: null,
  busy: false,
};

function say(text) { ui.status.textContent = text; ui.error.textContent = ''; }
function fail(text) { ui.error.textContent = text; ui.status.textContent = ''; }

const placing = () => state.frame && state.photo;

// Changes the placement keeping the photo point under (px, py) in place
// (canvas pixels; default the window centre), then settles the offsets.
function change(changes, px, py) {
  if (!placing()) return;
  const win = state.frame.window;
  const before = placePhoto(state.photo, win, state.p);
  const q = { ...state.p, ...changes };
  const after = placePhoto(state.photo, win, q);
  const x = px ?? after.centreX, y = py ?? after.centreY;
  const pt = photoPointAt(before, x, y);
  // The anchor that puts pt under (x, y) at the new scale and angle.
  const dx = (x - after.centreX) / after.scale, dy = (y - after.centreY) / after.scale;
  const ax = pt.u - (after.turn.cos * dx + after.turn.sin * dy);
  const ay = pt.v - (-after.turn.sin * dx + after.turn.cos * dy);
  state.p = settle(state.photo, win, { ...q, ...offsetsFor(state.photo, win, after, ax, ay) });
  draw();
}

function move(dx, dy) {  // canvas pixels
  if (!placing()) return;
  const win = state.frame.window;
  const p = state.p;
  state.p = settle(state.photo, win, { ...p, offsetX: p.offsetX + dx / win.width, offsetY: p.offsetY + dy / win.height });
  draw();
}

function zoomTo(zoom, px, py) {
  change({ zoom: Math.round(Math.min(Math.max(zoom, 1), ZOOM_MAX) * 100) / 100 }, px, py);
}

function setRotation() {
  change({ rotate: (state.quarter * 90 + state.fine) % 360 });
}

function resetPlacement() {
  state.p = { zoom: 1, offsetX: 0, offsetY: 0, rotate: 0 };
  state.quarter = state.fine = 0;
  draw();
}

// --- drawing ---------------------------------------------------------------

function fitCanvas() {
  if (!state.frame) return;
  const { width, height } = state.frame;
  const css = canvas.getBoundingClientRect().width || 360;
  const w = Math.min(width, Math.round(css * (window.devicePixelRatio || 1)));
  const h = Math.round((w * height) / width);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  draw();
}

function clipWindow(win) {
  ctx.beginPath();
  if (win.shape === 'circle') {
    ctx.ellipse(win.x + win.width / 2, win.y + win.height / 2, win.width / 2, win.height / 2, 0, 0, 2 * Math.PI);
  } else if (win.shape === 'rect' && win.radius > 0 && ctx.roundRect) {
    ctx.roundRect(win.x, win.y, win.width, win.height, Math.min(win.radius, win.width / 2, win.height / 2));
  } else {
    ctx.rect(win.x, win.y, win.width, win.height);  // auto: the overlay hides the rest
  }
  ctx.clip();
}

function draw() {
  const f = state.frame;
  if (!f) return;
  const k = canvas.width / f.width;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(k, 0, 0, k, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  const win = f.window;
  ctx.save();
  clipWindow(win);
  ctx.fillStyle = state.image ? '#fff' : '#e9e4da';  // JPEG flattens transparency onto white
  ctx.fillRect(win.x, win.y, win.width, win.height);
  if (state.image) drawPhoto(ctx, state.image, state.photo, win, state.p);
  ctx.restore();
  if (!state.image) {
    ctx.fillStyle = '#5d5954';
    ctx.font = `600 ${Math.round(win.height / 14)}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText(state.file ? 'Không xem trước được' : 'Ảnh của bạn ở đây', win.x + win.width / 2, win.y + win.height / 2);
  }
  if (state.overlay) ctx.drawImage(state.overlay, 0, 0, f.width, f.height);
  updateControls();
}

function updateControls() {
  const on = Boolean(placing()) && !state.busy;
  for (const el of [ui.zoom, ui.rotate, ui.turn, ui.reset]) el.disabled = !on;
  ui.download.disabled = !(state.frame && state.file) || state.busy;
  ui.zoom.value = state.p.zoom;
  ui.zoomValue.textContent = `${state.p.zoom.toLocaleString('vi-VN', { maximumFractionDigits: 1 })}×`;
  ui.rotate.value = state.fine;
  ui.rotateValue.textContent = `${state.fine}°`;
  canvas.dataset.zoom = state.p.zoom;
  canvas.dataset.offsetX = state.p.offsetX;
  canvas.dataset.offsetY = state.p.offsetY;
  canvas.dataset.rotate = state.p.rotate;
}

// --- frames ------------------------------------------------------------------

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`cannot load ${src}`));
    img.src = src;
  });
}

async function selectFrame(frame) {
  state.frame = frame;
  state.overlay = null;
  canvas.dataset.ready = 'false';
  fitCanvas();
  try {
    const overlay = await loadImage(`/v1/templates/${encodeURIComponent(frame.id)}/preview.png`);
    if (state.frame !== frame) return;
    state.overlay = overlay;
  } catch {
    fail(MSG.noTemplates);
  }
  if (state.photo) state.p = settle(state.photo, frame.window, state.p);
  draw();
  canvas.dataset.ready = String(Boolean(state.overlay));
}

async function loadFrames() {
  let list;
  try {
    const res = await fetch('/v1/templates');
    if (!res.ok) throw new Error(res.statusText);
    list = (await res.json()).filter((t) => t.kind === 'frame' && t.window);
  } catch {
    $('frames-loading').textContent = MSG.noTemplates;
    return;
  }
  $('frames-loading').remove();
  const box = document.createElement('div');
  box.className = 'frames';
  const wanted = new URLSearchParams(location.search).get('frame');
  for (const t of list) {
    const label = document.createElement('label');
    label.className = 'frame';
    const input = document.createElement('input');
    Object.assign(input, { type: 'radio', name: 'frame', value: t.id, className: 'visually-hidden' });
    const img = document.createElement('img');
    Object.assign(img, { src: `/v1/templates/${encodeURIComponent(t.id)}/preview.png?width=240`, alt: '', width: 120, height: 120 });
    label.append(input, img, t.title || t.id);
    input.addEventListener('change', () => input.checked && selectFrame(t));
    box.append(label);
  }
  ui.frames.append(box);
  ui.frames.disabled = false;
  const first = box.querySelector(`input[value="${CSS.escape(wanted || '')}"]`) || box.querySelector('input');
  if (first) {
    first.checked = true;
    selectFrame(list.find((t) => t.id === first.value));
  }
}

// --- the photo ---------------------------------------------------------------

const IMAGE_EXT = /\.(jpe?g|jfif|png|webp|heic|heif|gif|bmp|avif)$/i;
const isHeic = (file) => /hei[cf]/i.test(file.type) || /\.hei[cf]$/i.test(file.name);

function looksLikeImage(file) {
  if (/svg/i.test(file.type)) return false;  // the server does not draw vector images
  if (file.type.startsWith('image/')) return true;
  return (!file.type || file.type === 'application/octet-stream') && IMAGE_EXT.test(file.name);
}

// The upright photo (EXIF orientation applied, as the server does) and a
// copy small enough to redraw at every move.
async function decodePhoto(file) {
  let source;
  try {
    source = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    // Browsers without createImageBitmap options (or formats only <img>
    // reads, such as HEIC in Safari); <img> applies EXIF orientation too.
    const url = URL.createObjectURL(file);
    try {
      source = await loadImage(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  const width = source.naturalWidth || source.width, height = source.naturalHeight || source.height;
  if (!width || !height) throw new Error('empty image');
  const k = PREVIEW_SIDE / Math.max(width, height);
  if (k >= 1) return { image: source, photo: { width, height } };
  const copy = document.createElement('canvas');
  copy.width = Math.max(1, Math.round(width * k));
  copy.height = Math.max(1, Math.round(height * k));
  const c = copy.getContext('2d');
  c.imageSmoothingQuality = 'high';
  c.drawImage(source, 0, 0, copy.width, copy.height);
  if (source.close) source.close();
  return { image: copy, photo: { width, height } };
}

async function choosePhoto(file) {
  if (!file) return;
  say('');
  if (!looksLikeImage(file)) return fail(MSG.notImage);
  if (file.size > MAX_BYTES) return fail(MSG.tooLarge);
  if (state.image && state.image.close) state.image.close();
  Object.assign(state, { file, image: null, photo: null });
  ui.fileName.textContent = file.name;
  resetPlacement();
  canvas.dataset.photo = 'loading';
  try {
    const { image, photo } = await decodePhoto(file);
    if (state.file !== file) return;
    Object.assign(state, { image, photo });
    canvas.dataset.photo = 'ready';
    $('step3').scrollIntoView({ block: 'start' });  // on a phone the preview is below the fold
  } catch {
    if (state.file !== file) return;
    canvas.dataset.photo = 'none';
    say(isHeic(file) ? MSG.noPreviewHeic : MSG.noPreview);
  }
  draw();
}

// --- download ----------------------------------------------------------------

async function describeError(res) {
  let detail = '';
  try {
    detail = (await res.json()).error.message || '';
  } catch { /* not our JSON */ }
  const more = detail ? ` (${detail})` : '';
  switch (res.status) {
    case 413: return MSG.tooLarge;
    case 415: return MSG.notImage + more;
    case 422: return MSG.unreadable + more;
    case 503: return MSG.busy;
    default: return `Không tạo được ảnh (lỗi ${res.status}).${more}`;
  }
}

async function download() {
  const { frame, file } = state;
  if (!frame || !file || state.busy) return;
  const p = state.photo ? state.p : { zoom: 1, offsetX: 0, offsetY: 0, rotate: 0 };
  const form = new FormData();
  form.append('photo', file, 'photo');  // the original bytes; never the member's file name
  form.append('zoom', String(p.zoom));
  form.append('offset_x', String(p.offsetX));
  form.append('offset_y', String(p.offsetY));
  form.append('rotate', String(p.rotate));
  form.append('focus', 'center');
  form.append('format', 'jpeg');
  form.append('quality', '90');
  state.busy = true;
  updateControls();
  say(MSG.working);
  try {
    let res;
    try {
      res = await fetch(`/v1/render/${encodeURIComponent(frame.id)}`, { method: 'POST', body: form });
    } catch {
      return fail(MSG.network);
    }
    if (!res.ok) return fail(await describeError(res));
    const blob = await res.blob();
    if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
    state.resultUrl = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = state.resultUrl;
    a.download = `khung-${frame.id}.jpg`;
    document.body.append(a);
    a.click();
    a.remove();
    ui.resultImage.src = state.resultUrl;
    ui.result.hidden = false;
    say(MSG.done);
  } finally {
    state.busy = false;
    updateControls();
  }
}

// --- gestures ----------------------------------------------------------------

const pointers = new Map();  // pointerId -> {x, y} in canvas pixels

function canvasPoint(e) {
  const r = canvas.getBoundingClientRect();
  const k = state.frame.width / r.width;
  return { x: (e.clientX - r.left) * k, y: (e.clientY - r.top) * k };
}

canvas.addEventListener('pointerdown', (e) => {
  if (!placing()) return;
  canvas.setPointerCapture(e.pointerId);
  pointers.set(e.pointerId, canvasPoint(e));
  e.preventDefault();
});

canvas.addEventListener('pointermove', (e) => {
  const last = pointers.get(e.pointerId);
  if (!last || !placing()) return;
  const now = canvasPoint(e);
  if (pointers.size === 1) {
    move(now.x - last.x, now.y - last.y);
  } else if (pointers.size === 2) {
    const other = [...pointers].find(([id]) => id !== e.pointerId)[1];
    const d0 = Math.hypot(last.x - other.x, last.y - other.y), d1 = Math.hypot(now.x - other.x, now.y - other.y);
    const mid = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 };
    move((now.x - last.x) / 2, (now.y - last.y) / 2);  // the midpoint's movement
    if (d0 > 0) zoomTo(state.p.zoom * (d1 / d0), mid.x, mid.y);
  }
  pointers.set(e.pointerId, now);
});

for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
  canvas.addEventListener(type, (e) => pointers.delete(e.pointerId));
}

canvas.addEventListener('wheel', (e) => {
  if (!placing()) return;
  e.preventDefault();
  const at = canvasPoint(e);
  zoomTo(state.p.zoom * Math.exp(-e.deltaY / 400), at.x, at.y);
}, { passive: false });

canvas.addEventListener('keydown', (e) => {
  if (!placing()) return;
  const step = (e.shiftKey ? 0.05 : 0.01) * state.frame.window.width;
  const keys = {
    ArrowLeft: () => move(-step, 0), ArrowRight: () => move(step, 0),
    ArrowUp: () => move(0, -step), ArrowDown: () => move(0, step),
    '+': () => zoomTo(state.p.zoom + 0.1), '=': () => zoomTo(state.p.zoom + 0.1), '-': () => zoomTo(state.p.zoom - 0.1),
  };
  if (keys[e.key]) {
    keys[e.key]();
    e.preventDefault();
  }
});

// --- wiring ------------------------------------------------------------------

ui.file.addEventListener('change', () => choosePhoto(ui.file.files[0]));
ui.zoom.addEventListener('input', () => zoomTo(Number(ui.zoom.value)));
ui.rotate.addEventListener('input', () => {
  state.fine = Number(ui.rotate.value);
  setRotation();
});
ui.turn.addEventListener('click', () => {
  state.quarter = (state.quarter + 1) % 4;
  setRotation();
});
ui.reset.addEventListener('click', resetPlacement);
ui.download.addEventListener('click', download);
new ResizeObserver(fitCanvas).observe(canvas);
loadFrames();
