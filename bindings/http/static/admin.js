// The organisers' page (/admin): the participation report as charts and CSV
// files, and frame publishing. The browser asked for the organiser token
// (HTTP Basic) to open /admin and sends it with this page's requests; the
// service answers each of them as it does the CLI (`khung report`,
// `khung new frame`). Charts are drawn here in SVG from the report's CSV,
// so the figures on the screen are the file's.
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const NO_UNIT = '(không chọn đơn vị)';
// The reports the page shows, one section each (addReportSections): what
// the report counts by, the section's title, and the CSV file's name part.
const REPORTS = [
  { by: 'unit', title: 'Theo đơn vị', file: 'don-vi' },
  { by: 'day', title: 'Theo ngày', file: 'ngay' },
  { by: 'template', title: 'Theo khung', file: 'khung' },
];
const FONT = '14px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif';
const number = (n) => n.toLocaleString('vi-VN');

// --- days: the report's days are Vietnam's calendar days (UTC+7, no DST) ---

const DAY_MS = 86400e3;
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
const shortDay = (day) => `${day.slice(8, 10)}/${day.slice(5, 7)}`;
const longDay = (day) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;

// --- the report's CSV --------------------------------------------------------

// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
function parseCsv(text) {
  const records = [];
  let record = [], field = '', quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') ++i;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field || record.length) records.push([...record, field]);
  return records;
}

// {rows: [{key, members, saves, shares}], total: {members, saves, shares}}.
function readReport(text) {
  const records = parseCsv(text).slice(1);  // the header
  const last = records.pop();
  if (!last || last[0] !== 'total') throw new Error('the report has no total line');
  const counts = (r) => ({ members: Number(r[1]), saves: Number(r[2]), shares: Number(r[3]) });
  return { rows: records.map((r) => ({ key: r[0], ...counts(r) })), total: counts(last) };
}

// The reports as last fetched: {from, to, texts: {unit, day, template}}.
let shown = null;

async function errorText(res) {
  try {
    const body = await res.json();
    return typeof body.error === 'string' ? body.error : body.error.message || '';
  } catch {
    return '';
  }
}

async function fetchReport(from, to, by) {
  const q = new URLSearchParams({ by });
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  let res;
  try {
    res = await fetch(`/v1/report?${q}`, { cache: 'no-store' });
  } catch {
    throw new Error('Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.');
  }
  if (res.ok) return res.text();
  const why = await errorText(res);
  switch (res.status) {
    case 401: throw new Error('Máy chủ chưa nhận mật khẩu ban tổ chức. Hãy tải lại trang và đăng nhập.');
    case 404: throw new Error('Máy chủ này chưa bật việc đếm số đoàn viên tham gia (khung serve cần --database).');
    case 400: throw new Error(`Khoảng ngày không hợp lệ${why ? ` (${why})` : ''}.`);
    default: throw new Error(`Không lấy được báo cáo (lỗi ${res.status}${why ? `: ${why}` : ''}). Hãy thử lại sau.`);
  }
}

let loading = 0;
async function loadReport() {
  const from = $('from').value, to = $('to').value;
  if (from && to && from > to) return status('“Từ ngày” phải trước “Đến ngày”.');
  const mine = ++loading;
  status('Đang tải báo cáo…');
  try {
    const texts = Object.fromEntries(await Promise.all(REPORTS.map(async ({ by }) => [by, await fetchReport(from, to, by)])));
    if (mine !== loading) return;
    shown = { from, to, texts };
    // The range in Vietnamese dates (the date fields show the browser's format).
    $('range-shown').textContent = `Đang xem: ${from ? `từ ${longDay(from)}` : 'từ đầu chiến dịch'} đến ${to ? longDay(to) : 'hôm nay'}.`;
    drawReport();
    status('');
    document.body.dataset.report = 'ready';
  } catch (e) {
    if (mine !== loading) return;
    shown = null;
    $('report-body').hidden = true;
    status(e.message);
  }
}

function status(text) {
  $('report-status').textContent = text;
}

let frameTitles = new Map();  // template id -> title, from /v1/templates

function drawReport() {
  if (!shown) return;
  const unit = readReport(shown.texts.unit), day = readReport(shown.texts.day), template = readReport(shown.texts.template);
  $('report-body').hidden = false;
  $('total-members').textContent = number(unit.total.members);
  $('total-saves').textContent = number(unit.total.saves);
  $('total-shares').textContent = number(unit.total.shares);
  drawUnits($('chart-unit'), unit.rows);
  // Every day of the range, the empty ones as 0; from the campaign's start:
  // from the first day with events.
  const first = shown.from || (day.rows.length ? day.rows[0].key : shown.to || today());
  drawDays($('chart-day'), day.rows, first, shown.to || today());
  const body = $('table-template').tBodies[0];
  body.replaceChildren(...template.rows.sort((a, b) => b.members - a.members).map((r) => {
    const tr = document.createElement('tr');
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = frameTitles.get(r.key) || r.key;
    if (frameTitles.has(r.key)) name.append(Object.assign(document.createElement('span'), { className: 'id', textContent: r.key }));
    tr.append(name, ...[r.members, r.saves, r.shares].map((n) => Object.assign(document.createElement('td'), { textContent: number(n) })));
    return tr;
  }));
  if (!template.rows.length) body.append(emptyRow(4));
}

// The reports' sections, from admin.html's <template id="report-section">,
// in its place: each titled, with its CSV button, and what its report is
// drawn in (a chart's box, or for frames a table).
function addReportSections() {
  const template = $('report-section');
  template.before(...REPORTS.map(({ by, title }) => {
    const section = template.content.firstElementChild.cloneNode(true);
    section.setAttribute('aria-labelledby', `by-${by}-title`);
    Object.assign(section.querySelector('h3'), { id: `by-${by}-title`, textContent: title });
    const csv = section.querySelector('button.csv');
    csv.dataset.by = by;
    csv.addEventListener('click', () => downloadCsv(by));
    section.append(by === 'template' ? frameTable() : Object.assign(document.createElement('div'), { id: `chart-${by}`, className: 'plot' }));
    return section;
  }));
}

// The frames' report: a row a frame (filled by drawReport).
function frameTable() {
  const table = Object.assign(document.createElement('table'), { id: 'table-template' });
  const th = (text) => Object.assign(document.createElement('th'), { scope: 'col', textContent: text });
  table.createTHead().insertRow().append(th('Khung'), th('Đoàn viên'), th('Lưu'), th('Chia sẻ'));
  table.createTBody();
  return table;
}

function emptyRow(span) {
  const tr = document.createElement('tr');
  tr.append(Object.assign(document.createElement('td'), { colSpan: span, className: 'empty', textContent: 'Chưa có lượt nào trong khoảng ngày này.' }));
  return tr;
}

// --- charts --------------------------------------------------------------------

function el(name, attrs = {}, text = '') {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== '') e.textContent = text;
  return e;
}

function titled(e, text) {
  e.append(el('title', {}, text));
  return e;
}

let measurer = null;
function textWidth(text, font = FONT) {
  measurer = measurer || document.createElement('canvas').getContext('2d');
  measurer.font = font;
  return measurer.measureText(text).width;
}

// Word-wrapped lines of `text` at most `width` px wide: units' names are
// long, and each is shown whole.
function wrap(text, width, font) {
  const lines = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, font) > width) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

const detail = (r) => `${number(r.members)} đoàn viên, ${number(r.saves)} lượt lưu, ${number(r.shares)} lượt chia sẻ`;

// Members by unit: horizontal bars, the most first, each under its unit's
// full name.
function drawUnits(box, rows) {
  if (!rows.length) return box.replaceChildren(emptyNote());
  const width = Math.max(260, box.clientWidth);
  const sorted = [...rows].sort((a, b) => b.members - a.members || a.key.localeCompare(b.key, 'vi'));
  const max = Math.max(1, ...sorted.map((r) => r.members));
  const valueRoom = textWidth(number(max)) + 12;
  const svg = el('svg', { width, role: 'img', 'aria-labelledby': 'by-unit-title', class: 'units' });
  let y = 0;
  for (const r of sorted) {
    const g = titled(el('g', { class: 'bar', 'data-key': r.key, 'data-value': r.members }), `${r.key || NO_UNIT}: ${detail(r)}`);
    const italic = r.key ? '' : 'italic ';
    for (const line of wrap(r.key || NO_UNIT, width, italic + FONT)) {
      y += 18;
      g.append(el('text', { x: 0, y, class: r.key ? 'label' : 'label none' }, line));
    }
    y += 5;
    const w = Math.max(2, ((width - valueRoom) * r.members) / max);
    g.append(el('rect', { x: 0, y, width: w, height: 20, rx: 3, class: 'fill' }));
    g.append(el('text', { x: w + 6, y: y + 15, class: 'value' }, number(r.members)));
    y += 20 + 12;
    svg.append(g);
  }
  svg.setAttribute('height', y);
  svg.setAttribute('viewBox', `0 0 ${width} ${y}`);
  box.replaceChildren(svg);
}

// A round step (1, 2 or 5 times a power of ten) giving about `ticks` steps up to `max`.
function niceStep(max, ticks) {
  const raw = Math.max(1, max / ticks);
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw);
}

// Members by day: one column a day from `first` to `last`, days without
// events at 0.
function drawDays(box, rows, first, last) {
  const byDay = new Map(rows.map((r) => [r.key, r]));
  const days = [];
  for (let d = first; d <= last && days.length < 3700; d = addDays(d, 1)) days.push(d);
  if (!days.length) return box.replaceChildren(emptyNote());
  const width = Math.max(260, box.clientWidth);
  const max = Math.max(1, ...rows.map((r) => r.members));
  const step = niceStep(max, 4), top = Math.ceil(max / step) * step;
  const left = textWidth(number(top)) + 10, right = 8, above = 20, below = 26, height = 240;
  const plot = { w: width - left - right, h: height - above - below };
  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'by-day-title', class: 'days' });
  for (let v = 0; v <= top; v += step) {
    const y = above + plot.h - (plot.h * v) / top;
    svg.append(el('line', { x1: left, x2: width - right, y1: y, y2: y, class: v ? 'grid' : 'axis' }));
    svg.append(el('text', { x: left - 6, y: y + 5, class: 'tick', 'text-anchor': 'end' }, number(v)));
  }
  const slot = plot.w / days.length, col = Math.max(1, Math.min(48, slot * 0.72));
  const labelEvery = Math.ceil((textWidth('00/00') + 10) / slot);
  days.forEach((day, i) => {
    const r = byDay.get(day) || { key: day, members: 0, saves: 0, shares: 0 };
    const h = (plot.h * r.members) / top, x = left + i * slot + (slot - col) / 2;
    const g = titled(el('g', { class: 'bar', 'data-key': day, 'data-value': r.members }), `${longDay(day)}: ${detail(r)}`);
    g.append(el('rect', { x, y: above + plot.h - h, width: col, height: h, class: 'fill' }));
    if (r.members && slot >= textWidth(number(r.members)) + 4) {
      g.append(el('text', { x: x + col / 2, y: above + plot.h - h - 5, class: 'value', 'text-anchor': 'middle' }, number(r.members)));
    }
    svg.append(g);
    if ((days.length - 1 - i) % labelEvery === 0) {  // the range's last day (today) always named
      const half = textWidth('00/00', '12px system-ui') / 2;
      const mid = Math.min(Math.max(left + i * slot + slot / 2, half), width - half);  // whole, inside the chart
      svg.append(el('text', { x: mid, y: height - 6, class: 'tick', 'text-anchor': 'middle' }, shortDay(day)));
    }
  });
  box.replaceChildren(svg);
}

function emptyNote() {
  return Object.assign(document.createElement('p'), { className: 'empty', textContent: 'Chưa có lượt nào trong khoảng ngày này.' });
}

// --- CSV files -------------------------------------------------------------------

// The report as fetched, offered as a file; with a byte-order mark so that
// Excel reads its Vietnamese as UTF-8 (as khung batch's report.csv).
function downloadCsv(by) {
  if (!shown) return;
  const { file } = REPORTS.find((r) => r.by === by);
  const name = `bao-cao-theo-${file}-${shown.from || 'tu-dau'}-${shown.to || today()}.csv`;
  const url = URL.createObjectURL(new Blob(['\uFEFF', shown.texts[by]], { type: 'text/csv;charset=utf-8' }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60e3);
}

// --- frames ------------------------------------------------------------------------

async function loadFrames(highlight = '') {
  let list;
  try {
    const res = await fetch('/v1/templates', { cache: 'no-cache' });
    if (!res.ok) throw new Error();
    list = await res.json();
  } catch {
    $('frames-status').textContent = 'Không tải được danh sách khung. Hãy tải lại trang.';
    return;
  }
  frameTitles = new Map(list.map((t) => [t.id, t.title || t.id]));
  const frames = list.filter((t) => t.kind === 'frame');
  $('frames-status').textContent = frames.length ? '' : 'Chưa có khung nào.';
  $('frames').replaceChildren(...frames.map((t) => {
    const li = Object.assign(document.createElement('li'), { className: t.id === highlight ? 'frame new' : 'frame' });
    li.dataset.id = t.id;
    const img = Object.assign(document.createElement('img'), {
      src: `/v1/templates/${encodeURIComponent(t.id)}/preview.png?width=160&v=${encodeURIComponent(t.version || '')}`,
      alt: '', width: 160, height: Math.round((160 * t.height) / t.width) || 160, loading: 'lazy',
    });
    const title = Object.assign(document.createElement('strong'), { textContent: t.title || t.id });
    const about = Object.assign(document.createElement('span'), { className: 'id', textContent: `${t.id} · ${t.width}×${t.height}` });
    li.append(img, title, about);
    return li;
  }));
  if (shown) drawReport();  // the frames' titles in the table
}

async function publish(event) {
  event.preventDefault();
  const form = $('upload-form'), result = $('upload-result'), button = $('upload-button');
  const file = $('overlay').files[0];
  if (!file) return;
  result.hidden = false;
  result.className = 'result';
  result.replaceChildren('Đang gửi ảnh khung…');
  // A JPEG (or anything else) has no transparency for the hole: said here,
  // in plain words, before uploading it.
  const magic = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  if (String.fromCharCode(...magic) !== '\x89PNG\r\n\x1a\n') {
    return showResult('error', 'Không đăng được khung: tệp này không phải ảnh PNG. Ảnh khung cần là PNG có phần trong suốt ở chỗ đặt ảnh đại diện (ảnh JPEG không có phần trong suốt).');
  }
  const body = new FormData();
  // The file's name: the service makes the id and title from it when they are not given.
  body.append('overlay', file, file.name);
  const id = $('frame-id').value.trim();
  // Replacing a frame keeps its title unless a new one is given.
  const title = $('frame-title').value.trim() || (frameTitles.has(id) ? frameTitles.get(id) : '');
  if (id) body.append('id', id);
  if (title) body.append('title', title);
  button.disabled = true;
  let res, answer = null;
  try {
    res = await fetch('/v1/admin/templates', { method: 'POST', body });
    answer = await res.clone().json().catch(() => null);
  } catch {
    return showResult('error', 'Không kết nối được máy chủ. Hãy kiểm tra mạng rồi thử lại.');
  } finally {
    button.disabled = false;
  }
  if (res.ok && answer) {
    const lead = `Đã đăng khung “${answer.title || answer.id}” (mã ${answer.id}).`
      + (answer.replaced ? ' Khung cũ cùng mã đã được thay bằng khung này.' : '')
      + ' Đoàn viên thấy khung mới ngay khi mở lại trang.';
    showResult('ok', lead, answer.advice || []);
    form.reset();
    loadFrames(answer.id);
    return;
  }
  const why = answer ? (typeof answer.error === 'string' ? answer.error : (answer.error && answer.error.message) || '') : '';
  const lead = {
    400: 'Không đăng được khung: ảnh khung chưa dùng được.',
    401: 'Máy chủ chưa nhận mật khẩu ban tổ chức. Hãy tải lại trang và đăng nhập.',
    409: 'Không đăng được khung: máy chủ đang dùng các khung có sẵn, không có thư mục khung riêng để ghi vào (khung serve cần --templates THƯ_MỤC).',
    413: 'Không đăng được khung: tệp quá lớn.',
    415: 'Không đăng được khung: tệp này không phải ảnh PNG.',
  }[res.status] || `Không đăng được khung (lỗi ${res.status}).`;
  showResult('error', lead, why ? [why] : [], 'Chi tiết (tiếng Anh):');
}

function showResult(kind, lead, notes = [], notesLead = 'Gợi ý để khung đẹp hơn (tiếng Anh):') {
  const result = $('upload-result');
  result.hidden = false;
  result.className = `result ${kind}`;
  result.replaceChildren(Object.assign(document.createElement('p'), { textContent: lead }));
  if (notes.length) {
    result.append(Object.assign(document.createElement('p'), { textContent: notesLead }));
    const ul = document.createElement('ul');
    ul.append(...notes.map((n) => Object.assign(document.createElement('li'), { textContent: n, lang: 'en' })));
    result.append(ul);
  }
}

// --- wiring -------------------------------------------------------------------------

addReportSections();

function setRange(days) {
  $('to').value = days === 'all' ? '' : today();
  $('from').value = days === 'all' ? '' : addDays(today(), 1 - Number(days));
  for (const b of document.querySelectorAll('[data-days]')) b.setAttribute('aria-pressed', String(b.dataset.days === String(days)));
  loadReport();
}

for (const b of document.querySelectorAll('[data-days]')) b.addEventListener('click', () => setRange(b.dataset.days));
for (const input of [$('from'), $('to')]) {
  input.addEventListener('change', () => {
    for (const b of document.querySelectorAll('[data-days]')) b.setAttribute('aria-pressed', 'false');
    loadReport();
  });
}
$('range').addEventListener('submit', (e) => { e.preventDefault(); loadReport(); });
$('upload-form').addEventListener('submit', publish);

// Charts are drawn at the width they are shown at (text stays 14 px):
// again when that width changes.
let drawnWidth = 0, resizing = 0;
new ResizeObserver(([entry]) => {
  const width = Math.round(entry.contentRect.width);
  if (width === drawnWidth) return;
  drawnWidth = width;
  cancelAnimationFrame(resizing);
  resizing = requestAnimationFrame(drawReport);
}).observe($('report'));

fetch('/v1/campaign').then((r) => (r.ok ? r.json() : null)).then((c) => {
  if (c && c.title) {
    $('campaign-title').textContent = c.title;
    document.title = `Ban tổ chức – ${c.title}`;
  }
}).catch(() => {});
loadFrames();
setRange(30);
