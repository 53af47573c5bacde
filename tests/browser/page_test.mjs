// Browser test of the member page: starts `khung serve` behind a proxy that
// counts every byte the browser sends, drives Debian's Chromium as a phone
// (touch drag, zoom slider, pinch, keyboard) and checks:
// - the phone path: the photo is framed by the WebAssembly module on the
//   page and nothing is uploaded (no request carries a body); the saved
//   JPEG is the module's own render of the placement shown (rendered again
//   here by a second copy of the module from the same decode), which is
//   also `khung render`'s for a PNG photo; the preview agrees with it;
// - bad input: a file that is not an image, a truncated JPEG and a photo
//   over 50 megapixels get Vietnamese messages, upload nothing and leave
//   nothing to save;
// - the server fallback for a photo Chromium cannot decode (HEIC): the file
//   is uploaded as it is, with progress and a cancel button, and the
//   server's framed photo is saved.
//
// Usage: node tests/browser/page_test.mjs [path/to/khung]   (default build/ci/khung)
// Environment: KHUNG_PAGE_SCREENSHOT (default build/page-screenshot.png; the
// other screenshots are written beside it with suffixes), KHUNG_CHROMIUM
// (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCountingProxy } from './counting_proxy.mjs';
import { khung, ok, root, runTest, startServer, stopServer } from './harness.mjs';

const screenshot = path.resolve(process.env.KHUNG_PAGE_SCREENSHOT || path.join(root, 'build/page-screenshot.png'));
const shot = (suffix) => screenshot.replace(/\.png$/, `-${suffix}.png`);
const astronaut = path.join(root, 'assets/photos/astronaut.png');
const heicSeed = path.join(root, 'fuzz/seeds/decode/rgb.heic');
const FRAME = 'frame-ring';

// Width and height from a JPEG's first SOF marker.
function jpegSize(buf) {
  if (buf[0] !== 0xff || buf[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  for (let i = 2; i + 9 < buf.length;) {
    if (buf[i] !== 0xff) throw new Error(`JPEG: bad marker at ${i}`);
    const marker = buf[i + 1];
    if (marker === 0xff) { i += 1; continue; }
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker))
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('JPEG: no SOF marker');
}

// A JPEG with an EXIF APP1 segment saying "turn 90° clockwise to show"
// (orientation 6) right after its SOI marker.
function withOrientation6(jpeg) {
  const app1 = Buffer.from([0xff, 0xe1, 0, 34, ...Buffer.from('Exif\0\0'), 0x4d, 0x4d, 0, 42, 0, 0, 0, 8,
    0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

const dataUrl = (buf, type) => `data:${type};base64,${buf.toString('base64')}`;

// A photo drawn by Chromium itself: the sample photo, `width` x `height`,
// stored turned a quarter left when `sideways` (what orientation 6 turns
// back), as JPEG quality 92.
async function makeJpeg(page, width, height, sideways) {
  const b64 = await page.evaluate(async ({ src, width, height, sideways }) => {
    const img = await createImageBitmap(await (await fetch(src)).blob());
    const c = new OffscreenCanvas(sideways ? height : width, sideways ? width : height);
    const g = c.getContext('2d');
    if (sideways) {
      g.translate(0, width);
      g.rotate(-Math.PI / 2);
    }
    g.drawImage(img, 0, 0, width, height);
    g.fillStyle = '#c8102e';
    g.fillRect(0, 0, width / 8, height / 8);  // a red corner: shows which way is up
    const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, { src: dataUrl(readFileSync(astronaut), 'image/png'), width, height, sideways });
  return Buffer.from(b64, 'base64');
}

// The module's render of `photo` (decoded as the page did, at `size`) with
// `placement`, made by a second copy of the module on the page, against the
// saved JPEG: the largest |difference| to that render encoded by the same
// JPEG encoder (0: the same pixels went in), and the mean and largest to the
// render itself (what the JPEG loses).
async function againstModule(page, { photo, type, size, placement, saved, id }) {
  return page.evaluate(async ({ photo, type, size, placement, saved, id }) => {
    const { loadKhung } = await import('/static/khung-photo.js');
    const k = await loadKhung('/static/khung-photo.wasm');
    const list = await (await fetch('/v1/templates')).json();
    const frame = list.find((t) => t.id === id);
    const bytes = async (u) => new Uint8Array(await (await fetch(u)).arrayBuffer());
    const t = k.template({ under: await bytes(`/v1/templates/${id}/under.png`), over: await bytes(`/v1/templates/${id}/over.png`),
                           width: frame.width, height: frame.height, window: frame.window });
    const [w, h] = size.split('x').map(Number);
    const blob = await (await fetch(photo)).blob();
    const bitmap = await createImageBitmap(new Blob([blob], { type }), { imageOrientation: 'from-image', resizeWidth: w, resizeHeight: h, resizeQuality: 'high' });
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext('2d');
    g.drawImage(bitmap, 0, 0);
    const p = k.photo(g.getImageData(0, 0, w, h));
    const out = t.frame(p, placement, { width: Math.min(1080, frame.width), flatten: true });
    const decode = async (blob) => {
      const jpeg = await createImageBitmap(blob);
      const d = new OffscreenCanvas(jpeg.width, jpeg.height).getContext('2d');
      d.drawImage(jpeg, 0, 0);
      return d.getImageData(0, 0, jpeg.width, jpeg.height);
    };
    const got = await decode(await (await fetch(saved)).blob());
    t.free();
    p.free();
    if (got.width !== out.width || got.height !== out.height) return { size: `${got.width}x${got.height} against ${out.width}x${out.height}` };
    // The module's pixels through the same JPEG encoder (canvas.toBlob, quality 90).
    const e = document.createElement('canvas');
    [e.width, e.height] = [out.width, out.height];
    e.getContext('2d').putImageData(out, 0, 0);
    const encoded = await decode(await new Promise((resolve) => e.toBlob(resolve, 'image/jpeg', 0.9)));
    let sum = 0, max = 0, encodedMax = 0;
    for (let i = 0; i < got.data.length; i += 4)
      for (let j = 0; j < 3; ++j) {
        const diff = Math.abs(got.data[i + j] - out.data[i + j]);
        sum += diff;
        if (diff > max) max = diff;
        encodedMax = Math.max(encodedMax, Math.abs(got.data[i + j] - encoded.data[i + j]));
      }
    return { mean: sum / (got.data.length * 0.75), max, encodedMax };
  }, { photo, type, size, placement, saved, id });
}

// Mean absolute RGB difference of two images over a circle (pixels of the
// 1080 template), both drawn at `side` x `side` by the browser.
async function meanDiff(page, a, b, side, circle) {
  return page.evaluate(async ({ a, b, side, circle }) => {
    const pixels = async (src) => {
      const img = await createImageBitmap(await (await fetch(src)).blob());
      const c = new OffscreenCanvas(side, side);
      const g = c.getContext('2d');
      g.imageSmoothingQuality = 'high';
      g.drawImage(img, 0, 0, side, side);
      return g.getImageData(0, 0, side, side).data;
    };
    const [pa, pb] = [await pixels(a), await pixels(b)];
    const k = side / 1080, cx = circle.x * k, cy = circle.y * k, r = circle.r * k;
    let sum = 0, n = 0;
    for (let y = 0; y < side; ++y)
      for (let x = 0; x < side; ++x) {
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r) continue;
        const i = 4 * (y * side + x);
        sum += Math.abs(pa[i] - pb[i]) + Math.abs(pa[i + 1] - pb[i + 1]) + Math.abs(pa[i + 2] - pb[i + 2]);
        n += 3;
      }
    return sum / n;
  }, { a, b, side, circle });
}

// Two images side by side (left: the page's, right: khung render's), each
// `side` px, written as a PNG for a person to look at.
async function sideBySide(page, left, right, side, file) {
  const b64 = await page.evaluate(async ({ left, right, side }) => {
    const c = new OffscreenCanvas(2 * side + 12, side);
    const g = c.getContext('2d');
    g.fillStyle = '#fff';
    g.fillRect(0, 0, c.width, c.height);
    g.drawImage(await createImageBitmap(await (await fetch(left)).blob()), 0, 0, side, side);
    g.drawImage(await createImageBitmap(await (await fetch(right)).blob()), side + 12, 0, side, side);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, { left, right, side });
  writeFileSync(file, Buffer.from(b64, 'base64'));
}

async function touch(cdp, type, points) {
  await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })) });
}

// What the service worker keeps for offline use, once it has kept it all:
// the ids of the frames of its kept template list, each with its layers
// kept, and every URL of its data cache; null when it has not within 20 s.
async function keptOffline(page) {
  return page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    for (let i = 0; i < 200; ++i) {
      const list = await caches.match('/v1/templates');
      if (list && await caches.match('/static/khung-photo.wasm')) {
        const frames = (await list.json()).filter((t) => t.kind === 'frame' && t.window);
        const layers = frames.flatMap((t) => ['under', 'over'].map((p) => `/v1/templates/${t.id}/${p}.png?v=${t.version}`));
        const found = await Promise.all(layers.map((u) => caches.match(u)));
        if (found.every(Boolean)) {
          const data = await caches.open('khung-data');
          return { frames: frames.map((t) => t.id), urls: (await data.keys()).map((r) => r.url.replace(location.origin, '')) };
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  });
}

// Waits until no request has reached the server for a second (at most 20 s).
async function quiet(proxy) {
  for (let seen = -1, i = 0; seen !== proxy.log.length && i < 20; ++i) {
    seen = proxy.log.length;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

// The ids of the frames the page lists, in its order.
const listedFrames = async (page) => {
  await page.locator('input[name=frame]').first().waitFor({ state: 'attached' });
  return page.locator('input[name=frame]').evaluateAll((els) => els.map((e) => e.value));
};

// Chooses `photo` on a page framing on the phone and saves it: the saved JPEG's size.
async function saveOnPhone(page, photo, dir, name) {
  await page.locator('#preview[data-ready="true"][data-engine="phone"]').waitFor();
  await page.locator('input[type=file]').setInputFiles(photo);
  await page.locator('#preview[data-photo="ready"]').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
  const saved = path.join(dir, name);
  await download.saveAs(saved);
  return jpegSize(readFileSync(saved));
}

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), 'khung-page-'));
  const { server, url: urlPromise } = startServer();
  let browser, proxy, second;
  try {
    proxy = await startCountingProxy(await urlPromise);
    const base = proxy.url;
    ok(true, `khung serve is up, behind a counting proxy at ${base}`);
    const uploaded = (from = 0) => proxy.log.slice(from).reduce((n, e) => n + e.sent, 0);
    const posts = (from = 0) => proxy.log.slice(from).filter((e) => e.method !== 'GET' && e.method !== 'HEAD');

    browser = await chromium.launch({
      executablePath: process.env.KHUNG_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      acceptDownloads: true, locale: 'vi-VN',
    });
    const page = await context.newPage();
    const outside = [], pageErrors = [];
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('blob:') && !u.startsWith('data:')) outside.push(u);
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    mkdirSync(path.dirname(screenshot), { recursive: true });

    await page.goto(base + '/');
    ok(await page.locator('html').getAttribute('lang') === 'vi', 'the page is in Vietnamese (lang="vi")');
    ok(/width=device-width/.test(await page.locator('meta[name=viewport]').getAttribute('content')), 'viewport meta for phones');
    ok(await page.getByRole('heading', { level: 1 }).count() === 1 && await page.getByRole('heading', { level: 2 }).count() >= 2,
       'the page has a title heading and a heading per step');

    // 0. The campaign (campaign.json beside the templates) makes the header,
    //    the "why" block and the frames' order; the privacy line is beside
    //    the photo button, in the first view.
    const campaign = await (await page.request.get(`${base}/v1/campaign`)).json();
    await page.locator('#campaign-title', { hasText: campaign.title }).waitFor();
    ok(campaign.title === '01 triệu sáng kiến' && await page.title() === `Khung ảnh ${campaign.title}`
       && await page.locator('#campaign-tagline').textContent() === campaign.tagline,
       "the header is the bundled campaign's", `${await page.title()} / ${campaign.tagline}`);
    await page.locator('#why summary').click();
    const why = { text: await page.locator('#why-text').textContent(), tags: await page.locator('#why-tags').textContent(),
                  link: await page.locator('#why-link').getAttribute('href') };
    ok(await page.locator('#why-text').isVisible() && why.text === campaign.description && why.link === campaign.link
       && campaign.hashtags.length > 0 && why.tags === campaign.hashtags.join(' '),
       'the why block tells the campaign, its hashtags and its link', `${why.text.slice(0, 60)}… ${why.tags} ${why.link}`);
    await page.locator('#why summary').click();
    const privacy = await page.locator('#privacy').boundingBox();
    const barTop = (await page.locator('footer.bar').boundingBox()).y;
    ok(await page.locator('#privacy').evaluate((el) => el.closest('section').contains(document.getElementById('photo')))
       && privacy.y + privacy.height <= barTop && /không gửi đi đâu/.test(await page.locator('#privacy').textContent())
       && /không (bị )?lưu lại/.test(await page.locator('#privacy').textContent()),
       'the privacy line is beside the photo button, in the first view', `bottom ${privacy.y + privacy.height} of ${barTop}`);
    await page.locator('#preview[data-ready="true"]').waitFor();
    ok(await page.locator('#count').isHidden(), 'a service without counting (no --database): no counter on the page');
    await page.screenshot({ path: shot('first') });

    // A first visit on a weak link ends: every request the page makes
    // finishes (bench/page/run waits for that). An error body left unread
    // (the count's 404) kept its request open for good under DevTools'
    // network emulation.
    {
      const weak = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const visit = await weak.newPage();
      const link = await weak.newCDPSession(visit);
      await link.send('Network.enable');
      await link.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200000, uploadThroughput: 50000 });
      const open = new Set();
      visit.on('request', (r) => open.add(r.url()));
      for (const done of ['requestfinished', 'requestfailed']) visit.on(done, (r) => open.delete(r.url()));
      await visit.goto(base + '/');
      await visit.locator('#preview[data-ready="true"]').waitFor();
      const idle = await visit.waitForLoadState('networkidle', { timeout: 15000 }).then(() => true, () => false);
      ok(idle, 'a first visit on a weak link goes network-idle: no request left open', [...open].join(', '));
      await weak.close();
    }

    // 1. Frames: only the templates of kind "frame", as radio buttons; the
    //    phone can frame the chosen one (the module loaded, "phone": true).
    const radios = page.locator('input[name=frame]');
    await radios.first().waitFor({ state: 'attached' });
    const frameIds = await radios.evaluateAll((els) => els.map((e) => e.value));
    ok(frameIds.includes(FRAME) && !frameIds.includes('cover'), 'the frames are listed, the banners are not', frameIds.join(', '));
    ok(campaign.frames.length > 1 && campaign.frames.every((id, i) => frameIds[i] === id),
       "in the campaign's order", `${frameIds.join(', ')} (campaign.json: ${campaign.frames.join(', ')})`);
    await page.locator(`label.frame:has(input[value="${FRAME}"])`).click();
    await page.waitForFunction((id) => document.querySelector('input[name=frame]:checked')?.value === id, FRAME);
    const canvas = page.locator('#preview');
    await page.locator('#preview[data-ready="true"]').waitFor();
    const hasModule = (await page.request.get(`${base}/static/khung-photo.wasm`)).ok();
    ok(await canvas.getAttribute('data-engine') === (hasModule ? 'phone' : 'server'),
       hasModule ? `frame ${FRAME} is framed on the phone (module loaded, layers fetched)` : `frame ${FRAME} is framed on the server (no photo module)`);

    // 2. Bad input: Vietnamese messages, nothing uploaded, nothing to save.
    const fileInput = page.locator('input[type=file]');
    const before = proxy.log.length;
    const refused = async (file, text, what) => {
      await fileInput.setInputFiles(file);
      await page.locator('#error', { hasText: text }).waitFor();
      ok(await page.locator('#download').isDisabled() && await canvas.getAttribute('data-photo') === 'none',
         what, await page.locator('#error').textContent());
    };
    await refused({ name: 'ghi-chu.txt', mimeType: 'text/plain', buffer: Buffer.from('không phải ảnh') }, 'không phải là ảnh',
                  'a text file is refused');
    await refused({ name: 'anh.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(300000, 0x41) }, 'không phải là ảnh',
                  'a file named .jpg that is not an image is refused');
    const photoJpeg = await makeJpeg(page, 1600, 1200, false);
    await refused({ name: 'cat-cut.jpg', mimeType: 'image/jpeg', buffer: photoJpeg.subarray(0, photoJpeg.length >> 1) },
                  'cắt cụt', 'a truncated JPEG is refused, never half drawn');
    const huge = await page.evaluate(async () => {
      // 8944 x 6708 = 60 megapixels, a phone-like gradient.
      const c = new OffscreenCanvas(8944, 6708);
      const g = c.getContext('2d');
      const grad = g.createLinearGradient(0, 0, 8944, 6708);
      grad.addColorStop(0, '#2b4f7e');
      grad.addColorStop(1, '#e0b070');
      g.fillStyle = grad;
      g.fillRect(0, 0, 8944, 6708);
      const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/jpeg', quality: 0.8 })).arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    });
    await refused({ name: 'IMG_60MP.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(huge, 'base64') }, '60 megapixel',
                  'a 60-megapixel photo is refused before decoding');
    if (hasModule) {
      // A photo whose every pixel is transparent decodes, but there is nothing to frame.
      const clear = await page.evaluate(async () => {
        const c = new OffscreenCanvas(640, 480);
        c.getContext('2d').clearRect(0, 0, 640, 480);
        const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
        return btoa(String.fromCharCode(...bytes));
      });
      await refused({ name: 'trong.png', mimeType: 'image/png', buffer: Buffer.from(clear, 'base64') }, 'trong suốt',
                    'a photo with nothing in it is refused, never saved blank');
    }
    await page.locator('#error').evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: shot('refused') });
    ok(posts(before).length === 0 && uploaded(before) === 0, 'no bad file was uploaded');

    // 3. A HEIC Chromium cannot decode: the page says so, uploads it as it
    //    is with progress and a cancel button, and saves the server's frame.
    //    A padded copy (an ISO BMFF "free" box) makes the upload long enough
    //    to cancel on a throttled link.
    const heic = readFileSync(heicSeed);
    const pad = Buffer.alloc(1200000);
    pad.writeUInt32BE(pad.length, 0);
    pad.write('free', 4);
    const heicFile = { name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: Buffer.concat([heic, pad]) };
    await fileInput.setInputFiles(heicFile);
    await page.locator('#mode', { hasText: hasModule ? 'HEIC' : 'máy chủ' }).waitFor();
    ok(await canvas.getAttribute('data-photo') === 'server' && await page.locator('#download').isEnabled(),
       'a HEIC the browser cannot open goes to the server', await page.locator('#mode').textContent());
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 200000, uploadThroughput: 50000 });
    let mark = proxy.log.length;
    await page.locator('#download').click();
    const progress = page.getByRole('progressbar');
    await page.waitForFunction(() => Number(document.querySelector('#upload-progress').value) > 0);
    ok(await progress.isVisible() && /Đang gửi ảnh lên máy chủ: \d+%/.test(await page.locator('#upload-label').textContent()),
       'the upload shows its progress', await page.locator('#upload-label').textContent());
    await page.locator('#upload').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await page.screenshot({ path: shot('upload') });
    await page.getByRole('button', { name: 'Huỷ gửi ảnh' }).click();
    await page.locator('#status', { hasText: 'Đã huỷ' }).waitFor();
    ok(await progress.isHidden() && await page.locator('#result').isHidden(), 'the upload can be cancelled', await page.locator('#status').textContent());
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    mark = proxy.log.length;
    const [heicDownload] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const heicSaved = path.join(tmp, 'heic.jpg');
    await heicDownload.saveAs(heicSaved);
    const heicPost = posts(mark);
    ok(heicPost.length === 1 && heicPost[0].path === `/v1/render/${FRAME}` && heicPost[0].sent >= heicFile.buffer.length,
       'the HEIC is uploaded as it is', `${heicPost.map((e) => `${e.method} ${e.path} ${e.sent} bytes`).join(', ')}`);
    const heicSize = jpegSize(readFileSync(heicSaved));
    ok(heicSize.width === 1080 && heicSize.height === 1080 && await page.locator('#result-image').isVisible(),
       "the server's framed photo is saved and shown", `${heicSize.width}x${heicSize.height}`);

    if (!hasModule) console.log('# the phone path is not tested: /static/khung-photo.wasm is missing (built without emscripten)');
    else {
      // 4. The phone path: the sample photo, framed on the page.
      mark = proxy.log.length;
      await fileInput.setInputFiles(astronaut);
      await page.locator('#preview[data-photo="ready"]').waitFor();
      const settled = () => page.waitForFunction(() => {
        const c = document.querySelector('#preview');
        return c.dataset.shown === c.dataset.placed;
      });
      await settled();
      ok(await page.locator('#error').textContent() === '' && /trên máy của bạn/.test(await page.locator('#mode').textContent()),
         'the photo is framed on the phone, and the page says so', await page.locator('#mode').textContent());

      // Zoom 2 with the slider, then a one-finger drag by a known amount.
      await page.locator('#zoom').fill('2');
      ok(await canvas.getAttribute('data-zoom') === '2', 'the zoom slider sets zoom 2');
      await canvas.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const box = await canvas.boundingBox();
      const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
      const drag = { x: 48, y: -30 };  // CSS px: right and up
      await touch(cdp, 'touchStart', [from]);
      for (let i = 1; i <= 12; ++i) await touch(cdp, 'touchMove', [{ x: from.x + (drag.x * i) / 12, y: from.y + (drag.y * i) / 12 }]);
      await touch(cdp, 'touchEnd', []);
      const win = (await (await page.request.get(`${base}/v1/templates`)).json()).find((t) => t.id === FRAME).window;
      const k = 1080 / box.width;  // template px per CSS px
      const expected = { x: (drag.x * k) / win.width, y: (drag.y * k) / win.height };
      const shown = { x: Number(await canvas.getAttribute('data-offset-x')), y: Number(await canvas.getAttribute('data-offset-y')) };
      ok(Math.abs(shown.x - expected.x) < 0.004 && Math.abs(shown.y - expected.y) < 0.004,
         'the drag moves the photo with the finger', `offset ${shown.x}, ${shown.y}; expected ${expected.x.toFixed(4)}, ${expected.y.toFixed(4)}`);
      await settled();
      await page.locator('#step3').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: screenshot });
      ok(true, 'screenshot saved', screenshot);
      const preview = await canvas.evaluate((el) => el.toDataURL('image/png'));

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải ảnh về' }).click()]);
      ok(download.suggestedFilename() === `khung-${FRAME}.jpg`, 'the download is named', download.suggestedFilename());
      const got = path.join(tmp, 'got.jpg');
      await download.saveAs(got);
      const gotBytes = readFileSync(got);
      ok(posts(mark).length === 0 && uploaded(mark) === 0, 'the phone path uploads nothing',
         `${uploaded(mark)} bytes sent in ${proxy.log.length - mark} requests since the photo was chosen: ${proxy.log.slice(mark).map((e) => `${e.method} ${e.path}`).join(', ')}`);
      const size = jpegSize(gotBytes);
      ok(size.width === 1080 && size.height === 1080, 'the saved photo is a 1080x1080 JPEG', `${size.width}x${size.height}`);
      const placement = { zoom: 2, offset_x: shown.x, offset_y: shown.y, rotate: 0 };
      const photoSize = await canvas.getAttribute('data-photo-size');
      const gotUrl = dataUrl(gotBytes, 'image/jpeg');
      const astronautUrl = dataUrl(readFileSync(astronaut), 'image/png');
      const vsModule = await againstModule(page, { photo: astronautUrl, type: 'image/png', size: photoSize, placement, saved: gotUrl, id: FRAME });
      const vsUnmoved = await againstModule(page, { photo: astronautUrl, type: 'image/png', size: photoSize, placement: { zoom: 2 }, saved: gotUrl, id: FRAME });
      ok(vsModule.encodedMax === 0 && vsModule.mean < 2, "the saved JPEG is the module's render of the placement shown",
         `the same pixels as the module's render through the same encoder; against the unencoded render: mean |diff| ${vsModule.mean?.toFixed(3)}, largest ${vsModule.max} ${vsModule.size || ''}`);
      ok(vsUnmoved.mean > 4 * vsModule.mean + 3, 'and not the unmoved photo', `mean |diff| ${vsUnmoved.mean.toFixed(2)}`);

      // The same photo and placement through `khung render`: a PNG photo is
      // decoded alike by both, so only the JPEG encoding differs.
      const ref = path.join(tmp, 'ref.png');
      execFileSync(khung, ['render', FRAME, '-p', astronaut, '--zoom', '2', '--offset', `${shown.x},${shown.y}`, '-o', ref]);
      const inner = { x: 540, y: 540, r: 380 };
      const dRef = await meanDiff(page, gotUrl, dataUrl(readFileSync(ref), 'image/png'), 1080, inner);
      ok(dRef < 2.5, 'the saved photo matches khung render with the same placement', `mean |diff| ${dRef.toFixed(2)} of 255`);
      const dPreview = await meanDiff(page, gotUrl, preview, 270, inner);
      ok(dPreview < 4, 'the preview agrees with the saved photo', `mean |diff| ${dPreview.toFixed(2)} of 255 at 270 px`);
      ok(await page.locator('#result-image').isVisible(), 'the result is shown on the page for saving by a long press');

      // The member can always scroll: a swipe in the strip beside the
      // preview scrolls the page; the same swipe on the preview moves the
      // photo and not the page.
      await canvas.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const stage = await canvas.boundingBox();
      const swipe = async (x) => {  // a finger 200 px up, over 10 frames
        const y0 = await page.evaluate(() => scrollY), y = stage.y + stage.height / 2;
        await touch(cdp, 'touchStart', [{ x, y }]);
        for (let i = 1; i <= 10; ++i) {
          await touch(cdp, 'touchMove', [{ x, y: y - 20 * i }]);
          await page.waitForTimeout(16);
        }
        await touch(cdp, 'touchEnd', []);
        await page.waitForTimeout(400);
        return (await page.evaluate(() => scrollY)) - y0;
      };
      const besideScrolled = await swipe(stage.x / 2);
      await canvas.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const yOffsetBefore = await canvas.getAttribute('data-offset-y');
      const onScrolled = await swipe(stage.x + stage.width / 2);
      ok(stage.x >= 44 && besideScrolled > 100, 'a swipe beside the preview scrolls the page',
         `${stage.x} px strip; scrolled ${besideScrolled} px`);
      ok(Math.abs(onScrolled) < 2 && await canvas.getAttribute('data-offset-y') !== yOffsetBefore,
         'a swipe on the preview moves the photo, not the page', `scrolled ${onScrolled} px`);
      await settled();

      // 5. Pinch with two fingers zooms in; arrow keys move; 90° turns; the slider adds degrees.
      const zoomBefore = Number(await canvas.getAttribute('data-zoom'));
      await canvas.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      const now = await canvas.boundingBox();
      const c = { x: now.x + now.width / 2, y: now.y + now.height / 2 };
      await touch(cdp, 'touchStart', [{ x: c.x - 30, y: c.y }, { x: c.x + 30, y: c.y }]);
      for (let i = 1; i <= 8; ++i) await touch(cdp, 'touchMove', [{ x: c.x - 30 - 3 * i, y: c.y }, { x: c.x + 30 + 3 * i, y: c.y }]);
      await touch(cdp, 'touchEnd', []);
      const zoomAfter = Number(await canvas.getAttribute('data-zoom'));
      ok(zoomAfter > zoomBefore * 1.5, 'a pinch zooms in', `${zoomBefore} -> ${zoomAfter}`);
      await canvas.focus();
      const xBefore = Number(await canvas.getAttribute('data-offset-x'));
      await page.keyboard.press('ArrowLeft');
      ok(Number(await canvas.getAttribute('data-offset-x')) < xBefore, 'the left arrow key moves the photo left');
      // Far past the photo's edge: the offset settles where the photo stops
      // moving (at zoom 1.5 a square photo moves a quarter of the window),
      // so one step back moves it at once.
      await page.locator('#zoom').fill('1.5');
      await canvas.focus();
      for (let i = 0; i < 60; ++i) await page.keyboard.press('ArrowLeft');
      await settled();
      const xEdge = Number(await canvas.getAttribute('data-offset-x'));
      ok(xEdge > -0.3 && xEdge < -0.2, 'a move past the edge settles where the photo stops', `offset_x ${xEdge}`);
      const edgeImage = await canvas.evaluate((el) => el.toDataURL('image/png'));
      await page.keyboard.press('ArrowRight');
      await settled();
      ok(Number(await canvas.getAttribute('data-offset-x')) > xEdge
         && await canvas.evaluate((el) => el.toDataURL('image/png')) !== edgeImage,
         'one step back from the edge moves the photo at once');
      await page.getByRole('button', { name: /Xoay ảnh 90 độ/ }).click();
      ok(await canvas.getAttribute('data-rotate') === '90', 'the 90° button turns the photo');
      await page.locator('#rotate').fill('17');
      ok(await canvas.getAttribute('data-rotate') === '107', 'the rotate slider adds to the quarter turns');
      await settled();
      const turned = await canvas.evaluate((el) => el.toDataURL('image/png'));
      mark = proxy.log.length;
      const [again] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
      const got2 = path.join(tmp, 'got2.jpg');
      await again.saveAs(got2);
      const p2 = await canvas.evaluate((el) => ({ zoom: Number(el.dataset.zoom), offset_x: Number(el.dataset.offsetX),
                                                  offset_y: Number(el.dataset.offsetY), rotate: Number(el.dataset.rotate) }));
      const got2Url = dataUrl(readFileSync(got2), 'image/jpeg');
      const vsModule2 = await againstModule(page, { photo: astronautUrl, type: 'image/png', size: await canvas.getAttribute('data-photo-size'),
                                                    placement: p2, saved: got2Url, id: FRAME });
      ok(vsModule2.encodedMax === 0 && vsModule2.mean < 2, 'zoomed, moved and turned: the saved JPEG is still the module\'s render',
         `${JSON.stringify(p2)}: encoded alike; mean |diff| to the unencoded render ${vsModule2.mean?.toFixed(3)}`);
      const dTurned = await meanDiff(page, got2Url, turned, 270, inner);
      ok(dTurned < 4, 'the turned preview agrees with its saved photo', `mean |diff| ${dTurned.toFixed(2)} of 255 at 270 px`);
      ok(uploaded(mark) === 0, 'still nothing uploaded');

      // 6. A phone JPEG stored sideways with EXIF orientation 6: decoded
      //    upright and shrunk at decode to the window's cover size.
      const sideways = withOrientation6(await makeJpeg(page, 1500, 2000, true));
      await canvas.evaluate((el) => { el.dataset.photo = 'stale'; });
      await fileInput.setInputFiles({ name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: sideways });
      await page.locator('#preview[data-photo="ready"]').waitFor();
      await settled();
      const exifSize = (await canvas.getAttribute('data-photo-size')).split('x').map(Number);
      ok(exifSize[0] < exifSize[1] && exifSize[0] >= win.width && exifSize[0] < 1500,
         'an EXIF-turned JPEG is decoded upright and shrunk to the window', `${exifSize.join('x')} from 2000x1500 stored`);
      mark = proxy.log.length;
      const [third] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
      const got3 = path.join(tmp, 'got3.jpg');
      await third.saveAs(got3);
      const vsModule3 = await againstModule(page, { photo: dataUrl(sideways, 'image/jpeg'), type: 'image/jpeg', size: exifSize.join('x'),
                                                    placement: { zoom: 1, offset_x: 0, offset_y: 0, rotate: 0 }, saved: dataUrl(readFileSync(got3), 'image/jpeg'), id: FRAME });
      ok(vsModule3.encodedMax === 0 && vsModule3.mean < 2, "its saved JPEG is the module's render of the upright photo",
         `encoded alike; mean |diff| to the unencoded render ${vsModule3.mean?.toFixed(3)} ${vsModule3.size || ''}`);
      ok(uploaded(mark) === 0, 'and nothing was uploaded');
      // Zoomed in past what was decoded: decoded again, larger (here whole), and saved from that.
      await page.locator('#zoom').fill('3');
      await page.locator('#preview[data-photo-size="1500x2000"]').waitFor();
      await settled();
      const [fourth] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
      const got4 = path.join(tmp, 'got4.jpg');
      await fourth.saveAs(got4);
      const vsModule4 = await againstModule(page, { photo: dataUrl(sideways, 'image/jpeg'), type: 'image/jpeg', size: '1500x2000',
                                                    placement: { zoom: 3, offset_x: 0, offset_y: 0, rotate: 0 }, saved: dataUrl(readFileSync(got4), 'image/jpeg'), id: FRAME });
      ok(vsModule4.encodedMax === 0, 'zoomed in 3x, the photo is decoded again at its full 1500x2000 and saved from that',
         `mean |diff| to the unencoded render ${vsModule4.mean?.toFixed(3)}`);

      // 7. What a member would compare: the phone's frame beside khung
      //    render's, for both bundled frames, zoomed, moved and turned 17°.
      for (const id of ['frame-ring', 'frame-ribbon']) {
        await page.locator(`label.frame:has(input[value="${id}"])`).click();
        await page.locator('#preview[data-ready="true"]').waitFor();
        await fileInput.setInputFiles([]);  // so that choosing the same file again is a new choice
        await canvas.evaluate((el) => { el.dataset.photo = 'stale'; });  // the page sets it again for the new choice
        await fileInput.setInputFiles(astronaut);
        await page.locator('#preview[data-photo="ready"]').waitFor();
        await page.locator('#zoom').fill('1.3');
        await page.locator('#rotate').fill('17');
        await canvas.focus();
        for (let i = 0; i < 8; ++i) await page.keyboard.press('ArrowRight');  // 1% of the window each
        for (let i = 0; i < 4; ++i) await page.keyboard.press('ArrowUp');
        await settled();
        const q = await canvas.evaluate((el) => ({ zoom: el.dataset.zoom, x: el.dataset.offsetX, y: el.dataset.offsetY, r: el.dataset.rotate }));
        const w = (await (await page.request.get(`${base}/v1/templates`)).json()).find((t) => t.id === id).window;
        // An arrow key moves by 1% of the window's width, across or down.
        ok(q.zoom === '1.3' && q.r === '17' && q.x === '0.08' && Math.abs(Number(q.y) + (0.04 * w.width) / w.height) < 5e-4,
           `${id}: zoom, turn and arrow keys set the placement`, JSON.stringify(q));
        const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
        const phone = path.join(tmp, `${id}.jpg`), native = path.join(tmp, `${id}-native.png`);
        await dl.saveAs(phone);
        execFileSync(khung, ['render', id, '-p', astronaut, '--zoom', q.zoom, '--offset', `${q.x},${q.y}`, '--rotate', q.r, '-o', native]);
        const compare = shot(`${id}-beside-khung-render`);
        await sideBySide(page, dataUrl(readFileSync(phone), 'image/jpeg'), dataUrl(readFileSync(native), 'image/png'), 540, compare);
        const d = await meanDiff(page, dataUrl(readFileSync(phone), 'image/jpeg'), dataUrl(readFileSync(native), 'image/png'), 1080, { x: 540, y: 540, r: 540 });
        ok(d < 2.5, `${id}: the phone's frame beside khung render's (zoom ${q.zoom}, offset ${q.x},${q.y}, ${q.r}°)`, `mean |diff| ${d.toFixed(2)}; ${compare}`);
      }

      // After one visit the page works offline: its service worker kept the
      // page, its scripts, the module, the template list and every frame's
      // layers. Offline, the page says so, opens, frames a photo on the
      // phone and saves it, and nothing reaches the server.
      const kept = await keptOffline(page);
      ok(kept && ['frame-ring', 'frame-ribbon'].every((id) => kept.frames.includes(id)),
         "after one visit the service worker keeps every frame's layers", kept ? kept.frames.join(', ') : 'not kept in 20 s');
      await quiet(proxy);  // what the service worker still fetched in the background has landed
      await context.setOffline(true);
      mark = proxy.log.length;
      const away = await context.newPage();
      away.on('pageerror', (e) => pageErrors.push(e.message));
      await away.goto(`${base}/?frame=frame-ribbon`);
      await away.locator('#status', { hasText: 'Bạn đang ngoại tuyến' }).waitFor();
      const offlineSize = await saveOnPhone(away, astronaut, tmp, 'offline.jpg');
      ok(offlineSize.width === 1080 && proxy.log.length === mark && await away.locator('#result-image').isVisible(),
         'offline, after one visit: the page opens, frames a photo on the phone and saves it',
         `${offlineSize.width}x${offlineSize.height}; ${proxy.log.length - mark} requests reached the server`);
      // A frame whose layers this phone lacks: marked, and choosing it says
      // so truly (not "reload the page").
      await away.evaluate(async () => {
        const data = await caches.open('khung-data');
        for (const r of await data.keys()) if (r.url.includes('/frame-ring/')) await data.delete(r);
      });
      const awayCdp = await context.newCDPSession(away);
      await awayCdp.send('Network.clearBrowserCache');  // nor in the browser's own cache
      await away.reload();
      const ringLabel = away.locator('label.frame:has(input[value="frame-ring"])');
      await ringLabel.locator('.not-kept').waitFor();
      ok(/Chưa tải về máy/.test(await ringLabel.textContent()) && await away.locator('label.frame:has(input[value="frame-ribbon"]) .not-kept').isHidden(),
         'offline, a frame not kept on the phone is marked so in the list', await ringLabel.textContent());
      await ringLabel.click();
      await away.locator('#error', { hasText: 'ngoại tuyến' }).waitFor();
      ok(/Bạn đang ngoại tuyến: khung này chưa được tải về máy/.test(await away.locator('#error').textContent()),
         'choosing it offline says the frame is not on the phone', await away.locator('#error').textContent());
      await away.screenshot({ path: shot('offline') });
      await away.close();
      await context.setOffline(false);

      // 7c. The templates change on the server: frame-ribbon goes, frame-ring
      //     gets a new title, frame-moi arrives first in the campaign's
      //     order. The cached page shows the new list on its next online
      //     visit, and offline after it the new list with the new layers:
      //     nothing of the old templates is kept.
      const changed = path.join(tmp, 'templates');
      cpSync(path.join(root, 'assets/templates'), changed, { recursive: true });
      const ring = JSON.parse(readFileSync(path.join(changed, 'frame-ring.json'), 'utf8'));
      writeFileSync(path.join(changed, 'frame-ring.json'), JSON.stringify({ ...ring, title: 'Khung vòng mới' }));
      const ribbon = JSON.parse(readFileSync(path.join(changed, 'frame-ribbon.json'), 'utf8'));
      writeFileSync(path.join(changed, 'frame-moi.json'), JSON.stringify({ ...ribbon, title: 'Khung mới' }));
      rmSync(path.join(changed, 'frame-ribbon.json'));
      const changedCampaign = JSON.parse(readFileSync(path.join(changed, 'campaign.json'), 'utf8'));
      writeFileSync(path.join(changed, 'campaign.json'), JSON.stringify({ ...changedCampaign, frames: ['frame-moi', 'frame-ring'] }));
      const oldRingVersion = (await (await page.request.get(`${base}/v1/templates`)).json()).find((t) => t.id === 'frame-ring').version;
      second = startServer(['--templates', changed]);
      const firstUrl = await urlPromise;
      proxy.retarget(await second.url);
      const revisit = await context.newPage();
      revisit.on('pageerror', (e) => pageErrors.push(e.message));
      await revisit.goto(`${base}/`);
      await revisit.locator('label.frame', { hasText: 'Khung mới' }).waitFor();
      const newIds = await listedFrames(revisit);
      ok(newIds.join() === 'frame-moi,frame-ring' && /Khung vòng mới/.test(await revisit.locator('label.frame:has(input[value="frame-ring"])').textContent()),
         'a changed template list on the server reaches the cached page on its next visit', newIds.join(', '));
      const keptNew = await keptOffline(revisit);
      const newList = await (await revisit.request.get(`${base}/v1/templates`)).json();
      const ringVersion = newList.find((t) => t.id === 'frame-ring').version;
      const stale = keptNew ? keptNew.urls.filter((u) => /\/v1\/templates\/[^/]+\//.test(u)
        && !newList.some((t) => u.startsWith(`/v1/templates/${t.id}/`) && u.endsWith(`v=${t.version}`))) : [];
      ok(keptNew && keptNew.frames.join() === 'frame-moi,frame-ring' && stale.length === 0
         && ringVersion !== oldRingVersion && keptNew.urls.some((u) => u.endsWith(`v=${ringVersion}`))
         && !keptNew.urls.some((u) => u.includes('frame-ribbon') || u.endsWith(`v=${oldRingVersion}`)),
         'the worker keeps the new list with its layers and drops the old ones (no stale mix)',
         keptNew ? `${keptNew.urls.length} kept; stale: ${stale.join(', ') || 'none'}` : 'not kept in 20 s');
      await revisit.close();
      await quiet(proxy);  // what the service worker still fetched in the background has landed
      await context.setOffline(true);
      const offlineNew = await context.newPage();
      offlineNew.on('pageerror', (e) => pageErrors.push(e.message));
      mark = proxy.log.length;
      await offlineNew.goto(`${base}/`);
      const offlineIds = await listedFrames(offlineNew);
      const moiSize = await saveOnPhone(offlineNew, astronaut, tmp, 'offline-moi.jpg');
      ok(offlineIds.join() === 'frame-moi,frame-ring' && moiSize.width === 1080 && proxy.log.length === mark,
         'offline after that visit: the new list, and a photo framed with the new frame',
         `${offlineIds.join(', ')}; saved ${moiSize.width}x${moiSize.height}; reached the server: ${proxy.log.slice(mark).map((e) => `${e.method} ${e.path}`).join(', ') || 'nothing'}`);
      await offlineNew.close();
      await context.setOffline(false);
      // Online, with the server down behind its proxy (502 for everything):
      // the kept list and layers still answer.
      proxy.retarget('http://127.0.0.1:9');  // nothing listens on the discard port
      const down = await context.newPage();
      down.on('pageerror', (e) => pageErrors.push(e.message));
      await down.goto(`${base}/`);
      const downIds = await listedFrames(down);
      await down.locator('#preview[data-ready="true"][data-engine="phone"]').waitFor();
      ok(downIds.join() === 'frame-moi,frame-ring', 'with the server down (502), the page still lists and draws the kept frames', downIds.join(', '));
      await down.close();
      proxy.retarget(firstUrl);
      await stopServer(second.server);
    }

    // 8. Without WebAssembly: the page says the server frames the photo,
    //    shrinks a photo it can read before uploading it, and saves the
    //    server's frame of the photo in the middle.
    const plain = await context.newPage();
    await plain.addInitScript(() => { delete window.WebAssembly; });
    plain.on('pageerror', (e) => pageErrors.push(e.message));
    await plain.goto(`${base}/?frame=${FRAME}`);
    await plain.locator('#preview[data-ready="true"]').waitFor();
    ok(await plain.locator('#preview').getAttribute('data-engine') === 'server', 'without WebAssembly the page frames on the server');
    await plain.locator('input[type=file]').setInputFiles(astronaut);
    await plain.locator('#mode', { hasText: 'máy chủ' }).waitFor();
    ok(await plain.locator('#zoom').isDisabled() && await plain.locator('#download').isEnabled(),
       'it says so, and the photo goes in the middle', await plain.locator('#mode').textContent());
    mark = proxy.log.length;
    const [plainDownload] = await Promise.all([plain.waitForEvent('download'), plain.locator('#download').click()]);
    const plainSaved = path.join(tmp, 'plain.jpg');
    await plainDownload.saveAs(plainSaved);
    const plainPost = posts(mark);
    const original = readFileSync(astronaut).length;
    ok(plainPost.length === 1 && plainPost[0].sent < original / 2, 'the photo is shrunk on the page before it is uploaded',
       `${plainPost.map((e) => `${e.sent} bytes`).join(', ')} sent for a ${original}-byte PNG`);
    const centred = path.join(tmp, 'centred.png');
    execFileSync(khung, ['render', FRAME, '-p', astronaut, '-o', centred]);
    const dPlain = await meanDiff(plain, dataUrl(readFileSync(plainSaved), 'image/jpeg'), dataUrl(readFileSync(centred), 'image/png'), 1080, { x: 540, y: 540, r: 380 });
    ok(dPlain < 3, "the server's frame of the shrunk copy is saved", `mean |diff| to khung render of the original ${dPlain.toFixed(2)}`);
    await plain.close();

    // 8b. Facebook's in-app browser, which refuses downloads: the page does
    //     not try and does not claim the photo was saved; the photo is at
    //     the top of the view for a long press, with how to open the page
    //     in the phone's browser.
    if (hasModule) {
      const inApp = await browser.newContext({
        viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, acceptDownloads: false,
        locale: 'vi-VN',
        userAgent: 'Mozilla/5.0 (Linux; Android 12; SM-A125F Build/SP1A.210812.016; wv) AppleWebKit/537.36 (KHTML, like Gecko) '
          + 'Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/445.0.0.34.118;]',
      });
      const fb = await inApp.newPage();
      fb.on('pageerror', (e) => pageErrors.push(e.message));
      let downloads = 0;
      fb.on('download', () => { downloads += 1; });
      await fb.goto(`${base}/?frame=${FRAME}`);
      await fb.locator('#preview[data-ready="true"]').waitFor();
      ok(await fb.locator('#download').textContent() === 'Ghép ảnh', 'there the button makes the photo, promising no download');
      await fb.locator('input[type=file]').setInputFiles(astronaut);
      await fb.locator('#preview[data-photo="ready"]').waitFor();
      await fb.locator('#download').click();
      await fb.locator('#result-image').waitFor({ state: 'visible' });
      await fb.waitForFunction(() => document.querySelector('#result-image').complete);
      const status = await fb.locator('#status').textContent();
      const box = await fb.locator('#result-image').boundingBox();
      ok(!/đã (được )?tải về/i.test(status) && /nhấn giữ ảnh/i.test(status) && downloads === 0,
         'in Facebook\'s browser the page does not download nor claim it saved; it says to press and hold', status);
      ok(box && box.y >= 0 && box.y < 120 && box.height > 300,
         'the finished photo is at the top of the view, large', JSON.stringify(box));
      const hint = await fb.locator('#result figcaption').boundingBox();
      const fbBar = (await fb.locator('footer.bar').boundingBox()).y;
      ok(/Nhấn giữ ảnh để lưu/.test(await fb.locator('#result figcaption').textContent()) && hint.y >= 0 && hint.y + hint.height <= fbBar,
         'the long-press hint is in view without scrolling', `${hint.y}-${hint.y + hint.height} of ${fbBar}`);
      ok(await fb.locator('#in-app').isVisible() && /Mở bằng trình duyệt/.test(await fb.locator('#in-app').textContent())
         && await fb.locator('#result-link').isHidden(), 'it says how to open the page in the phone\'s browser');
      ok(await fb.locator('#share').isHidden(), 'no share button where the browser cannot share files');
      await fb.screenshot({ path: screenshot.replace(/\.png$/, '-in-app.png') });
      await inApp.close();
    }

    // 8c. Where the browser shares files (Android Chrome, iOS Safari; not
    //     Linux Chromium: stood in for here), "Chia sẻ" hands the saved JPEG
    //     itself to the share sheet.
    if (hasModule) {
      const sharing = await context.newPage();
      await sharing.addInitScript(() => {
        window.__shared = [];
        navigator.canShare = (data) => Boolean(data && data.files && data.files.length);
        navigator.share = async (data) => {
          const f = data.files[0];
          window.__shared.push({ name: f.name, type: f.type, bytes: [...new Uint8Array(await f.arrayBuffer())] });
        };
      });
      sharing.on('pageerror', (e) => pageErrors.push(e.message));
      await sharing.goto(`${base}/?frame=${FRAME}`);
      await sharing.locator('#preview[data-ready="true"]').waitFor();
      await sharing.locator('input[type=file]').setInputFiles(astronaut);
      await sharing.locator('#preview[data-photo="ready"]').waitFor();
      const [shareDownload] = await Promise.all([sharing.waitForEvent('download'), sharing.locator('#download').click()]);
      const sharedSaved = readFileSync(await shareDownload.path());
      await sharing.locator('#share').click();
      await sharing.waitForFunction(() => window.__shared.length === 1);
      const shared = await sharing.evaluate(() => window.__shared[0]);
      ok(shared.type === 'image/jpeg' && shared.name === `khung-${FRAME}.jpg` && Buffer.from(shared.bytes).equals(sharedSaved),
         '"Chia sẻ" shares the framed JPEG, the same bytes as the download', `${shared.name}, ${shared.type}, ${shared.bytes.length} bytes`);
      await sharing.close();
    }

    // 8d. The caption: blanks are named before anything is copied; filled
    //     in, one tap copies the caption with the blanks filled and the
    //     hashtags. Where the browser has no Clipboard API, the text is
    //     copied by the older command or selected for the phone's own copy.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const captionStatus = page.locator('#caption-status');
    await page.locator('#caption-name').fill('');
    await page.locator('#copy-caption').click();
    ok(/Hãy điền “Họ và tên”/.test(await captionStatus.textContent()), 'a caption with blanks is not copied; the page names them',
       await captionStatus.textContent());
    const member = { name: 'Nguyễn Thị Phượng', unit: campaign.units[1] };
    await page.locator('#caption-name').fill(member.name);
    await page.locator('#caption-unit').fill(member.unit);
    await page.locator('#copy-caption').click();
    await captionStatus.filter({ hasText: 'Đã chép' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const expectedCaption = `${campaign.caption.replace(/\{\{ *name *\}\}/g, member.name).replace(/\{\{ *unit *\}\}/g, member.unit)}\n\n${campaign.hashtags.join(' ')}`;
    ok(copied === expectedCaption && copied.includes(member.name) && !copied.includes('{{'),
       'the caption copies with its blanks filled and the hashtags', copied.replace(/\n/g, ' / '));
    const noClipboard = await context.newPage();
    await noClipboard.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
    noClipboard.on('pageerror', (e) => pageErrors.push(e.message));
    await noClipboard.goto(`${base}/`);
    await noClipboard.locator('#caption-name').fill(member.name);
    await noClipboard.locator('#caption-unit').fill(member.unit);
    await noClipboard.locator('#copy-caption').click();
    await noClipboard.locator('#caption-status', { hasText: /Đã chép|chọn sẵn/ }).waitFor();
    const fallback = await noClipboard.evaluate(() => {
      const t = document.getElementById('caption');
      return { all: t.selectionStart === 0 && t.selectionEnd === t.value.length, text: t.value, status: document.getElementById('caption-status').textContent };
    });
    const fallbackCopied = /Đã chép/.test(fallback.status) ? await page.evaluate(() => navigator.clipboard.readText()) : null;
    ok(fallback.text === expectedCaption && fallback.all && (fallbackCopied === null || fallbackCopied === expectedCaption),
       'without the Clipboard API the caption is copied by the older command, or selected', fallback.status);
    await noClipboard.close();

    // 9. Every control has a Vietnamese name; nothing came from outside.
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, canvas, output, progress')]
      .filter((el) => !(el.getAttribute('aria-label') || el.labels?.[0]?.textContent.trim() || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80)));
    ok(unnamed.length === 0, 'every control has a name', unnamed.join(' | '));
    // Readable and easy to touch on a phone: every step has a heading, text
    // is at least 16 px, and buttons and sliders are at least 44 px tall.
    const reading = await page.evaluate(() => {
      const shown = (el) => el.getClientRects().length > 0 && !el.closest('[aria-hidden="true"]');
      const small = [...document.querySelectorAll('body *')]
        .filter((el) => shown(el) && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
        .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 16)
        .map((el) => `${el.tagName.toLowerCase()}#${el.id}: ${getComputedStyle(el).fontSize} "${el.textContent.trim().slice(0, 30)}"`);
      const short = [...document.querySelectorAll('button, input[type=range], .button')]
        .filter((el) => shown(el) && el.getBoundingClientRect().height < 44)
        .map((el) => `${el.id || el.textContent.trim()}: ${el.getBoundingClientRect().height} px`);
      const headings = [...document.querySelectorAll('h2')].map((h) => h.textContent.trim());
      return { small, short, headings };
    });
    ok(reading.small.length === 0, 'no text under 16 px', reading.small.join(' | '));
    ok(reading.short.length === 0, 'no button or slider under 44 px tall', reading.short.join(' | '));
    ok(['Chọn khung', 'Chọn ảnh', 'Căn chỉnh ảnh', 'Lời chia sẻ'].every((h) => reading.headings.some((t) => t.endsWith(h))),
       'each step has a heading', reading.headings.join(' | '));
    ok(/kéo giãn ra để phóng to/.test(await page.locator('#preview-hint').textContent()),
       'the hint says to spread two fingers to zoom in (a pinch zooms out)');
    ok(outside.length === 0, 'no request leaves the server', outside.join(', '));
    ok(pageErrors.length === 0, 'no script errors', pageErrors.join('; '));
  } finally {
    if (browser) await browser.close();
    if (proxy) await proxy.close();
    await stopServer(server);
    if (second) await stopServer(second.server);
    rmSync(tmp, { recursive: true, force: true });
  }
}

runTest('page', main);
