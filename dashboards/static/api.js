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

export async function topics(opts) {
  const resp = await get('topics', {}, opts);
  return rows(resp, 'topics').map((t) => (typeof t === 'string' ? { id: t, name: t } : {
    id: pick(t, 'id', 'topic'), name: pick(t, 'name', 'id', 'topic'), kind: t.kind, brand: t.brand,
  }));
}

export async function themes(s, topic, opts) {
  const resp = await get('themes', filters(s, { topic }), opts);
  return rows(resp, 'themes').map((r) => ({
    theme: pick(r, 'theme', 'name'),
    posts: num(r, 'posts', 'count', 'volume') || 0,
    share: num(r, 'share'),
    authors: num(r, 'authors', 'distinct_authors'),
    sentiment: num(r, 'avg_sentiment', 'sentiment', 'sentiment_avg'),
  })).filter((r) => THEMES.includes(r.theme));
}

export async function trend(s, topic, opts) {
  const resp = await get('trend', filters(s, { topic, interval: s.interval === 'week' ? 'week' : undefined, theme: s.theme }), opts);
  return rows(resp, 'points', 'trend', 'series').map((r) => {
    const th = {};
    const src = r.themes || {};
    if (Array.isArray(src)) for (const t of src) th[pick(t, 'theme', 'name')] = num(t, 'posts', 'count') || 0;
    else for (const t of THEMES) if (src[t] !== undefined) th[t] = +(src[t].posts ?? src[t]);
    for (const t of THEMES) if (th[t] === undefined && r[t] !== undefined) th[t] = +r[t];
    return {
      bucket: String(pick(r, 'bucket', 'day', 'week', 'date', 'time', 't')).slice(0, 10),
      posts: num(r, 'posts', 'volume', 'count') || 0,
      sentiment: num(r, 'net_sentiment', 'avg_sentiment', 'sentiment'),
      themes: th,
    };
  }).sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
}

export async function movers(s, params, opts) {
  const resp = await get('movers', filters(s, params), opts);
  return rows(resp, 'movers').map((r) => ({
    topic: pick(r, 'topic', 'topic_id'),
    theme: pick(r, 'theme'),
    entity: pick(r, 'entity', 'term'),
    current: num(r, 'current', 'posts', 'current_posts'),
    previous: num(r, 'previous', 'previous_posts', 'prev'),
    lift: num(r, 'lift', 'change'),
    z: num(r, 'z', 'z_score', 'score'),
    p: num(r, 'p', 'p_value'),
    significant: pick(r, 'significant'),
  }));
}

export async function drivers(s, topic, theme, opts) {
  const resp = await get('drivers', filters(s, { topic, theme }), opts);
  return rows(resp, 'drivers').map((r) => ({
    term: pick(r, 'term', 'entity', 'text', 'name'),
    kind: pick(r, 'kind', 'type'),
    count: num(r, 'count', 'posts', 'mentions'),
    lift: num(r, 'lift'),
  }));
}

export async function quotes(s, topic, theme, opts) {
  const resp = await get('quotes', filters(s, { topic, theme, limit: 12 }), opts);
  return rows(resp, 'quotes').map((r) => ({
    text: pick(r, 'text', 'quote'),
    theme: pick(r, 'theme') || (Array.isArray(r.themes) ? r.themes[0] : undefined) || theme,
    source: pick(r, 'source'),
    lang: pick(r, 'lang'),
    created: pick(r, 'created_at', 'time', 'date'),
    sentiment: num(r, 'sentiment', 'sentiment_score', 'score'),
    id: pick(r, 'post_id', 'id'),
  }));
}

// sov returns per-topic share of voice (with sentiment and theme profile
// when the API provides them) for the given topics (all when empty).
export async function sov(s, topicIDs, opts) {
  const resp = await get('sov', filters(s, { topics: topicIDs }), opts);
  return rows(resp, 'topics', 'sov').map((r) => {
    const th = {};
    const src = r.themes || {};
    if (Array.isArray(src)) for (const t of src) th[pick(t, 'theme', 'name')] = { posts: num(t, 'posts', 'count'), share: num(t, 'share') };
    else for (const [k, v] of Object.entries(src)) th[k] = typeof v === 'object' ? { posts: num(v, 'posts', 'count'), share: num(v, 'share') } : { share: +v };
    return {
      topic: pick(r, 'topic', 'id', 'topic_id'),
      posts: num(r, 'posts', 'volume', 'count') || 0,
      share: num(r, 'share', 'sov'),
      sentiment: num(r, 'avg_sentiment', 'net_sentiment', 'sentiment'),
      themes: th,
    };
  });
}

// mix returns the split of a topic's posts by a dimension (source or lang).
export async function mix(s, topic, by, opts) {
  const resp = await get('mix', filters(s, { topic, by, theme: s.theme }), opts);
  return rows(resp, 'mix', by + 's', by).map((r) => ({
    key: pick(r, 'key', by, 'value', 'name'),
    posts: num(r, 'posts', 'count') || 0,
    share: num(r, 'share'),
  }));
}
