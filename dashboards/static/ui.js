// Small DOM helpers shared by the pages. No framework: h() builds elements,
// the state helpers render loading / empty / error placeholders.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// card returns [section, body]: a titled panel whose body the caller fills.
export function card(title, opts = {}) {
  const body = h('div', { class: 'card-body' + (opts.chart ? ' chart' : ''), id: opts.id });
  const sec = h('section', { class: 'card' + (opts.wide ? ' wide' : ''), 'aria-label': title },
    h('header', { class: 'card-head' }, h('h2', { text: title }), opts.actions || null),
    opts.hint ? h('p', { class: 'hint', text: opts.hint }) : null,
    body);
  return [sec, body];
}

export function loading(el, what = 'Loading…') {
  clear(el);
  el.setAttribute('aria-busy', 'true');
  el.appendChild(h('div', { class: 'state loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), what));
}

export function empty(el, what = 'No data for these filters.') {
  clear(el);
  el.removeAttribute('aria-busy');
  el.appendChild(h('div', { class: 'state empty', role: 'status', dataset: { state: 'empty' } }, what));
}

export function failed(el, err) {
  clear(el);
  el.removeAttribute('aria-busy');
  const msg = err && err.message ? err.message : String(err);
  el.appendChild(h('div', { class: 'state error', role: 'alert' }, 'Could not load: ' + msg));
}

export function ready(el) {
  el.removeAttribute('aria-busy');
  clear(el);
  return el;
}

const nf = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const nf1 = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const nf2 = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const fmt = {
  int: (v) => (v === undefined || v === null || Number.isNaN(+v) ? '–' : nf.format(+v)),
  pct: (v) => (v === undefined || v === null || Number.isNaN(+v) ? '–' : nf1.format(+v * 100) + '%'),
  signedPct: (v) => (v === undefined || v === null || Number.isNaN(+v) ? '–' : (v > 0 ? '+' : '') + nf1.format(+v * 100) + '%'),
  score: (v) => (v === undefined || v === null || Number.isNaN(+v) ? '–' : (v > 0 ? '+' : '') + nf2.format(+v)),
  ratio: (v) => (v === undefined || v === null || Number.isNaN(+v) ? '–' : nf2.format(+v) + '×'),
  date: (v) => (v ? String(v).slice(0, 10) : '–'),
};

// table renders rows as an accessible table. columns: [{key, label, fmt, num, cell}]
export function table(columns, rows, opts = {}) {
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null, text: c.label }))));
  const tbody = h('tbody', {}, rows.map((r, i) => {
    const tr = h('tr', { dataset: opts.rowData ? opts.rowData(r, i) : undefined },
      columns.map((c) => {
        const v = c.cell ? c.cell(r) : (c.fmt ? c.fmt(r[c.key]) : r[c.key]);
        return h('td', { class: c.num ? 'num' : null }, v instanceof Node ? v : (v === undefined || v === null ? '–' : String(v)));
      }));
    return tr;
  }));
  return h('div', { class: 'table-wrap' }, h('table', { class: opts.class || 'data' },
    opts.caption ? h('caption', { class: 'sr-only', text: opts.caption }) : null, thead, tbody));
}

export function toCSV(columns, rows) {
  const esc = (v) => {
    const s = v === undefined || v === null ? '' : String(v);
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  const lines = [columns.map((c) => esc(c.label)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => esc(c.csv ? c.csv(r) : r[c.key])).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function download(name, text, type = 'text/csv;charset=utf-8') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name, class: 'sr-only' });
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
