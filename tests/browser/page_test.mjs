// Browser test of the member page: starts `khung serve`, drives Debian's
// Chromium as a phone (touch drag, zoom slider, pinch, keyboard), downloads
// the framed photo and checks it against `khung render` with the placement
// the page sent, and the page's own preview against the download.
//
// Usage: node tests/browser/page_test.mjs [path/to/khung]   (default build/ci/khung)
// Environment: KHUNG_PAGE_SCREENSHOT (default build/page-screenshot.png),
// KHUNG_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const khung = path.resolve(process.argv[2] || path.join(root, 'build/ci/khung'));
const screenshot = path.resolve(process.env.KHUNG_PAGE_SCREENSHOT || path.join(root, 'build/page-screenshot.png'));
const astronaut = path.join(root, 'assets/photos/astronaut.png');
const FRAME = 'frame-ring';
// frame-ring's window (khung templates --json): the circle's box.
const WIN = { x: 140, y: 140, width: 800, height: 800 };

let passed = 0;
function ok(cond, what, detail = '') {
  if (!cond) throw new Error(`${what}${detail ? `: ${detail}` : ''}`);
  passed += 1;
  console.log(`ok ${passed} - ${what}${detail ? ` (${detail})` : ''}`);
}

function startServer() {
  const server = spawn(khung, ['serve', '--host', '127.0.0.1', '--port', '0', '--threads', '2', '--quiet'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  server.stderr.on('data', (d) => { err += d; });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`khung serve printed no address in 20 s; stderr: ${err}`)), 20000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.on('error', (e) => reject(new Error(`cannot start ${khung}: ${e.message}`)));
    server.on('exit', (code) => reject(new Error(`khung serve exited (${code}) before serving; stderr: ${err}`)));
  });
  return { server, url };
}

async function stopServer(server) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const gone = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

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

// Chromium does not hand a multipart body with a file to the test, so the
// page's FormData is read where it is made: fetch is wrapped to keep the
// last form posted (text fields, and the file's SHA-256).
function recordForms() {
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    if (init && init.body instanceof FormData) {
      const fields = {}, files = {};
      for (const [k, v] of init.body) {
        if (typeof v === 'string') fields[k] = v;
        else files[k] = v.arrayBuffer().then((b) => crypto.subtle.digest('SHA-256', b))
          .then((d) => [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, '0')).join(''));
      }
      window.lastForm = { fields, files };
    }
    return fetch.apply(this, arguments);
  };
}

// Mean absolute RGB difference of two images over a circle (canvas pixels
// of the 1080 template), both drawn at `side` x `side` by the browser.
async function meanDiff(page, a, b, side, circle) {
  return page.evaluate(async ({ a, b, side, circle }) => {
    const pixels = async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = c.height = side;
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

const dataUrl = (file, type) => `data:${type};base64,${readFileSync(file).toString('base64')}`;

async function touch(cdp, type, points) {
  await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })) });
}

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), 'khung-page-'));
  const { server, url: urlPromise } = startServer();
  let browser;
  try {
    const base = await urlPromise;
    ok(true, `khung serve is up at ${base}`);
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
    await page.addInitScript(recordForms);
    const outside = [], pageErrors = [];
    let renderRequest = null;
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('blob:') && !u.startsWith('data:')) outside.push(u);
      if (r.method() === 'POST' && u.startsWith(`${base}/v1/render/`)) renderRequest = r;
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));

    await page.goto(base + '/');
    ok(await page.locator('html').getAttribute('lang') === 'vi', 'the page is in Vietnamese (lang="vi")');
    ok(/width=device-width/.test(await page.locator('meta[name=viewport]').getAttribute('content')), 'viewport meta for phones');

    // 1. Frames: only the templates of kind "frame", as radio buttons.
    const radios = page.locator('input[name=frame]');
    await radios.first().waitFor({ state: 'attached' });
    const frameIds = await radios.evaluateAll((els) => els.map((e) => e.value));
    ok(frameIds.includes(FRAME) && !frameIds.includes('cover'), 'the frames are listed, the banners are not', frameIds.join(', '));
    await page.locator(`label.frame:has(input[value="${FRAME}"])`).click();
    await page.waitForFunction((id) => document.querySelector('input[name=frame]:checked')?.value === id, FRAME);
    await page.locator('#preview[data-ready="true"]').waitFor();
    ok(true, `frame ${FRAME} is selected and its overlay loaded`);

    // 2. Wrong files get clear messages before any upload.
    const fileInput = page.locator('input[type=file]');
    await fileInput.setInputFiles({ name: 'ghi-chu.txt', mimeType: 'text/plain', buffer: Buffer.from('không phải ảnh') });
    await page.locator('#error', { hasText: 'không phải là ảnh' }).waitFor();
    ok(true, 'a text file is refused', await page.locator('#error').textContent());
    await fileInput.setInputFiles({ name: 'lon.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(21 * 1024 * 1024, 0xff) });
    await page.locator('#error', { hasText: 'Ảnh quá lớn' }).waitFor();
    ok(renderRequest === null, 'a 21 MB photo is refused without uploading it');
    // A "HEIC" Chromium cannot preview: the page says so, the server's error is shown.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic'), Buffer.alloc(64, 7)]);
    await fileInput.setInputFiles({ name: 'IMG_0001.HEIC', mimeType: 'image/heic', buffer: heic });
    await page.locator('#status', { hasText: 'HEIC' }).waitFor();
    ok(await page.locator('#download').isEnabled(), 'a HEIC without preview can still be downloaded');
    await page.locator('#download').click();
    await page.locator('#error', { hasText: /Không đọc được ảnh|không phải là ảnh/ }).waitFor();
    ok(true, "the server's error is shown", await page.locator('#error').textContent());
    renderRequest = null;

    // 3. The sample photo, previewed at once.
    await fileInput.setInputFiles(astronaut);
    await page.locator('#preview[data-photo="ready"]').waitFor();
    ok(await page.locator('#error').textContent() === '', 'the photo is previewed');

    // 4. Zoom 2 with the slider, then a one-finger drag by a known amount.
    await page.locator('#zoom').fill('2');
    const canvas = page.locator('#preview');
    ok(await canvas.getAttribute('data-zoom') === '2', 'the zoom slider sets zoom 2');
    await canvas.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    const box = await canvas.boundingBox();
    const cdp = await context.newCDPSession(page);
    const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const drag = { x: 48, y: -30 };  // CSS px: right and up
    await touch(cdp, 'touchStart', [from]);
    for (let i = 1; i <= 12; ++i) await touch(cdp, 'touchMove', [{ x: from.x + (drag.x * i) / 12, y: from.y + (drag.y * i) / 12 }]);
    await touch(cdp, 'touchEnd', []);
    const k = 1080 / box.width;  // template px per CSS px
    const expected = { x: (drag.x * k) / WIN.width, y: (drag.y * k) / WIN.height };
    const shown = { x: Number(await canvas.getAttribute('data-offset-x')), y: Number(await canvas.getAttribute('data-offset-y')) };
    ok(Math.abs(shown.x - expected.x) < 0.004 && Math.abs(shown.y - expected.y) < 0.004,
       'the drag moves the photo with the finger', `offset ${shown.x}, ${shown.y}; expected ${expected.x.toFixed(4)}, ${expected.y.toFixed(4)}`);

    // What a member sees while placing the photo: step 3 at the top.
    mkdirSync(path.dirname(screenshot), { recursive: true });
    await page.locator('#step3').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: screenshot });
    ok(true, 'screenshot saved', screenshot);
    const preview = await canvas.evaluate((el) => el.toDataURL('image/png'));

    // 5. Download: the original file, exactly that placement, a 1080x1080 JPEG.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Tải ảnh về' }).click()]);
    ok(download.suggestedFilename() === `khung-${FRAME}.jpg`, 'the download is named', download.suggestedFilename());
    const got = path.join(tmp, 'got.jpg');
    await download.saveAs(got);
    ok(renderRequest !== null, 'the page posted to /v1/render', renderRequest && renderRequest.url());
    const f = await page.evaluate(() => window.lastForm.fields);
    const photoHash = await page.evaluate(() => window.lastForm.files.photo);
    ok(f.zoom === '2' && f.format === 'jpeg' && f.quality === '90' && f.focus === 'center' && Number(f.rotate) === 0,
       'the form has zoom, format, quality, focus and rotate', JSON.stringify(f));
    ok(Number(f.offset_x) === shown.x && Number(f.offset_y) === shown.y, 'the form has the previewed offsets');
    ok(photoHash === createHash('sha256').update(readFileSync(astronaut)).digest('hex'), 'the original photo file is sent');
    const size = jpegSize(readFileSync(got));
    ok(size.width === 1080 && size.height === 1080, 'the download is a 1080x1080 JPEG', `${size.width}x${size.height}`);

    // The download against khung render with the same placement, and with
    // the photo left in the middle: it must match the first, not the second.
    const ref = path.join(tmp, 'ref.png'), still = path.join(tmp, 'still.png');
    execFileSync(khung, ['render', FRAME, '-p', astronaut, '--zoom', f.zoom, '--offset', `${f.offset_x},${f.offset_y}`, '-o', ref]);
    execFileSync(khung, ['render', FRAME, '-p', astronaut, '--zoom', f.zoom, '-o', still]);
    const inner = { x: 540, y: 540, r: 380 };
    const check = await context.newPage();
    const gotUrl = dataUrl(got, 'image/jpeg');
    const dRef = await meanDiff(check, gotUrl, dataUrl(ref, 'image/png'), 1080, inner);
    const dStill = await meanDiff(check, gotUrl, dataUrl(still, 'image/png'), 1080, inner);
    ok(dRef < 2.5, 'the download matches khung render with the sent placement', `mean |diff| ${dRef.toFixed(2)} of 255`);
    ok(dStill > 4 * dRef + 5, 'the download shows the photo moved', `mean |diff| to the unmoved photo ${dStill.toFixed(2)}`);
    // What the member saw is what they got: the preview canvas against the download.
    const dPreview = await meanDiff(check, gotUrl, preview, 270, inner);
    ok(dPreview < 4, 'the preview agrees with the download', `mean |diff| ${dPreview.toFixed(2)} of 255 at 270 px`);
    await check.close();
    ok(await page.locator('#result-image').isVisible(), 'the result is shown on the page for saving by a long press');

    // 6. Pinch with two fingers zooms in; arrow keys move; 90° turns.
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
    await page.getByRole('button', { name: /Xoay ảnh 90 độ/ }).click();
    ok(await canvas.getAttribute('data-rotate') === '90', 'the 90° button turns the photo');
    await page.locator('#rotate').fill('20');
    ok(await canvas.getAttribute('data-rotate') === '110', 'the rotate slider adds to the quarter turns');
    // Turned, zoomed and moved: the preview still agrees with the download.
    const turned = await canvas.evaluate((el) => el.toDataURL('image/png'));
    const [again] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const got2 = path.join(tmp, 'got2.jpg');
    await again.saveAs(got2);
    const f2 = await page.evaluate(() => window.lastForm.fields);
    ok(f2.rotate === '110' && Number(f2.zoom) === zoomAfter, 'the second form has the turn and the pinch zoom', JSON.stringify(f2));
    const check2 = await context.newPage();
    const dTurned = await meanDiff(check2, dataUrl(got2, 'image/jpeg'), turned, 270, inner);
    await check2.close();
    ok(dTurned < 4, 'the turned preview agrees with its download', `mean |diff| ${dTurned.toFixed(2)} of 255 at 270 px`);

    // 7. Every control has a Vietnamese name; nothing came from outside.
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, select, canvas, output')]
      .filter((el) => !(el.getAttribute('aria-label') || el.labels?.[0]?.textContent.trim() || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80)));
    ok(unnamed.length === 0, 'every control has a name', unnamed.join(' | '));
    ok(outside.length === 0, 'no request leaves the server', outside.join(', '));
    ok(pageErrors.length === 0, 'no script errors', pageErrors.join('; '));
  } finally {
    if (browser) await browser.close();
    await stopServer(server);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => {
    console.log(`page: ${passed} passed, 0 failed`);
  },
  (e) => {
    console.error(`page test: FAILED after ${passed} checks: ${e.message}`);
    console.log(`page: ${passed} passed, 1 failed`);
    process.exitCode = 1;
  },
);
