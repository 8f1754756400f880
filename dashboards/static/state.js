// Page state lives in the URL query string, so every view is a shareable
// link. parse() reads it with defaults; href() builds links; the router
// re-renders on navigation.

export const THEMES = ['fears', 'frustrations', 'disappointments', 'joys', 'desires', 'confusion'];
export const PERIODS = [
  { id: '7d', label: 'Last 7 days', days: 7 },
  { id: '30d', label: 'Last 30 days', days: 30 },
  { id: '90d', label: 'Last 90 days', days: 90 },
  { id: '365d', label: 'Last 12 months', days: 365 },
  { id: 'custom', label: 'Custom…' },
];
export const SENTIMENTS = ['negative', 'neutral', 'positive'];
export const DEFAULT_PERIOD = '30d';

const LISTS = ['topics', 'themes', 'sources', 'langs'];
const SCALARS = ['period', 'from', 'to', 'topic', 'theme', 'source', 'lang', 'sentiment', 'interval', 'sort'];

export function parse(search = location.search) {
  const q = new URLSearchParams(search);
  const s = {};
  for (const k of SCALARS) {
    const v = q.get(k);
    if (v) s[k] = v;
  }
  for (const k of LISTS) {
    const v = q.getAll(k).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    if (v.length) s[k] = [...new Set(v)];
  }
  if (!PERIODS.some((p) => p.id === s.period)) s.period = DEFAULT_PERIOD;
  if (s.period === 'custom' && !(validDate(s.from) && validDate(s.to))) s.period = DEFAULT_PERIOD;
  if (s.period !== 'custom') { delete s.from; delete s.to; }
  if (s.theme && !THEMES.includes(s.theme)) delete s.theme;
  if (s.themes) s.themes = s.themes.filter((t) => THEMES.includes(t));
  if (s.sentiment && !SENTIMENTS.includes(s.sentiment)) delete s.sentiment;
  if (s.interval !== 'week') s.interval = 'day';
  return s;
}

export function validDate(v) {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v));
}

// query serializes state (minus defaults) into a query string with a "?".
export function query(s) {
  const q = new URLSearchParams();
  for (const k of SCALARS) {
    const v = s[k];
    if (!v) continue;
    if (k === 'period' && v === DEFAULT_PERIOD) continue;
    if (k === 'interval' && v === 'day') continue;
    if ((k === 'from' || k === 'to') && s.period !== 'custom') continue;
    q.set(k, v);
  }
  for (const k of LISTS) if (s[k] && s[k].length) q.set(k, s[k].join(','));
  const str = q.toString();
  return str ? '?' + str : '';
}

// href returns a link to path with state s changed by patch (null deletes).
export function href(path, s, patch = {}) {
  const n = { ...s };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined || (Array.isArray(v) && v.length === 0)) delete n[k];
    else n[k] = v;
  }
  return path + query(n);
}

// range resolves the period to concrete inclusive dates (YYYY-MM-DD, UTC):
// the relative periods end today.
export function range(s, now = new Date()) {
  if (s.period === 'custom') return { from: s.from, to: s.to };
  const p = PERIODS.find((x) => x.id === s.period) || PERIODS[1];
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const from = new Date(to.getTime() - (p.days - 1) * 86400000);
  return { from: iso(from), to: iso(to) };
}

function iso(d) {
  return d.toISOString().slice(0, 10);
}
