// bench/page: the member page on an emulated phone, from choosing the
// bench's 12 MP photo to the saved framed JPEG. See bench/README.md
// ("bench/page") and `bench/page/run --help`.
//
// node bench/page/page_bench.mjs --khung PATH --photo JPEG --scratch DIR [--before PATH] [--runs N]
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { chromium } = await import(path.join(root, 'tests/browser/node_modules/playwright-core/index.mjs'));
const { startCountingProxy } = await import(path.join(root, 'tests/browser/counting_proxy.mjs'));

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
  return acc;
}, []));
const RUNS = Number(args.runs || 5);
const scratch = path.resolve(args.scratch);
const photo = path.resolve(args.photo);
mkdirSync(scratch, { recursive: true });

// The phone: a 390x844 screen at 3 device pixels per CSS pixel, touch, a
// mobile Chrome; the CPU 4x slower; the weak mobile link of issue 15.
const PHONE = {
  viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, locale: 'vi-VN',
  userAgent: 'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
};
const CPU_SLOWDOWN = 4;
const LINK = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 400e3 / 8 };

const say = (...a) => console.error('==', ...a);

function startServer(khung) {
  const server = spawn(khung, ['serve', '--host', '127.0.0.1', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  server.stderr.on('data', (d) => { err += d; });
  const url = new Promise((resolve, reject) => {
    server.stdout.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`${khung} serve exited (${code}): ${err}`)));
  });
  return { server, url };
}

// In the page, before its own scripts: the moment the file is chosen, a tap
// on "Tải ảnh về" as soon as it can be tapped, the moment the saved photo's
// link is clicked, the first preview of the photo.
function instrument() {
  const b = { chosen: 0, tapped: 0, saved: 0, previewed: 0 };
  window.__bench = b;
  const tap = () => {
    const button = document.getElementById('download');
    if (!button || button.disabled || b.tapped) return false;
    b.tapped = performance.now();
    button.click();
    return true;
  };
  document.addEventListener('change', (e) => {
    if (e.target.type !== 'file') return;
    b.chosen = performance.now();
    if (tap()) return;
    const watch = new MutationObserver(() => tap() && watch.disconnect());
    watch.observe(document.getElementById('download'), { attributes: true });
    const preview = document.getElementById('preview');
    const shown = new MutationObserver(() => {
      if (preview.dataset.shown && !b.previewed) {
        b.previewed = performance.now();
        shown.disconnect();
      }
    });
    shown.observe(preview, { attributes: true });
  }, true);
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () {
    if (this.download && !b.saved) b.saved = performance.now();
    return click.call(this);
  };
}

// What each variant takes away from the browser before the page runs.
const VARIANTS = {
  // The page as it ships: the module in a Web Worker.
  phone: { label: 'phone: module in a Web Worker (as shipped)', init: null },
  // DevTools throttles only a page's main thread, not its workers: with
  // module workers gone the page runs the module itself, 4x slower.
  'phone-main': { label: 'phone: module on the main thread (worker disabled)', init: () => { window.Worker = undefined; } },
  // No WebAssembly: the page shrinks the photo and the server frames it.
  fallback: { label: 'server fallback: no WebAssembly, photo shrunk on the page', init: () => { delete window.WebAssembly; } },
  // Today's page (another khung binary): the original photo uploaded.
  before: { label: 'before: the original photo uploaded (today\'s page)', init: null },
};

async function oneRun(browser, base, proxy, variant, frame, place) {
  const context = await browser.newContext({ ...PHONE, acceptDownloads: true });
  const page = await context.newPage();
  await page.addInitScript(instrument);
  if (VARIANTS[variant].init) await page.addInitScript(VARIANTS[variant].init);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.send('Network.emulateNetworkConditions', LINK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // First visit: everything until the default (or asked) frame is ready
  // and the module has loaded (or failed to).
  const visitFrom = proxy.log.length;
  const t0 = Date.now();
  await page.goto(`${base}/${frame ? `?frame=${frame}` : ''}`);
  await page.locator('#preview[data-ready="true"]').waitFor({ timeout: 120000 });
  await page.waitForLoadState('networkidle');
  const loaded = Date.now() - t0;
  const visit = proxy.log.slice(visitFrom);
  const shown = await page.evaluate(() => document.querySelector('input[name=frame]:checked')?.value);

  // With a placement to set first, the page is not tapped for (and not timed).
  if (place) await page.evaluate(() => { window.__bench.tapped = -1; });
  const flowFrom = proxy.log.length;
  const downloading = page.waitForEvent('download', { timeout: 300000 });
  downloading.catch(() => {});  // a failed run closes the page first
  await page.locator('input[type=file]').setInputFiles(photo);
  if (place) {
    await page.locator('#preview[data-photo="ready"]').waitFor();
    await place(page);
    await page.locator('#download').click();
  }
  let download = null, failure = '';
  try {
    download = await Promise.race([
      downloading,
      page.locator('#error:not(:empty)').waitFor({ timeout: 300000 }).then(async () => { throw new Error(await page.locator('#error').textContent()); }),
    ]);
  } catch (e) {
    failure = e.message.split('\n')[0];
  }
  const b = await page.evaluate(() => window.__bench);
  // The page's own marks (performance.mark 'khung:...'), in seconds after the choice: the first of each.
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('khung:') && m.startTime >= window.__bench.chosen)
    .reverse()  // the first of each name wins
    .map((m) => [m.name.slice(6), (m.startTime - window.__bench.chosen) / 1000])));
  const flow = proxy.log.slice(flowFrom);
  let saved = null;
  if (download) {
    saved = path.join(scratch, `${variant}-${frame || 'default'}.jpg`);
    await download.saveAs(saved);
  }
  await context.close();
  return {
    loaded, visit, shown, flow, failure, errors, saved, marks,
    seconds: b.saved && b.chosen ? (b.saved - b.chosen) / 1000 : NaN,
    previewSeconds: b.previewed && b.chosen ? (b.previewed - b.chosen) / 1000 : NaN,
    uploaded: flow.reduce((n, e) => n + e.sent, 0),
    savedBytes: saved ? statSync(saved).size : 0,
  };
}

// The two JPEGs side by side (540 px each) as a PNG, and their mean and
// largest RGB difference at full size.
async function sideBySide(browser, left, right, out) {
  const page = await browser.newPage();
  try {
    const r = await page.evaluate(async ({ left, right }) => {
      const load = async (b64) => createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/jpeg' }));
      const [a, b] = [await load(left), await load(right)];
      const pixels = (img) => {
        const g = new OffscreenCanvas(img.width, img.height).getContext('2d');
        g.drawImage(img, 0, 0);
        return g.getImageData(0, 0, img.width, img.height).data;
      };
      const [pa, pb] = [pixels(a), pixels(b)];
      let sum = 0, max = 0, n = 0;
      for (let i = 0; i < Math.min(pa.length, pb.length); i += 4)
        for (let j = 0; j < 3; ++j, ++n) {
          const d = Math.abs(pa[i + j] - pb[i + j]);
          sum += d;
          max = Math.max(max, d);
        }
      const c = new OffscreenCanvas(1092, 540);
      const g = c.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 1092, 540);
      g.imageSmoothingQuality = 'high';
      g.drawImage(a, 0, 0, 540, 540);
      g.drawImage(b, 552, 0, 540, 540);
      const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { png: btoa(s), mean: sum / n, max };
    }, { left: readFileSync(left).toString('base64'), right: readFileSync(right).toString('base64') });
    writeFileSync(out, Buffer.from(r.png, 'base64'));
    return { mean: r.mean, max: r.max };
  } finally {
    await page.close();
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// The first visit's bytes by kind of file (answer bodies; khung serve does
// not compress). `shown` is the frame the page opened with: the other
// frames' layers are what the service worker keeps for offline use.
function weigh(visit, shown) {
  const kinds = { html: 0, js: 0, css: 0, wasm: 0, layers: 0, list: 0, thumbnails: 0, campaign: 0, offline: 0, other: 0 };
  for (const e of visit) {
    const p = e.path.split('?')[0];
    const layer = /^\/v1\/templates\/([^/]+)\/(under|over|preview)\.png$/.exec(p);
    const thumbnail = layer && layer[2] === 'preview' && /[?&]width=/.test(e.path);
    const kind = p === '/' ? 'html' : p.endsWith('.js') ? 'js' : p.endsWith('.css') ? 'css' : p.endsWith('.wasm') ? 'wasm'
      : thumbnail ? 'thumbnails' : layer ? (layer[1] === shown || !shown ? 'layers' : 'offline')
      : p === '/v1/templates' ? 'list' : p === '/v1/campaign' || p === '/manifest.webmanifest' || p.startsWith('/v1/campaign/') ? 'campaign'
      : 'other';
    kinds[kind] += e.received;
  }
  return kinds;
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.KHUNG_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const servers = [];
  const sites = {};
  try {
    for (const [name, binary] of [['after', args.khung], ['before', args.before]]) {
      if (!binary || binary === true) continue;
      const { server, url } = startServer(path.resolve(binary));
      servers.push(server);
      const proxy = await startCountingProxy(await url);
      sites[name] = { proxy, binary };
    }
    const variants = ['phone', 'phone-main', 'fallback', ...(sites.before ? ['before'] : [])];
    const results = Object.fromEntries(variants.map((v) => [v, []]));
    say(`${RUNS} runs of ${variants.join(', ')}, interleaved; photo ${photo} (${kb(statSync(photo).size)})`);
    for (let r = 0; r < RUNS; ++r) {
      const order = variants.map((_, i) => variants[(i + r) % variants.length]);
      for (const v of order) {
        const site = v === 'before' ? sites.before : sites.after;
        const res = await oneRun(browser, site.proxy.url, site.proxy, v);
        results[v].push(res);
        say(`run ${r + 1} ${v}: ${res.failure ? `FAILED (${res.failure}) after ` : ''}${res.seconds.toFixed(2)} s, ` +
            `uploaded ${kb(res.uploaded)}, saved ${kb(res.savedBytes)}`);
      }
    }

    // What a person compares: the phone's frame beside khung render's.
    const looked = [];
    const placement = { zoom: 1.3, rotate: 17 };  // and arrow keys: 10 steps right, 5 up (1% of the window's width each)
    for (const frame of ['frame-ring', 'frame-ribbon']) {
      try {
        let placed = null;
        const res = await oneRun(browser, sites.after.proxy.url, sites.after.proxy, 'phone', frame, async (page) => {
          await page.locator('#zoom').fill(String(placement.zoom));
          await page.locator('#rotate').fill(String(placement.rotate));
          await page.locator('#preview').focus();
          for (let i = 0; i < 10; ++i) await page.keyboard.press('ArrowRight');  // 1% of the window each
          for (let i = 0; i < 5; ++i) await page.keyboard.press('ArrowUp');
          await page.waitForFunction(() => document.querySelector('#preview').dataset.shown === document.querySelector('#preview').dataset.placed);
          placed = await page.locator('#preview').evaluate((el) => ({ zoom: el.dataset.zoom, x: el.dataset.offsetX, y: el.dataset.offsetY, rotate: el.dataset.rotate }));
        });
        if (!res.saved) throw new Error(res.failure || 'nothing saved');
        if (res.uploaded) throw new Error(`framed by the server, not on the phone (${res.uploaded} bytes uploaded)`);
        const native = path.join(scratch, `${frame}-khung-render.jpg`);
        execFileSync(path.resolve(args.khung), ['render', frame, '-p', photo, '--zoom', placed.zoom,
          '--offset', `${placed.x},${placed.y}`, '--rotate', placed.rotate, '--quality', '90', '-o', native]);
        const beside = path.join(scratch, `${frame}-phone-beside-khung-render.png`);
        const diff = await sideBySide(browser, res.saved, native, beside);
        looked.push({ frame, phone: res.saved, native, placed, beside, diff });
      } catch (e) {
        looked.push({ frame, failure: e.message.split('\n')[0] });
      }
    }

    const lines = ['# bench/page: the member page on an emulated phone', ''];
    lines.push(`Phone: ${PHONE.viewport.width}x${PHONE.viewport.height} CSS px at ${PHONE.deviceScaleFactor}x, touch, mobile Chrome UA; ` +
               `Emulation.setCPUThrottlingRate ${CPU_SLOWDOWN}; link ${LINK.uploadThroughput * 8 / 1000} kbit/s up, ` +
               `${LINK.downloadThroughput * 8 / 1e6} Mbit/s down, ${LINK.latency} ms (Network.emulateNetworkConditions). ` +
               `Photo: ${path.basename(photo)}, ${kb(statSync(photo).size)}. Medians of ${RUNS} runs, each a first visit (empty cache).`, '');
    lines.push('| flow | choose photo → saved JPEG | first preview | uploaded | saved JPEG | page load | failures |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- |');
    for (const v of variants) {
      const rs = results[v];
      const fails = rs.filter((r) => r.failure);
      lines.push(`| ${VARIANTS[v].label} | ${median(rs.map((r) => r.seconds)).toFixed(2)} s | ` +
                 `${Number.isFinite(median(rs.map((r) => r.previewSeconds))) ? `${median(rs.map((r) => r.previewSeconds)).toFixed(2)} s` : '–'} | ` +
                 `${kb(median(rs.map((r) => r.uploaded)))} | ${kb(median(rs.map((r) => r.savedBytes)))} | ` +
                 `${(median(rs.map((r) => r.loaded)) / 1000).toFixed(2)} s | ${fails.length ? `${fails.length}: ${fails[0].failure}` : 0} |`);
    }
    const steps = ['decoded', 'photo-in-module', 'previewed', 'framed', 'encoded'];
    lines.push('', 'Where the phone flows spend it (medians, seconds after the photo is chosen; marks the page sets: ' +
               'decoded = the browser decoded the photo shrunk, photo-in-module = its pixels copied into the module, ' +
               'previewed = first preview drawn, framed = the render to save ready, encoded = the JPEG made):', '');
    lines.push(`| flow | ${steps.join(' | ')} |`, `| --- |${' --- |'.repeat(steps.length)}`);
    for (const v of variants.filter((x) => x.startsWith('phone'))) {
      lines.push(`| ${v} | ${steps.map((st) => median(results[v].map((r) => r.marks[st] ?? NaN))).map((x) => (Number.isFinite(x) ? x.toFixed(2) : '–')).join(' | ')} |`);
    }
    lines.push('', 'First visit, bytes received (answer bodies; the first run of each; today\'s page shows its frame from preview.png, counted as its layers):', '');
    lines.push('| page | HTML | JS | CSS | wasm | frame layers | template list | thumbnails | campaign, manifest | other | HTML+JS+CSS+wasm+layers | all but offline | kept for offline (other frames) |');
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const v of ['phone', ...(sites.before ? ['before'] : [])]) {
      const w = weigh(results[v][0].visit, results[v][0].shown);
      const core = w.html + w.js + w.css + w.wasm + w.layers;
      const all = Object.values(w).reduce((a, b) => a + b, 0) - w.offline;
      lines.push(`| ${v === 'phone' ? 'after' : 'before'} (${results[v][0].shown}) | ${kb(w.html)} | ${kb(w.js)} | ${kb(w.css)} | ${kb(w.wasm)} | ${kb(w.layers)} | ` +
                 `${kb(w.list)} | ${kb(w.thumbnails)} | ${kb(w.campaign)} | ${kb(w.other)} | ${kb(core)} | ${kb(all)} | ${kb(w.offline)} |`);
    }
    const errs = Object.values(results).flat().flatMap((r) => r.errors);
    if (errs.length) lines.push('', `Script errors: ${[...new Set(errs)].join('; ')}`);
    if (looked.length) {
      lines.push('', "Looked at: the phone's JPEG and `khung render`'s of the same photo file with the placement the page ended at " +
                 `(zoom ${placement.zoom}, ${placement.rotate}°, ten arrow-key steps right and five up):`, '');
      for (const l of looked) {
        lines.push(l.failure ? `- ${l.frame}: not made (${l.failure})`
          : `- ${l.frame} (zoom ${l.placed.zoom}, offset ${l.placed.x},${l.placed.y}, ${l.placed.rotate}°): ` +
            `mean |difference| ${l.diff.mean.toFixed(2)}, largest ${l.diff.max} of 255 (RGB); side by side in ${l.beside}`);
      }
    }
    const text = lines.join('\n') + '\n';
    writeFileSync(path.join(scratch, 'page-results.md'), text);
    writeFileSync(path.join(scratch, 'page-results.json'), JSON.stringify(results, null, 1));
    process.stdout.write(text);
  } finally {
    await browser.close();
    for (const s of Object.values(sites)) await s.proxy.close();
    for (const s of servers) s.kill('SIGTERM');
  }
}

await main();
