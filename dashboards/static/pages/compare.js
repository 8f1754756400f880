// Compare: two to five topics side by side — share of voice, theme
// profiles and sentiment (average and over time).

import * as api from '../api.js';
import { chart, themeLabel } from '../charts.js';
import { filterBar } from '../filters.js';
import { href, THEMES } from '../state.js';
import { card, empty, failed, fmt, h, loading, ready, table } from '../ui.js';
import { settle } from './common.js';

const MIN = 2;
const MAX = 5;

export async function render(root, s, ctx) {
  const { signal } = ctx;
  const topics = await ctx.topics(signal);
  const known = new Set(topics.map((t) => t.id));
  let chosen = (s.topics || []).filter((t) => known.has(t)).slice(0, MAX);
  if (chosen.length < MIN) {
    // Default: the first brand against its first competitor, else the first topics.
    const brand = topics.find((t) => t.kind === 'brand');
    const comp = topics.find((t) => t.kind === 'competitor');
    const dflt = brand && comp ? [brand.id, comp.id] : topics.slice(0, MIN).map((t) => t.id);
    chosen = [...new Set([...chosen, ...dflt])].slice(0, Math.max(MIN, chosen.length));
    if (chosen.length >= MIN) { ctx.nav(href('/compare', s, { topics: chosen }), { replace: true }); return; }
  }

  const picker = h('fieldset', { class: 'picker' }, h('legend', { text: `Topics (${MIN}–${MAX})` }),
    topics.map((t) => {
      const on = chosen.includes(t.id);
      const box = h('input', {
        type: 'checkbox', name: 'topics', value: t.id, checked: on ? true : null,
        disabled: (!on && chosen.length >= MAX) || (on && chosen.length <= MIN) ? true : null,
        onchange: (e) => {
          const next = e.target.checked ? [...chosen, t.id] : chosen.filter((x) => x !== t.id);
          ctx.nav(href('/compare', s, { topics: next }));
        },
      });
      return h('label', { class: 'check' }, box, ' ', t.name);
    }));
  root.appendChild(h('div', { class: 'page-head' }, h('h1', { text: 'Compare' }), filterBar('/compare', s, ctx.nav), picker));

  const grid = h('div', { class: 'grid' });
  root.appendChild(grid);
  const [sovCard, sovEl] = card('Share of voice', { chart: true, id: 'chart-sov', hint: 'Each topic’s share of the posts about the compared topics' });
  const [sentCard, sentEl] = card('Average sentiment', { chart: true, id: 'chart-sent', hint: '−1 (negative) to +1 (positive)' });
  const [profCard, profEl] = card('Theme profiles', { chart: true, wide: true, id: 'chart-profiles', hint: 'Share of each topic’s posts in each theme' });
  const [trendCard, trendEl] = card('Sentiment over time', { chart: true, wide: true, id: 'chart-sent-time' });
  const [tabCard, tabEl] = card('Side by side', { wide: true, id: 'compare-table' });
  grid.append(sovCard, sentCard, profCard, trendCard, tabCard);
  for (const el of [sovEl, sentEl, profEl, trendEl, tabEl]) loading(el);

  const name = (id) => ctx.topicName(id);
  const [sovR, ...trendR] = await settle([
    api.sov(s, chosen, { signal }),
    ...chosen.map((id) => api.trend(s, id, { signal })),
  ]);
  // Theme profiles come with share of voice: one result per chosen topic.
  const themesR = chosen.map((id) => (sovR.ok
    ? { ok: true, value: (sovR.value.find((r) => r.topic === id) || { themes: [] }).themes }
    : sovR));

  let sovRows = [];
  if (!sovR.ok) { failed(sovEl, sovR.error); failed(sentEl, sovR.error); } else {
    sovRows = chosen.map((id) => sovR.value.find((r) => r.topic === id) || { topic: id, posts: 0 });
    const total = sovRows.reduce((a, r) => a + r.posts, 0);
    for (const r of sovRows) if (r.share === undefined || Number.isNaN(r.share)) r.share = total ? r.posts / total : 0;
    if (!total) { empty(sovEl); empty(sentEl); } else {
      chart(ready(sovEl), {
        tooltip: { trigger: 'item', confine: true },
        legend: { show: false },
        series: [{ type: 'pie', name: 'Share of voice', radius: ['35%', '70%'], label: { formatter: '{b}\n{d}%', lineHeight: 16 },
          data: sovRows.map((r, i) => ({ name: name(r.topic), value: r.posts, itemStyle: { color: ctx.topicColor(r.topic) } })) }],
      }, { description: 'Share of voice: ' + sovRows.map((r) => `${name(r.topic)} ${fmt.pct(r.share)}`).join(', ') });
      chart(ready(sentEl), {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
        legend: { show: false },
        grid: { left: 16, right: 48, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: 'value', min: -1, max: 1 },
        yAxis: { type: 'category', data: sovRows.map((r) => name(r.topic)), inverse: true },
        series: [{ type: 'bar', name: 'Average sentiment', label: { show: true, position: 'right', formatter: (p) => fmt.score(p.value) },
          data: sovRows.map((r) => ({ value: r.sentiment === undefined ? 0 : +(+r.sentiment).toFixed(3), itemStyle: { color: ctx.topicColor(r.topic) } })) }],
      }, { description: 'Average sentiment per topic' });
    }
  }

  // Theme profiles: grouped bars, theme on the axis, one series per topic.
  const shareOf = (r, th) => {
    if (!r.ok) return 0;
    const row = r.value.find((t) => t.theme === th);
    if (!row) return 0;
    if (row.share !== undefined && !Number.isNaN(row.share)) return +(row.share * 100).toFixed(1);
    const tot = r.value.reduce((a, t) => a + t.posts, 0);
    return tot ? +((row.posts / tot) * 100).toFixed(1) : 0;
  };
  if (themesR.every((r) => !r.ok)) failed(profEl, themesR[0].error);
  else if (!themesR.some((r) => r.ok && r.value.some((t) => t.posts > 0))) empty(profEl);
  else {
    chart(ready(profEl), {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: (v) => v + '%' },
      xAxis: { type: 'category', data: THEMES.map(themeLabel) },
      yAxis: { type: 'value', name: '% of posts' },
      series: chosen.map((id, i) => ({ name: name(id), type: 'bar', itemStyle: { color: ctx.topicColor(id) }, data: THEMES.map((th) => shareOf(themesR[i], th)) })),
    }, { description: 'Theme profile per topic', onClick: (p) => ctx.nav(href('/topic', s, { topic: chosen[p.seriesIndex], theme: THEMES[p.dataIndex], topics: null }) + '#quotes') });
  }

  const okTrends = trendR.map((r, i) => ({ id: chosen[i], r })).filter((x) => x.r.ok && x.r.value.length);
  if (!okTrends.length) { const e = trendR.find((r) => !r.ok); if (e) failed(trendEl, e.error); else empty(trendEl); } else {
    const buckets = [...new Set(okTrends.flatMap((x) => x.r.value.map((p) => p.bucket)))].sort();
    chart(ready(trendEl), {
      xAxis: { type: 'category', data: buckets, boundaryGap: false },
      yAxis: { type: 'value', min: -1, max: 1 },
      series: okTrends.map((x) => {
        const m = new Map(x.r.value.map((p) => [p.bucket, p.sentiment]));
        return { name: name(x.id), type: 'line', showSymbol: false, connectNulls: true, itemStyle: { color: ctx.topicColor(x.id) },
          data: buckets.map((b) => (m.get(b) === undefined ? null : +(+m.get(b)).toFixed(3))) };
      }),
    }, { description: 'Average sentiment over time per topic' });
  }

  // Side-by-side table.
  const rows = chosen.map((id, i) => {
    const sv = sovRows.find((r) => r.topic === id) || {};
    const row = { topic: name(id), posts: sv.posts, share: sv.share, sentiment: sv.sentiment };
    for (const th of THEMES) row[th] = shareOf(themesR[i], th) / 100;
    return row;
  });
  ready(tabEl).appendChild(table([
    { label: 'Topic', key: 'topic' },
    { label: 'Posts', key: 'posts', num: true, fmt: fmt.int },
    { label: 'Share of voice', key: 'share', num: true, fmt: fmt.pct },
    { label: 'Sentiment', key: 'sentiment', num: true, fmt: fmt.score },
    ...THEMES.map((th) => ({ label: themeLabel(th), key: th, num: true, fmt: fmt.pct })),
  ], rows, { caption: 'Compared topics' }));
}
