// SPDX-License-Identifier: LGPL-2.1-or-later
// The console's page: the session (a bearer token kept in sessionStorage,
// checked with GET /v1/whoami), the bar on top (cluster, quorum, the event
// stream's state, who is signed in) and the views, one at a time, chosen by
// the address's fragment: #/overview, #/group/G[/R], #/nodes, #/log.

import { ApiError, get, setToken, setUnauthorizedHandler } from './api.js';
import { h, stateBadge } from './dom.js';
import { loadPropertyTables } from './props.js';
import { Store } from './store.js';
import { clearNotices, notify, setNoticeRegion } from './ui.js';
import * as overview from './view-overview.js';
import * as group from './view-group.js';
import * as nodes from './view-nodes.js';
import * as log from './view-log.js';

const TOKEN_KEY = 'wolfpack.token';
const VIEWS = { overview, group, nodes, log };

const $ = (id) => document.getElementById(id);
const store = new Store();
let ctx = null;       // {store, name, role, types}
let current = null;   // {name, params, view, root}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const name = VIEWS[parts[0]] ? parts[0] : 'overview';
  return { name, params: name === 'group' ? { group: parts[1] || null, resource: parts[2] || null } : {} };
}

function show() {
  if (!ctx) return;
  const { name, params } = route();
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  // Another resource of the same group: keep the view, move the selection.
  if (current && current.name === 'group' && name === 'group' && current.params.group === params.group && current.view.select) {
    current.params = params;
    current.view.select(params.resource);
    return;
  }
  current?.view.unmount();
  const root = h('section', { class: 'view', dataset: { viewName: name } });
  $('main').replaceChildren(root);
  current = { name, params, root, view: VIEWS[name].mount(root, ctx, params) };
  const group = params.group ? ` ${params.group}` : '';
  document.title = `${name[0].toUpperCase()}${name.slice(1)}${group} — Wolfpack`;
}

function drawBar() {
  const st = store.status?.cluster;
  $('cluster-name').textContent = st ? st.name : '';
  $('quorum').replaceChildren(st ? stateBadge(st.quorate ? 'Quorate' : 'NoQuorum') : '');
  const live = $('stream');
  live.dataset.stream = store.streamState.up ? 'open' : 'closed';
  live.title = store.streamState.text;
  live.querySelector('.stream-text').textContent = store.streamState.up ? 'live' : 'reconnecting';
}

function loginScreen(message) {
  store.stop();
  current?.view.unmount();
  current = null;
  ctx = null;
  setToken(null);
  sessionStorage.removeItem(TOKEN_KEY);
  clearNotices();
  $('main').replaceChildren();
  $('topbar').hidden = true;
  $('login').hidden = false;
  const msg = $('login-message');
  msg.textContent = message || '';
  msg.hidden = !message;
  $('token').value = '';
  $('token').focus();
  document.title = 'Sign in — Wolfpack';
}

async function signIn(token) {
  setToken(token);
  const me = await get('/v1/whoami');
  await loadPropertyTables(get);
  sessionStorage.setItem(TOKEN_KEY, token);
  ctx = { store, name: me.name, role: me.role, types: new Map() };
  $('login').hidden = true;
  $('topbar').hidden = false;
  $('who-name').textContent = me.name;
  $('who-role').textContent = me.role;
  $('who').dataset.role = me.role;
  store.start((err) => loginScreen(err.message));
  await store.load();
  show();
}

function start() {
  setNoticeRegion($('notices'));
  setUnauthorizedHandler((err) => loginScreen(err.message));
  store.subscribe((change) => {
    if (change.type === 'error') {
      if (change.error.status !== 401) notify(change.error.message, 'error');
      return;
    }
    drawBar();
    current?.view.update(change);
  });
  window.addEventListener('hashchange', show);
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    if (!token) return;
    const button = $('login-button');
    button.disabled = true;
    try {
      await signIn(token);
    } catch (e) {
      loginScreen(e instanceof ApiError ? e.message : String(e));
    } finally {
      button.disabled = false;
    }
  });
  $('logout').addEventListener('click', () => loginScreen('Signed out.'));
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) {
    signIn(saved).catch((e) => loginScreen(e.message));
  } else {
    loginScreen('');
  }
}

start();
