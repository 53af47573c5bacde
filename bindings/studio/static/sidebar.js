// The left column: the layer list (topmost first) with the buttons that
// add, reorder, duplicate and delete layers, and the fields of the texts'
// placeholders with their label and sample value.
import { clone, newLayer, parsePath, placeholders } from './model.js';
import { layerKindName } from './panel.js';

const SHAPES = { rect: 'chữ nhật', circle: 'tròn', ring: 'vành khuyên', auto: 'tự động' };

function summary(layer) {
  const cut = (s) => (s.length > 38 ? s.slice(0, 37) + '…' : s);
  switch (layer.type) {
    case 'text':
    case 'arc_text':
      return cut(String(layer.text ?? '').replace(/\s+/g, ' ')) || '(trống)';
    case 'image':
      return cut(String(layer.src ?? ''));
    case 'qr':
      return cut(String(layer.data ?? '')) || '(trống)';
    case 'fill':
      return `${layer.gradient ? 'dải màu' : layer.color ?? ''}${layer.shape ? `, ${SHAPES[layer.shape.type] || layer.shape.type}` : ', cả khung'}`;
    case 'photo':
      return `ô ${SHAPES[layer.window?.shape] || layer.window?.shape || ''}`;
    default:
      return '';
  }
}

export function createSidebar(app) {
  const list = document.getElementById('layer-list');
  const fieldsBox = document.getElementById('fields');
  const tools = {
    up: document.getElementById('layer-up'), down: document.getElementById('layer-down'),
    duplicate: document.getElementById('layer-duplicate'), remove: document.getElementById('layer-delete'),
  };
  const adders = [...document.querySelectorAll('[data-add]')];
  let fieldNames = null;

  function addLayer(type) {
    const family = app.fonts.bundled.includes('Noto Sans') ? 'Noto Sans' : app.fonts.bundled[0] || 'Noto Sans';
    const image = app.images.find((s) => !s.startsWith('bundled:')) || app.images[0] || 'bundled:images/emblem.png';
    const layer = newLayer(type, app.doc.width, app.doc.height, { family, image });
    const at = app.doc.layers.length;
    app.change((doc) => { doc.layers.push(layer); }, { key: `add:${Date.now()}` });
    app.select(at);
  }

  function move(by) {
    const i = app.selected, j = i + by;
    if (i < 0 || j < 0 || j >= app.doc.layers.length) return;
    app.change((doc) => { [doc.layers[i], doc.layers[j]] = [doc.layers[j], doc.layers[i]]; }, { key: `order:${Date.now()}` });
    app.select(j);
  }

  function duplicate() {
    const i = app.selected;
    if (i < 0 || app.doc.layers[i].type === 'photo') return;
    app.change((doc) => { doc.layers.splice(i + 1, 0, clone(doc.layers[i])); }, { key: `dup:${Date.now()}` });
    app.select(i + 1);
  }

  function remove() {
    const i = app.selected;
    if (i < 0) return;
    app.change((doc) => { doc.layers.splice(i, 1); }, { key: `del:${Date.now()}` });
    app.select(Math.min(i, app.doc.layers.length - 1));
  }

  tools.up.addEventListener('click', () => move(1));
  tools.down.addEventListener('click', () => move(-1));
  tools.duplicate.addEventListener('click', duplicate);
  tools.remove.addEventListener('click', remove);
  for (const b of adders) b.addEventListener('click', () => addLayer(b.dataset.add));

  function renderLayers() {
    const layers = app.doc?.layers || [];
    const failing = new Set(app.canvasProblems().map((p) => p.layer));
    const invalid = parsePath(app.templateError?.path);
    if (invalid[0] === 'layers') failing.add(invalid[1]);
    const items = layers.map((layer, i) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.layer = i;
      b.setAttribute('aria-pressed', String(i === app.selected));
      if (failing.has(i)) b.classList.add('has-problem');
      const kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = `${i + 1}. ${layerKindName(layer.type)}`;
      const what = document.createElement('span');
      what.className = 'what';
      what.textContent = summary(layer);
      b.append(kind, what);
      if (failing.has(i)) b.setAttribute('aria-description', 'có lỗi');
      b.addEventListener('click', () => app.select(i));
      li.append(b);
      return li;
    }).reverse();
    list.replaceChildren(...items);
    const i = app.selected, none = !app.doc || i < 0;
    tools.up.disabled = none || i >= layers.length - 1;
    tools.down.disabled = none || i <= 0;
    tools.duplicate.disabled = none || layers[i]?.type === 'photo';
    tools.remove.disabled = none || layers.length <= 1;
    for (const b of adders) b.disabled = !app.doc || (b.dataset.add === 'photo' && layers.some((l) => l.type === 'photo'));
  }

  function fieldInput(name, key, label) {
    const id = `field-${name}-${key}`;
    const input = document.createElement('input');
    input.id = id;
    input.autocomplete = 'off';
    input.dataset.field = name;
    input.dataset.key = key;
    input.addEventListener('input', () => {
      app.change((doc) => {
        if (typeof doc.fields !== 'object' || doc.fields === null) doc.fields = {};
        const f = doc.fields[name] && typeof doc.fields[name] === 'object' ? doc.fields[name] : (doc.fields[name] = {});
        if (input.value === '') delete f[key];
        else f[key] = input.value;
      }, { key: `field:${name}:${key}` });
    });
    const l = document.createElement('label');
    l.htmlFor = id;
    l.textContent = label;
    const wrap = document.createElement('div');
    wrap.className = 'prop';
    wrap.dataset.path = `fields.${name}.${key}`;
    const err = document.createElement('p');
    err.className = 'prop-error';
    err.setAttribute('role', 'alert');
    wrap.append(l, input, err);
    return wrap;
  }

  function renderFields() {
    const names = app.doc ? placeholders(app.doc) : [];
    if (JSON.stringify(names) !== fieldNames) {
      fieldNames = JSON.stringify(names);
      fieldsBox.replaceChildren(...names.map((name) => {
        const box = document.createElement('fieldset');
        box.className = 'field';
        box.dataset.path = `fields.${name}`;
        const legend = document.createElement('legend');
        legend.textContent = `{{${name}}}`;
        const value = document.createElement('p');
        value.className = 'row-value';
        value.dataset.rowValue = name;
        box.append(legend, fieldInput(name, 'label', 'Nhãn'), fieldInput(name, 'sample', 'Giá trị mẫu'), value);
        return box;
      }));
    }
    const row = app.currentRow();
    for (const input of fieldsBox.querySelectorAll('input')) {
      if (document.activeElement === input) continue;
      input.value = app.doc.fields?.[input.dataset.field]?.[input.dataset.key] ?? '';
    }
    for (const p of fieldsBox.querySelectorAll('[data-row-value]')) {
      const v = row?.fields?.[p.dataset.rowValue];
      p.textContent = row ? `Dòng ${row.number}: ${v === undefined ? '(không có cột này)' : v === '' ? '(trống)' : v}` : '';
    }
    document.getElementById('fields-hint').hidden = names.length > 0;
  }

  return {
    render() { renderLayers(); renderFields(); },
  };
}
