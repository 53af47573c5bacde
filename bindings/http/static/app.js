// The member page: pick a frame, choose a photo, place it, save the framed
// photo. The photo is framed on the phone by Khung's photo module
// (khung-photo.wasm, through photo-engine.js): the browser decodes the photo
// shrunk to what the window needs, the module places it between the
// template's under.png and over.png, and the page encodes the JPEG. The
// preview and the saved photo are the module's renders of the same
// placement. Only where the phone cannot (no WebAssembly, a frame the module
// cannot draw, a photo the browser cannot decode) is the photo sent to the
// server, shrunk first when the browser can read it.
import { startEngine } from './photo-engine.js';
import { readImageFile } from './image-file.js';
import { upload } from './upload.js';

const MAX_UPLOAD = 20 * 1024 * 1024;  // the server's default upload limit
const MAX_PIXELS = 50e6;              // the decoded-pixel limit, the server's default too
const OUTPUT_WIDTH = 1080;            // the saved photo's width (smaller templates keep theirs)
const JPEG_QUALITY = 0.9;
const ZOOM_MAX = 4;

// Facebook's, Messenger's, Instagram's and Zalo's in-app browsers refuse a
// download of a made photo (a blob: link): there the page does not try, and
// says how to keep the photo or open the page in the phone's own browser;
// its button makes the photo rather than promising a download.
const IN_APP = /FBAN|FBAV|FB_IAB|FBIOS|Messenger|Instagram|Zalo/i.test(navigator.userAgent);

const SAVE = IN_APP ? 'Ghép ảnh' : 'Tải ảnh về';
const MSG = {
  notImage: 'Tệp này không phải là ảnh. Hãy chọn ảnh JPG, PNG, HEIC hoặc WebP.',
  truncated: 'Ảnh này bị hỏng hoặc chưa được lưu trọn vẹn (tệp bị cắt cụt), nên không ghép được. Hãy chọn ảnh khác hoặc chụp lại.',
  tooManyPixels: (mp) => `Ảnh quá lớn: ${mp} megapixel, trong khi tối đa là 50 megapixel. Hãy chọn ảnh khác, hoặc chụp lại với độ phân giải thấp hơn.`,
  tooLarge: 'Ảnh quá lớn để gửi lên máy chủ (tối đa 20 MB). Hãy chọn ảnh khác hoặc chụp lại với kích thước nhỏ hơn.',
  blank: 'Ảnh này trong suốt hoàn toàn, không có gì để ghép. Hãy chọn ảnh khác.',
  decoding: 'Đang mở ảnh…',
  onPhone: 'Ảnh được ghép ngay trên máy của bạn, không gửi lên mạng.',
  heicToServer: `Trình duyệt này không mở được ảnh HEIC, nên không xem trước được. Khi bạn nhấn “${SAVE}”, ảnh sẽ được gửi lên máy chủ để ghép (ảnh được đặt giữa khung).`,
  moduleToServer: `Không ghép được ảnh này ngay trên máy, nên ảnh sẽ được thu nhỏ rồi gửi lên máy chủ để ghép khi bạn nhấn “${SAVE}” (ảnh được đặt giữa khung).`,
  undecodedToServer: `Trình duyệt không mở được ảnh này, nên không xem trước được. Khi bạn nhấn “${SAVE}”, ảnh sẽ được gửi lên máy chủ để thử ghép (ảnh được đặt giữa khung).`,
  noEngineToServer: `Lần này ảnh chưa ghép được ngay trên máy, nên ảnh sẽ được thu nhỏ rồi gửi lên máy chủ để ghép khi bạn nhấn “${SAVE}” (ảnh được đặt giữa khung).`,
  noModuleToServer: `Trình duyệt này không tự ghép ảnh được, nên ảnh sẽ được thu nhỏ rồi gửi lên máy chủ để ghép khi bạn nhấn “${SAVE}” (ảnh được đặt giữa khung).`,
  frameToServer: `Khung này được ghép trên máy chủ: ảnh sẽ được thu nhỏ rồi gửi lên khi bạn nhấn “${SAVE}” (ảnh được đặt giữa khung).`,
  unreadable: 'Máy chủ không đọc được ảnh này (ảnh hỏng, hoặc lớn hơn 50 megapixel). Hãy chọn ảnh khác.',
  busy: `Máy chủ đang bận. Vui lòng đợi vài giây rồi nhấn “${SAVE}” lại.`,
  network: 'Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.',
  // Offline, the page says what is true: what was kept on the phone works.
  offline: 'Bạn đang ngoại tuyến. Các khung đã tải về máy vẫn dùng được, và ảnh vẫn được ghép ngay trên máy.',
  offlineList: 'Bạn đang ngoại tuyến, và danh sách khung chưa được tải về máy. Hãy mở lại trang khi có mạng.',
  offlineFrame: 'Bạn đang ngoại tuyến: khung này chưa được tải về máy. Hãy chọn khung khác, hoặc mở lại trang khi có mạng.',
  offlineServer: 'Bạn đang ngoại tuyến: ảnh này phải gửi lên máy chủ để ghép. Hãy thử lại khi có mạng.',
  notKept: 'Chưa tải về máy',
  cancelled: `Đã huỷ gửi ảnh. Bạn có thể nhấn “${SAVE}” để gửi lại.`,
  noTemplates: 'Không tải được danh sách khung. Hãy tải lại trang.',
  noFrame: 'Không tải được khung này. Hãy kiểm tra mạng rồi tải lại trang.',
  working: 'Đang ghép ảnh…',
  shrinking: 'Đang thu nhỏ ảnh trước khi gửi…',
  uploading: (pct) => `Đang gửi ảnh lên máy chủ: ${pct}%`,
  serverWorking: 'Máy chủ đang ghép ảnh…',
  failed: 'Không ghép được ảnh. Hãy thử lại, hoặc chọn ảnh khác.',
  againOnServer: `Không ghép được ảnh ngay trên máy. Nhấn “${SAVE}” lần nữa để gửi ảnh lên máy chủ ghép.`,
  // A browser says nothing when a download is refused or lands: the page
  // never claims the photo was saved, and always offers the long press.
  done: 'Ảnh đã ghép xong, ở ngay bên trên. Nếu máy chưa tự tải ảnh về, hãy nhấn giữ ảnh để lưu vào máy.',
  doneInApp: 'Ảnh đã ghép xong, ở ngay bên trên: nhấn giữ ảnh để lưu vào máy.',
  shareFailed: 'Không chia sẻ được ảnh. Hãy nhấn giữ ảnh để lưu rồi chia sẻ từ thư viện ảnh.',
  captionBlank: (labels) => `Hãy điền ${labels.map((l) => `“${l}”`).join(', ')} trước khi chép lời chia sẻ.`,
  captionCopied: 'Đã chép lời chia sẻ. Hãy dán vào bài đăng của bạn.',
  captionSelected: 'Lời chia sẻ đã được chọn sẵn: nhấn giữ vào đó rồi chọn “Sao chép”.',
};

const $ = (id) => document.getElementById(id);
const canvas = $('preview');
const ctx = canvas.getContext('2d');
const ui = {
  frames: $('frames'), file: $('photo'), fileName: $('photo-name'), mode: $('mode'), zoom: $('zoom'),
  zoomValue: $('zoom-value'), rotate: $('rotate'), rotateValue: $('rotate-value'), turn: $('turn'), reset: $('reset'),
  download: $('download'), status: $('status'), error: $('error'), result: $('result'), resultImage: $('result-image'),
  resultLink: $('result-link'), inApp: $('in-app'), share: $('share'),
  upload: $('upload'), uploadLabel: $('upload-label'), uploadProgress: $('upload-progress'), cancel: $('cancel'),
};

const engineReady = startEngine(new URL('/static/', location.href)).catch(() => null);

const state = {
  engine: null,
  frame: null,    // the template from /v1/templates
  layers: null,   // {id, under, over (ArrayBuffer), underImage, overImage (drawable), window: the module's or null}
  photo: null,    // see choosePhoto
  shown: null,    // the render on the canvas: {key, frame, photo, decoded, image}
  p: { zoom: 1, offset_x: 0, offset_y: 0, rotate: 0 },
  quarter: 0,     // quarter turns from the 90° button; rotate = 90 * quarter + fine
  fine: 0,
  resultUrl: null,
  resultFile: null,  // the framed photo as a File, for sharing
  busy: false,
  xhr: null,
};

function say(text) { ui.status.textContent = text; ui.error.textContent = ''; }
function fail(text) { ui.error.textContent = text; ui.status.textContent = ''; }
const offline = () => navigator.onLine === false;
const round4 = (v) => Math.round(v * 1e4) / 1e4;
const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);
const outputWidth = (frame) => Math.min(OUTPUT_WIDTH, frame.width);

// The photo is framed on the phone when the module runs, the frame is one it
// draws exactly ("phone" in /v1/templates) and the browser decoded the photo.
const onPhone = () => Boolean(state.photo && state.photo.decoded && state.layers && state.layers.window);
const placing = () => onPhone() && !state.busy;

// --- placement: gestures map to zoom, offsets and turns; the module places --

// Offsets are fractions of the window's size (+ moves the photo right and
// down); the module clamps them so the window stays covered.
function move(dx, dy) {  // template pixels
  if (!placing()) return;
  const win = state.layers.window;
  state.p.offset_x = round4(clamp(state.p.offset_x + dx / win.width, -1, 1));
  state.p.offset_y = round4(clamp(state.p.offset_y + dy / win.height, -1, 1));
  placed();
}

function zoomTo(zoom) {
  if (!placing()) return;
  state.p.zoom = Math.round(clamp(zoom, 1, ZOOM_MAX) * 100) / 100;
  placed();
}

function setRotation() {
  if (!placing()) return;
  state.p.rotate = (state.quarter * 90 + state.fine) % 360;
  placed();
}

function resetPlacement() {
  state.p = { zoom: 1, offset_x: 0, offset_y: 0, rotate: 0 };
  state.quarter = state.fine = 0;
  placed();
}

const placementKey = (p) => `${p.zoom},${p.offset_x},${p.offset_y},${p.rotate}`;

function placed() {
  updateControls();
  if (onPhone()) {
    requestPreview();
    coverLater();
  }
}

// --- the preview: the module's render, the very pixels that are saved -----

let previewRunning = null, previewWanted = false;  // previewRunning: the running loop's promise

function requestPreview() {
  previewWanted = true;
  if (!previewRunning) previewRunning = runPreviews().finally(() => { previewRunning = null; });
}

// Renders the newest placement at the saved photo's size (the canvas shows
// it scaled by CSS); placements that arrive meanwhile are merged into one
// next render, so a drag never queues up work. The last render is kept: a
// save of the same placement reuses it.
async function runPreviews() {
  while (previewWanted && onPhone()) {
    previewWanted = false;
    const { frame, photo } = state, p = { ...state.p }, decoded = photo.decoded;
    try {
      const out = await state.engine.call('frame', { id: frame.id, placement: p, width: outputWidth(frame), flatten: true });
      if (state.frame !== frame || state.photo !== photo) continue;
      const image = new ImageData(new Uint8ClampedArray(out.data), out.width, out.height);
      if (canvas.width !== out.width || canvas.height !== out.height) [canvas.width, canvas.height] = [out.width, out.height];
      ctx.putImageData(image, 0, 0);
      // A drag past the photo's edge moves nothing: the offsets settle where
      // it stopped (the module's settle), so dragging back moves it at once.
      // The settled placement draws this same image.
      if (placementKey(p) === placementKey(state.p)) {
        p.offset_x = state.p.offset_x = round4(out.settled.offset_x);
        p.offset_y = state.p.offset_y = round4(out.settled.offset_y);
        updateControls();
      }
      state.shown = { key: placementKey(p), frame, photo, decoded, image };
      canvas.dataset.shown = state.shown.key;
      performance.mark('khung:previewed');
    } catch (e) {
      if (state.photo === photo) photoToServer(photo, MSG.moduleToServer);
    }
  }
}

function fitCanvas() {
  if (!state.frame) return;
  const w = outputWidth(state.frame), h = Math.round((w * state.frame.height) / state.frame.width);
  if (canvas.width !== w || canvas.height !== h) [canvas.width, canvas.height] = [w, h];
  draw();
}

// Without a photo framed on the phone: the frame's own layers, and a word
// in the window's box.
function draw() {
  if (onPhone()) return requestPreview();
  const f = state.frame;
  if (!f) return;
  state.shown = null;
  const k = canvas.width / f.width;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.setTransform(k, 0, 0, k, 0, 0);
  const win = f.window;
  const layers = state.layers && state.layers.id === f.id ? state.layers : null;
  if (layers && layers.underImage) ctx.drawImage(layers.underImage, 0, 0, f.width, f.height);
  ctx.fillStyle = '#e9e4da';
  ctx.fillRect(win.x, win.y, win.width, win.height);
  ctx.fillStyle = '#5d5954';
  ctx.font = `600 ${Math.round(win.height / 14)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const words = !state.photo ? 'Ảnh của bạn ở đây' : state.photo.decoding ? 'Đang mở ảnh…' : 'Không xem trước được';
  ctx.fillText(words, win.x + win.width / 2, win.y + win.height / 2);
  if (layers && layers.overImage) ctx.drawImage(layers.overImage, 0, 0, f.width, f.height);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  delete canvas.dataset.shown;
}

function updateControls() {
  const on = placing();
  canvas.classList.toggle('placing', on);  // only then do touches on the preview move the photo, not the page
  for (const el of [ui.zoom, ui.rotate, ui.turn, ui.reset]) el.disabled = !on;
  const photo = state.photo;
  ui.download.disabled = !(state.frame && photo && (photo.decoded || photo.upload)) || state.busy;
  ui.zoom.value = state.p.zoom;
  ui.zoomValue.textContent = `${state.p.zoom.toLocaleString('vi-VN', { maximumFractionDigits: 2 })}×`;
  ui.rotate.value = state.fine;
  ui.rotateValue.textContent = `${state.fine}°`;
  canvas.dataset.zoom = state.p.zoom;
  canvas.dataset.offsetX = state.p.offset_x;
  canvas.dataset.offsetY = state.p.offset_y;
  canvas.dataset.rotate = state.p.rotate;
  canvas.dataset.placed = placementKey(state.p);
}

// --- frames --------------------------------------------------------------------

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.arrayBuffer();
}

const drawable = (bytes) => createImageBitmap(new Blob([bytes], { type: 'image/png' }));

// A frame's images by URLs that name their content (?v= the template's
// version): the service worker keeps them as they are (sw.js asks for the
// same URLs).
function frameUrl(frame, file, query = '') {
  return `/v1/templates/${encodeURIComponent(frame.id)}/${file}?${query}v=${encodeURIComponent(frame.version)}`;
}

// The frame's layers below and above the photo, and the module's copy of
// the template when the phone can draw this frame.
async function loadLayers(frame) {
  let under, over;
  try {
    [under, over] = await Promise.all([fetchBytes(frameUrl(frame, 'under.png')), fetchBytes(frameUrl(frame, 'over.png'))]);
  } catch (e) {
    if (offline() || e instanceof TypeError) throw e;  // not kept on this phone
    // A server without the layers: it frames the photo; its preview shows the frame.
    return { id: frame.id, window: null, underImage: null, overImage: await drawable(await fetchBytes(frameUrl(frame, 'preview.png'))) };
  }
  const layers = { id: frame.id, under, over, window: null };
  [layers.underImage, layers.overImage] = await Promise.all([drawable(under), drawable(over)]);
  const engine = await engineReady;
  state.engine = engine;
  if (engine && frame.phone === true) {
    try {
      layers.window = await engine.call('template', {
        id: frame.id, under, over, width: frame.width, height: frame.height, window: frame.window,
      });
    } catch {
      layers.window = null;  // the server draws it
    }
  }
  return layers;
}

async function selectFrame(frame) {
  state.frame = frame;
  state.layers = null;
  canvas.dataset.ready = 'false';
  fitCanvas();
  let layers;
  try {
    layers = await loadLayers(frame);
  } catch {
    if (state.frame === frame) fail(offline() ? MSG.offlineFrame : MSG.noFrame);
    return;
  }
  if (state.frame === frame && [MSG.offlineFrame, MSG.noFrame].includes(ui.error.textContent)) say(offline() ? MSG.offline : '');
  if (state.frame !== frame) return;
  state.layers = layers;
  canvas.dataset.ready = 'true';
  canvas.dataset.engine = layers.window ? 'phone' : 'server';
  if (state.photo) await preparePhoto(state.photo);
  else draw();
  updateControls();
}

// The campaign's order first (campaign.json's "frames"), then the rest as listed.
function inCampaignOrder(list, campaign) {
  const order = (campaign && campaign.frames) || [];
  const rank = (t) => (order.includes(t.id) ? order.indexOf(t.id) : order.length);
  return list.map((t, i) => [rank(t), i, t]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((e) => e[2]);
}

async function loadFrames() {
  let list;
  try {
    // Always the server's current list when online (the service worker
    // answers with the kept one offline).
    const res = await fetch('/v1/templates', { cache: 'no-cache' });
    if (!res.ok) throw new Error(res.statusText);
    list = inCampaignOrder((await res.json()).filter((t) => t.kind === 'frame' && t.window), await campaignReady);
  } catch {
    $('frames-loading').textContent = offline() ? MSG.offlineList : MSG.noTemplates;
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
    Object.assign(img, { src: frameUrl(t, 'preview.png', 'width=240&'), alt: '', width: 120, height: 120 });
    img.addEventListener('error', () => img.removeAttribute('src'), { once: true });  // offline and not kept: an empty box, not a broken image
    const note = Object.assign(document.createElement('span'), { className: 'not-kept', textContent: MSG.notKept, hidden: true });
    label.append(input, img, t.title || t.id, note);
    label.dataset.under = frameUrl(t, 'under.png');
    input.addEventListener('change', () => input.checked && selectFrame(t));
    box.append(label);
  }
  ui.frames.append(box);
  ui.frames.disabled = false;
  markKept();
  const first = box.querySelector(`input[value="${CSS.escape(wanted || '')}"]`) || box.querySelector('input');
  if (first) {
    first.checked = true;
    selectFrame(list.find((t) => t.id === first.value));
  }
}

// Offline, each frame whose layers this phone has not kept says so.
async function markKept() {
  const labels = [...document.querySelectorAll('label.frame')];
  for (const label of labels) {
    const kept = !offline() || !('caches' in window) || Boolean(await caches.match(label.dataset.under).catch(() => null));
    label.querySelector('.not-kept').hidden = kept;
    label.classList.toggle('missing', !kept);
  }
}

function connectionChanged() {
  markKept();
  if (offline()) {
    if (!ui.status.textContent && !ui.error.textContent) say(MSG.offline);
  } else if (ui.status.textContent === MSG.offline) say('');
}

// --- the campaign: header, why, caption ---------------------------------------------

// The campaign file beside the templates (GET /v1/campaign), or null.
async function loadCampaign() {
  try {
    const res = await fetch('/v1/campaign', { cache: 'no-cache' });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}
const campaignReady = loadCampaign();

const PLACEHOLDER = /\{\{ *([A-Za-z0-9_-]+) *\}\}/g;  // as templates write {{field}}

function showCampaign(c) {
  if (!c) return;
  document.title = `Khung ảnh ${c.title}`;
  $('campaign-title').textContent = c.title;
  if (c.tagline) Object.assign($('campaign-tagline'), { textContent: c.tagline, hidden: false });
  const tags = (c.hashtags || []).join(' ');
  if (c.description || tags || c.link) {
    $('why-text').textContent = c.description || '';
    $('why-tags').textContent = tags;
    if (c.link) Object.assign($('why-link'), { href: c.link, hidden: false });
    $('why').hidden = false;
  }
  if (c.caption) showCaption(c);
}

// The caption box: one input per fill-in (the unit offers the campaign's
// units), the caption with the blanks filled and the hashtags, and a button
// that copies it.
function showCaption(c) {
  const box = $('caption-fields'), text = $('caption'), status = $('caption-status');
  const inputs = new Map();
  $('units').replaceChildren(...(c.units || []).map((u) => Object.assign(document.createElement('option'), { value: u })));
  for (const f of c.fields || []) {
    const id = `caption-${f.name}`;
    const label = Object.assign(document.createElement('label'), { htmlFor: id, textContent: f.label || f.name });
    const input = Object.assign(document.createElement('input'), { id, type: 'text', autocomplete: f.name === 'name' ? 'name' : 'off' });
    if (f.name === 'unit' && (c.units || []).length) input.setAttribute('list', 'units');
    input.addEventListener('input', fill);
    inputs.set(f.name, { input, label: f.label || f.name });
    box.append(label, input);
  }
  const blanks = () => [...inputs.values()].filter((f) => !f.input.value.trim());
  function fill() {
    const body = c.caption.replace(PLACEHOLDER, (whole, name) => {
      const f = inputs.get(name);
      return f ? f.input.value.trim() || `[${f.label}]` : whole;
    });
    text.value = [body, (c.hashtags || []).join(' ')].filter(Boolean).join('\n\n');
    text.style.height = 'auto';
    text.style.height = `${text.scrollHeight + 4}px`;  // the whole caption in view, hashtags too
    status.textContent = '';
  }
  fill();
  $('copy-caption').addEventListener('click', async () => {
    const missing = blanks();
    if (missing.length) {
      status.textContent = MSG.captionBlank(missing.map((f) => f.label));
      missing[0].input.focus();
      return;
    }
    try {
      await navigator.clipboard.writeText(text.value);
      status.textContent = MSG.captionCopied;
    } catch {
      // No Clipboard API here (an in-app browser, a page without https):
      // the text is selected for the phone's own copy.
      text.focus();
      text.select();
      text.setSelectionRange(0, text.value.length);
      let copied = false;
      try {
        copied = document.execCommand('copy');
      } catch { /* selected */ }
      status.textContent = copied ? MSG.captionCopied : MSG.captionSelected;
    }
  });
  $('caption-step').hidden = false;
}

// --- the photo -------------------------------------------------------------------

const IMAGE_EXT = /\.(jpe?g|jfif|png|webp|heic|heif|gif|bmp|avif)$/i;

function mayBeImage(file) {
  if (/svg/i.test(file.type)) return false;  // Khung does not draw vector images
  if (file.type.startsWith('image/')) return true;
  return (!file.type || file.type === 'application/octet-stream') && IMAGE_EXT.test(file.name);
}

// The upright photo (EXIF orientation applied, as the server does) decoded
// by the browser at the smallest size that covers `need` (the module's
// cover size), or whole when it is smaller: a 48-megapixel photo becomes a
// bitmap of about a megapixel. Only one side is given, so the browser keeps
// the proportions even where the file's orientation was misread.
async function decodeToCover(file, info, need) {
  const options = { imageOrientation: 'from-image', resizeQuality: 'high' };
  if (info.width && info.height) {
    const kw = need.width / info.width, kh = need.height / info.height;
    if (Math.max(kw, kh) < 1) {
      if (kw >= kh) options.resizeWidth = need.width;
      else options.resizeHeight = need.height;
    }
    return createImageBitmap(file, options);
  }
  // A format whose size the page does not read (HEIC where the browser
  // opens it): decoded whole, then shrunk.
  const whole = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const k = Math.max(need.width / whole.width, need.height / whole.height);
  if (k >= 1) return whole;
  const kw = need.width / whole.width, kh = need.height / whole.height;
  const shrunk = await createImageBitmap(whole, kw >= kh ? { resizeWidth: need.width, resizeQuality: 'high' }
                                                         : { resizeHeight: need.height, resizeQuality: 'high' });
  whole.close();
  return shrunk;
}

function newCanvas(width, height) {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height);
  return Object.assign(document.createElement('canvas'), { width, height });
}

// RGBA pixels of a bitmap; throws when every pixel is transparent (a
// decode that drew nothing is never framed).
function pixelsOf(bitmap) {
  const { width, height } = bitmap;
  const g = newCanvas(width, height).getContext('2d', { willReadFrequently: true });
  g.drawImage(bitmap, 0, 0);
  const image = g.getImageData(0, 0, width, height);
  const d = image.data;
  let seen = false;
  for (let i = 3; i < d.length && !seen; i += 4) seen = d[i] !== 0;
  if (!seen) throw Object.assign(new Error('blank photo'), { blank: true });
  return image;
}

// The cover size at `p`, as the module computes it for this frame.
const coverAt = (p) => state.engine.call('coverSize', { id: state.frame.id, placement: p });

// Makes sure the module holds the photo at least at the cover size of `p`
// (re-decoding it larger when a zoom or a turn needs more), with room to
// zoom in further without decoding again. Answers whether it decoded.
async function ensureCover(photo, p) {
  const need = await coverAt(p);
  const d = photo.decoded;
  const whole = d && photo.info.width && d.width >= photo.info.width && d.height >= photo.info.height;
  if (d && (whole || (d.width + 1 >= need.width && d.height + 1 >= need.height))) return false;
  const room = await coverAt({ ...p, zoom: clamp(p.zoom * 1.5, 1, ZOOM_MAX), rotate: 45 });
  const target = d ? room : need;  // the first decode is just the cover: the quickest way to the first preview
  const bitmap = await decodeToCover(photo.file, photo.info, target);
  performance.mark('khung:decoded');
  if (state.photo !== photo) {
    bitmap.close();
    return false;
  }
  const pixels = pixelsOf(bitmap);
  bitmap.close();
  await state.engine.call('photo', { data: pixels.data.buffer, width: pixels.width, height: pixels.height },
                          [pixels.data.buffer]);
  performance.mark('khung:photo-in-module');
  photo.decoded = { width: pixels.width, height: pixels.height };
  canvas.dataset.photoSize = `${pixels.width}x${pixels.height}`;
  return true;
}

let coverTimer = 0;
function coverLater() {
  clearTimeout(coverTimer);
  const photo = state.photo;
  coverTimer = setTimeout(() => {
    if (state.photo === photo && onPhone() && !photo.covering) {
      photo.covering = ensureCover(photo, { ...state.p }).then((larger) => larger && requestPreview(), () => {}).finally(() => {
        photo.covering = null;
      });
    }
  }, 250);
}

// The photo goes to the server (`why` says so on the page): shrunk first
// when the browser can read it (at save time), else as it is.
function photoToServer(photo, why) {
  photo.decoded = null;
  photo.upload = { original: photo.file, shrink: photo.readable };
  canvas.dataset.photo = 'server';
  ui.mode.textContent = why;
  resetPlacement();
  draw();
  updateControls();
}

// Frames the chosen photo on the phone when it can, else readies the server fallback.
async function preparePhoto(photo) {
  const frame = state.frame;
  if (!state.layers || state.layers.id !== frame.id) return;  // selectFrame calls again
  if (!state.layers.window) {
    photo.decoded = null;
    photo.upload = { original: photo.file, shrink: photo.readable };
    canvas.dataset.photo = 'server';
    ui.mode.textContent = state.engine ? MSG.frameToServer
      : typeof WebAssembly === 'object' ? MSG.noEngineToServer : MSG.noModuleToServer;
    resetPlacement();
    draw();
    return;
  }
  if (!photo.readable) return photoToServer(photo, photo.info.format === 'heic' ? MSG.heicToServer : MSG.undecodedToServer);
  photo.decoding = true;
  canvas.dataset.photo = 'loading';
  draw();
  try {
    await ensureCover(photo, { ...state.p });
    if (state.photo !== photo || state.frame !== frame) return;
    photo.decoding = false;
    photo.upload = null;
    canvas.dataset.photo = 'ready';
    ui.mode.textContent = MSG.onPhone;
    placed();
  } catch (e) {
    if (state.photo !== photo) return;
    photo.decoding = false;
    if (e && e.blank) {
      refuse(MSG.blank);
    } else {
      // The browser could not decode it after all (an unusual JPEG, or too
      // little memory): the server may.
      photo.readable = false;
      photoToServer(photo, photo.info.format === 'heic' ? MSG.heicToServer : MSG.undecodedToServer);
    }
  }
  updateControls();
}

async function choosePhoto(file) {
  if (!file) return;
  performance.mark('khung:chosen');
  // The photo chosen before is gone from now on: work still under way for
  // it (a frame's change preparing it) stops, and cannot mark it ready.
  state.photo = null;
  canvas.dataset.photo = 'reading';
  updateControls();
  say('');
  ui.mode.textContent = '';
  ui.result.hidden = true;
  if (!mayBeImage(file)) return refuse(MSG.notImage);
  let info;
  try {
    info = await readImageFile(file);
  } catch {
    return refuse(MSG.notImage);
  }
  if (!info.format) return refuse(MSG.notImage);
  if (info.truncated) return refuse(MSG.truncated);
  if (info.width * info.height > MAX_PIXELS) return refuse(MSG.tooManyPixels(Math.round((info.width * info.height) / 1e6)));
  // Every format is tried: Safari opens HEIC; the server takes what the browser cannot.
  const photo = { file, info, readable: true, decoded: null, upload: null, decoding: false };
  ui.fileName.textContent = file.name;
  state.photo = photo;
  state.p = { zoom: 1, offset_x: 0, offset_y: 0, rotate: 0 };
  state.quarter = state.fine = 0;
  say(MSG.decoding);
  await preparePhoto(photo);
  if (state.photo !== photo) return;
  if (ui.status.textContent === MSG.decoding) say('');
  if (onPhone()) $('step3').scrollIntoView({ block: 'start' });  // on a phone the preview is below the fold
}

// A file the page will not frame: nothing is kept of it, nothing is saved.
function refuse(message) {
  state.photo = null;
  ui.fileName.textContent = '';
  ui.file.value = '';
  canvas.dataset.photo = 'none';
  resetPlacement();
  draw();
  fail(message);
}

// --- saving ------------------------------------------------------------------------

// The module's render at the output width, flattened onto white as the JPEG
// keeps it, encoded by the browser.
async function framedOnPhone() {
  const { frame, photo } = state, p = { ...state.p };
  if (photo.covering) await photo.covering;
  await ensureCover(photo, p);
  if (previewRunning) await previewRunning;  // the preview being drawn may be this very render
  const shown = state.shown;
  let image;
  if (shown && shown.key === placementKey(p) && shown.frame === frame && shown.photo === photo && shown.decoded === photo.decoded) {
    image = shown.image;  // the preview on the screen is this render
  } else {
    const out = await state.engine.call('frame', { id: frame.id, placement: p, width: outputWidth(frame), flatten: true });
    image = new ImageData(new Uint8ClampedArray(out.data), out.width, out.height);
  }
  performance.mark('khung:framed');
  const c = document.createElement('canvas');
  [c.width, c.height] = [image.width, image.height];
  c.getContext('2d').putImageData(image, 0, 0);
  const blob = await new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
  if (!blob) throw new Error('JPEG encoding failed');
  performance.mark('khung:encoded');
  return blob;
}

// What the server gets: a readable photo shrunk to what the window needs
// at any turn (the window's diagonal, zoomed) as JPEG 90, unless the
// original is smaller; anything else as it is.
async function copyForServer(photo) {
  const win = state.frame.window;
  if (photo.upload.shrink && photo.info.width) {
    const side = Math.ceil(Math.hypot(win.width, win.height) * state.p.zoom);
    try {
      const bitmap = await decodeToCover(photo.file, photo.info, { width: side, height: side });
      const c = newCanvas(bitmap.width, bitmap.height);
      c.getContext('2d').drawImage(bitmap, 0, 0);
      bitmap.close();
      const blob = c.convertToBlob ? await c.convertToBlob({ type: 'image/jpeg', quality: JPEG_QUALITY })
                                   : await new Promise((resolve) => c.toBlob(resolve, 'image/jpeg', JPEG_QUALITY));
      if (blob && blob.size < photo.file.size) return blob;
    } catch { /* sent as it is */ }
  }
  return photo.file;
}

async function describeError(status, body) {
  let detail = '';
  try {
    detail = JSON.parse(await body.text()).error.message || '';
  } catch { /* not our JSON */ }
  const more = detail ? ` (${detail})` : '';
  switch (status) {
    case 413: return MSG.tooLarge;
    case 415: return MSG.notImage + more;
    case 422: return MSG.unreadable + more;
    case 503: return MSG.busy;
    default: return `Không tạo được ảnh (lỗi ${status}).${more}`;
  }
}

async function framedOnServer() {
  const { frame, photo } = state, p = { ...state.p };
  if (offline()) throw Object.assign(new Error('offline'), { shown: MSG.offlineServer });
  say(MSG.shrinking);
  const body = await copyForServer(photo);
  if (body.size > MAX_UPLOAD) throw Object.assign(new Error('too large'), { shown: MSG.tooLarge });
  const form = new FormData();
  form.append('photo', body, 'photo');  // never the member's file name
  form.append('zoom', String(p.zoom));
  form.append('offset_x', String(p.offset_x));
  form.append('offset_y', String(p.offset_y));
  form.append('rotate', String(p.rotate));
  form.append('focus', 'center');
  form.append('format', 'jpeg');
  form.append('quality', String(Math.round(JPEG_QUALITY * 100)));
  form.append('width', String(outputWidth(frame)));
  ui.uploadProgress.value = 0;
  ui.uploadLabel.textContent = MSG.uploading(0);
  ui.upload.hidden = false;
  say('');
  try {
    const sending = upload(`/v1/render/${encodeURIComponent(frame.id)}`, form, (sent, total) => {
      const pct = total ? Math.floor((100 * sent) / total) : 0;
      ui.uploadProgress.value = pct;
      ui.uploadLabel.textContent = sent < total ? MSG.uploading(pct) : MSG.serverWorking;
    });
    state.xhr = sending;
    const res = await sending.done;
    if (res.status !== 200) throw Object.assign(new Error('server'), { shown: await describeError(res.status, res.body) });
    return res.body;
  } finally {
    state.xhr = null;
    ui.upload.hidden = true;
  }
}

// The framed photo: shown large at the top of the view as an image a long
// press saves, and downloaded where the browser allows downloads.
function deliver(blob) {
  const frame = state.frame;
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = URL.createObjectURL(blob);
  ui.resultImage.src = state.resultUrl;
  // Share where the browser can share the photo as a file (Android
  // Chrome, iOS Safari: the sheet offers Zalo and Facebook); hidden elsewhere.
  state.resultFile = new File([blob], `khung-${frame.id}.jpg`, { type: 'image/jpeg' });
  ui.share.hidden = !(navigator.canShare && navigator.canShare({ files: [state.resultFile] }));
  ui.resultLink.href = state.resultUrl;
  ui.resultLink.download = `khung-${frame.id}.jpg`;
  ui.resultLink.hidden = IN_APP;
  ui.inApp.hidden = !IN_APP;
  ui.result.hidden = false;
  if (!IN_APP) ui.resultLink.click();
  ui.result.scrollIntoView({ block: 'start' });
  say(IN_APP ? MSG.doneInApp : MSG.done);
  // Counted when the photo the member asked for is handed over (downloaded,
  // or shown for a long press, which the page cannot see); a preview is not.
  count(state.resultFrame = frame, 'save');
}

async function save() {
  const { frame, photo } = state;
  if (!frame || !photo || state.busy) return;
  state.busy = true;
  updateControls();
  say(MSG.working);
  const phone = onPhone();
  try {
    deliver(phone ? await framedOnPhone() : await framedOnServer());
  } catch (e) {
    if (phone && state.photo === photo) {
      // The module or the encoder failed (memory, most likely): nothing is
      // saved, and the server is offered.
      photoToServer(photo, MSG.moduleToServer);
      fail(MSG.againOnServer);
    } else if (e && e.name === 'AbortError') say(MSG.cancelled);
    else if (e && e.name === 'NetworkError') fail(offline() ? MSG.offlineServer : MSG.network);
    else fail((e && e.shown) || MSG.failed);
  } finally {
    state.busy = false;
    updateControls();
  }
}

// --- participation: the header's count and the events behind it. Failures
// are silent; no event goes where counting is off (a 404).
const counting = fetch('/v1/count').then(async (res) => {
  // The body is read even for an error: left unread, Chromium (seen under
  // DevTools' network emulation) keeps the request open for good.
  const body = await res.json().catch(() => ({}));
  const n = res.ok && body.members;
  if (n > 0) Object.assign($('count'), { textContent: `${n.toLocaleString('vi-VN')} đoàn viên đã tham gia`, hidden: false });
  return res.status !== 404;
}).catch(() => true);
const counted = new Set();
// The phone's random id, kept (without storage, this page load's).
let device = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18)))).replace(/\+/g, '-').replace(/\//g, '_');
try {
  device = localStorage['khung-device'] || (localStorage['khung-device'] = device);
} catch { /* not kept */ }

// Once per frame and kind a page load; the caption's unit if it is the campaign's.
async function count(frame, kind) {
  if (counted.has(frame.id + kind)) return;
  counted.add(frame.id + kind);
  const [on, c] = await Promise.all([counting, campaignReady]);
  const unit = $('caption-unit') && $('caption-unit').value.trim();
  if (on) {
    fetch('/v1/events', { method: 'POST', headers: { 'Content-Type': 'application/json' }, keepalive: true, body: JSON.stringify(
      { template: frame.id, unit: c && (c.units || []).includes(unit) ? unit : undefined, device, kind }) }).catch(() => {});
  }
}

// --- gestures ---------------------------------------------------------------------

const pointers = new Map();  // pointerId -> {x, y} in template pixels

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
    move((now.x - last.x) / 2, (now.y - last.y) / 2);  // the fingers' midpoint moves the photo
    if (d0 > 0) zoomTo(state.p.zoom * (d1 / d0));
  }
  pointers.set(e.pointerId, now);
});

for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) {
  canvas.addEventListener(type, (e) => pointers.delete(e.pointerId));
}

canvas.addEventListener('wheel', (e) => {
  if (!placing()) return;
  e.preventDefault();
  zoomTo(state.p.zoom * Math.exp(-e.deltaY / 400));
}, { passive: false });

canvas.addEventListener('keydown', (e) => {
  if (!placing()) return;
  const step = (e.shiftKey ? 0.05 : 0.01) * state.layers.window.width;
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

// --- wiring -------------------------------------------------------------------------

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
ui.download.textContent = SAVE;
ui.download.addEventListener('click', save);
ui.share.addEventListener('click', async () => {
  try {
    await navigator.share({ files: [state.resultFile] });
    count(state.resultFrame, 'share');  // shared, not the sheet closed
  } catch (e) {
    // The member closed the share sheet: nothing to say. Anything else: the
    // long press still works.
    if (!e || e.name !== 'AbortError') fail(MSG.shareFailed);
  }
});
ui.cancel.addEventListener('click', () => state.xhr && state.xhr.cancel());
addEventListener('online', connectionChanged);
addEventListener('offline', connectionChanged);
campaignReady.then(showCampaign);
loadFrames().then(connectionChanged);
// After one visit the page works offline (sw.js); a page that cannot register it works as before.
if ('serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('/sw.js').catch(() => {}));
}
