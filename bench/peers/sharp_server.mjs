// The HTTP job's peer (bench/run): a minimal sharp server doing Khung's frame job.
// node's own http module, no framework, and a small multipart parser (below)
// instead of a form library. It answers
//
//   POST /v1/render/frame-ring   multipart/form-data: part `photo` (the file),
//                                optional `format` (jpeg, the default, png or
//                                webp) and `quality` (default 90)
//   GET  /healthz                "ok"
//
// The job is frame_sharp.mjs's (job F): the photo turned upright (EXIF),
// cover-resized to the frame's photo window, placed on a white canvas the
// overlay's size at the window's corner, the overlay composited over it, and
// written as JPEG quality 90, 4:2:0. The overlay is decoded once at start-up
// and composited from raw pixels (as Khung keeps its template decoded in
// memory). sharp's defaults otherwise: its concurrency (libvips threads per
// image) and cache, and libuv's pool of 4 threads running the pipelines.
//
// Usage: node sharp_server.mjs OVERLAY.png WIN_X WIN_Y WIN_SIZE PORT [HOST]
import http from 'node:http';
import sharp from 'sharp';

const [overlayPath, wx, wy, ws, portArg, host = '127.0.0.1'] = process.argv.slice(2);
if (!portArg) {
  console.error('usage: node sharp_server.mjs OVERLAY WIN_X WIN_Y WIN_SIZE PORT [HOST]');
  process.exit(2);
}
const x = Number(wx), y = Number(wy), size = Number(ws), port = Number(portArg);
const MAX_BODY = 20 * 1024 * 1024;  // Khung's default upload limit

const overlay = await sharp(overlayPath).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
const W = overlay.info.width, H = overlay.info.height;
const overlayRaw = { input: overlay.data, raw: { width: W, height: H, channels: 4 } };

// Splits a multipart/form-data body into { name: { content, filename } }.
// Enough for the benchmark and for browsers' forms: parts are found by the
// boundary delimiter "\r\n--BOUNDARY"; headers are read for the name only.
function parseMultipart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '');
  if (!m) throw httpError(400, 'multipart body without a boundary');
  const delim = Buffer.from('--' + (m[1] || m[2]));
  const parts = {};
  let pos = body.indexOf(delim);
  if (pos < 0) throw httpError(400, 'multipart body: no boundary found');
  for (;;) {
    pos += delim.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;  // "--": the closing delimiter
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw httpError(400, 'multipart body: a part without headers');
    const head = body.toString('latin1', pos, headEnd);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), headEnd + 4);
    if (next < 0) throw httpError(400, 'multipart body: unterminated part');
    const name = /name="([^"]*)"/i.exec(head);
    const filename = /filename="([^"]*)"/i.exec(head);
    if (name && !(name[1] in parts))
      parts[name[1]] = { content: body.subarray(headEnd + 4, next), filename: filename && filename[1] };
    pos = next + 2;
  }
  return parts;
}

function httpError(status, message) {
  return Object.assign(new Error(message), { status });
}

async function frame(photo, format, quality) {
  let img = sharp(photo, { limitInputPixels: 50_000_000 })
    .rotate()  // upright by EXIF orientation, as Khung does
    .resize(size, size, { fit: 'cover', position: 'centre' })
    .extend({ left: x, top: y, right: W - x - size, bottom: H - y - size, background: { r: 255, g: 255, b: 255 } })
    .composite([overlayRaw]);
  if (format === 'png') return [await img.png().toBuffer(), 'image/png'];
  if (format === 'webp') return [await img.webp({ quality }).toBuffer(), 'image/webp'];
  return [await img.jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer(), 'image/jpeg'];
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let length = 0;
    req.on('data', (c) => {
      length += c.length;
      if (length > MAX_BODY) { reject(httpError(413, 'request body: over the size limit')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, length)));
    req.on('error', reject);
  });
}

function sendError(res, status, message) {
  const body = JSON.stringify({ error: { code: String(status), message } });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if (req.method !== 'POST' || req.url.split('?')[0] !== '/v1/render/frame-ring') throw httpError(404, 'no such resource');
    const type = req.headers['content-type'] || '';
    if (!type.toLowerCase().startsWith('multipart/form-data')) throw httpError(415, 'send multipart/form-data');
    const parts = parseMultipart(await readBody(req), type);
    if (!parts.photo) throw httpError(400, "part 'photo': missing");
    const format = parts.format ? parts.format.content.toString() : 'jpeg';
    const quality = parts.quality ? Number(parts.quality.content.toString()) : 90;
    let out, mime;
    try {
      [out, mime] = await frame(parts.photo.content, format, quality);
    } catch (e) {
      throw httpError(422, 'photo: ' + e.message);
    }
    res.writeHead(200, { 'Content-Type': mime, 'Content-Length': out.length });
    res.end(out);
  } catch (e) {
    if (!res.headersSent) sendError(res, e.status || 500, e.message);
    else res.destroy();
  }
});

server.listen(port, host, () => {
  console.log(`sharp server: serving on http://${host}:${server.address().port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
