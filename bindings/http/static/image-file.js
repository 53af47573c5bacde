// What a chosen file is, read from its first bytes before anything decodes
// it: the format by its signature (never by its name), the upright size
// (a JPEG's EXIF orientation 5 to 8 swaps the sides, as the browser's
// imageOrientation: 'from-image' does), and whether a JPEG is cut short.
// The page uses it to refuse a photo over the pixel limit before decoding
// it, and to ask the browser for a decode already shrunk to what the window
// needs.

const HEAD = 512 * 1024;  // enough for the EXIF, ICC and SOF of a phone JPEG

// {format: 'jpeg'|'png'|'gif'|'webp'|'bmp'|'heic'|'avif'|null,
//  width, height (0 when unknown), truncated: boolean}
export async function readImageFile(file) {
  const head = new Uint8Array(await file.slice(0, HEAD).arrayBuffer());
  const info = { format: sniff(head), width: 0, height: 0, truncated: false };
  if (info.format === 'jpeg') {
    let jpeg = readJpeg(head);
    if (!jpeg.width && file.size > HEAD) jpeg = readJpeg(new Uint8Array(await file.arrayBuffer()));
    Object.assign(info, jpeg);
    if (jpeg.scanAt) info.truncated = !(await endsJpeg(file, jpeg.scanAt));
  } else if (info.format) {
    Object.assign(info, sizeOf(info.format, head));
  }
  return info;
}

const ascii = (b, at, n) => String.fromCharCode(...b.subarray(at, at + n));

function sniff(b) {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png';
  if (ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (ascii(b, 0, 2) === 'BM') return 'bmp';
  if (ascii(b, 4, 4) === 'ftyp') {
    const brands = ascii(b, 8, 24);
    if (/avi[fs]/.test(brands)) return 'avif';
    if (/hei[cxms]|hev[cxms]|mif1|msf1/.test(brands)) return 'heic';
  }
  return null;
}

const u16be = (b, i) => (b[i] << 8) | b[i + 1];
const u32be = (b, i) => ((b[i] << 24) >>> 0) + (b[i + 1] << 16) + (b[i + 2] << 8) + b[i + 3];
const u16le = (b, i) => b[i] | (b[i + 1] << 8);
const u24le = (b, i) => b[i] | (b[i + 1] << 8) | (b[i + 2] << 16);

function sizeOf(format, b) {
  switch (format) {
    case 'png': return { width: u32be(b, 16), height: u32be(b, 20) };
    case 'gif': return { width: u16le(b, 6), height: u16le(b, 8) };
    case 'bmp': return { width: Math.abs(u16le(b, 18) | (u16le(b, 20) << 16)), height: Math.abs(u16le(b, 22) | (u16le(b, 24) << 16)) };
    case 'webp': {
      const chunk = ascii(b, 12, 4);
      if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
      if (chunk === 'VP8L') {
        const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
        return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8 ') return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
      return {};
    }
    default: return {};  // HEIC, AVIF: the browser says, if it can decode them
  }
}

// Walks the markers up to the first scan: the frame size (SOF), the EXIF
// orientation (APP1) and where the entropy-coded data starts.
function readJpeg(b) {
  let width = 0, height = 0, orientation = 1;
  for (let i = 2; i + 4 <= b.length;) {
    if (b[i] !== 0xff) break;
    const marker = b[i + 1];
    if (marker === 0xff) { i += 1; continue; }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) { i += 2; continue; }
    const length = u16be(b, i + 2);
    if (marker === 0xe1 && ascii(b, i + 4, 6) === 'Exif\0\0') orientation = exifOrientation(b, i + 10, i + 2 + length);
    const sof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (sof && i + 9 <= b.length) {
      height = u16be(b, i + 5);
      width = u16be(b, i + 7);
    }
    if (marker === 0xda) {
      const turned = orientation >= 5 && orientation <= 8;
      return { width: turned ? height : width, height: turned ? width : height, scanAt: i + 2 + length };
    }
    i += 2 + length;
  }
  return { width: 0, height: 0, scanAt: 0 };
}

function exifOrientation(b, tiff, end) {
  const little = ascii(b, tiff, 2) === 'II';
  const u16 = (i) => (little ? u16le(b, i) : u16be(b, i));
  const u32 = (i) => (little ? (u16le(b, i) + u16le(b, i + 2) * 65536) : u32be(b, i));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let k = 0; k < count; ++k) {
    const e = ifd + 2 + 12 * k;
    if (e + 12 > end) break;
    if (u16(e) === 0x0112) return u16(e + 8);
  }
  return 1;
}

// Whether the end-of-image marker follows the first scan. Inside coded data
// a 0xFF byte is always followed by 0x00 or a restart marker, so an FF D9
// after the scan's start is the image's end (a camera may append data after
// it: a motion photo's video); searched from the end, where it usually is.
async function endsJpeg(file, scanAt) {
  const b = new Uint8Array(await file.arrayBuffer());
  for (let i = b.length - 2; i >= scanAt; --i) if (b[i] === 0xff && b[i + 1] === 0xd9) return true;
  return false;
}
