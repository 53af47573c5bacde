// Job F with sharp: the photo turned upright by its EXIF orientation
// (rotate() without an angle), cover-resized to the frame's photo window,
// placed on a white canvas the overlay's size, the ring overlay composited
// over it, written as JPEG quality 90, 4:2:0. One process per run, as
// `khung render`. sharp (libvips) shrinks on load by itself.
//
// Usage: node frame_sharp.mjs PHOTO.jpg OVERLAY.png WIN_X WIN_Y WIN_SIZE OUT.jpg
import sharp from 'sharp';

const [photo, overlay, wx, wy, ws, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node frame_sharp.mjs PHOTO OVERLAY WIN_X WIN_Y WIN_SIZE OUT');
  process.exit(2);
}
const x = Number(wx), y = Number(wy), size = Number(ws);
const meta = await sharp(overlay).metadata();

await sharp(photo)
  .rotate()
  .resize(size, size, { fit: 'cover', position: 'centre' })
  .extend({
    left: x, top: y, right: meta.width - x - size, bottom: meta.height - y - size,
    background: { r: 255, g: 255, b: 255 },
  })
  .composite([{ input: overlay }])
  .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
  .toFile(out);
