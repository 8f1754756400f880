// Query API client: same origin, bearer token from sessionStorage (or no
// auth in "none" mode). Every call goes through get(), which turns API error
// bodies into ApiError and sends the browser to the login page on 401.
//
// The adapters below (themes, trend, movers, ...) are the only place that
// knows the API's parameter names and response shapes.

import { range, THEMES } from './state.js';

const meta = (name, dflt) => document.querySelector(`meta[name="${name}"]`)?.content || dflt;
export const config = {
  authMode: meta('undertone-auth-mode', 'tokens'),
  apiBase: meta('undertone-api-base', '/api/v1'),
};

const TOKEN_KEY = 'undertone.token';
export const auth = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
  required: () => config.authMode !== 'none',
};

export class ApiError extends Error {
  constructor(status, message, param) {
    super(message);
    this.status = status;
    this.param = param;
  }
}

// onUnauthorized is replaced by the app to redirect to /login.
export const hooks = { onUnauthorized: () => {} };

// Small in-memory cache so moving between pages with the same filters does
// not refetch; entries live for the page session only.
const cache = new Map();
const CACHE_MS = 30000;

export async function get(endpoint, params = {}, { signal, token } = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length)) continue;
    q.set(k, Array.isArray(v) ? v.join(',') : String(v));
  }
  const url = `${config.apiBase}/${endpoint}${q.toString() ? '?' + q : ''}`;
  const hit = cache.get(url);
  if (hit && Date.now() - hit.at < CACHE_MS && !token) return hit.data;
  const headers = { Accept: 'application/json' };
  const tok = token || (auth.required() ? auth.token() : null);
  if (tok) headers.Authorization = 'Bearer ' + tok;
  const res = await fetch(url, { headers, signal, credentials: 'same-origin' });
  let body = null;
  const text = await res.text();
  try { body = text ? JSON.parse(text) : null; } catch { body = null; }
  if (!res.ok) {
    const e = (body && (body.error || body)) || {};
    const msg = (typeof e === 'string' ? e : e.message) || `${res.status} ${res.statusText}`;
    const err = new ApiError(res.status, msg, e.param || e.parameter);
    if (res.status === 401 && !token) hooks.onUnauthorized();
    throw err;
  }
  if (!token) cache.set(url, { at: Date.now(), data: body });
  return body;
}

// ---- parameter mapping -------------------------------------------------

// filters maps page state to the API's common filter parameters:
// period=Nd for the relative periods, from/to (inclusive dates) for a
// custom one; source, lang and theme are comma lists.
export function filters(s, extra = {}) {
  const p = {
    source: s.sources && s.sources.length ? s.sources : s.source,
    lang: s.langs && s.langs.length ? s.langs : s.lang,
    sentiment: s.sentiment,
  };
  if (s.period === 'custom') {
    const r = range(s);
    p.from = r.from;
    p.to = r.to;
  } else {
    p.period = s.period;
  }
  return { ...p, ...extra };
}

// ---- response helpers ----------------------------------------------------

// rows finds the array of results in a response: the response itself, one
// of the named keys, or the first array-valued field.
export function rows(resp, ...keys) {
  if (!resp) return [];
  if (Array.isArray(resp)) return resp;
  for (const k of [...keys, 'rows', 'data', 'items', 'results']) if (Array.isArray(resp[k])) return resp[k];
  for (const v of Object.values(resp)) if (Array.isArray(v)) return v;
  return [];
}

// pick returns the first present field of r among names.
export function pick(r, ...names) {
  for (const n of names) if (r && r[n] !== undefined && r[n] !== null) return r[n];
  return undefined;
}

const num = (r, ...names) => {
  const v = pick(r, ...names);
  return v === undefined ? undefined : +v;
};

// ---- endpoint adapters ---------------------------------------------------
// Shapes follow query/answers.go and query/drill.go (docs/api.md).

const themeRow = (r) => ({
  theme: pick(r, 'theme', 'name'),
  posts: num(r, 'posts', 'count') || 0,
  share: num(r, 'share'),
  authors: num(r, 'authors'),
  sentiment: num(r, 'avg_sentiment', 'sentiment'),
});

// topics lists the configured topics ({id, name, kind, brand}). Falls back
// to the topics that have posts in the last year when the API has no
// /topics endpoint.
export async function topics(opts = {}) {
  // Local mode: the server renders the taxonomy into the page.
  try {
    const embedded = JSON.parse(meta('undertone-topics', '[]'));
    if (Array.isArray(embedded) && embedded.length) return embedded;
  } catch { /* fall through to the API */ }
  try {
    const resp = await get('topics', {}, opts);
    const list = rows(resp, 'topics').map((t) => ({
      id: pick(t, 'id'), name: pick(t, 'name', 'id'), kind: t.kind, brand: t.brand,
    }));
    if (list.length) return list;
  } catch (err) {
    if (err.status !== 404) throw err;
  }
  // No taxonomy served: the topics with posts in the last year, by id.
  const resp = await get('sov', { period: '365d' }, opts);
  return rows(resp, 'rows').map((r) => ({ id: r.topic, name: r.topic }));
}

// checkToken resolves when the API accepts tok (any authenticated read).
export async function checkToken(tok) {
  await get('openapi.json', {}, { token: tok });
}

// themes: the theme breakdown of one topic.
export async function themes(s, topic, opts) {
  const resp = await get('themes', filters(s, { topic }), opts);
  return rows(resp, 'themes').map(themeRow).filter((r) => THEMES.includes(r.theme));
}

// trend pivots the API's long rows ({start, series: all|theme, ...}) into
// one point per bucket: {bucket, posts, sentiment, themes: {theme: posts}}.
export async function trend(s, topic, opts) {
  const resp = await get('trend', filters(s, { topic, interval: s.interval === 'week' ? 'week' : undefined, theme: s.theme }), opts);
  const byBucket = new Map();
  for (const r of rows(resp, 'rows')) {
    const b = String(pick(r, 'start', 'bucket', 'day')).slice(0, 10);
    if (!byBucket.has(b)) byBucket.set(b, { bucket: b, posts: 0, sentiment: undefined, themes: {} });
    const pt = byBucket.get(b);
    const series = pick(r, 'series') || 'all';
    if (series === 'all') {
      pt.posts = num(r, 'posts') || 0;
      pt.sentiment = num(r, 'avg_sentiment');
    } else pt.themes[series] = num(r, 'posts') || 0;
  }
  return [...byBucket.values()].sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
}

// movers: change of each topic x theme's share of its topic between the
// period and the one before. lift = share now / share before.
export async function movers(s, params, opts) {
  const resp = await get('movers', filters(s, params), opts);
  return rows(resp, 'rows').map((r) => ({
    topic: pick(r, 'topic'),
    theme: pick(r, 'theme'),
    entity: pick(r, 'entity'),
    current: num(r, 'posts'),
    previous: num(r, 'prev_posts'),
    share: num(r, 'share'),
    prevShare: num(r, 'prev_share'),
    lift: num(r, 'lift'),
    z: num(r, 'z'),
    p: num(r, 'p'),
    significant: !!r.significant,
  }));
}

// drivers: entities and terms over-represented in a topic x theme.
export async function drivers(s, topic, theme, opts) {
  const resp = await get('drivers', filters(s, { topic, theme, limit: 8 }), opts);
  const out = [];
  for (const [kind, list] of [['entity', resp && resp.entities], ['term', resp && resp.terms]]) {
    for (const r of list || []) {
      out.push({ term: pick(r, 'name', 'term'), kind: pick(r, 'type') || kind, count: num(r, 'count'), lift: num(r, 'lift'), z: num(r, 'z') });
    }
  }
  return out.sort((a, b) => (b.z ?? 0) - (a.z ?? 0) || (b.lift ?? 0) - (a.lift ?? 0));
}

// quotes: representative anonymized posts for one topic x theme.
export async function quotes(s, topic, theme, opts, limit = 6) {
  const resp = await get('quotes', filters(s, { topic, theme, limit }), opts);
  return rows(resp, 'quotes').map((r) => ({
    text: pick(r, 'text'),
    theme: (resp && resp.theme) || theme,
    source: pick(r, 'source'),
    lang: pick(r, 'lang'),
    created: pick(r, 'day', 'created_at'),
    sentiment: num(r, 'sentiment'),
    similar: num(r, 'similar'),
  }));
}

// sov: per-topic volume, share of voice, sentiment and theme mix for the
// given topics (every topic when empty).
export async function sov(s, topicIDs, opts) {
  const resp = await get('sov', filters(s, { topic: topicIDs && topicIDs.length ? topicIDs : undefined, theme: s.sovTheme }), opts);
  return rows(resp, 'rows').map((r) => ({
    topic: pick(r, 'topic'),
    posts: num(r, 'posts') || 0,
    authors: num(r, 'authors'),
    share: num(r, 'share'),
    sentiment: num(r, 'avg_sentiment'),
    themes: (r.themes || []).map(themeRow),
  }));
}

// mix: a topic's posts split by source or lang (GET /api/v1/breakdown).
export async function mix(s, topic, by, opts) {
  const resp = await get('breakdown', filters(s, { topic, by, theme: s.theme }), opts);
  return rows(resp, 'rows').map((r) => ({
    key: pick(r, 'key', by),
    posts: num(r, 'posts') || 0,
    share: num(r, 'share'),
  }));
}
