// Explore: a filter builder (period, topics, themes, sources, languages,
// sentiment) that yields a table of aggregates (topic × theme) and a table
// of quotes, both exportable as CSV.

import * as api from '../api.js';
import { themeLabel } from '../charts.js';
import { href, PERIODS, SENTIMENTS, THEMES, range, validDate } from '../state.js';
import { card, download, empty, failed, fmt, h, loading, ready, table, toCSV } from '../ui.js';
import { badge, settle, topicLink } from './common.js';

const MAX_QUOTE_QUERIES = 6;

export async function render(root, s, ctx) {
  const { signal } = ctx;
  const topics = await ctx.topics(signal);
  const sel = (s.topics || []).filter((t) => topics.some((x) => x.id === t));
  const themes = s.themes && s.themes.length ? s.themes : [];

  root.appendChild(h('div', { class: 'page-head' }, h('h1', { text: 'Explore' })));
  root.appendChild(builder(s, topics, sel, themes, ctx));

  const grid = h('div', { class: 'grid' });
  root.appendChild(grid);
  const aggCols = [
    { label: 'Topic', key: 'topic', cell: (r) => topicLink(s, r.topicId, r.theme, r.topic, r.topic), csv: (r) => r.topicId },
    { label: 'Theme', key: 'theme', cell: (r) => badge(r.theme) },
    { label: 'Posts', key: 'posts', num: true, fmt: fmt.int },
    { label: 'Share of topic', key: 'share', num: true, fmt: fmt.pct },
    { label: 'Distinct authors', key: 'authors', num: true, fmt: fmt.int },
    { label: 'Avg sentiment', key: 'sentiment', num: true, fmt: fmt.score },
  ];
  const qCols = [
    { label: 'Topic', key: 'topic', csv: (r) => r.topicId },
    { label: 'Theme', key: 'theme', cell: (r) => badge(r.theme) },
    { label: 'Quote', key: 'text', cell: (r) => h('span', { class: 'qtext', text: r.text }) },
    { label: 'Source', key: 'source' },
    { label: 'Lang', key: 'lang' },
    { label: 'Date', key: 'created', fmt: fmt.date },
    { label: 'Sentiment', key: 'sentiment', num: true, fmt: fmt.score },
  ];
  let aggRows = [];
  let qRows = [];
  const stamp = () => { const r = range(s); return `${r.from}_${r.to}`; };
  const aggBtn = h('button', { type: 'button', class: 'ghost', disabled: true, onclick: () => download(`undertone-aggregates_${stamp()}.csv`, toCSV(aggCols, aggRows)) }, 'Export CSV');
  const qBtn = h('button', { type: 'button', class: 'ghost', disabled: true, onclick: () => download(`undertone-quotes_${stamp()}.csv`, toCSV(qCols, qRows)) }, 'Export CSV');
  const [aggCard, aggEl] = card('Aggregates', { wide: true, id: 'aggregates', actions: aggBtn });
  const [qCard, qEl] = card('Quotes', { wide: true, id: 'quotes', actions: qBtn });
  grid.append(aggCard, qCard);
  loading(aggEl); loading(qEl);

  const themeSet = themes.length ? themes : THEMES;
  let firstErr = null;
  aggRows = [];
  try {
    // The API takes at most 20 topics per call: ask for all and filter.
    const sv = await api.sov(s, sel.length > 20 ? [] : sel, { signal });
    for (const r of sv) {
      if (sel.length && !sel.includes(r.topic)) continue;
      for (const t of r.themes) {
        if (!themeSet.includes(t.theme) || !t.posts) continue;
        aggRows.push({ topicId: r.topic, topic: ctx.topicName(r.topic), ...t });
      }
    }
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    firstErr = err;
  }
  aggRows.sort((a, b) => b.posts - a.posts);
  if (!aggRows.length) { if (firstErr) failed(aggEl, firstErr); else empty(aggEl); } else {
    ready(aggEl).appendChild(table(aggCols, aggRows, { caption: 'Aggregates by topic and theme' }));
    aggEl.appendChild(h('p', { class: 'hint', text: `${aggRows.length} rows` }));
    aggBtn.disabled = false;
  }

  // Quotes for the largest matching topic × theme groups.
  const pairs = aggRows.slice(0, MAX_QUOTE_QUERIES).map((r) => [r.topicId, r.theme]);
  const qs = await settle(pairs.map(([t, th]) => api.quotes(s, t, th, { signal }, 5)));
  qRows = [];
  qs.forEach((r, i) => {
    if (!r.ok) { firstErr = firstErr || r.error; return; }
    for (const q of r.value) qRows.push({ ...q, topicId: pairs[i][0], topic: ctx.topicName(pairs[i][0]), theme: q.theme || pairs[i][1] });
  });
  if (!qRows.length) { if (qs.some((r) => !r.ok)) failed(qEl, qs.find((r) => !r.ok).error); else empty(qEl, 'No quotes for these filters.'); } else {
    ready(qEl).appendChild(table(qCols, qRows, { caption: 'Quotes', class: 'data quotes-table' }));
    qBtn.disabled = false;
  }
}

function builder(s, topics, sel, themes, ctx) {
  const form = h('form', { class: 'builder', 'aria-label': 'Filter builder' });
  const period = h('select', { id: 'x-period', name: 'period' }, PERIODS.map((p) => h('option', { value: p.id, selected: p.id === s.period ? true : null, text: p.label })));
  const r = range(s);
  const from = h('input', { id: 'x-from', type: 'date', name: 'from', value: r.from });
  const to = h('input', { id: 'x-to', type: 'date', name: 'to', value: r.to });
  const dates = h('div', { class: 'dates' + (s.period === 'custom' ? '' : ' hidden') },
    h('label', { class: 'field', for: 'x-from' }, h('span', { text: 'From' }), from),
    h('label', { class: 'field', for: 'x-to' }, h('span', { text: 'To' }), to));
  period.addEventListener('change', () => dates.classList.toggle('hidden', period.value !== 'custom'));
  const checks = (legend, name, items, on) => h('fieldset', { class: 'picker' }, h('legend', { text: legend }),
    items.map((it) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: it.value, checked: on.includes(it.value) ? true : null }), ' ', it.label)));
  const sources = h('input', { id: 'x-sources', name: 'sources', type: 'text', value: (s.sources || (s.source ? [s.source] : [])).join(', '), placeholder: 'all (e.g. reddit, reviews)', autocomplete: 'off', spellcheck: 'false' });
  const langs = h('input', { id: 'x-langs', name: 'langs', type: 'text', value: (s.langs || (s.lang ? [s.lang] : [])).join(', '), placeholder: 'all (e.g. en, de)', autocomplete: 'off', spellcheck: 'false' });
  const sentiment = h('select', { id: 'x-sentiment', name: 'sentiment' }, [h('option', { value: '', text: 'Any' }), ...SENTIMENTS.map((x) => h('option', { value: x, selected: x === s.sentiment ? true : null, text: x }))]);
  form.append(
    h('div', { class: 'row' }, h('label', { class: 'field', for: 'x-period' }, h('span', { text: 'Period' }), period), dates,
      h('label', { class: 'field', for: 'x-sentiment' }, h('span', { text: 'Sentiment' }), sentiment),
      h('label', { class: 'field', for: 'x-sources' }, h('span', { text: 'Sources' }), sources),
      h('label', { class: 'field', for: 'x-langs' }, h('span', { text: 'Languages' }), langs)),
    checks('Topics (none = all)', 'topics', topics.map((t) => ({ value: t.id, label: t.name })), sel),
    checks('Themes (none = all)', 'themes', THEMES.map((t) => ({ value: t, label: themeLabel(t) })), themes),
    h('div', { class: 'row' }, h('button', { type: 'submit', text: 'Apply' }), h('a', { href: '/explore', class: 'button ghost', text: 'Reset' })),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const list = (v) => v.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
    const picked = (name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((x) => x.value);
    const patch = {
      period: period.value,
      from: period.value === 'custom' && validDate(from.value) ? from.value : null,
      to: period.value === 'custom' && validDate(to.value) ? to.value : null,
      topics: picked('topics'), themes: picked('themes'),
      sources: list(sources.value), langs: list(langs.value), source: null, lang: null,
      sentiment: sentiment.value || null,
    };
    ctx.nav(href('/explore', s, patch));
  });
  return form;
}
