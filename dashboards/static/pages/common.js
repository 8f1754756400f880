// Pieces several pages share: the movers table (with drill-down links),
// the quotes list and the theme badge.

import { h, fmt, table } from '../ui.js';
import { themeLabel } from '../charts.js';
import { href } from '../state.js';

export function badge(theme) {
  if (!theme) return null;
  return h('span', { class: 'badge theme-' + theme, text: themeLabel(theme) });
}

// topicLink opens the Topic page for topic (and theme), keeping the
// period and filters of s, and jumps to the quotes.
export function topicLink(s, topic, theme, label, name) {
  const url = href('/topic', s, { topic, theme: theme || null, topics: null, themes: null }) + (theme ? '#quotes' : '');
  return h('a', { href: url, class: 'drill', dataset: { topic, theme: theme || '' }, 'aria-label': theme ? `${name || topic}: ${themeLabel(theme)} quotes` : undefined }, label);
}

export function moversTable(s, rows, ctx, opts = {}) {
  const cols = [];
  if (!opts.noTopic) cols.push({ label: 'Topic', cell: (r) => topicLink(s, r.topic, null, ctx.topicName(r.topic)) });
  cols.push(
    { label: 'Theme', cell: (r) => (r.theme ? topicLink(s, r.topic, r.theme, badge(r.theme), ctx.topicName(r.topic)) : r.entity || '–') },
    { label: 'Now', num: true, cell: (r) => fmt.int(r.current) },
    { label: 'Before', num: true, cell: (r) => fmt.int(r.previous) },
    { label: 'Share change', num: true, cell: (r) => h('span', { class: (r.lift ?? r.current / (r.previous || 1)) >= 1 ? 'up' : 'down', title: r.p !== undefined ? `p = ${r.p.toPrecision(2)}` : undefined }, arrow(r), ' ', changeText(r), r.significant ? h('strong', { title: 'significant (p < 0.05)' }, ' *') : null) },
  );
  return table(cols, rows, { caption: opts.caption || 'Biggest movers', class: 'data movers', rowData: (r) => ({ topic: r.topic || '', theme: r.theme || '' }) });
}

function arrow(r) {
  return (r.lift ?? r.current / (r.previous || 1)) >= 1 ? '▲' : '▼';
}

function changeText(r) {
  if (r.lift !== undefined && !Number.isNaN(r.lift)) {
    // lift is a ratio current/previous (1 = unchanged) in the API; show it as a change.
    return fmt.signedPct(r.lift - 1);
  }
  if (r.previous) return fmt.signedPct(r.current / r.previous - 1);
  return 'new';
}

export function quotesList(rows) {
  return h('ol', { class: 'quotes', 'aria-label': 'Representative quotes' }, rows.map((q) => h('li', { class: 'quote', dataset: { theme: q.theme || '' } },
    h('blockquote', {}, h('p', { text: q.text })),
    h('div', { class: 'quote-meta' }, badge(q.theme),
      q.source ? h('span', { class: 'chip', text: q.source }) : null,
      q.lang ? h('span', { class: 'chip', text: q.lang }) : null,
      q.created ? h('time', { datetime: String(q.created), text: fmt.date(q.created) }) : null,
      q.sentiment !== undefined && !Number.isNaN(q.sentiment) ? h('span', { class: 'chip', title: 'Sentiment score', text: 'sentiment ' + fmt.score(q.sentiment) }) : null))));
}

// settle runs the loaders in parallel and never rejects: each result is
// {ok, value} or {ok:false, error}. Abort errors propagate.
export async function settle(promises) {
  const res = await Promise.allSettled(promises);
  for (const r of res) if (r.status === 'rejected' && r.reason && r.reason.name === 'AbortError') throw r.reason;
  return res.map((r) => (r.status === 'fulfilled' ? { ok: true, value: r.value } : { ok: false, error: r.reason }));
}
