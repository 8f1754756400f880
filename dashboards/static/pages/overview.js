// Overview: volume and net sentiment over time for every topic, the theme
// mix per topic (fears vs joys at a glance) and this week's biggest movers.

import * as api from '../api.js';
import { chart, THEME_COLORS, themeLabel } from '../charts.js';
import { filterBar } from '../filters.js';
import { href, THEMES } from '../state.js';
import { card, empty, failed, h, loading, ready } from '../ui.js';
import { moversTable, settle } from './common.js';

// Mix order runs from the darkest themes to the brightest.
const MIX_ORDER = ['fears', 'frustrations', 'disappointments', 'confusion', 'desires', 'joys'];
const MAX_LINES = 8;

export async function render(root, s, ctx) {
  const { signal } = ctx;
  root.appendChild(h('div', { class: 'page-head' }, h('h1', { text: 'Overview' }),
    filterBar('/', s, ctx.nav, { noSentiment: true })));
  const grid = h('div', { class: 'grid' });
  root.appendChild(grid);
  const [volCard, volEl] = card('Volume over time', { chart: true, id: 'chart-volume', hint: 'Posts mentioning each topic' });
  const [sentCard, sentEl] = card('Net sentiment over time', { chart: true, id: 'chart-sentiment', hint: 'Average sentiment score, −1 (negative) to +1 (positive)' });
  const [mixCard, mixEl] = card('Theme mix per topic', { chart: true, wide: true, id: 'chart-mix', hint: 'Share of each topic’s posts in each theme — fears on the left, joys on the right. Click a bar to open its quotes.' });
  const [movCard, movEl] = card('This week’s biggest movers', { wide: true, id: 'movers', hint: 'Last 7 days against the 7 days before: posts, and the change of the theme’s share of its topic (* significant at p < 0.05). Click a theme for its quotes.' });
  grid.append(volCard, sentCard, mixCard, movCard);
  for (const el of [volEl, sentEl, mixEl, movEl]) loading(el);

  const topics = await ctx.topics(signal);
  if (!topics.length) {
    for (const el of [volEl, sentEl, mixEl, movEl]) empty(el, 'No topics are configured.');
    return;
  }
  const ids = topics.map((t) => t.id);
  const name = (id) => ctx.topicName(id);

  const week = { ...s, period: '7d' };
  delete week.from; delete week.to;
  const moversP = api.movers(week, {}, { signal });
  moversP.catch(() => {}); // awaited below; no unhandled rejection if the page is left first
  // Share of voice (one call, every topic) ranks the topics; the lines show
  // the largest eight: one trend call each, and eight is as many as the
  // colour-blind-safe palette tells apart.
  const [sovR] = await settle([api.sov(s, [], { signal })]);
  const known = new Set(ids);
  if (sovR.ok) sovR.value = sovR.value.filter((r) => known.has(r.topic)).sort((a, b) => b.posts - a.posts);
  const lineIds = (sovR.ok && sovR.value.length ? sovR.value.map((r) => r.topic) : ids).slice(0, MAX_LINES);
  if (ids.length > MAX_LINES) {
    const note = `The ${MAX_LINES} largest topics by volume; use Compare for the others.`;
    for (const el of [volEl, sentEl]) el.parentElement.querySelector('.hint').textContent = note;
  }
  const trends = await settle(lineIds.map((id) => api.trend(s, id, { signal })));

  // Volume and sentiment lines share the bucket axis.
  const okTrends = trends.map((r, i) => ({ id: lineIds[i], r })).filter((x) => x.r.ok && x.r.value.length);
  if (!okTrends.length) {
    const err = trends.find((r) => !r.ok);
    if (err) { failed(volEl, err.error); failed(sentEl, err.error); } else { empty(volEl); empty(sentEl); }
  } else {
    const buckets = [...new Set(okTrends.flatMap((x) => x.r.value.map((p) => p.bucket)))].sort();
    const at = (pts, f) => { const m = new Map(pts.map((p) => [p.bucket, f(p)])); return buckets.map((b) => (m.has(b) ? m.get(b) : null)); };
    chart(ready(volEl), {
      xAxis: { type: 'category', data: buckets, boundaryGap: false },
      yAxis: { type: 'value', name: 'posts' },
      series: okTrends.map((x) => ({ name: name(x.id), type: 'line', showSymbol: false, itemStyle: { color: ctx.topicColor(x.id) }, data: at(x.r.value, (p) => p.posts) })),
    }, { description: `Daily posts for ${okTrends.length} topics` });
    chart(ready(sentEl), {
      xAxis: { type: 'category', data: buckets, boundaryGap: false },
      yAxis: { type: 'value', min: -1, max: 1, name: 'score' },
      tooltip: { trigger: 'axis', confine: true, valueFormatter: (v) => (v === null || v === undefined ? '–' : (+v).toFixed(2)) },
      series: okTrends.map((x) => ({ name: name(x.id), type: 'line', showSymbol: false, connectNulls: true, itemStyle: { color: ctx.topicColor(x.id) }, data: at(x.r.value, (p) => (p.sentiment === undefined ? null : +p.sentiment.toFixed(3))) })),
    }, { description: `Average sentiment for ${okTrends.length} topics` });
  }

  // Theme mix: one horizontal stacked bar per topic, from share of voice
  // (which carries each topic's theme mix), largest topic first.
  const okMix = sovR.ok ? sovR.value.filter((r) => r.posts > 0 && r.themes.length) : [];
  if (!okMix.length) {
    if (!sovR.ok) failed(mixEl, sovR.error); else empty(mixEl);
  } else {
    const cats = okMix.map((x) => name(x.topic));
    const share = (x, th) => {
      const row = x.themes.find((t) => t.theme === th);
      if (!row) return 0;
      if (row.share !== undefined && !Number.isNaN(row.share)) return +(row.share * 100).toFixed(1);
      return x.posts ? +((row.posts / x.posts) * 100).toFixed(1) : 0;
    };
    mixEl.style.height = Math.max(220, 64 + okMix.length * 34) + 'px';
    const order = MIX_ORDER.filter((t) => THEMES.includes(t));
    chart(ready(mixEl), {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true, valueFormatter: (v) => v + '%' },
      xAxis: { type: 'value', name: '% of posts' },
      yAxis: { type: 'category', data: cats, inverse: true },
      series: order.map((th) => ({
        name: themeLabel(th), type: 'bar', stack: 'mix', itemStyle: { color: THEME_COLORS[th] },
        emphasis: { focus: 'series' }, data: okMix.map((x) => share(x, th)),
      })),
    }, {
      description: `Theme mix for ${okMix.length} topics`,
      onClick: (p) => {
        const th = order[p.seriesIndex];
        const id = okMix[p.dataIndex].topic;
        ctx.nav(href('/topic', s, { topic: id, theme: th }) + '#quotes');
      },
    });
  }

  try {
    const mv = (await moversP).filter((m) => m.topic && m.theme).slice(0, 10);
    if (!mv.length) empty(movEl, 'No significant movers this week.');
    else ready(movEl).appendChild(moversTable(week, mv, ctx, { caption: 'This week’s biggest movers' }));
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    failed(movEl, err);
  }
}
