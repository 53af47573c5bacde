// The batch job with sharp, in one process: the cover's static background
// (rendered once by Khung, without the unit text) is decoded once; for each
// row of the data file the unit name is rendered by sharp's text input
// (libvips text: Pango + HarfBuzz, the font file given as `fontfile`),
// composited over the background in the unit text box and written as JPEG
// quality 90, 4:2:0, to OUT_DIR/<row>.jpg. Rows run one after another.
//
// sharp has no text measurement and no auto-fit to a size range with a line
// limit (its `height` auto-fit fills the box with any number of lines, at any
// size), so the size is estimated: one render of the text on one line at MAX
// px gives its width; if it fits the box width that render is used as it is;
// else two lines are needed, at the size where the width would fill 95% of
// two lines, no larger than the block of two lines allows in the box height
// (ascent + 1.2 x size + descent, as the Pillow peer measures), no smaller
// than MIN; the text is rendered wrapped (Pango, word wrap, baselines
// 1.2 x size apart) and the size lowered by 1 px while it takes more than
// MAX_LINES lines. There is no ellipsis: text that needs more lines at MIN
// is drawn as it is. libvips crops rendered text to its ink and says nothing
// of where the baseline was, so the ink's top-left is put at the box's
// top-left (Khung and Pillow put the pen at the box's left edge and the first
// baseline at the font's ascent: their ink is about 10 px lower and 1-3 px
// further right).
//
// Usage: node batch_sharp.mjs BACKGROUND.png DATA.csv FONT.ttf OUT_DIR X Y W H MIN MAX MAX_LINES
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const args = process.argv.slice(2);
if (args.length !== 11) {
  console.error('usage: node batch_sharp.mjs BACKGROUND.png DATA.csv FONT.ttf OUT_DIR X Y W H MIN MAX MAX_LINES');
  process.exit(2);
}
const [background, data, fontfile, outDir] = args;
const [x, y, w, h, minSize, maxSize, maxLines] = args.slice(4).map(Number);
const LINE_HEIGHT = 1.2;
const ASCENT = 1.069, DESCENT = 0.293; // Noto Sans: hhea ascender and descender, in ems

// RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF), header row first.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', i = 0, quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; ++i; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      row.push(field); field = '';
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((k, j) => [k, r[j] ?? ''])));
}

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// The text rendered at `size` px (dpi 72: 1 pt = 1 px), white, as raw RGBA.
function text(s, size, width) {
  const pitch = Math.round(LINE_HEIGHT * size) * 1024; // absolute line height, in Pango units
  const markup = `<span foreground="white" line_height="${pitch}">${escape(s)}</span>`;
  const opts = { text: markup, font: `Noto Sans Bold ${size}`, fontfile, dpi: 72, rgba: true };
  if (width) Object.assign(opts, { width, wrap: 'word' });
  return sharp({ text: opts }).raw().toBuffer({ resolveWithObject: true });
}

// More lines than `lines`? From the ink height: n lines of ink span about
// (n - 1) pitches plus one line's ink (0.7 to 1.35 x size).
const over = (info, size, lines) => info.height > (lines - 1) * Math.round(LINE_HEIGHT * size) + 1.6 * size;

const sizes = new Map();
let renders = 0;

async function fit(s) {
  let t = await text(s, maxSize);
  ++renders;
  if (t.info.width <= w) return [t, maxSize];
  let twoLines = maxSize; // the largest size whose block of two lines fits the box height
  while (twoLines > minSize &&
         Math.ceil(ASCENT * twoLines) + Math.round(LINE_HEIGHT * twoLines) + Math.ceil(DESCENT * twoLines) > h) --twoLines;
  let size = Math.floor(maxSize * (maxLines * w * 0.95) / t.info.width);
  size = Math.max(minSize, Math.min(size, twoLines, maxSize));
  for (;;) {
    t = await text(s, size, w);
    ++renders;
    if (size <= minSize || !over(t.info, size, maxLines)) return [t, size];
    size -= 1;
  }
}

const bg = await sharp(background).removeAlpha().raw().toBuffer({ resolveWithObject: true });
const raw = { raw: { width: bg.info.width, height: bg.info.height, channels: bg.info.channels } };
const rows = parseCsv(fs.readFileSync(data, 'utf8'));
fs.mkdirSync(outDir, { recursive: true });
for (let i = 0; i < rows.length; ++i) {
  const [t, size] = await fit(rows[i].unit);
  sizes.set(size, (sizes.get(size) ?? 0) + 1);
  await sharp(bg.data, raw)
    .composite([{ input: t.data, raw: { width: t.info.width, height: t.info.height, channels: 4 }, left: x, top: y }])
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
    .toFile(path.join(outDir, `${i + 1}.jpg`));
}
// One line on stderr for bench/batch/run's report: the sizes used (px:rows).
console.error(`sharp: ${rows.length} rows, ${renders} text renders; sizes ` +
  [...sizes].sort((a, b) => b[0] - a[0]).map(([k, v]) => `${k}:${v}`).join(' '));
