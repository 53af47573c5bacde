// Browser test of participation counting and the organisers' page (issue
// 19): starts `khung serve` with a database and an organiser token on a copy
// of the bundled templates, drives Debian's Chromium and checks:
// - the member page (a phone): a photo framed and saved sends one event
//   (the frame, the caption's unit, the phone's random id, "save"), a second
//   save of it none, a share sheet closed unshared none, a share one "share";
//   a fresh load shows "1 đoàn viên đã tham gia";
// - /admin asks for the token (401 with a Basic challenge) and opens with
//   it: the unit chart has the unit's bar at 1, the day chart today's column
//   at 1 and every other day of the last 30 at 0, the totals; each "Tải CSV"
//   gives the report's exact CSV (with a byte-order mark for Excel) under a
//   name saying what and when; an event without a unit shows as
//   "(không chọn đơn vị)";
// - publishing a frame: an overlay drawn here (1080x1080, a transparent
//   round hole) becomes a frame the member page lists and frames photos with,
//   without a restart; the same id again replaces it and passes on the
//   overlay's advice; a JPEG and a PNG without a hole are refused with the
//   service's reason.
//
// Usage: node tests/browser/organiser_test.mjs [path/to/khung]   (default build/ci/khung)
// Environment: KHUNG_ORGANISER_SCREENSHOT (default build/organiser-screenshot.png;
// the others beside it with suffixes), KHUNG_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { cpSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ok, root, runTest, startServer, stopServer } from './harness.mjs';

const screenshot = path.resolve(process.env.KHUNG_ORGANISER_SCREENSHOT || path.join(root, 'build/organiser-screenshot.png'));
const shot = (suffix) => screenshot.replace(/\.png$/, `-${suffix}.png`);
const astronaut = path.join(root, 'assets/photos/astronaut.png');
const TOKEN = 'to-chuc-0123456789abcdef';
const UNIT = 'Công đoàn Điện lực Hà Nội';
const FRAME = 'frame-ring';
const NEW_FRAME = { id: 'khung-thu-nghiem', title: 'Khung thử nghiệm' };

// Vietnam's calendar day (UTC+7), as the service groups by.
const vietnamDay = (ms = Date.now()) => new Date(ms + 7 * 3600e3).toISOString().slice(0, 10);
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);

// An overlay drawn by Chromium: `side` x `side`, a red-to-gold border, and a
// transparent round hole of `hole` of the side (0: none), as PNG or JPEG.
async function makeOverlay(page, { side, hole, type = 'image/png' }) {
  const b64 = await page.evaluate(async ({ side, hole, type }) => {
    const c = new OffscreenCanvas(side, side);
    const g = c.getContext('2d');
    const grad = g.createLinearGradient(0, 0, side, side);
    grad.addColorStop(0, '#c8102e');
    grad.addColorStop(1, '#ffd23f');
    g.fillStyle = grad;
    g.fillRect(0, 0, side, side);
    g.fillStyle = '#fff';
    g.font = `700 ${side / 14}px sans-serif`;
    g.textAlign = 'center';
    g.fillText('THỬ NGHIỆM', side / 2, side - side / 28);
    if (hole) {
      g.globalCompositeOperation = 'destination-out';
      g.beginPath();
      g.arc(side / 2, side / 2, (side * hole) / 2, 0, 2 * Math.PI);
      g.fill();
    }
    const bytes = new Uint8Array(await (await c.convertToBlob({ type, quality: 0.9 })).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, { side, hole, type });
  return Buffer.from(b64, 'base64');
}

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), 'khung-organiser-'));
  const templates = path.join(tmp, 'templates');
  cpSync(path.join(root, 'assets/templates'), templates, { recursive: true });
  const started = startServer(['--templates', templates, '--database', path.join(tmp, 'counts.sqlite'), '--admin-token', TOKEN]);
  const { server } = started;
  let browser;
  try {
    const base = await started.url;
    ok(true, `khung serve is up at ${base}, counting into ${path.join(tmp, 'counts.sqlite')}`);
    browser = await chromium.launch({
      executablePath: process.env.KHUNG_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync'],
    });
    mkdirSync(path.dirname(screenshot), { recursive: true });
    const pageErrors = [];
    const watch = (page) => {
      page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
      return page;
    };

    // 1. The member page on a phone. The service counts members at most
    //    once a minute, so this first visit's count is answered here (0: no
    //    counter shown) and the service's first count comes after the save.
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      acceptDownloads: true, locale: 'vi-VN',
    });
    const member = watch(await phone.newPage());
    // A share sheet: the first is closed unshared, the second shares.
    await member.addInitScript(() => {
      let sheets = 0;
      navigator.canShare = (data) => Boolean(data && data.files && data.files.length);
      navigator.share = async () => {
        if (++sheets === 1) throw new DOMException('closed', 'AbortError');
      };
    });
    const events = [];
    member.on('request', (r) => { if (r.url().endsWith('/v1/events')) events.push(r); });
    await member.route('**/v1/count', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"members":0}' }));
    await member.goto(`${base}/?frame=${FRAME}`);
    await member.locator('#preview[data-ready="true"][data-engine="phone"]').waitFor();
    await member.locator('#caption-unit').fill(UNIT);
    ok(await member.locator('#count').isHidden(), 'with 0 members counted, the page shows no counter');
    await member.locator('input[type=file]').setInputFiles(astronaut);
    await member.locator('#preview[data-photo="ready"]').waitFor();
    const answered = member.waitForResponse((r) => r.url().endsWith('/v1/events'));
    const [download] = await Promise.all([member.waitForEvent('download'), member.locator('#download').click()]);
    await download.path();
    const eventAnswer = await answered;
    const sent = JSON.parse(events[0].postData());
    const kept = await member.evaluate(() => localStorage.getItem('khung-device'));
    ok(eventAnswer.status() === 204 && sent.template === FRAME && sent.unit === UNIT && sent.kind === 'save'
       && /^[A-Za-z0-9_-]{22,64}$/.test(sent.device) && sent.device === kept && Object.keys(sent).length === 4,
       'saving the framed photo sends one event: the frame, the unit, the phone\'s random id, "save"', events[0].postData());
    // Saved again (the link under the photo): no second event for the same frame and kind.
    await Promise.all([member.waitForEvent('download'), member.locator('#result-link').click()]);
    await member.waitForTimeout(800);
    ok(events.length === 1, 'a second save of the same frame sends no second event', `${events.length} sent`);
    await member.locator('#share').click();
    await member.waitForTimeout(500);
    ok(events.length === 1, 'a share sheet closed without sharing sends nothing', `${events.length} sent`);
    const shareAnswered = member.waitForResponse((r) => r.url().endsWith('/v1/events'));
    await member.locator('#share').click();
    const shareEvent = JSON.parse((await (await shareAnswered).request()).postData());
    ok((await shareAnswered).status() === 204 && events.length === 2 && shareEvent.kind === 'share' && shareEvent.device === sent.device
       && shareEvent.unit === UNIT && shareEvent.template === FRAME, 'sharing it sends one "share" event', JSON.stringify(shareEvent));
    await member.unroute('**/v1/count');

    const fresh = watch(await phone.newPage());
    await fresh.goto(`${base}/`);
    await fresh.locator('#count').waitFor();
    const counter = await fresh.locator('#count').textContent();
    const counterBox = await fresh.locator('#count').boundingBox();
    ok(counter === '1 đoàn viên đã tham gia' && counterBox.y + counterBox.height < 844,
       'a fresh load shows the count near the header', `"${counter}" at y ${Math.round(counterBox.y)}`);
    ok(await fresh.evaluate(() => localStorage.getItem('khung-device')) === kept, 'the phone keeps its id across loads');
    await fresh.screenshot({ path: shot('member') });
    await fresh.close();

    // 2. The organisers' page needs the token.
    const bare = await fetch(`${base}/admin`);
    ok(bare.status === 401 && /^Basic /i.test(bare.headers.get('www-authenticate') || ''),
       '/admin without the token: 401 with a Basic challenge', `${bare.status} ${bare.headers.get('www-authenticate')}`);
    const noToken = await fetch(`${base}/v1/report?by=unit`);
    const wrong = await fetch(`${base}/v1/report?by=unit`, { headers: { Authorization: 'Bearer nope' } });
    ok(noToken.status === 401 && wrong.status === 401, 'the report without the token or with a wrong one: 401', `${noToken.status}, ${wrong.status}`);

    const desk = await browser.newContext({
      viewport: { width: 1280, height: 900 }, acceptDownloads: true, locale: 'vi-VN',
      httpCredentials: { username: 'ban-to-chuc', password: TOKEN },
    });
    const admin = watch(await desk.newPage());
    const opened = await admin.goto(`${base}/admin`);
    ok(opened.status() === 200 && await admin.locator('html').getAttribute('lang') === 'vi',
       '/admin with the token (HTTP Basic): the page, in Vietnamese', `${opened.status()}`);
    await admin.locator('body[data-report="ready"]').waitFor();
    const today = vietnamDay();
    const from = addDays(today, -29);
    const vn = (day) => day.split('-').reverse().join('/');
    const rangeShown = await admin.locator('#range-shown').textContent();
    ok(await admin.locator('#from').inputValue() === from && await admin.locator('#to').inputValue() === today
       && rangeShown === `Đang xem: từ ${vn(from)} đến ${vn(today)}.`,
       'the report opens on the last 30 days, named in Vietnamese dates', rangeShown);
    const totals = await Promise.all(['members', 'saves', 'shares'].map((k) => admin.locator(`#total-${k}`).textContent()));
    ok(totals.join() === '1,1,1', 'the totals: 1 member, 1 save, 1 share', totals.join(' / '));
    const unitBars = await admin.locator('#chart-unit g.bar').evaluateAll((gs) => gs.map((g) => [g.dataset.key, g.dataset.value]));
    const unitLabel = await admin.locator('#chart-unit g.bar text.label').allTextContents();
    ok(unitBars.length === 1 && unitBars[0][0] === UNIT && unitBars[0][1] === '1' && unitLabel.join(' ') === UNIT,
       "the unit chart has the unit's bar at 1, under its full name", JSON.stringify(unitBars));
    const dayBars = await admin.locator('#chart-day g.bar').evaluateAll((gs) => gs.map((g) => [g.dataset.key, g.dataset.value]));
    ok(dayBars.length === 30 && dayBars[29][0] === today && dayBars[29][1] === '1' && dayBars[0][0] === from
       && dayBars.slice(0, 29).every(([, v]) => v === '0'),
       "the day chart has a column for each of the 30 days: today's at 1, the others at 0", `${dayBars.length} days, last ${dayBars[29]}`);

    // 3. The CSV files: the report's bytes, named for what and when.
    const csv = async (by) => {
      const [file] = await Promise.all([admin.waitForEvent('download'), admin.locator(`button.csv[data-by="${by}"]`).click()]);
      return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
    };
    const byUnit = await csv('unit');
    const expectedUnit = `\uFEFFunit,members,saves,shares\r\n${UNIT},1,1,1\r\ntotal,1,1,1\r\n`;
    ok(byUnit.name === `bao-cao-theo-don-vi-${from}-${today}.csv` && byUnit.text === expectedUnit,
       'the unit CSV is the report, exactly', `${byUnit.name}: ${JSON.stringify(byUnit.text)}`);
    const byDay = await csv('day');
    ok(byDay.name === `bao-cao-theo-ngay-${from}-${today}.csv`
       && byDay.text === `\uFEFFday,members,saves,shares\r\n${today},1,1,1\r\ntotal,1,1,1\r\n`,
       'the day CSV too', `${byDay.name}: ${JSON.stringify(byDay.text)}`);
    const byTemplate = await csv('template');
    ok(byTemplate.name === `bao-cao-theo-khung-${from}-${today}.csv`
       && byTemplate.text === `\uFEFFtemplate,members,saves,shares\r\n${FRAME},1,1,1\r\ntotal,1,1,1\r\n`,
       'and the template CSV', `${byTemplate.name}: ${JSON.stringify(byTemplate.text)}`);
    const direct = await (await fetch(`${base}/v1/report?from=${from}&to=${today}&by=unit`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
    ok(`\uFEFF${direct}` === byUnit.text, "the file is the service's report with a byte-order mark before it (Excel reads UTF-8 then)");

    // An event without a unit (a member who filled none in), shared from
    // another phone: its own bar, named so.
    const shared = await fetch(`${base}/v1/events`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ template: 'frame-ribbon', device: 'a-second-phone-0123456789', kind: 'share' }),
    });
    ok(shared.status === 204, 'an event without a unit is stored', `${shared.status}`);
    await admin.getByRole('button', { name: 'Từ đầu chiến dịch' }).click();
    await admin.locator('#chart-unit g.bar[data-key=""]').waitFor();
    const noUnit = await admin.locator('#chart-unit g.bar[data-key=""]').evaluate((g) => [g.dataset.value, g.querySelector('text.label').textContent]);
    const allTotals = await Promise.all(['members', 'saves', 'shares'].map((k) => admin.locator(`#total-${k}`).textContent()));
    ok(noUnit[0] === '1' && noUnit[1] === '(không chọn đơn vị)' && allTotals.join() === '2,1,2'
       && await admin.locator('#from').inputValue() === '',
       'over the whole campaign, the event without a unit has its bar "(không chọn đơn vị)"', `${noUnit.join(' ')}; totals ${allTotals.join(' / ')}`);
    const whole = await csv('unit');
    ok(whole.name === `bao-cao-theo-don-vi-tu-dau-${today}.csv`
       && whole.text === `\uFEFFunit,members,saves,shares\r\n,1,0,1\r\n${UNIT},1,1,1\r\ntotal,2,1,2\r\n`,
       'its CSV starts with the empty unit', `${whole.name}: ${JSON.stringify(whole.text)}`);
    await admin.screenshot({ path: screenshot, fullPage: true });

    // 4. Publishing a frame.
    const overlay = await makeOverlay(admin, { side: 1080, hole: 0.7 });
    await admin.locator('#overlay').setInputFiles({ name: 'khung thử.png', mimeType: 'image/png', buffer: overlay });
    await admin.locator('#frame-title').fill(NEW_FRAME.title);
    await admin.locator('#frame-id').fill(NEW_FRAME.id);
    await admin.getByRole('button', { name: 'Đăng khung' }).click();
    await admin.locator('#upload-result.ok').waitFor();
    const published = await admin.locator('#upload-result').textContent();
    ok(published.includes(`Đã đăng khung “${NEW_FRAME.title}” (mã ${NEW_FRAME.id})`) && !published.includes('thay'),
       'an overlay with a round hole is published', published);
    const listed = admin.locator(`#frames li[data-id="${NEW_FRAME.id}"]`);
    await listed.waitFor();
    await listed.locator('img').evaluate((img) => img.decode());
    ok((await listed.textContent()).includes(NEW_FRAME.title) && await listed.locator('img').evaluate((img) => img.naturalWidth === 160),
       "it joins the page's frame list with its thumbnail", await listed.textContent());

    const again = watch(await phone.newPage());
    await again.goto(`${base}/?frame=${NEW_FRAME.id}`);
    const label = again.locator(`label.frame:has(input[value="${NEW_FRAME.id}"])`);
    await label.waitFor();
    await again.locator('#preview[data-ready="true"][data-engine="phone"]').waitFor();
    await again.locator('input[type=file]').setInputFiles(astronaut);
    await again.locator('#preview[data-photo="ready"]').waitFor();
    ok((await label.textContent()).includes(NEW_FRAME.title) && await again.locator(`input[value="${NEW_FRAME.id}"]`).isChecked(),
       'the member page lists the new frame and frames a photo with it, without a restart');
    await again.close();

    // The same id again, from a smaller overlay: replaced, with the advice.
    await admin.locator('#overlay').setInputFiles({ name: 'nho.png', mimeType: 'image/png', buffer: await makeOverlay(admin, { side: 800, hole: 0.7 }) });
    await admin.locator('#frame-id').fill(NEW_FRAME.id);
    await admin.getByRole('button', { name: 'Đăng khung' }).click();
    await admin.locator('#upload-result.ok', { hasText: 'đã được thay' }).waitFor();
    const advice = await admin.locator('#upload-result li').allTextContents();
    const replacedText = await admin.locator('#upload-result p').first().textContent();
    ok(advice.length >= 1 && advice.some((a) => /800/.test(a)) && replacedText.includes(`“${NEW_FRAME.title}”`),
       'the same id replaces the frame (its title kept), and the overlay\'s advice is listed', `${replacedText} ${advice.join(' | ')}`);
    await admin.locator('#publish').screenshot({ path: shot('published') });

    // Bad uploads: the reason, and nothing published.
    const framesBefore = await admin.locator('#frames li').count();
    const refused = async (file, reason, what) => {
      await admin.locator('#overlay').setInputFiles(file);
      await admin.locator('#frame-id').fill('');
      await admin.getByRole('button', { name: 'Đăng khung' }).click();
      await admin.locator('#upload-result.error').waitFor();
      const text = await admin.locator('#upload-result').innerText();
      ok(/^Không đăng được khung/.test(text) && reason.test(text), what, text.replace(/\n+/g, ' / '));
    };
    // Anything but a PNG is refused on the page: it cannot have a hole.
    await refused({ name: 'khung.jpg', mimeType: 'image/jpeg', buffer: await makeOverlay(admin, { side: 1080, hole: 0.7, type: 'image/jpeg' }) },
                  /không phải ảnh PNG/, 'a JPEG is refused, saying a frame needs a PNG');
    // The service's reason, after a Vietnamese lead, under the file's own name.
    await refused({ name: 'kin.png', mimeType: 'image/png', buffer: await makeOverlay(admin, { side: 1080, hole: 0 }) },
                  /chưa dùng được[^]*kin\.png[^]*no transparent hole/, 'a PNG without a hole is refused with the reason');
    await admin.locator('#publish').screenshot({ path: shot('refused') });
    await admin.reload();
    await admin.locator('#frames li').first().waitFor();
    ok(await admin.locator('#frames li').count() === framesBefore, 'nothing was published by them');

    // The organisers' page on a phone.
    const small = watch(await (await browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'vi-VN',
      httpCredentials: { username: 'ban-to-chuc', password: TOKEN },
    })).newPage());
    await small.goto(`${base}/admin`);
    await small.locator('body[data-report="ready"]').waitFor();
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    ok(overflow <= 0, 'on a phone, the organisers\' page fits the screen\'s width', `${overflow} px too wide`);
    await small.screenshot({ path: shot('phone'), fullPage: true });
    ok(pageErrors.length === 0, 'no script errors', pageErrors.join('; '));
    ok(true, 'screenshots saved', `${screenshot}, ${['member', 'published', 'refused', 'phone'].map(shot).join(', ')}`);
  } finally {
    if (browser) await browser.close();
    await stopServer(server);
    rmSync(tmp, { recursive: true, force: true });
  }
}

runTest('organiser', main);
