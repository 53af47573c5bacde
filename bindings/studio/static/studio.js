// Khung studio: the designers' editor of one folder's templates. The page
// holds the template being edited as its JSON document (app.doc); every
// edit goes through app.change(), which keeps the undo stack (one step per
// burst of typing, per drag, per key run) and asks the server for a new
// render. The canvas shows only the server's render: Khung's own pixels.
import { cleanDoc, parsePath, placeholders } from './model.js';
import { createStage } from './stage.js';
import { createPanel } from './panel.js';
import { createSidebar } from './sidebar.js';
import { createData } from './data.js';

const RENDER_DELAY = 60;   // ms of quiet before a render is asked for
const MERGE_MS = 1000;     // edits of one control this close are one undo step
const UNDO_LIMIT = 300;

const $ = (id) => document.getElementById(id);

const app = {
  doc: null, id: null, selected: -1,
  fonts: { bundled: [], folder: [] }, images: [],
  undoStack: [], redoStack: [], lastKey: null, lastTime: 0,
  saved: null,
  data: null, row: -1, check: null,
  renderProblems: [], templateError: null,
};
window.khungStudio = app;  // for the browser test and the console

const stageBox = $('stage');
const stage = createStage(app);
const panel = createPanel(app);
const sidebar = createSidebar(app);
const data = createData(app);

// ---- state changes -------------------------------------------------------

app.change = (fn, { key = null, gesture = false } = {}) => {
  if (!app.doc) return;
  const before = JSON.stringify(app.doc);
  fn(app.doc);
  if (JSON.stringify(app.doc) === before) return;
  const now = Date.now();
  const merge = key !== null && key === app.lastKey && (gesture || now - app.lastTime < MERGE_MS);
  if (!merge) {
    app.undoStack.push(before);
    if (app.undoStack.length > UNDO_LIMIT) app.undoStack.shift();
  }
  app.redoStack = [];
  app.lastKey = key;
  app.lastTime = now;
  edited();
};

app.select = (i) => {
  const n = app.doc?.layers?.length ?? 0;
  app.selected = i >= 0 && i < n ? i : -1;
  app.lastKey = null;
  refresh();
};

app.currentRow = () => (app.data && app.row >= 0 ? app.data.rows[app.row] : null);

// The problems to outline on the canvas: the render's, and the data
// check's for the row shown (notes are listed, not outlined).
app.canvasProblems = () => {
  const row = app.currentRow();
  const fromCheck = row && app.check ? app.check.rows.find((r) => r.row === row.number)?.problems || [] : [];
  const all = [...app.renderProblems, ...fromCheck, ...(app.check?.template_checks || [])];
  return all.filter((p) => p.severity !== 'note' && Number.isInteger(p.layer));
};

app.rowChanged = () => {
  refresh();
  scheduleRender(0);
};

app.checked = () => refresh();

function edited() {
  if (saveNote && saveNote.kind !== 'busy') saveNote = null;
  refresh();
  scheduleRender();
  data.schedule();
}

// Redraws everything from app.doc (controls being typed in keep their text).
function refresh() {
  sidebar.render();
  panel.render();
  data.render();
  stage.draw();
  showInlineError();
  renderProblemList();
  $('undo').disabled = !app.undoStack.length;
  $('redo').disabled = !app.redoStack.length;
  $('save').disabled = !app.doc;
  showSaveState();
}

function isDirty() {
  return app.doc && app.saved !== JSON.stringify(cleanDoc(app.doc));
}

let saveNote = null;  // {text, kind} of the last save, while the document is as saved
function showSaveState() {
  const out = $('save-status');
  if (!app.doc) { out.textContent = ''; return; }
  if (saveNote && !(saveNote.kind === 'ok' && isDirty())) {
    out.textContent = saveNote.text;
    out.dataset.state = saveNote.kind;
  } else {
    out.textContent = isDirty() ? 'Có thay đổi chưa lưu' : 'Chưa có thay đổi';
    out.dataset.state = isDirty() ? 'dirty' : 'clean';
  }
  document.title = `${isDirty() ? '• ' : ''}${app.id || ''} – Khung studio`;
}

function undo() {
  if (!app.undoStack.length) return;
  app.redoStack.push(JSON.stringify(app.doc));
  app.doc = JSON.parse(app.undoStack.pop());
  afterHistory();
}

function redo() {
  if (!app.redoStack.length) return;
  app.undoStack.push(JSON.stringify(app.doc));
  app.doc = JSON.parse(app.redoStack.pop());
  afterHistory();
}

function afterHistory() {
  app.lastKey = null;
  if (app.selected >= app.doc.layers.length) app.selected = app.doc.layers.length - 1;
  panel.rebuild();
  stage.fit();
  edited();
}

// ---- errors next to their control ----------------------------------------

function generalError(text) {
  $('general-error').textContent = text || '';
}

// Shows a template error by the control of its JSON path (the nearest
// enclosing path that has one), else on the general error line.
function showInlineError() {
  for (const e of document.querySelectorAll('.has-error')) {
    e.classList.remove('has-error');
    const slot = e.querySelector(':scope > .prop-error');
    if (slot) slot.textContent = '';
  }
  const err = app.templateError;
  if (!err) return;
  // By the control, the file's name ("template '/…/x.json': ") says nothing new.
  const message = err.message.replace(/^template '[^']*': /, '');
  const text = err.path && !message.includes(err.path) ? `${err.path}: ${message}` : message;
  const parts = parsePath(err.path);
  let placed = false;
  for (let n = parts.length; n > 0 && !placed; --n) {
    const path = parts.slice(0, n).map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
    const box = document.querySelector(`[data-path="${CSS.escape(path)}"]`);
    const slot = box?.querySelector(':scope > .prop-error');
    if (slot) {
      box.classList.add('has-error');
      slot.textContent = text;
      placed = true;
    }
  }
  if (!placed && err.general) generalError(text);
}

// A template error from the server (422): shown by its control; on save,
// the layer it names is selected first.
// A render's error is on the render's error line already; a save's goes
// to the general line when no control shows it.
function templateError(message, path, { select = false } = {}) {
  app.templateError = { message, path: path || '', general: select };
  const parts = parsePath(path);
  if (select && parts[0] === 'layers' && Number.isInteger(parts[1]) && parts[1] < app.doc.layers.length && parts[1] !== app.selected) {
    app.select(parts[1]);
  } else if (select && parts[0] !== 'layers' && app.selected >= 0 && parts[0] !== 'fields') {
    app.select(-1);
  } else {
    showInlineError();
  }
}

function clearTemplateError() {
  if (!app.templateError) return;
  app.templateError = null;
  generalError('');
  showInlineError();
}

// ---- rendering -------------------------------------------------------------

let renderTimer = null, rendering = false, renderAgain = false, renders = 0;

// data-pending on the stage is "true" from an edit until its render is shown.
function scheduleRender(delay = RENDER_DELAY) {
  if (!app.doc) return;
  clearTimeout(renderTimer);
  renderTimer = setTimeout(render, delay);
  stageBox.dataset.pending = 'true';
}

// The values the canvas shows: the current data row's, else each field's
// sample (else its default, else its name).
function currentFields() {
  const row = app.currentRow();
  if (row) return { ...row.fields };
  const out = {};
  for (const name of placeholders(app.doc)) {
    const f = app.doc.fields?.[name] || {};
    out[name] = typeof f.sample === 'string' && f.sample !== '' ? f.sample : typeof f.default === 'string' ? f.default : name;
  }
  return out;
}

// One request in flight; the edits made meanwhile are sent when it returns.
async function render() {
  renderTimer = null;
  if (rendering) { renderAgain = true; return; }
  rendering = true;
  renderAgain = false;
  stageBox.dataset.busy = 'true';
  const status = $('render-status'), error = $('render-error');
  let state = 'error';
  try {
    const res = await fetch('/api/render', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: app.id, template: cleanDoc(app.doc), fields: currentFields() }),
    });
    const body = await res.json().catch(() => null);
    if (res.status === 422) {
      state = 'invalid';
      app.renderProblems = [];
      const why = (body?.error || 'lỗi không rõ').replace(/^template '[^']*': /, '');
      error.textContent = `Mẫu chưa hợp lệ: ${why}${body?.path && !why.includes(body.path) ? ` (tại ${body.path})` : ''}`;
      templateError(body?.error || 'lỗi không rõ', body?.path);
    } else if (!res.ok || !body) {
      error.textContent = `Không vẽ được: ${body?.error || `máy chủ trả lỗi ${res.status}`}`;
    } else {
      clearTemplateError();
      app.renderProblems = body.problems || [];
      if (body.png) {
        stage.show(body.png);
        state = 'ok';
        error.textContent = '';
        status.textContent = `Khung vẽ xong trong ${Math.round(body.ms)} ms.`;
      } else {
        error.textContent = `Không vẽ được (đang giữ hình trước): ${body.error}`;
      }
    }
  } catch (e) {
    error.textContent = `Không kết nối được máy chủ studio: ${e.message}`;
  } finally {
    rendering = false;
    stageBox.dataset.busy = 'false';
    stageBox.dataset.render = state;
    stageBox.dataset.renders = String(++renders);
    refresh();
    if (renderAgain) render();
    else if (renderTimer === null) stageBox.dataset.pending = 'false';
  }
}

function renderProblemList() {
  const list = $('problems');
  const row = app.currentRow();
  const fromCheck = row && app.check ? app.check.rows.find((r) => r.row === row.number)?.problems || [] : [];
  const seen = new Set();
  const items = [];
  for (const p of [...app.renderProblems, ...fromCheck]) {
    const key = `${p.layer}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const li = document.createElement('li');
    li.className = p.severity === 'note' ? 'note' : 'problem';
    li.textContent = `${p.severity === 'note' ? 'Lưu ý' : 'Lỗi'}${Number.isInteger(p.layer) ? ` (lớp ${p.layer + 1})` : ''}: ${p.message}`;
    items.push(li);
  }
  list.replaceChildren(...items);
}

// ---- templates: list, open, new, save ---------------------------------------

async function api(method, url, body) {
  const res = await fetch(url, body === undefined ? { method } : {
    method, headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const type = res.headers.get('Content-Type') || '';
  const payload = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  return { status: res.status, ok: res.ok, body: payload };
}

async function loadList(selectId = app.id) {
  const sel = $('template-select');
  const r = await api('GET', '/api/templates');
  if (!r.ok) {
    generalError(`Không đọc được danh sách mẫu: ${r.body?.error || r.status}`);
    return [];
  }
  const list = r.body.templates || [];
  sel.replaceChildren(...(list.length ? [] : [new Option('(thư mục chưa có mẫu nào)', '')]), ...list.map((t) => {
    const error = t.error?.replace(/^template '[^']*': /, '');
    const text = t.error ? `${t.id} – lỗi: ${error.length > 70 ? error.slice(0, 69) + '…' : error}`
                         : `${t.title || t.id} (${t.id}, ${t.width} × ${t.height})`;
    const o = new Option(text, t.id);
    if (t.error) { o.title = t.error; o.className = 'broken'; }
    return o;
  }));
  if (!app.id) sel.prepend(new Option('— Chọn mẫu —', ''));
  sel.value = selectId || '';
  sel.title = `Thư mục: ${r.body.dir}`;
  return list;
}

async function open(id) {
  // The file's text as saved: read as text, so a file that is not JSON is named as such.
  const wasPending = stageBox.dataset.pending;
  stageBox.dataset.pending = 'true';
  const res = await fetch(`/api/templates/${encodeURIComponent(id)}`);
  const body = await res.text();
  if (!res.ok) {
    let why = `lỗi ${res.status}`;
    try { why = JSON.parse(body).error || why; } catch { /* not JSON */ }
    generalError(`Không mở được mẫu ${id}: ${why}`);
    stageBox.dataset.pending = wasPending ?? 'false';
    return false;
  }
  let doc;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    generalError(`Không mở được mẫu ${id}: tệp không phải JSON hợp lệ (${e.message}).`);
    stageBox.dataset.pending = wasPending ?? 'false';
    return false;
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.layers)) {
    generalError(`Không mở được mẫu ${id}: tệp không có danh sách lớp ("layers").`);
    stageBox.dataset.pending = wasPending ?? 'false';
    return false;
  }
  generalError('');
  Object.assign(app, { doc, id, selected: -1, undoStack: [], redoStack: [], lastKey: null, renderProblems: [],
                       templateError: null, check: null });
  app.saved = JSON.stringify(cleanDoc(doc));
  saveNote = null;
  stage.clear();
  $('render-error').textContent = '';
  $('template-select').value = id;
  $('template-select').querySelector('option[value=""]')?.remove();
  history.replaceState(null, '', `#${encodeURIComponent(id)}`);
  const fonts = await api('GET', `/api/fonts?id=${encodeURIComponent(id)}`);
  if (fonts.ok) app.fonts = { bundled: fonts.body.bundled || [], folder: fonts.body.folder || [] };
  panel.rebuild();
  stage.fit();
  refresh();
  scheduleRender(0);
  data.schedule(0);
  return true;
}

const confirmDiscard = () => !isDirty() || confirm('Mẫu đang sửa có thay đổi chưa lưu. Bỏ các thay đổi đó?');

$('template-select').addEventListener('change', async (e) => {
  const id = e.target.value;
  if (!id || id === app.id) return;
  if (!confirmDiscard()) { e.target.value = app.id || ''; return; }
  if (!(await open(id))) e.target.value = app.id || '';
});

async function save() {
  if (!app.doc) return;
  const text = JSON.stringify(cleanDoc(app.doc), null, 2);
  saveNote = { text: 'Đang lưu…', kind: 'busy' };
  showSaveState();
  let r;
  try {
    r = await api('POST', `/api/templates/${encodeURIComponent(app.id)}`, text);
  } catch (e) {
    saveNote = { text: `Chưa lưu được: ${e.message}`, kind: 'error' };
    showSaveState();
    return;
  }
  if (r.status === 200) {
    app.saved = JSON.stringify(JSON.parse(text));
    saveNote = { text: 'Đã lưu', kind: 'ok' };
    clearTemplateError();
    loadList();
  } else {
    const message = r.body?.error || `máy chủ trả lỗi ${r.status}`;
    saveNote = { text: r.status === 422 ? `Chưa lưu được: mẫu có lỗi${r.body?.path ? ` ở ${r.body.path}` : ''}` : `Chưa lưu được: ${message}`,
                 kind: 'error' };
    if (r.status === 422) templateError(message, r.body?.path, { select: true });
    else generalError(`Chưa lưu được: ${message}`);
  }
  refresh();
}

// "Mẫu mới": a blank banner of a preset or chosen size.
const dialog = $('new-dialog');
$('new-open').addEventListener('click', () => {
  $('new-error').textContent = '';
  dialog.showModal();
  $('new-id').focus();
});
$('new-cancel').addEventListener('click', () => dialog.close());
$('new-preset').addEventListener('change', () => {
  const [w, h] = $('new-preset').value.split('x');
  if (w) { $('new-width').value = w; $('new-height').value = h; }
});
for (const id of ['new-width', 'new-height']) {
  $(id).addEventListener('input', () => {
    const v = `${$('new-width').value}x${$('new-height').value}`;
    $('new-preset').value = [...$('new-preset').options].some((o) => o.value === v) ? v : '';
  });
}
$('new-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $('new-id').value.trim(), title = $('new-title-input').value.trim();
  const width = Number($('new-width').value), height = Number($('new-height').value);
  if (!id) { $('new-error').textContent = 'Hãy đặt mã cho mẫu (chữ thường không dấu, số, dấu gạch).'; return; }
  if (!(width > 0 && height > 0)) { $('new-error').textContent = 'Hãy nhập chiều rộng và chiều cao (px).'; return; }
  if (!confirmDiscard()) return;
  const r = await api('POST', '/api/new', { kind: 'banner', width, height, id, ...(title ? { title } : {}) });
  if (!r.ok) {
    $('new-error').textContent = r.status === 409 ? `Thư mục đã có mẫu “${id}”. Hãy chọn mã khác, hoặc mở mẫu đó trong danh sách.`
                                                  : `Không tạo được mẫu: ${r.body?.error || r.status}`;
    return;
  }
  dialog.close();
  await loadList(r.body.id);
  await open(r.body.id);
});

// ---- buttons and keys -------------------------------------------------------

$('undo').addEventListener('click', undo);
$('redo').addEventListener('click', redo);
$('save').addEventListener('click', save);

const editable = (t) => t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement ||
  (t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'file', 'color'].includes(t.type)) || t?.isContentEditable;

document.addEventListener('keydown', (e) => {
  if (dialog.open) return;
  const mod = e.ctrlKey || e.metaKey, key = e.key.toLowerCase();
  if (mod && !e.altKey && key === 'z') { e.preventDefault(); if (e.shiftKey) redo(); else undo(); return; }
  if (mod && !e.altKey && key === 'y') { e.preventDefault(); redo(); return; }
  if (mod && !e.altKey && key === 's') { e.preventDefault(); save(); return; }
  if (editable(e.target)) return;
  if (e.key.startsWith('Arrow') && stage.onArrow(e)) { e.preventDefault(); return; }
  if (e.target.id === 'overlay' && (e.key === 'Delete' || e.key === 'Backspace') && app.selected >= 0 && app.doc.layers.length > 1) {
    e.preventDefault();
    $('layer-delete').click();
  }
  if (e.target.id === 'overlay' && e.key === 'Escape') app.select(-1);
});

window.addEventListener('beforeunload', (e) => { if (isDirty()) e.preventDefault(); });

// ---- start --------------------------------------------------------------------

(async () => {
  refresh();
  const [list, images] = await Promise.all([loadList(), api('GET', '/api/images')]);
  if (images.ok) app.images = images.body.images || [];
  const wanted = decodeURIComponent(location.hash.slice(1));
  const first = list.find((t) => t.id === wanted) || list.find((t) => !t.error);
  if (first) await open(first.id);
  $('template-select').disabled = false;
  document.body.dataset.ready = 'true';
})();
