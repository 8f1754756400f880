// ECharts wrappers with a colour-blind-safe palette (Okabe & Ito, 2008),
// dark mode, ARIA descriptions, resize handling and a registry so a page
// change disposes the previous page's charts.

import { THEMES } from './state.js';

// Okabe-Ito: distinguishable under the common colour-vision deficiencies.
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#999999'];

// Each marketer theme keeps its colour on every chart. Negative themes are
// warm (vermillion, orange, reddish purple), positive/neutral ones cool.
export const THEME_COLORS = {
  fears: '#D55E00',
  frustrations: '#E69F00',
  disappointments: '#CC79A7',
  joys: '#009E73',
  desires: '#0072B2',
  confusion: '#56B4E9',
};
export const THEME_LABELS = {
  fears: 'Fears', frustrations: 'Frustrations', disappointments: 'Disappointments',
  joys: 'Joys', desires: 'Desires', confusion: 'Confusion',
};
export const themeLabel = (t) => THEME_LABELS[t] || t;
export const orderedThemes = () => THEMES.slice();

const live = new Set();

// reducedMotion honours the OS setting: no chart animations.
export function reducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

export function dark() {
  return document.documentElement.dataset.theme === 'dark';
}

function base(opts) {
  const fg = dark() ? '#e8e8e8' : '#1f2328';
  const grid = dark() ? '#3a3f47' : '#e3e6ea';
  return {
    color: OKABE_ITO,
    backgroundColor: 'transparent',
    textStyle: { color: fg, fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
    aria: { enabled: true, label: { description: opts.description } },
    animation: !reducedMotion(),
    animationDuration: 300,
    grid: { left: 8, right: 16, top: 64, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', confine: true },
    legend: { type: 'scroll', top: 0, textStyle: { color: fg } },
    _axis: { axisLine: { lineStyle: { color: grid } }, splitLine: { lineStyle: { color: grid } }, axisLabel: { color: fg } },
  };
}

// chart renders option into el (replacing any chart there) and returns the
// ECharts instance. opts.description is read out by screen readers.
export function chart(el, option, opts = {}) {
  const echarts = window.echarts;
  if (!echarts) throw new Error('charting library failed to load');
  const prev = echarts.getInstanceByDom(el);
  if (prev) { live.delete(prev); prev.dispose(); }
  el.textContent = '';
  el.classList.add('has-chart');
  el.setAttribute('role', 'img');
  if (opts.description) el.setAttribute('aria-label', opts.description);
  const inst = echarts.init(el, dark() ? 'dark' : null, { renderer: 'canvas' });
  const b = base(opts);
  const ax = b._axis;
  delete b._axis;
  const merged = { ...b, ...option };
  for (const k of ['xAxis', 'yAxis']) {
    if (!merged[k]) continue;
    const list = Array.isArray(merged[k]) ? merged[k] : [merged[k]];
    const out = list.map((a) => ({ ...ax, ...a }));
    merged[k] = Array.isArray(merged[k]) ? out : out[0];
  }
  inst.setOption(merged);
  if (opts.onClick) inst.on('click', opts.onClick);
  live.add(inst);
  return inst;
}

export function disposeAll() {
  for (const c of live) c.dispose();
  live.clear();
}

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => { for (const c of live) c.resize(); }, 100);
});

export const timeAxis = (buckets) => ({ type: 'category', data: buckets, boundaryGap: false });
