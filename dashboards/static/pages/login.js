// Login: asks for an API token, checks it against the API, keeps it in
// sessionStorage (gone when the tab closes) and returns to ?next=.

import { auth, checkToken } from '../api.js';
import { h } from '../ui.js';

export async function render(root, _state, ctx) {
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  if (!auth.required()) {
    ctx.nav(next, { replace: true });
    return;
  }
  const msg = h('p', { class: 'form-error', role: 'alert', 'aria-live': 'assertive' });
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'current-password', required: true, spellcheck: 'false' });
  const btn = h('button', { type: 'submit', text: 'Sign in' });
  const form = h('form', { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title', text: 'Sign in' }),
    h('p', { class: 'hint', text: 'Paste the API token your administrator gave you. It is kept only in this browser tab.' }),
    h('label', { for: 'token', text: 'API token' }), input, btn, msg);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const tok = input.value.trim();
    if (!tok) return;
    btn.disabled = true;
    msg.textContent = '';
    try {
      await checkToken(tok);
      auth.set(tok);
      ctx.nav(next, { replace: true });
    } catch (err) {
      msg.textContent = err.status === 401 || err.status === 403 ? 'That token was not accepted.' : 'Sign-in failed: ' + err.message;
      btn.disabled = false;
      input.focus();
    }
  });
  root.appendChild(form);
  input.focus();
}

// safeNext keeps only same-origin app paths, never an absolute URL.
function safeNext(n) {
  if (!n || !n.startsWith('/') || n.startsWith('//') || n.startsWith('/login')) return '/';
  return n;
}
