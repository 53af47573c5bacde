// The data file: sent to the server (POST /api/data), its rows stepped
// through (the canvas renders the current row's values), and `khung check`
// of every row (POST /api/check) listed as "Dòng N: ..." buttons that go to
// the row. The check runs again, debounced, after each edit.
import { cleanDoc } from './model.js';

const CHECK_DELAY = 400;

export function createData(app) {
  const fileInput = document.getElementById('data-file');
  const nameOut = document.getElementById('data-name');
  const nav = document.getElementById('row-nav');
  const number = document.getElementById('row-number');
  const total = document.getElementById('row-total');
  const summary = document.getElementById('check-summary');
  const failing = document.getElementById('failing');
  let timer = null, inFlight = false, again = false;

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    if (!file) return;
    nameOut.textContent = `Đang đọc ${file.name}…`;
    try {
      const res = await fetch(`/api/data?name=${encodeURIComponent(file.name)}`, { method: 'POST', body: file });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        nameOut.textContent = `Không đọc được ${file.name}: ${body?.error || `lỗi ${res.status}`}`;
        nameOut.className = 'error-text';
        return;
      }
      app.data = body;
      app.row = body.rows.length ? 0 : -1;
      app.check = null;
      nameOut.className = 'muted';
      const shown = body.total > body.rows.length ? ` (xem được ${body.rows.length} dòng đầu)` : '';
      nameOut.textContent = `${body.name}: ${body.total ?? body.rows.length} dòng, các cột: ${body.columns.join(', ')}${shown}`;
      app.rowChanged();
      schedule(0);
    } catch (e) {
      nameOut.textContent = `Không gửi được tệp: ${e.message}`;
      nameOut.className = 'error-text';
    } finally {
      fileInput.value = '';
    }
  });

  const go = (i) => {
    if (!app.data || i < 0 || i >= app.data.rows.length) return;
    app.row = i;
    app.rowChanged();
  };
  document.getElementById('row-prev').addEventListener('click', () => go(app.row - 1));
  document.getElementById('row-next').addEventListener('click', () => go(app.row + 1));
  document.getElementById('row-sample').addEventListener('click', () => { app.row = -1; app.rowChanged(); });
  number.addEventListener('change', () => {
    const i = app.data?.rows.findIndex((r) => r.number === Number(number.value)) ?? -1;
    if (i >= 0) go(i);
  });

  // Goes to the row of a data row number ("Dòng 3").
  const goToNumber = (n) => go(app.data?.rows.findIndex((r) => r.number === n) ?? -1);

  function renderNav() {
    nav.hidden = !app.data;
    if (!app.data) return;
    const row = app.currentRow();
    number.max = app.data.rows.at(-1)?.number ?? 1;
    if (document.activeElement !== number) number.value = row ? row.number : '';
    total.textContent = row ? `trên ${app.data.total ?? app.data.rows.length}` : 'đang xem bằng giá trị mẫu';
    document.getElementById('row-prev').disabled = app.row <= 0;
    document.getElementById('row-next').disabled = app.row < 0 || app.row >= app.data.rows.length - 1;
    document.getElementById('row-sample').disabled = app.row < 0;
  }

  function renderCheck() {
    const c = app.check;
    if (!c) {
      failing.replaceChildren();
      return;
    }
    const current = app.currentRow()?.number;
    failing.replaceChildren(...c.rows.map((r) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.row = r.row;
      if (r.row === current) b.setAttribute('aria-current', 'true');
      b.textContent = `Dòng ${r.row}: ${r.problems.map((p) => p.message).join('; ')}`;
      b.addEventListener('click', () => goToNumber(r.row));
      li.append(b);
      return li;
    }));
  }

  function schedule(delay = CHECK_DELAY) {
    if (!app.data) return;
    clearTimeout(timer);
    timer = setTimeout(run, delay);
    summary.dataset.pending = 'true';
  }

  async function run() {
    timer = null;
    if (inFlight) { again = true; return; }
    inFlight = true;
    again = false;
    summary.textContent = 'Đang kiểm tra các dòng dữ liệu…';
    try {
      const res = await fetch('/api/check', { method: 'POST', headers: { 'Content-Type': 'application/json' },
                                              body: JSON.stringify({ id: app.id, template: cleanDoc(app.doc) }) });
      const body = await res.json().catch(() => null);
      if (res.ok) {
        app.check = body;
        const bad = body.rows.length;
        const unused = body.unused_columns?.length ? ` Cột không dùng đến: ${body.unused_columns.join(', ')}.` : '';
        summary.textContent = (bad ? `${bad} trên ${body.total} dòng bị lỗi. Nhấn vào một dòng để xem.`
                                   : `Cả ${body.total} dòng đều ổn.`) + unused;
        summary.dataset.failing = bad;
      } else {
        app.check = null;
        summary.textContent = res.status === 422 ? 'Chưa kiểm tra được dữ liệu: mẫu đang có lỗi.'
                                                 : `Chưa kiểm tra được dữ liệu: ${body?.error || `lỗi ${res.status}`}`;
        delete summary.dataset.failing;
      }
    } catch (e) {
      summary.textContent = `Chưa kiểm tra được dữ liệu: ${e.message}`;
    } finally {
      inFlight = false;
      app.checked();
      if (again) run();
      else if (timer === null) summary.dataset.pending = 'false';
    }
  }

  return {
    schedule,
    render() { renderNav(); renderCheck(); },
  };
}
