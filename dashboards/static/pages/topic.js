// Topic: themes over time (stacked), the theme breakdown, each theme's
// drivers, movers, representative quotes, and the source and language mix.
// ?theme= narrows drivers, quotes and mixes to one theme.

import * as api from '../api.js';
import { chart, THEME_COLORS, themeLabel } from '../charts.js';
import { filterBar, select } from '../filters.js';
import { href, THEMES } from '../state.js';
import { card, empty, failed, fmt, h, loading, ready, table } from '../ui.js';
import { badge, moversTable, quotesList, settle } from './common.js';

export async function render(root, s, ctx) {
  const { signal } = ctx;
  const topics = await ctx.topics(signal);
  if (!topics.length) {
    root.appendChild(h('p', { class: 'state empty', text: 'No topics are configured.' }));
    return;
  }
  if (!s.topic || !topics.some((t) => t.id === s.topic)) {
    ctx.nav(href('/topic', s, { topic: topics[0].id }), { replace: true });
    return;
  }
  const topic = s.topic;
  const go = (patch) => ctx.nav(href('/topic', s, patch));
  const topicSel = select('Topic', topic, topics.map((t) => ({ value: t.id, label: t.name })), (v) => go({ topic: v, theme: null }), { name: 'topic' });
  const themeSel = select('Theme', s.theme, [{ value: '', label: 'All themes' }, ...THEMES.map((t) => ({ value: t, label: themeLabel(t) }))], (v) => go({ theme: v || null }), { name: 'theme' });
  root.appendChild(h('div', { class: 'page-head' },
    h('h1', {}, ctx.topicName(topic), s.theme ? [' · ', badge(s.theme)] : null),
    filterBar('/topic', s, ctx.nav, { before: [topicSel, themeSel] })));

  const grid = h('div', { class: 'grid' });
  root.appendChild(grid);
  const [trendCard, trendEl] = card('Themes over time', { chart: true, wide: true, id: 'chart-themes-time', hint: 'Posts per theme, stacked' });
  const [brkCard, brkEl] = card('Theme breakdown', { chart: true, id: 'chart-breakdown', hint: 'Share of the topic’s posts; click a bar to focus a theme' });
  const [movCard, movEl] = card('Movers', { id: 'movers', hint: 'This period against the one before (* significant at p < 0.05)' });
  const [drvCard, drvEl] = card(s.theme ? `Drivers of ${themeLabel(s.theme).toLowerCase()}` : 'Drivers by theme', { wide: true, id: 'drivers', hint: 'Entities and terms over-represented in the theme (lift against the topic baseline)' });
  const [qCard, qEl] = card(s.theme ? `Quotes: ${themeLabel(s.theme).toLowerCase()}` : 'Representative quotes', { wide: true, id: 'quotes' });
  const [srcCard, srcEl] = card('Source mix', { chart: true, id: 'chart-sources' });
  const [langCard, langEl] = card('Language mix', { chart: true, id: 'chart-langs' });
  grid.append(trendCard, brkCard, movCard, qCard, drvCard, srcCard, langCard);
  for (const el of [trendEl, brkEl, movEl, drvEl, qEl, srcEl, langEl]) loading(el);
  if (location.hash === '#quotes') qCard.scrollIntoView({ block: 'start' });

  // Drivers and quotes take one theme per call and read raw posts: they are
  // the costly queries. Quotes load for the selected theme or the topic's
  // three largest; drivers for the selected or the largest theme, the
  // others on demand. They start as soon as the breakdown is in.
  const themesP = api.themes(s, topic, { signal });
  const phase1 = settle([
    api.trend(s, topic, { signal }),
    themesP,
    api.movers(s, { topic }, { signal }),
    api.mix(s, topic, 'source', { signal }),
    api.mix(s, topic, 'lang', { signal }),
  ]);
  const phase2 = themesP.then((rows) => topThemes(s, rows), () => topThemes(s, [])).then(async (ths) => {
    const drvThs = ths.slice(0, 1);
    const res = await settle([
      ...ths.map((th) => api.quotes(s, topic, th, { signal }, s.theme ? 12 : 3)),
      ...drvThs.map((th) => api.drivers(s, topic, th, { signal })),
    ]);
    return { ths, drvThs, quoteRs: res.slice(0, ths.length), drvRs: res.slice(ths.length) };
  });
  phase2.catch(() => {}); // awaited below; no unhandled rejection if the page is left first
  const [trendR, themesR, moversR, srcR, langR] = await phase1;

  // Themes over time.
  if (!trendR.ok) failed(trendEl, trendR.error);
  else if (!trendR.value.length) empty(trendEl);
  else {
    const pts = trendR.value;
    const shown = s.theme ? [s.theme] : THEMES;
    chart(ready(trendEl), {
      xAxis: { type: 'category', data: pts.map((p) => p.bucket), boundaryGap: false },
      yAxis: { type: 'value', name: 'posts' },
      series: shown.map((th) => ({
        name: themeLabel(th), type: 'line', stack: 'themes', areaStyle: { opacity: 0.85 }, showSymbol: false,
        lineStyle: { width: 1 }, itemStyle: { color: THEME_COLORS[th] }, emphasis: { focus: 'series' },
        data: pts.map((p) => p.themes[th] || 0),
      })),
    }, { description: `Posts per theme per ${s.interval} for ${ctx.topicName(topic)}` });
  }

  // Theme breakdown bars.
  if (!themesR.ok) failed(brkEl, themesR.error);
  else if (!themesR.value.some((t) => t.posts > 0)) empty(brkEl);
  else {
    const rows = THEMES.map((th) => themesR.value.find((t) => t.theme === th) || { theme: th, posts: 0 });
    chart(ready(brkEl), {
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, confine: true },
      legend: { show: false },
      grid: { left: 16, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: rows.map((r) => themeLabel(r.theme)), inverse: true },
      series: [{
        name: 'Posts', type: 'bar',
        data: rows.map((r) => ({ value: r.posts, itemStyle: { color: THEME_COLORS[r.theme], opacity: s.theme && s.theme !== r.theme ? 0.35 : 1 } })),
        label: { show: true, position: 'right', formatter: (p) => (rows[p.dataIndex].share !== undefined ? fmt.pct(rows[p.dataIndex].share) : fmt.int(p.value)) },
      }],
    }, { description: `Posts per theme for ${ctx.topicName(topic)}`, onClick: (p) => go({ theme: rows[p.dataIndex].theme }) });
  }

  // Movers for this topic.
  if (!moversR.ok) failed(movEl, moversR.error);
  else {
    const mv = moversR.value.filter((m) => m.theme && (!m.topic || m.topic === topic)).map((m) => ({ ...m, topic }));
    if (!mv.length) empty(movEl, 'Nothing moved significantly.');
    else ready(movEl).appendChild(moversTable(s, mv.slice(0, 8), ctx, { noTopic: true, caption: 'Movers' }));
  }

  mixChart(srcEl, srcR, 'source', ctx.topicName(topic));
  mixChart(langEl, langR, 'language', ctx.topicName(topic));

  const { drvThs, quoteRs, drvRs } = await phase2;

  // Quotes.
  const quotes = quoteRs.flatMap((r) => (r.ok ? r.value : []));
  if (!quotes.length && quoteRs.some((r) => !r.ok)) failed(qEl, quoteRs.find((r) => !r.ok).error);
  else if (!quotes.length) empty(qEl, 'No quotes: too few distinct authors for these filters, or no posts.');
  else {
    ready(qEl).appendChild(quotesList(quotes));
    if (!s.theme) qEl.appendChild(h('p', { class: 'hint' }, 'Quotes from the largest themes. Pick a theme for more.'));
  }
  if (location.hash === '#quotes') qCard.scrollIntoView({ block: 'start' });

  // Drivers: one small table per theme; themes not loaded yet get a button.
  ready(drvEl);
  const wrap = h('div', { class: 'drivers' });
  drvEl.appendChild(wrap);
  const shownThemes = s.theme ? [s.theme] : THEMES;
  for (const th of shownThemes) {
    const box = h('div', { class: 'driver-box', dataset: { theme: th } }, h('h3', {}, h('a', { href: href('/topic', s, { theme: th }) + '#quotes' }, badge(th))));
    wrap.appendChild(box);
    const i = drvThs.indexOf(th);
    if (i >= 0) { driverTable(box, drvRs[i], th); continue; }
    const btn = h('button', { type: 'button', class: 'ghost', text: `Show drivers of ${themeLabel(th).toLowerCase()}` });
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      btn.textContent = 'Loading…';
      const [r] = await settle([api.drivers(s, topic, th, {})]);
      btn.remove();
      driverTable(box, r, th);
    });
    box.appendChild(btn);
  }

}

// topThemes picks the themes whose quotes and drivers load with the page.
function topThemes(s, rows) {
  if (s.theme) return [s.theme];
  const ranked = rows.filter((r) => r.posts > 0).sort((a, b) => b.posts - a.posts).map((r) => r.theme);
  return (ranked.length ? ranked : ['fears', 'joys', 'frustrations']).slice(0, 3);
}

function driverTable(box, r, th) {
  if (!r.ok) { failed(box.appendChild(h('div')), r.error); return; }
  const rows = r.value.slice(0, 8);
  box.appendChild(rows.length ? table([
    { label: 'Term', key: 'term' },
    { label: 'Posts', key: 'count', num: true, fmt: fmt.int },
    { label: 'Lift', key: 'lift', num: true, fmt: fmt.ratio },
  ], rows, { caption: `Drivers of ${th}`, class: 'data compact' }) : h('p', { class: 'state empty', text: 'No drivers.' }));
}

function mixChart(el, r, what, topicName) {
  if (!r.ok) { failed(el, r.error); return; }
  const rows = r.value.filter((x) => x.posts > 0).sort((a, b) => b.posts - a.posts);
  if (!rows.length) { empty(el); return; }
  chart(ready(el), {
    tooltip: { trigger: 'item', confine: true },
    legend: { show: false },
    series: [{
      name: what, type: 'pie', radius: ['40%', '70%'], avoidLabelOverlap: true,
      label: { formatter: '{b}\n{d}%', lineHeight: 16 },
      data: rows.map((x) => ({ name: x.key || 'unknown', value: x.posts })),
    }],
  }, { description: `Posts by ${what} for ${topicName}` });
}
