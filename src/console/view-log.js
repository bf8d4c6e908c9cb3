// SPDX-License-Identifier: LGPL-2.1-or-later
// The cluster log: GET /v1/log with what it filters (since, node, limit),
// narrowed here by level and by a search over code, object and text, and
// followed live by the event stream's log events. Newest first.

import { get } from './api.js';
import { h, timeText } from './dom.js';
import { notify } from './ui.js';

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error'];
const SINCE = [['10min', 'the last 10 minutes'], ['1h', 'the last hour'], ['6h', 'the last 6 hours'],
               ['24h', 'the last day'], ['7d', 'the last 7 days'], ['', 'as far back as kept']];
// Rows kept in the page: the oldest go first.
const MAX_ROWS = 5000;

function levelRank(l) {
  const i = LEVELS.indexOf(l);
  return i < 0 ? 1 : i;
}

function row(e) {
  return h('tr', { class: `log-${e.level}`, dataset: { logCode: e.code, level: e.level } },
    h('td', { class: 'nowrap', title: e.time }, timeText(e.time, true)),
    h('td', null, e.node_name ?? String(e.node ?? '')),
    h('td', null, h('span', { class: `level level-${e.level}` }, e.level)),
    h('td', null, h('code', null, e.code)),
    h('td', null, e.name ?? ''),
    h('td', { class: 'log-text' }, e.text ?? ''));
}

export function mount(root, ctx) {
  const { store } = ctx;
  let entries = [];   // oldest first
  let key = 0;

  const field = (label, el) => h('label', { class: 'filter' }, h('span', null, label), el);
  const since = h('select', { name: 'since', dataset: { filter: 'since' } },
    SINCE.map(([v, t]) => h('option', { value: v, selected: v === '1h' }, t)));
  const node = h('select', { name: 'node', dataset: { filter: 'node' } }, h('option', { value: '' }, 'every node'),
    (store.status?.nodes || []).map((n) => h('option', { value: n.name }, n.name)));
  const limit = h('input', { name: 'limit', type: 'number', min: 1, max: 100000, value: 1000, dataset: { filter: 'limit' } });
  const level = h('select', { name: 'level', dataset: { filter: 'level' } },
    LEVELS.map((l) => h('option', { value: l, selected: l === 'info' }, `${l} and above`)));
  const search = h('input', { name: 'search', type: 'search', placeholder: 'code, object or text',
                              dataset: { filter: 'search' }, autocomplete: 'off' });
  const follow = h('input', { type: 'checkbox', checked: true, dataset: { filter: 'follow' } });
  const show = h('button', { type: 'submit', class: 'btn btn-primary', dataset: { view: 'read-log' } }, 'Read');
  const form = h('form', { class: 'filters', dataset: { logFilters: '' } },
    field('Since', since), field('Node', node), field('Per node at most', limit), field('Level', level),
    field('Search', search), h('label', { class: 'filter filter-check' }, follow, h('span', null, 'follow live')), show);
  const notes = h('div', { class: 'log-notes' });
  const tbody = h('tbody');
  const count = h('p', { class: 'muted', dataset: { logCount: '0' } });
  const table = h('table', { class: 'table log' },
    h('thead', null, h('tr', null, ['Time', 'Node', 'Level', 'Code', 'Object', 'Text'].map((t) => h('th', null, t)))), tbody);
  root.append(h('h1', null, 'Cluster log'), form, notes, count, table,
              h('p', { class: 'muted' }, 'New entries appear at the top as they are logged while "follow live" is on.'));

  const wanted = (e) => {
    if (levelRank(e.level) < levelRank(level.value)) return false;
    if (node.value && e.node_name !== node.value && String(e.node) !== node.value) return false;
    const q = search.value.trim().toLowerCase();
    if (!q) return true;
    return [e.code, e.name, e.text, e.resource].some((v) => v && String(v).toLowerCase().includes(q));
  };

  const redraw = () => {
    const shown = entries.filter(wanted);
    tbody.replaceChildren(...shown.slice().reverse().map(row));
    count.textContent = `${shown.length} of ${entries.length} entries`;
    count.dataset.logCount = String(shown.length);
  };

  const read = async () => {
    const k = ++key;
    const q = new URLSearchParams();
    if (since.value) q.set('since', since.value);
    if (node.value) q.set('node', node.value);
    if (limit.value) q.set('limit', limit.value);
    root.dataset.ready = 'false';
    try {
      const got = await get(`/v1/log?${q}`);
      if (k !== key) return;
      entries = got.entries || [];
      const said = [];
      for (const m of got.missing || []) said.push(h('p', { class: 'reason' }, `No entries of ${m.node}: ${m.why}`));
      for (const t of got.truncated || []) said.push(h('p', { class: 'muted' }, `Older entries of ${t.node} left out (at most ${limit.value} per node).`));
      notes.replaceChildren(...said);
      redraw();
    } catch (e) {
      if (e.status !== 401) {
        notes.replaceChildren(h('p', { class: 'field-error', role: 'alert', dataset: { errorFor: e.property || '' } }, e.message));
        notify(e.message, 'error');
      }
    } finally {
      if (k === key) root.dataset.ready = 'true';
    }
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    read();
  });
  for (const el of [since, node]) el.addEventListener('change', read);
  for (const el of [level, search]) el.addEventListener('input', redraw);

  const off = store.onLog((e) => {
    if (!follow.checked) return;
    entries.push(e);
    if (entries.length > MAX_ROWS) entries.splice(0, entries.length - MAX_ROWS);
    if (wanted(e)) {
      tbody.prepend(row(e));
      while (tbody.children.length > MAX_ROWS) tbody.lastElementChild.remove();
    }
    const shown = tbody.children.length;
    count.textContent = `${shown} of ${entries.length} entries`;
    count.dataset.logCount = String(shown);
  });

  read();
  return {
    update(change) {
      // The stream came back: what was logged meanwhile is read anew.
      if (change.type === 'stream' && store.streamState.up) read();
    },
    unmount() {
      off();
    },
  };
}
