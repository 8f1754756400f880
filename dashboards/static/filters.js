// The filter bar shared by the pages: period (with custom dates), source,
// language and sentiment. Changing a control navigates to the same page
// with the new state in the URL.

import { h } from './ui.js';
import { PERIODS, SENTIMENTS, href, validDate, range } from './state.js';

let uid = 0;

export function select(label, value, options, onChange, attrs = {}) {
  const id = 'f' + ++uid;
  const sel = h('select', { id, name: attrs.name || label.toLowerCase(), onchange: (e) => onChange(e.target.value) },
    options.map((o) => h('option', { value: o.value, selected: o.value === (value || '') ? true : null, text: o.label })));
  return h('label', { class: 'field', for: id }, h('span', { text: label }), sel);
}

// filterBar returns the controls; nav(href) performs the navigation.
export function filterBar(path, s, nav, opts = {}) {
  const go = (patch) => nav(href(path, s, patch));
  const bar = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filters', onsubmit: (e) => e.preventDefault() });
  if (opts.before) bar.append(...[].concat(opts.before));
  bar.appendChild(select('Period', s.period, PERIODS.map((p) => ({ value: p.id, label: p.label })), (v) => {
    if (v === 'custom') {
      const r = range(s);
      go({ period: 'custom', from: r.from, to: r.to });
    } else go({ period: v, from: null, to: null });
  }, { name: 'period' }));
  if (s.period === 'custom') {
    const onDate = (k) => (e) => { if (validDate(e.target.value)) go({ [k]: e.target.value }); };
    bar.appendChild(h('label', { class: 'field' }, h('span', { text: 'From' }), h('input', { type: 'date', name: 'from', value: s.from, onchange: onDate('from') })));
    bar.appendChild(h('label', { class: 'field' }, h('span', { text: 'To' }), h('input', { type: 'date', name: 'to', value: s.to, onchange: onDate('to') })));
  }
  if (!opts.noSource) {
    bar.appendChild(textFilter('Source', 'source', s.source, (v) => go({ source: v || null }), opts.sources));
    bar.appendChild(textFilter('Language', 'lang', s.lang, (v) => go({ lang: v || null }), opts.langs));
  }
  if (!opts.noSentiment) {
    bar.appendChild(select('Sentiment', s.sentiment, [{ value: '', label: 'Any' }, ...SENTIMENTS.map((x) => ({ value: x, label: x[0].toUpperCase() + x.slice(1) }))],
      (v) => go({ sentiment: v || null }), { name: 'sentiment' }));
  }
  if (opts.after) bar.append(...[].concat(opts.after));
  return bar;
}

// textFilter is a select when the known values are given, else a text box
// applied on change (Enter or blur).
function textFilter(label, name, value, onChange, known) {
  if (known && known.length) {
    const vals = [...new Set([...known, ...(value ? [value] : [])])];
    return select(label, value, [{ value: '', label: 'All' }, ...vals.map((v) => ({ value: v, label: v }))], onChange, { name });
  }
  const id = 'f' + ++uid;
  return h('label', { class: 'field', for: id }, h('span', { text: label }),
    h('input', { id, name, type: 'text', value: value || '', placeholder: 'All', size: 8, autocomplete: 'off', spellcheck: 'false', onchange: (e) => onChange(e.target.value.trim().toLowerCase()) }));
}
