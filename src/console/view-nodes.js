// SPDX-License-Identifier: LGPL-2.1-or-later
// Nodes: state, paused, the groups each owns; pause, resume and drain. A
// drain answers the moves it started (or a 409 naming the groups that
// have nowhere to go), shown until the next one.

import { post, path } from './api.js';
import { h, rerender, stateBadge } from './dom.js';
import { actionButton, empty, section } from './ui.js';

function drainOutcome(node, answer, error) {
  if (error) {
    return h('div', { class: 'drain drain-failed', role: 'alert', dataset: { drainResult: node, outcome: 'refused' } },
      h('strong', null, `Drain of ${node} refused: `), error.message);
  }
  const moves = answer?.moves || [];
  return h('div', { class: 'drain', role: 'status', dataset: { drainResult: node, outcome: 'moving', moves: String(moves.length) } },
    h('strong', null, `Drain of ${node}: `),
    moves.length ? `${moves.length} group${moves.length === 1 ? '' : 's'} on the way, then ${node} stays paused.`
      : `nothing to move; ${node} is paused.`,
    moves.length ? h('ul', null, moves.map((m) => h('li', { dataset: { move: m.group } },
      h('strong', null, m.group), ` from ${m.from} to ${m.to}`))) : null);
}

export function mount(root, ctx) {
  const { store } = ctx;
  const list = h('div');
  const outcome = h('div', { class: 'drain-box' });
  root.append(h('h1', null, 'Nodes'), outcome, list);

  const act = (n, verb, label) => actionButton(ctx, `node-${verb}`, n.name, label, async () => {
    try {
      const answer = await post(path`/v1/nodes/${n.name}/${verb}`);
      if (verb === 'drain') outcome.replaceChildren(drainOutcome(n.name, answer, null));
      await store.load();
      return verb === 'drain' ? null : `${n.name}: ${verb === 'pause' ? 'paused' : 'resumed'}`;
    } catch (e) {
      if (verb === 'drain' && e.status === 409) {
        outcome.replaceChildren(drainOutcome(n.name, null, e));
        return null;
      }
      throw e;
    }
  });

  const draw = () => {
    if (!store.status) return;
    const nodes = store.status.nodes || [];
    const owned = (n) => store.status.groups.filter((g) => g.owner === n.name).map((g) => g.name);
    rerender(list, () => nodes.length ? section(`${nodes.length} node${nodes.length === 1 ? '' : 's'}`, h('table', { class: 'table' },
      h('thead', null, h('tr', null, ['Node', 'Id', 'State', 'Paused', 'Groups it owns', ''].map((t) => h('th', null, t)))),
      h('tbody', null, nodes.map((n) => h('tr', { dataset: { node: n.name, state: n.state, paused: String(!!n.paused) } },
        h('td', null, h('strong', null, n.name)),
        h('td', null, String(n.id)),
        h('td', null, stateBadge(n.state)),
        h('td', null, n.paused ? stateBadge('Paused') : 'no'),
        h('td', null, owned(n).join(', ') || h('span', { class: 'muted' }, 'none')),
        h('td', { class: 'actions' },
          n.paused ? act(n, 'resume', 'Resume') : act(n, 'pause', 'Pause'),
          act(n, 'drain', 'Drain'))))))) : empty('No nodes.'));
    root.dataset.ready = 'true';
  };
  draw();
  return { update: draw, unmount() {} };
}
