// Browser test of the designers' studio (`khung studio DIR`), on a fresh
// empty folder, in Debian's Chromium at a desktop size (1440x900):
// - "Mẫu mới" makes a 1200x400 banner; a text layer is added, dragged,
//   resized by a handle and nudged with the arrow keys, and its JSON box
//   changes by exactly the pixels moved;
// - a Vietnamese text with a {{field}}, its sample, a font and a colour:
//   the canvas (the server's PNG) changes, and shows the colour chosen;
// - a CSV whose row 3 cannot fit: `khung check` lists row 3, the list goes
//   to it, and its problem is outlined in red over the text layer;
// - undo and redo of a drag (one step each);
// - save, then `khung render` of the saved file with the value the studio
//   rendered gives the studio's pixels exactly;
// - an invalid colour: the save is refused, the error sits by the colour
//   control with its JSON path, and the page does not say it saved.
//
// Usage: node tests/browser/studio_test.mjs [path/to/khung]   (default build/ci/khung)
// Environment: KHUNG_STUDIO_SCREENSHOT (default build/studio-screenshot.png;
// the other screenshots are written beside it with suffixes), KHUNG_CHROMIUM
// (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodePng, khung, ok, passed, root, startStudio, stopServer } from './harness.mjs';

const screenshot = path.resolve(process.env.KHUNG_STUDIO_SCREENSHOT || path.join(root, 'build/studio-screenshot.png'));
const shot = (suffix) => screenshot.replace(/\.png$/, `-${suffix}.png`);

const ID = 'bang-ron';
const TEXT = 'Chào mừng {{don_vi}} – Tự hào Việt Nam';
const SAMPLE = 'Công đoàn Dệt may Huế';
const GOLD = '#FFD23F';
const LONG_UNIT = 'Công đoàn cơ sở Tổng Công ty Cổ phần Dệt may Việt Nam chi nhánh miền Trung và Tây Nguyên, '
  + 'Văn phòng đại diện tại Thành phố Hồ Chí Minh, Phòng Kỹ thuật và Sáng kiến cải tiến sản xuất';

// How many pixels of a decoded image are within `tol` of an #RRGGBB colour.
function countColor(img, hex, tol = 24) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < img.data.length; i += 4)
    if (Math.abs(img.data[i] - r) <= tol && Math.abs(img.data[i + 1] - g) <= tol && Math.abs(img.data[i + 2] - b) <= tol) n += 1;
  return n;
}

function samePixels(a, b) {
  if (a.width !== b.width || a.height !== b.height) return `size ${a.width}x${a.height} against ${b.width}x${b.height}`;
  let differ = 0, max = 0;
  for (let i = 0; i < a.data.length; ++i) {
    const d = Math.abs(a.data[i] - b.data[i]);
    if (d) { differ += 1; max = Math.max(max, d); }
  }
  return differ ? `${differ} samples differ, by up to ${max}` : '';
}

async function main() {
  const tmp = mkdtempSync(path.join(tmpdir(), 'khung-studio-'));
  const dir = path.join(tmp, 'mau');
  mkdirSync(dir);
  const studio = startStudio(dir);
  let browser;
  try {
    const base = await studio.url;
    ok(/^http:\/\/127\.0\.0\.1:\d+$/.test(base), 'khung studio serves the folder on 127.0.0.1', base);

    browser = await chromium.launch({
      executablePath: process.env.KHUNG_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update',
             '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'vi-VN' });
    const page = await context.newPage();
    const pageErrors = [], outside = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) outside.push(u);
    });
    // Every render the page asks for: what it sent and what came back.
    const renders = [];
    page.on('response', async (r) => {
      if (!r.url().endsWith('/api/render') || r.request().method() !== 'POST') return;
      const entry = { request: JSON.parse(r.request().postData()), status: r.status(), body: null };
      entry.ready = r.json().then((b) => { entry.body = b; }, () => {});
      renders.push(entry);
    });
    const doc = () => page.evaluate(() => JSON.parse(JSON.stringify(window.khungStudio.doc)));
    // Waits until the canvas shows the render of the latest edit.
    const settled = async () => {
      await page.locator('#stage[data-pending="false"]').waitFor({ timeout: 20000 });
      await Promise.all(renders.map((r) => r.ready));
    };
    const lastOk = () => [...renders].reverse().find((r) => r.body?.png);
    const boxInputs = async () => Promise.all([0, 1, 2, 3].map(async (i) => Number(await page.locator(`#p-box-${i}`).inputValue())));
    mkdirSync(path.dirname(screenshot), { recursive: true });

    await page.goto(base + '/');
    await page.locator('body[data-ready="true"]').waitFor();
    ok(await page.locator('html').getAttribute('lang') === 'vi' && await page.getByRole('button', { name: 'Mẫu mới' }).isVisible(),
       'the page is in Vietnamese and offers "Mẫu mới" on an empty folder');

    // 1. A new 1200x400 banner.
    await page.getByRole('button', { name: 'Mẫu mới' }).click();
    await page.getByLabel('Mã mẫu (tên tệp, không dấu)').fill(ID);
    await page.getByLabel('Tên mẫu').fill('Băng rôn chào mừng');
    await page.getByLabel('Kích thước').selectOption('1200x400');
    ok(await page.getByLabel('Rộng (px)').inputValue() === '1200' && await page.getByLabel('Cao (px)').inputValue() === '400',
       'the preset "Băng rôn trang web" sets 1200 × 400');
    await page.getByRole('button', { name: 'Tạo mẫu' }).click();
    await page.waitForFunction((id) => window.khungStudio.id === id, ID);
    await settled();
    const created = JSON.parse(readFileSync(path.join(dir, `${ID}.json`), 'utf8'));
    ok(created.width === 1200 && created.height === 400 && (await doc()).layers.length === 1,
       'the banner is written to the folder and opened', `${created.width}x${created.height}, ${created.layers.length} layer`);
    ok(await page.locator('#template-select').inputValue() === ID && await page.locator('#stage').getAttribute('data-render') === 'ok'
       && (await page.locator('#render').getAttribute('src') || '').startsWith('data:image/png;base64,'),
       'it is listed as the open template, and its render is on the canvas');
    const blank = decodePng(Buffer.from(lastOk().body.png, 'base64'));
    ok(blank.width === 1200 && blank.height === 400, 'the canvas image is the whole 1200×400 render');

    // 2. A text layer: drag, handle, keys.
    await page.getByRole('button', { name: 'Thêm lớp chữ' }).click();
    await settled();
    let d = await doc();
    ok(d.layers.length === 2 && d.layers[1].type === 'text' && await page.locator('#layer-list button[aria-pressed="true"]').getAttribute('data-layer') === '1',
       'a text layer is added on top and selected', JSON.stringify(d.layers[1].box));
    const box0 = d.layers[1].box;
    ok(JSON.stringify(await boxInputs()) === JSON.stringify(box0), 'the panel shows its box', JSON.stringify(box0));
    const rect = await page.locator('#overlay').boundingBox();
    const k = 1200 / rect.width;  // canvas px per screen px
    const toScreen = ([x, y]) => [Math.round(rect.x + x / k), Math.round(rect.y + y / k)];
    const dragBy = async (from, sdx, sdy) => {
      await page.mouse.move(from[0], from[1]);
      await page.mouse.down();
      for (let i = 1; i <= 8; ++i) await page.mouse.move(from[0] + sdx * i / 8, from[1] + sdy * i / 8);
      await page.mouse.up();
      return [Math.round(sdx * k), Math.round(sdy * k)];
    };
    const centre = toScreen([box0[0] + box0[2] / 2, box0[1] + box0[3] / 2]);
    const [mx, my] = await dragBy(centre, -120, 40);
    await settled();
    const box1 = (await doc()).layers[1].box;
    ok(JSON.stringify(box1) === JSON.stringify([box0[0] + mx, box0[1] + my, box0[2], box0[3]]),
       'dragging the text moves its box by the pixels dragged', `${JSON.stringify(box0)} -> ${JSON.stringify(box1)} (moved ${mx}, ${my})`);
    const handle = await page.locator('[data-handle="se"]').boundingBox();
    const [gw, gh] = await dragBy([Math.round(handle.x + handle.width / 2), Math.round(handle.y + handle.height / 2)], 90, 30);
    await settled();
    const box2 = (await doc()).layers[1].box;
    ok(JSON.stringify(box2) === JSON.stringify([box1[0], box1[1], box1[2] + gw, box1[3] + gh]),
       'the bottom-right handle resizes it, the top-left corner staying', `${JSON.stringify(box2)} (grew ${gw}, ${gh})`);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    await page.keyboard.press('ArrowUp');
    await settled();
    const box3 = (await doc()).layers[1].box;
    ok(JSON.stringify(box3) === JSON.stringify([box2[0] + 1, box2[1] + 9, box2[2], box2[3]]),
       'arrow keys nudge it by 1 px, with Shift by 10 px', JSON.stringify(box3));
    await page.keyboard.press('Alt+ArrowRight');
    await page.keyboard.press('Alt+Shift+ArrowLeft');
    await page.keyboard.press('Alt+Shift+ArrowDown');
    await settled();
    const box4 = (await doc()).layers[1].box;
    ok(JSON.stringify(box4) === JSON.stringify([box3[0], box3[1], box3[2] - 9, box3[3] + 10]),
       'with Alt the keys change its width and height', JSON.stringify(box4));
    ok(JSON.stringify(await boxInputs()) === JSON.stringify(box4), 'the panel follows the canvas', JSON.stringify(await boxInputs()));

    // 3. Text with a field, its sample, font and colour.
    await page.getByLabel('Nội dung (trường: {{ten_truong}})').fill(TEXT);
    await page.locator('#field-don_vi-label').waitFor();
    await page.getByLabel('Nhãn').fill('Tên đơn vị');
    await page.getByLabel('Giá trị mẫu').fill(SAMPLE);
    await page.getByLabel('Phông chữ', { exact: true }).selectOption('Noto Serif');
    await page.getByLabel('Độ đậm').selectOption('700');
    await page.getByLabel('Tự co cỡ chữ cho vừa khung (từ nhỏ nhất đến lớn nhất)').check();
    await page.getByLabel('Cỡ nhỏ nhất (px)').fill('14');
    await page.getByLabel('Cỡ lớn nhất (px)').fill('40');
    await page.getByLabel('Số dòng tối đa').fill('1');
    await page.getByLabel('Khi chữ không vừa').selectOption('error');
    await settled();
    const firstLook = decodePng(Buffer.from(lastOk().body.png, 'base64'));
    await page.getByLabel('Màu chữ: bảng màu').fill(GOLD.toLowerCase());
    await settled();
    d = await doc();
    const text = d.layers[1];
    ok(text.text === TEXT && text.font.family === 'Noto Serif' && text.font.weight === 700 && JSON.stringify(text.font.size) === '[14,40]'
       && text.max_lines === 1 && text.overflow === 'error' && text.color === GOLD,
       'the text, font, size range, max lines, overflow and colour are in the document', JSON.stringify(text));
    ok(await page.getByLabel('Màu chữ', { exact: true }).inputValue() === GOLD, 'the colour text box follows the picker', GOLD);
    ok(d.fields?.don_vi?.label === 'Tên đơn vị' && d.fields.don_vi.sample === SAMPLE, 'the field has its label and sample',
       JSON.stringify(d.fields));

    // 4. The canvas is the server's render of the edits.
    const last = lastOk();
    ok(last.request.fields.don_vi === SAMPLE && last.request.template.layers[1].color === GOLD,
       'the last render was asked for the sample value and the colour', JSON.stringify(last.request.fields));
    const shown = await page.locator('#render').getAttribute('src');
    ok(shown === `data:image/png;base64,${last.body.png}`, 'the canvas shows the last render');
    const gold = decodePng(Buffer.from(last.body.png, 'base64'));
    const [blankGold, goldBefore, goldAfter] = [blank, firstLook, gold].map((img) => countColor(img, GOLD));
    // The text layer's colour when it was added (the page's default).
    const firstColor = renders.find((r) => r.body?.png && r.request.template.layers.length === 2).request.template.layers[1].color;
    const gained = countColor(firstLook, firstColor) - countColor(blank, firstColor);
    ok(samePixels(blank, firstLook) !== '' && gained > 300 && goldBefore < 20,
       'the text drawn in its first colour changed the canvas', `${gained} more ${firstColor} pixels`);
    ok(blankGold === 0 && goldAfter > 300 && goldAfter > 20 * (goldBefore + 1),
       'after picking gold the canvas has the gold text', `${goldAfter} gold pixels, ${goldBefore} before`);
    const mustShow = d.layers[1].box;
    ok(await page.locator('#render-error').textContent() === '', 'no render error is shown');

    // Guides over the canvas: round crop, cover on computers and phones.
    for (const g of ['guide-round', 'guide-desktop', 'guide-phone']) await page.locator(`#${g}`).check();
    const guides = await page.evaluate(() => ({
      r: Number(document.querySelector('circle.guide-round')?.getAttribute('r')),
      desktop: ['x', 'width', 'height'].map((a) => Number(document.querySelector('rect.guide-desktop')?.getAttribute(a))),
      phone: ['x', 'width', 'height'].map((a) => Number(document.querySelector('rect.guide-phone')?.getAttribute(a))),
    }));
    const near = (a, b) => Math.abs(a - b) < 0.01;
    ok(guides.r === 200 && near(guides.desktop[1], 400 * 820 / 312) && guides.desktop[2] === 400
       && near(guides.desktop[0], (1200 - 400 * 820 / 312) / 2) && near(guides.phone[1], 400 * 640 / 360) && guides.phone[2] === 400,
       'the guides: the inscribed circle and the centred 820:312 and 640:360 parts', JSON.stringify(guides));
    await page.screenshot({ path: screenshot });

    // 5. Data: row 3 cannot fit.
    const csv = path.join(tmp, 'don-vi.csv');
    writeFileSync(csv, ['don_vi', 'Công đoàn Dệt may Huế', 'Liên đoàn Lao động tỉnh Quảng Ninh', `"${LONG_UNIT}"`, 'Công đoàn Điện lực'].join('\n') + '\n');
    await page.locator('#data-file').setInputFiles(csv);
    await page.locator('#row-nav').waitFor();
    await page.locator('#check-summary[data-pending="false"]').waitFor({ timeout: 30000 });
    await settled();
    const failingRows = await page.locator('#failing button').evaluateAll((els) => els.map((e) => e.textContent));
    ok(failingRows.length === 1 && failingRows[0].startsWith('Dòng 3: '), 'the check lists row 3, and only row 3, as failing', failingRows.join(' | '));
    ok(lastOk().request.fields.don_vi === 'Công đoàn Dệt may Huế' && await page.locator('#row-number').inputValue() === '1',
       'the canvas shows row 1 of the data');
    await page.locator('#failing button', { hasText: 'Dòng 3' }).click();
    await settled();
    const rowRender = renders.at(-1);
    ok(await page.locator('#row-number').inputValue() === '3' && rowRender.request.fields.don_vi === LONG_UNIT,
       'clicking it goes to row 3 and renders its value', `render ${rowRender.status}, error ${rowRender.body?.error}`);
    const outline = page.locator('#overlay .problem-box[data-problem-layer="1"]');
    await outline.waitFor();
    const o = await outline.evaluate((e) => ({ x: +e.getAttribute('x'), y: +e.getAttribute('y'), w: +e.getAttribute('width'),
                                               h: +e.getAttribute('height'), stroke: getComputedStyle(e).stroke }));
    ok(JSON.stringify([o.x, o.y, o.w, o.h]) === JSON.stringify(mustShow) && /rgb\(2[0-9]{2}, 0, /.test(o.stroke),
       'its problem is outlined in red over the text layer', `${JSON.stringify(o)}`);
    const label = await page.locator('#overlay .problem-label[data-problem-layer="1"]').first().textContent();
    ok(label.length > 10 && failingRows[0].includes(label.replace(/…$/, '').slice(0, 30)), 'with the message', label);
    if (!rowRender.body?.png)
      ok(await page.locator('#render').getAttribute('src') === `data:image/png;base64,${lastOk().body.png}`
         && (await page.locator('#render-error').textContent()).length > 0,
         'the row that cannot render keeps the last image and says why', await page.locator('#render-error').textContent());
    await page.screenshot({ path: shot('problem') });
    await page.getByRole('button', { name: 'Xem bằng giá trị mẫu' }).click();
    await settled();
    ok(lastOk() === renders.at(-1) && renders.at(-1).request.fields.don_vi === SAMPLE, 'back to the sample values');

    // 6. Undo and redo: a drag is one step.
    const before = await doc();
    const b = before.layers[1].box;
    await dragBy(toScreen([b[0] + b[2] / 2, b[1] + b[3] / 2]), 60, -20);
    await settled();
    const dragged = await doc();
    ok(JSON.stringify(dragged.layers[1].box) !== JSON.stringify(b), 'a drag moves the text', JSON.stringify(dragged.layers[1].box));
    await page.keyboard.press('Control+Z');
    await settled();
    ok(JSON.stringify(await doc()) === JSON.stringify(before) && lastOk().request.template.layers[1].box.join() === b.join(),
       'Ctrl+Z undoes the whole drag, and the canvas is rendered again', JSON.stringify((await doc()).layers[1].box));
    await page.keyboard.press('Control+Shift+Z');
    await settled();
    ok(JSON.stringify(await doc()) === JSON.stringify(dragged), 'Ctrl+Shift+Z redoes it');
    await page.getByRole('button', { name: 'Hoàn tác' }).click();
    await page.keyboard.press('Control+Y');
    await page.getByRole('button', { name: 'Hoàn tác' }).click();
    await settled();
    ok(JSON.stringify(await doc()) === JSON.stringify(before), 'the buttons and Ctrl+Y undo and redo too');

    // 7. Save, and `khung render` of the saved file gives the studio's pixels.
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.locator('#save-status[data-state="ok"]').waitFor();
    const saved = JSON.parse(readFileSync(path.join(dir, `${ID}.json`), 'utf8'));
    ok(await page.locator('#save-status').textContent() === 'Đã lưu' && JSON.stringify(saved) === JSON.stringify(lastOk().request.template),
       'saved: the file is the document the canvas shows', `${saved.layers.length} layers, fields ${Object.keys(saved.fields || {})}`);
    const final = lastOk();
    const out = path.join(tmp, 'out.png');
    execFileSync(khung, ['render', path.join(dir, `${ID}.json`), '--set', `don_vi=${final.request.fields.don_vi}`, '-o', out]);
    const cli = decodePng(readFileSync(out)), studioPng = decodePng(Buffer.from(final.body.png, 'base64'));
    const diff = samePixels(cli, studioPng);
    ok(diff === '', 'khung render of the saved file gives the pixels of the studio\'s last render exactly',
       diff || `${cli.width}x${cli.height}, don_vi=${final.request.fields.don_vi}`);

    // 8. An invalid colour is not saved, and the error is by the control.
    await page.getByLabel('Màu chữ', { exact: true }).fill('đỏ');
    await settled();
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.locator('#save-status[data-state="error"]').waitFor();
    const colorProp = page.locator('.prop[data-path="layers[1].color"]');
    const message = await colorProp.locator('.prop-error').textContent();
    ok(message.includes('layers[1].color') && await colorProp.locator('#p-color').isVisible(),
       'the save error is shown by the colour control, with its JSON path', message);
    ok(!/Đã lưu/.test(await page.locator('#save-status').textContent()) && JSON.stringify(JSON.parse(readFileSync(path.join(dir, `${ID}.json`), 'utf8'))) === JSON.stringify(saved),
       'and the page does not say it saved, nor is the file changed', await page.locator('#save-status').textContent());
    await page.screenshot({ path: shot('error') });

    // 9. A QR code layer: the placeholder of its data is a field of the
    // template (with its sample) and is saved with it.
    await page.getByLabel('Màu chữ', { exact: true }).fill(GOLD);
    await page.getByRole('button', { name: 'Thêm mã QR' }).click();
    await settled();
    d = await doc();
    const qrAt = d.layers.length - 1;
    ok(d.layers[qrAt].type === 'qr' && await page.locator('#stage').getAttribute('data-render') === 'ok',
       'a QR code layer is added on top and drawn', JSON.stringify(d.layers[qrAt]));
    await page.locator('#p-data').fill('https://khung.congdoan.vn/?don-vi={{lien_ket}}');
    await page.locator('#field-lien_ket-sample').waitFor();
    await page.locator('#field-lien_ket-sample').fill('dien-luc');
    await page.locator('#p-level').selectOption('H');
    await settled();
    d = await doc();
    ok(d.layers[qrAt].level === 'H' && d.fields?.lien_ket?.sample === 'dien-luc' && lastOk().request.fields.lien_ket === 'dien-luc'
       && await page.locator('#stage').getAttribute('data-render') === 'ok',
       'its data\'s placeholder is a field with a sample, and the render is asked for it', JSON.stringify(d.fields));
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await page.locator('#save-status[data-state="ok"]').waitFor();
    const withQr = JSON.parse(readFileSync(path.join(dir, `${ID}.json`), 'utf8'));
    ok(withQr.layers[qrAt]?.type === 'qr' && withQr.fields?.lien_ket?.sample === 'dien-luc',
       'saved with the field only the QR code uses', JSON.stringify(withQr.fields));

    ok(pageErrors.length === 0, 'no script errors', pageErrors.join('; '));
    ok(outside.length === 0, 'no request leaves the studio (it works offline)', outside.join(' '));
    console.log(`# ${passed} checks passed; screenshots: ${screenshot}, ${shot('problem')}, ${shot('error')}`);
  } finally {
    if (browser) await browser.close();
    await stopServer(studio.server);
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.log(`not ok ${passed + 1} - ${e.message}`);
  process.exit(1);
});
