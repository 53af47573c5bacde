// The photo placement of libframe/src/photo.cpp (place_photo), in the
// browser: the preview draws with it, and the page sends the same numbers to
// POST /v1/render, so what the member sees is what the server renders.
// Units: canvas pixels of the template; the photo in its own upright pixels.
// The result does not depend on the photo's resolution, only its proportions,
// so a preview may draw a reduced copy.

// cos and sin of a clockwise angle in degrees, exact at multiples of 90.
export function turn(degrees) {
  let r = degrees % 360;
  if (r < 0) r += 360;
  if (r === 0) return { cos: 1, sin: 0 };
  if (r === 90) return { cos: 0, sin: 1 };
  if (r === 180) return { cos: -1, sin: 0 };
  if (r === 270) return { cos: 0, sin: -1 };
  const rad = (r * Math.PI) / 180;
  return { cos: Math.cos(rad), sin: Math.sin(rad) };
}

const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

// Where the photo lands: canvas = centre + scale * R * (photo - anchor),
// R turning clockwise on screen. window = {x, y, width, height};
// photo = {width, height}; p = {zoom, offsetX, offsetY, rotate}
// (focus is always the centre here: face focus needs the server's detector).
export function placePhoto(photo, window, p) {
  const t = turn(p.rotate);
  const c = Math.abs(t.cos), s = Math.abs(t.sin);
  const needW = window.width * c + window.height * s;
  const needH = window.width * s + window.height * c;
  const pw = photo.width, ph = photo.height;
  const scale = Math.max(needW / pw, needH / ph) * p.zoom;
  const tx = p.offsetX * window.width, ty = p.offsetY * window.height;
  const ax = pw / 2 - (t.cos * tx + t.sin * ty) / scale;
  const ay = ph / 2 - (-t.sin * tx + t.cos * ty) / scale;
  const ex = needW / (2 * scale), ey = needH / (2 * scale);
  return {
    turn: t,
    scale,
    centreX: window.x + window.width / 2,
    centreY: window.y + window.height / 2,
    anchorX: clamp(ax, Math.min(ex, pw / 2), Math.max(pw - ex, pw / 2)),
    anchorY: clamp(ay, Math.min(ey, ph / 2), Math.max(ph - ey, ph / 2)),
  };
}

// The offsets that put `anchor` (a photo point) at the window centre: the
// inverse of the offset step in placePhoto, before clamping.
export function offsetsFor(photo, window, map, anchorX, anchorY) {
  const { cos, sin } = map.turn;
  const du = (photo.width / 2 - anchorX) * map.scale, dv = (photo.height / 2 - anchorY) * map.scale;
  return { offsetX: (cos * du - sin * dv) / window.width, offsetY: (sin * du + cos * dv) / window.height };
}

// The photo point under a canvas point.
export function photoPointAt(map, x, y) {
  const dx = (x - map.centreX) / map.scale, dy = (y - map.centreY) / map.scale;
  const { cos, sin } = map.turn;
  return { u: map.anchorX + cos * dx + sin * dy, v: map.anchorY - sin * dx + cos * dy };
}

// Offsets in [-1, 1] that the clamp leaves alone, rounded as they are sent,
// so a drag past the edge does not pile up movement the member cannot see.
export function settle(photo, window, p) {
  const q = { ...p, offsetX: clamp(p.offsetX, -1, 1), offsetY: clamp(p.offsetY, -1, 1) };
  const map = placePhoto(photo, window, q);
  const o = offsetsFor(photo, window, map, map.anchorX, map.anchorY);
  const round = (v) => Math.round(clamp(v, -1, 1) * 1e4) / 1e4;
  return { ...q, offsetX: round(o.offsetX), offsetY: round(o.offsetY) };
}

// Draws the photo as the server does, into a 2D context whose units are
// canvas pixels of the template. `image` may be a reduced copy of a photo
// of size `photo`.
export function drawPhoto(ctx, image, photo, window, p) {
  const m = placePhoto(photo, window, p);
  ctx.save();
  ctx.translate(m.centreX, m.centreY);
  ctx.transform(m.turn.cos, m.turn.sin, -m.turn.sin, m.turn.cos, 0, 0);
  ctx.scale(m.scale, m.scale);
  ctx.translate(-m.anchorX, -m.anchorY);
  ctx.drawImage(image, 0, 0, photo.width, photo.height);
  ctx.restore();
}
