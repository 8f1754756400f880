// Router and shell: picks the page from location.pathname, its state from
// the query string, handles sign-in, dark mode and in-app navigation.

import { auth, config, hooks, topics as fetchTopics } from './api.js';
import { parse } from './state.js';
import { disposeAll, OKABE_ITO } from './charts.js';
import { clear, h, failed } from './ui.js';
import * as overview from './pages/overview.js';
import * as topic from './pages/topic.js';
import * as compare from './pages/compare.js';
import * as explore from './pages/explore.js';
import * as login from './pages/login.js';

const ROUTES = {
  '/': { page: overview, name: 'overview', title: 'Overview' },
  '/topic': { page: topic, name: 'topic', title: 'Topic' },
  '/compare': { page: compare, name: 'compare', title: 'Compare' },
  '/explore': { page: explore, name: 'explore', title: 'Explore' },
  '/login': { page: login, name: 'login', title: 'Sign in' },
};

const main = document.getElementById('main');
let controller = null;
let topicList = null;
const baseTitle = document.title;

// ctx is what pages get besides state: navigation and the topic list.
const ctx = {
  nav(url, { replace = false } = {}) {
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
    render();
  },
  async topics(signal) {
    if (!topicList) topicList = await fetchTopics({ signal });
    return topicList;
  },
  // topicColor keeps each topic's colour the same on every page: its place
  // in the topic list picks an Okabe-Ito colour.
  topicColor(id) {
    const i = topicList ? topicList.findIndex((x) => x.id === id) : -1;
    return OKABE_ITO[Math.max(i, 0) % OKABE_ITO.length];
  },
  topicName(id) {
    const t = topicList && topicList.find((x) => x.id === id);
    return t ? t.name : id;
  },
  config,
};

hooks.onUnauthorized = () => {
  auth.clear();
  topicList = null;
  if (location.pathname !== '/login') {
    ctx.nav('/login?next=' + encodeURIComponent(location.pathname + location.search), { replace: true });
  }
};

function currentPath() {
  const p = location.pathname.replace(/\/+$/, '') || '/';
  return ROUTES[p] ? p : '/';
}

async function render() {
  if (controller) controller.abort();
  controller = new AbortController();
  const signal = controller.signal;
  disposeAll();
  let path = currentPath();
  if (path !== '/login' && auth.required() && !auth.token()) {
    history.replaceState(null, '', '/login?next=' + encodeURIComponent(location.pathname + location.search));
    path = '/login';
  }
  const route = ROUTES[path];
  document.title = `${route.title} · ${baseTitle}`;
  for (const a of document.querySelectorAll('nav a[data-page]')) {
    if (a.dataset.page === route.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.getElementById('logout').hidden = !(auth.required() && auth.token());
  document.body.dataset.page = route.name;
  clear(main);
  main.dataset.ready = 'false';
  try {
    const state = parse();
    if (path !== '/login') await ctx.topics(signal);
    await route.page.render(main, state, { ...ctx, signal });
  } catch (err) {
    if (signal.aborted || err.name === 'AbortError') return;
    if (err.status === 401) return; // redirected to login
    main.appendChild(h('div', { class: 'card' }, h('div', { class: 'card-body' })));
    failed(main.lastChild.firstChild, err);
  }
  if (!signal.aborted) main.dataset.ready = 'true';
}

// Intercept same-origin links to app pages: no full reload.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  const p = url.pathname.replace(/\/+$/, '') || '/';
  if (!ROUTES[p]) return;
  e.preventDefault();
  const wasHash = url.hash;
  ctx.nav(url.pathname + url.search + url.hash);
  if (!wasHash) main.focus({ preventScroll: true });
});
window.addEventListener('popstate', render);

document.getElementById('logout').addEventListener('click', () => {
  auth.clear();
  topicList = null;
  ctx.nav('/login');
});

// Dark mode: follows the system unless the user picked one (localStorage).
const toggle = document.getElementById('theme-toggle');
function applyTheme(mode) {
  document.documentElement.dataset.theme = mode;
  toggle.setAttribute('aria-pressed', mode === 'dark' ? 'true' : 'false');
  toggle.textContent = mode === 'dark' ? 'Light' : 'Dark';
}
const stored = localStorage.getItem('undertone.theme');
applyTheme(stored || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
toggle.addEventListener('click', () => {
  const mode = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
  localStorage.setItem('undertone.theme', mode);
  applyTheme(mode);
  render();
});

render();
