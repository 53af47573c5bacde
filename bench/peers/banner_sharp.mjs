// Jobs B and M with sharp: the bench banner drawn as bench/run's SPEC.json
// describes it (made from bench/banner/banner.json): the background JPEG,
// the logo PNG composited at its place, and each text line as a small SVG
// (librsvg: Pango and HarfBuzz shaping, xml:lang="vi") with the line's font
// family, weight, size and colour, the pen at the box's left edge and the
// first baseline where the template puts it; the SVG is composited at the
// line's box. Fonts: bench/run points FONTCONFIG_FILE at a configuration
// holding only the bundled fonts/, so "Noto Sans" is the bundled file.
//
//   node banner_sharp.mjs SPEC.json NAME OUT...      job B: one banner, drawn
//                                                    once into raw pixels and
//                                                    encoded to each OUT (.png;
//                                                    .jpg at the SPEC's quality,
//                                                    4:2:0) concurrently
//   node banner_sharp.mjs SPEC.json --data CSV DIR   job M: one banner per row
//                                                    (column `name`) as
//                                                    DIR/<row>.jpg, one after
//                                                    another; the part that is
//                                                    the same in every row is
//                                                    drawn once, as raw pixels
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const args = process.argv.slice(2);
const usage = () => {
  console.error('usage: node banner_sharp.mjs SPEC.json NAME OUT... | SPEC.json --data CSV DIR');
  process.exit(2);
};
if (args.length < 3) usage();
const spec = JSON.parse(fs.readFileSync(args[0], 'utf8'));

const escape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

// One text line as an SVG of its box, to composite at the box's corner.
function svgLine(line, text) {
  const [x, y, w, h] = line.box;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">` +
    `<text x="0" y="${line.baseline}" font-family="${line.family}" font-weight="${line.weight}" ` +
    `font-size="${line.size}" fill="${line.color}" xml:lang="vi">${escape(text)}</text></svg>`;
  return { input: Buffer.from(svg), left: x, top: y };
}

const fixed = spec.lines.filter((l) => !l.text.includes('{{'));
const field = spec.lines.filter((l) => l.text.includes('{{'));
const fill = (line, name) => line.text.replaceAll('{{name}}', name);

// RFC 4180 CSV (quoted fields, "" escapes, CRLF or LF), header row first.
function parseCsv(text) {
  const rows = [];
  let row = [], f = '', i = 0, quoted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; ++i; }
      else if (c === '"') quoted = false;
      else f += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(f); f = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') ++i;
      row.push(f); f = '';
      if (row.some((v) => v !== '')) rows.push(row);
      row = [];
    } else f += c;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((k, j) => [k, r[j] ?? ''])));
}

const jpeg = (img) => img.jpeg({ quality: spec.quality, chromaSubsampling: '4:2:0' });

if (args[1] !== '--data') {
  // Job B.
  const [, name, ...outs] = args;
  const layers = [{ input: spec.logo.src, left: spec.logo.x, top: spec.logo.y },
    ...fixed.map((l) => svgLine(l, l.text)), ...field.map((l) => svgLine(l, fill(l, name)))];
  const { data, info } = await sharp(spec.background).composite(layers).raw().toBuffer({ resolveWithObject: true });
  const img = sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
  await Promise.all(outs.map((o) => (/\.jpe?g$/i.test(o) ? jpeg(img.clone()) : img.clone().png()).toFile(o)));
} else {
  // Job M.
  if (args.length !== 4) usage();
  const [, , data, dir] = args;
  const layers = [{ input: spec.logo.src, left: spec.logo.x, top: spec.logo.y }, ...fixed.map((l) => svgLine(l, l.text))];
  const base = await sharp(spec.background).composite(layers).raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: base.info.width, height: base.info.height, channels: base.info.channels } };
  const rows = parseCsv(fs.readFileSync(data, 'utf8'));
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < rows.length; ++i) {
    await jpeg(sharp(base.data, raw).composite(field.map((l) => svgLine(l, fill(l, rows[i].name)))))
      .toFile(path.join(dir, `${i + 1}.jpg`));
  }
}
