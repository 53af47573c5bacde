// The property panel: the selected layer's keys as labelled controls (the
// template's title and size when no layer is selected). Every control sits
// in a wrapper whose data-path is the JSON path it edits
// ("layers[1].font.family"), where the server's 422 errors are shown.
// Edits go through app.change(); the panel is rebuilt when the layer or its
// shape of keys changes, and otherwise only its values are refreshed, so
// typing never loses focus.
import { geometry, pickerColor, withPicked } from './model.js';

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

const getAt = (obj, path) => path.reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);

function setAt(obj, path, value) {
  let o = obj;
  for (let i = 0; i < path.length - 1; ++i) {
    if (typeof o[path[i]] !== 'object' || o[path[i]] === null) o[path[i]] = typeof path[i + 1] === 'number' ? [] : {};
    o = o[path[i]];
  }
  const last = path[path.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

const LABELS = { text: 'Chữ', arc_text: 'Chữ uốn cong', image: 'Hình ảnh', fill: 'Mảng màu', photo: 'Ô ảnh thành viên',
  qr: 'Mã QR' };
export const layerKindName = (type) => LABELS[type] || type;

const WEIGHTS = [[100, 'Thin (rất mảnh)'], [200, 'Extra Light'], [300, 'Light (mảnh)'], [400, 'Regular (thường)'],
  [500, 'Medium (vừa)'], [600, 'Semibold (hơi đậm)'], [700, 'Bold (đậm)'], [800, 'Extra Bold (rất đậm)'], [900, 'Black (đậm nhất)']]
  .map(([w, name]) => [w, `${w} – ${name}`]);

export function createPanel(app) {
  const form = document.getElementById('props');
  form.addEventListener('submit', (e) => e.preventDefault());
  let builtFor = null;
  let updaters = [];

  const index = () => app.selected;
  const target = (doc) => (index() >= 0 ? doc.layers[index()] : doc);
  const current = () => (app.doc ? target(app.doc) : undefined);
  const prefix = () => (index() >= 0 ? `layers[${index()}]` : '');
  const jsonPath = (path) => {
    const tail = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
    return prefix() ? prefix() + tail : tail.replace(/^\./, '');
  };
  const idOf = (path) => 'p-' + path.join('-').replace(/_/g, '-');
  const write = (path, value) => app.change((doc) => setAt(target(doc), path, value), { key: `prop:${jsonPath(path)}` });
  const writeWith = (fn, key) => app.change((doc) => fn(target(doc), doc), { key });

  // A labelled wrapper for the control(s) editing `path`, with its error slot.
  function prop(label, path, controls, { id = idOf(path), wide = false } = {}) {
    return h('div', { class: `prop${wide ? ' wide' : ''}`, 'data-path': jsonPath(path) },
      h('label', { for: id }, label), ...controls, h('p', { class: 'prop-error', role: 'alert' }));
  }

  const live = (input, update) => updaters.push(() => { if (document.activeElement !== input) update(); });

  function text(label, path, { multiline = false, optional = false, placeholder } = {}) {
    const input = h(multiline ? 'textarea' : 'input', { id: idOf(path), rows: multiline ? 3 : undefined, placeholder,
                                                         spellcheck: 'false', autocomplete: 'off' });
    live(input, () => { input.value = getAt(current(), path) ?? ''; });
    input.addEventListener('input', () => write(path, optional && input.value === '' ? undefined : input.value));
    return prop(label, path, [input], { wide: true });
  }

  function number(label, path, { min, max, step = 1, optional = false, placeholder, id } = {}) {
    const input = h('input', { type: 'number', id: id || idOf(path), min, max, step, placeholder });
    live(input, () => { const v = getAt(current(), path); input.value = typeof v === 'number' ? v : ''; });
    input.addEventListener('input', () => {
      if (input.value.trim() === '') { if (optional) write(path, undefined); return; }
      const v = Number(input.value);
      if (Number.isFinite(v)) write(path, v);
    });
    return { input, wrapper: prop(label, path, [input], { id: id || idOf(path) }) };
  }
  const num = (...args) => number(...args).wrapper;

  // Several numbers of one array key (a box, a point) under one label.
  function numbers(label, path, names) {
    const inputs = names.map((name, i) => {
      const input = h('input', { type: 'number', id: idOf([...path, i]), step: 1, 'aria-label': `${label}: ${name}` });
      live(input, () => { const v = getAt(current(), [...path, i]); input.value = typeof v === 'number' ? v : ''; });
      input.addEventListener('input', () => {
        const v = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(v)) return;
        writeWith((layer) => {
          let arr = getAt(layer, path);
          if (!Array.isArray(arr)) arr = defaultArray(layer, path);
          arr = arr.slice();
          arr[i] = v;
          setAt(layer, path, arr);
        }, `prop:${jsonPath(path)}`);
      });
      return h('span', { class: 'n' }, h('span', { class: 'n-name', 'aria-hidden': 'true' }, name), input);
    });
    return h('div', { class: 'prop wide', 'data-path': jsonPath(path), role: 'group', 'aria-label': label },
      h('label', { for: idOf([...path, 0]) }, label), h('div', { class: 'numbers' }, inputs), h('p', { class: 'prop-error', role: 'alert' }));
  }

  // An image without a box covers the canvas: its box starts as the canvas.
  function defaultArray(layer, path) {
    const g = geometry(layer, app.doc.width, app.doc.height);
    return g ? g.box.slice() : path[path.length - 1] === 'box' ? [0, 0, app.doc.width, app.doc.height] : [0, 0];
  }

  // A choice. With `def`, an empty first option stands for the key left out
  // ("Giữa (mặc định)"), and the explicit option of that value is listed
  // only when the document names it; `none` names an empty option instead.
  function select(label, path, options, { def, none, keepDefault = false, wide = false, onPick = null } = {}) {
    const sel = h('select', { id: idOf(path) });
    const flat = options.flatMap((o) => (o.group ? o.items : [o]));
    const nameOf = (v) => flat.find(([x]) => String(x) === String(v))?.[1] ?? String(v);
    const fill = () => {
      const value = getAt(current(), path);
      const shown = ([v]) => keepDefault || def === undefined || String(v) !== String(def) || String(value) === String(def);
      const opts = [];
      if (def !== undefined) opts.push(h('option', { value: '' }, `${nameOf(def)} (mặc định)`));
      else if (none) opts.push(h('option', { value: '' }, none));
      for (const o of options) {
        if (o.group) opts.push(h('optgroup', { label: o.group }, o.items.filter(shown).map(([v, t]) => h('option', { value: String(v) }, t))));
        else if (shown(o)) opts.push(h('option', { value: String(o[0]) }, o[1]));
      }
      if (value !== undefined && !flat.some(([v]) => String(v) === String(value)))
        opts.push(h('option', { value: String(value) }, `${value} (không có trong danh sách)`));
      sel.replaceChildren(...opts);
      sel.value = value === undefined ? '' : String(value);
    };
    live(sel, fill);
    sel.addEventListener('change', () => {
      const raw = sel.value;
      if (onPick) return onPick(raw);
      const isNum = flat.some(([v]) => typeof v === 'number');
      write(path, raw === '' ? undefined : isNum ? Number(raw) : raw);
    });
    return prop(label, path, [sel], { wide });
  }

  // A colour: the picker (#RRGGBB) and a text box for #RRGGBBAA.
  function color(label, path, { optional = false } = {}) {
    const id = idOf(path);
    const textBox = h('input', { id, class: 'color-text', spellcheck: 'false', autocomplete: 'off', placeholder: '#RRGGBBAA',
                                 'aria-describedby': `${id}-hint` });
    const picker = h('input', { type: 'color', id: `${id}-picker`, 'aria-label': `${label}: bảng màu` });
    live(textBox, () => { textBox.value = getAt(current(), path) ?? ''; });
    live(picker, () => { picker.value = pickerColor(getAt(current(), path)) || '#000000'; });
    textBox.addEventListener('input', () => {
      write(path, optional && textBox.value === '' ? undefined : textBox.value.trim());
      const c = pickerColor(textBox.value.trim());
      if (c) picker.value = c;
    });
    picker.addEventListener('input', () => {
      const v = withPicked(getAt(current(), path), picker.value);
      textBox.value = v;
      write(path, v);
    });
    return prop(label, path, [h('div', { class: 'color' }, picker, textBox),
      h('span', { id: `${id}-hint`, class: 'visually-hidden' }, 'Mã màu dạng #RRGGBB hoặc #RRGGBBAA (AA là độ đục)')], { id, wide: true });
  }

  // A checkbox that adds or removes a group of keys (stroke, shadow...).
  function toggle(label, id, isOn, set) {
    const box = h('input', { type: 'checkbox', id });
    box.checked = isOn();
    box.addEventListener('change', () => writeWith((layer, doc) => set(layer, box.checked, doc), `toggle:${id}:${Date.now()}`));
    return h('div', { class: 'prop wide check' }, box, h('label', { for: id }, label));
  }

  const section = (title, ...children) => h('fieldset', { class: 'section' }, h('legend', {}, title), ...children);

  function fontSection(layer) {
    const fonts = app.fonts;
    const families = [];
    if (fonts.folder.length) families.push({ group: 'Phông của thư mục', items: fonts.folder.map((f) => [f, f]) });
    families.push({ group: 'Phông có sẵn', items: fonts.bundled.map((f) => [f, f]) });
    const range = Array.isArray(layer.font?.size);
    return section('Phông chữ',
      select('Phông chữ', ['font', 'family'], families, { def: 'Noto Sans', keepDefault: true, wide: true }),
      select('Độ đậm', ['font', 'weight'], WEIGHTS, { def: 400 }),
      select('Kiểu chữ', ['font', 'style'], [['normal', 'Thường'], ['italic', 'Nghiêng']], { def: 'normal' }),
      toggle('Tự co cỡ chữ cho vừa khung (từ nhỏ nhất đến lớn nhất)', 'p-font-size-auto', () => range, (l, on) => {
        const s = l.font.size;
        if (on) l.font.size = [Math.max(1, Math.round((typeof s === 'number' ? s : 48) / 2)), typeof s === 'number' ? s : 48];
        else l.font.size = Array.isArray(s) ? s[1] : 48;
      }),
      range ? num('Cỡ nhỏ nhất (px)', ['font', 'size', 0], { min: 1, step: 1 }) : null,
      range ? num('Cỡ lớn nhất (px)', ['font', 'size', 1], { min: 1, step: 1 }) : null,
      range ? null : num('Cỡ chữ (px)', ['font', 'size'], { min: 1, step: 1 }),
      color('Màu chữ', ['color'], { optional: true }));
  }

  function textLook(layer, arc) {
    return [
      section('Hiệu ứng chữ',
        arc ? null : num('Giãn dòng (× cỡ chữ)', ['line_height'], { min: 0.1, max: 10, step: 0.05, optional: true, placeholder: 'mặc định' }),
        num('Giãn chữ (px)', ['letter_spacing'], { step: 0.5, optional: true, placeholder: '0' }),
        arc ? null : num('Số dòng tối đa', ['max_lines'], { min: 0, step: 1, optional: true, placeholder: 'không giới hạn' }),
        select('Khi chữ không vừa', ['overflow'], [['shrink', 'Thu nhỏ chữ cho vừa'], ['ellipsis', 'Cắt bớt, thêm dấu …'], ['error', 'Báo lỗi']],
               { def: 'shrink', wide: true }),
        arc ? null : select('Cách ngắt dòng', ['wrap'], [['greedy', 'Thông thường'], ['balance', 'Cân đối các dòng']], { def: 'greedy' }),
        select('Chữ hoa, thường', ['transform'], [['none', 'Giữ nguyên'], ['upper', 'VIẾT HOA'], ['lower', 'viết thường']],
               { def: 'none' })),
      section('Viền và bóng',
        toggle('Viền chữ', 'p-stroke-on', () => !!layer.stroke, (l, on) => { if (on) l.stroke = { width: 4, color: '#FFFFFF' }; else delete l.stroke; }),
        layer.stroke ? num('Độ dày viền (px)', ['stroke', 'width'], { min: 0, max: 256, step: 0.5 }) : null,
        layer.stroke ? color('Màu viền', ['stroke', 'color']) : null,
        toggle('Đổ bóng', 'p-shadow-on', () => !!layer.shadow, (l, on) => {
          if (on) l.shadow = { dx: 0, dy: 4, blur: 8, color: '#00000080' }; else delete l.shadow;
        }),
        layer.shadow ? num('Lệch ngang (px)', ['shadow', 'dx'], { step: 1 }) : null,
        layer.shadow ? num('Lệch dọc (px)', ['shadow', 'dy'], { step: 1 }) : null,
        layer.shadow ? num('Độ nhoè (px)', ['shadow', 'blur'], { min: 0, max: 256, step: 1 }) : null,
        layer.shadow ? color('Màu bóng', ['shadow', 'color']) : null),
    ];
  }

  const ALIGN = [['left', 'Trái'], ['center', 'Giữa'], ['right', 'Phải']];
  const VALIGN = [['top', 'Trên'], ['middle', 'Giữa'], ['bottom', 'Dưới']];

  function textLayer(layer) {
    return [
      text('Nội dung (trường: {{ten_truong}})', ['text'], { multiline: true }),
      numbers('Khung chữ (px)', ['box'], ['X', 'Y', 'Rộng', 'Cao']),
      fontSection(layer),
      section('Căn chỉnh',
        select('Căn lề', ['align'], ALIGN, { def: 'left' }),
        select('Căn dọc', ['valign'], VALIGN, { def: 'top' })),
      ...textLook(layer, false),
    ];
  }

  function arcLayer(layer) {
    return [
      text('Nội dung (trường: {{ten_truong}})', ['text'], { multiline: true }),
      numbers('Tâm vòng tròn (px)', ['center'], ['X', 'Y']),
      num('Bán kính chân chữ (px)', ['radius'], { min: 1, step: 1 }),
      num('Góc bắt đầu (độ, từ 12 giờ)', ['start_angle'], { step: 1, optional: true, placeholder: '0' }),
      select('Chiều chữ chạy', ['direction'], [['clockwise', 'Thuận chiều kim đồng hồ (chữ ở vòng trên)'],
        ['counterclockwise', 'Ngược chiều kim đồng hồ (chữ ở vòng dưới)']], { def: 'clockwise', wide: true }),
      select('Căn theo góc bắt đầu', ['align'], [['start', 'Đầu chữ ở góc bắt đầu'], ['center', 'Giữa chữ ở góc bắt đầu'],
        ['end', 'Cuối chữ ở góc bắt đầu']], { def: 'center', wide: true }),
      num('Góc trải tối đa (độ)', ['max_angle'], { min: 1, max: 360, step: 1, optional: true, placeholder: '340' }),
      fontSection(layer),
      ...textLook(layer, true),
    ];
  }

  // The image files of the folder and the bundled artwork, plus free text.
  function imageSource() {
    const path = ['src'];
    const sel = h('select', { id: 'p-src-pick', 'aria-label': 'Chọn ảnh trong thư mục' });
    const input = h('input', { id: 'p-src', spellcheck: 'false', autocomplete: 'off', placeholder: 'images/anh.png' });
    live(sel, () => {
      const v = current()?.src ?? '';
      const items = app.images.includes(v) || !v ? app.images : [v, ...app.images];
      sel.replaceChildren(h('option', { value: '' }, '— Chọn ảnh —'),
        ...items.map((src) => h('option', { value: src }, src.startsWith('bundled:') ? `${src.slice(8)} (có sẵn)` : src)));
      sel.value = v;
    });
    live(input, () => { input.value = current()?.src ?? ''; });
    sel.addEventListener('change', () => { if (sel.value) { input.value = sel.value; write(path, sel.value); } });
    input.addEventListener('input', () => write(path, input.value));
    return prop('Tệp ảnh (trong thư mục, hoặc gõ đường dẫn)', path, [sel, input], { id: 'p-src', wide: true });
  }

  function imageLayer() {
    return [
      imageSource(),
      numbers('Khung ảnh (px)', ['box'], ['X', 'Y', 'Rộng', 'Cao']),
      select('Cách đặt ảnh vào khung', ['fit'], [['contain', 'Vừa khung, giữ trọn ảnh'], ['cover', 'Phủ kín khung (cắt bớt ảnh)'],
        ['stretch', 'Kéo giãn cho đầy khung']], { def: 'contain', wide: true }),
      num('Độ đục (0 – 1)', ['opacity'], { min: 0, max: 1, step: 0.05, optional: true, placeholder: '1' }),
    ];
  }

  function qrLayer() {
    return [
      text('Nội dung mã (địa chỉ trang, chữ; {{tên}} là một trường)', ['data']),
      numbers('Khung mã (px)', ['box'], ['X', 'Y', 'Rộng', 'Cao']),
      select('Mức sửa lỗi', ['level'], [['L', 'L – thấp (7%)'], ['M', 'M – vừa (15%)'],
        ['Q', 'Q – khá (25%), nên dùng khi in'], ['H', 'H – cao (30%)']], { def: 'M', wide: true }),
      color('Màu ô tối', ['color'], { optional: true }),
      color('Màu nền', ['background'], { optional: true }),
      num('Lề trống quanh mã (số ô)', ['quiet_zone'], { min: 0, max: 10, step: 1, optional: true, placeholder: '4' }),
      num('Độ đục (0 – 1)', ['opacity'], { min: 0, max: 1, step: 0.05, optional: true, placeholder: '1' }),
    ];
  }

  function photoLayer(layer) {
    const shape = layer.window?.shape;
    const centred = () => {
      const side = Math.round(Math.min(app.doc.width, app.doc.height) * 0.6);
      return [Math.round((app.doc.width - side) / 2), Math.round((app.doc.height - side) / 2), side, side];
    };
    return [
      select('Hình dạng ô ảnh', ['window', 'shape'], [['circle', 'Tròn'], ['rect', 'Chữ nhật (bo góc được)'],
        ['auto', 'Tự động: theo lỗ trống của lớp hình ảnh phía trên']], { wide: true,
        onPick: (v) => writeWith((l) => {
          const box = l.window.box || centred();
          l.window = v === 'auto' ? { shape: 'auto' } : v === 'circle' ? { shape: 'circle', box } : { shape: 'rect', box, radius: l.window.radius || 0 };
        }, `shape:${Date.now()}`),
      }),
      shape !== 'auto' ? numbers('Khung ô ảnh (px)', ['window', 'box'], ['X', 'Y', 'Rộng', 'Cao']) : null,
      shape === 'rect' ? num('Bo góc (px)', ['window', 'radius'], { min: 0, step: 1, optional: true, placeholder: '0' }) : null,
    ];
  }

  function fillLayer(layer) {
    const s = layer.shape;
    const gradient = !!layer.gradient;
    const pickShape = (v) => writeWith((l) => {
      const g = geometry(l, app.doc.width, app.doc.height);
      const [x, y, w, hh] = g ? g.box : [0, 0, app.doc.width, app.doc.height];
      const c = [Math.round(x + w / 2), Math.round(y + hh / 2)], r = Math.max(1, Math.round(Math.min(w, hh) / 2));
      if (v === '') delete l.shape;
      else if (v === 'rect') l.shape = { type: 'rect', box: [x, y, w, hh].map(Math.round) };
      else if (v === 'circle') l.shape = { type: 'circle', center: c, radius: r };
      else l.shape = { type: 'ring', center: c, inner: Math.round(r * 0.7), outer: r };
    }, `shape:${Date.now()}`);
    return [
      select('Hình dạng', ['shape', 'type'], [['rect', 'Hình chữ nhật'], ['circle', 'Hình tròn'], ['ring', 'Vành khuyên']],
             { none: 'Cả khung hình', onPick: pickShape, wide: true }),
      s?.type === 'rect' ? numbers('Khung (px)', ['shape', 'box'], ['X', 'Y', 'Rộng', 'Cao']) : null,
      s?.type === 'rect' ? num('Bo góc (px)', ['shape', 'radius'], { min: 0, step: 1, optional: true, placeholder: '0' }) : null,
      s?.type === 'circle' || s?.type === 'ring' ? numbers('Tâm (px)', ['shape', 'center'], ['X', 'Y']) : null,
      s?.type === 'circle' ? num('Bán kính (px)', ['shape', 'radius'], { min: 1, step: 1 }) : null,
      s?.type === 'ring' ? num('Bán kính trong (px)', ['shape', 'inner'], { min: 0, step: 1 }) : null,
      s?.type === 'ring' ? num('Bán kính ngoài (px)', ['shape', 'outer'], { min: 1, step: 1 }) : null,
      toggle('Tô dải màu chuyển (gradient)', 'p-gradient-on', () => gradient, (l, on) => {
        if (on) {
          l.gradient = { type: 'linear', from: [0, 0], to: [app.doc.width, 0],
                         stops: [{ offset: 0, color: l.color || '#D7192F' }, { offset: 1, color: '#8E0B1F' }] };
          delete l.color;
        } else {
          l.color = l.gradient?.stops?.[0]?.color || '#FFD23F';
          delete l.gradient;
        }
      }),
      gradient ? null : color('Màu tô', ['color']),
      ...(gradient ? (layer.gradient.stops || []).map((stop, i) => color(`Màu dải ${i + 1} (vị trí ${stop.offset})`, ['gradient', 'stops', i, 'color'])) : []),
      num('Độ đục (0 – 1)', ['opacity'], { min: 0, max: 1, step: 0.05, optional: true, placeholder: '1' }),
    ];
  }

  function templateProps() {
    return [
      h('p', { class: 'hint' }, 'Chưa chọn lớp nào: đây là thông tin của cả mẫu. Nhấn vào một lớp trên khung vẽ hoặc trong danh sách để sửa lớp đó.'),
      text('Tên mẫu', ['title'], { optional: true }),
      num('Chiều rộng khung hình (px)', ['width'], { min: 1, step: 1 }),
      num('Chiều cao khung hình (px)', ['height'], { min: 1, step: 1 }),
    ];
  }

  // What decides the panel's controls (not their values).
  function signature() {
    if (!app.doc) return 'none';
    const l = current();
    if (index() < 0 || !l) return 'template';
    return JSON.stringify([index(), l.type, Array.isArray(l.font?.size), !!l.stroke, !!l.shadow, l.shape?.type,
      !!l.gradient, l.gradient?.stops?.length, l.window?.shape, app.fonts, app.images.length]);
  }

  function build() {
    updaters = [];
    const l = current();
    const children = [];
    if (!app.doc) children.push(h('p', { class: 'hint' }, 'Hãy mở một mẫu, hoặc tạo mẫu mới.'));
    else if (index() < 0 || !l) children.push(...templateProps());
    else {
      children.push(h('div', { class: 'prop wide layer-head', 'data-path': prefix() },
        h('p', { class: 'layer-kind' }, `Lớp ${index() + 1}: ${layerKindName(l.type)}`), h('p', { class: 'prop-error', role: 'alert' })));
      const body = { text: textLayer, arc_text: arcLayer, image: imageLayer, photo: photoLayer, fill: fillLayer, qr: qrLayer }[l.type];
      children.push(...(body ? body(l) : [h('p', { class: 'hint' }, `Lớp loại “${l.type}” chưa sửa được ở đây.`)]));
    }
    form.replaceChildren(...children.filter(Boolean));
    for (const u of updaters) u();
  }

  return {
    // Rebuilds when the controls differ, else refreshes the values.
    render() {
      const sig = signature();
      if (sig !== builtFor) {
        builtFor = sig;
        build();
      } else {
        for (const u of updaters) u();
      }
    },
    rebuild() { builtFor = null; this.render(); },
  };
}
