// SPDX-License-Identifier: LGPL-2.1-or-later
// Overview: the cluster (quorum, members), its nodes, every group with its
// owner and resources, and the latest state changes; all of it follows the
// event stream.

import { patch, path, post } from './api.js';
import { h, rerender, stateBadge, timeText } from './dom.js';
import { CLUSTER_PROPS, propertyForm } from './props.js';
import { can } from './roles.js';
import { actionButton, empty, restartText, section } from './ui.js';

export function groupActions(ctx, g) {
  return [
    actionButton(ctx, 'group-online', g.name, 'Online', async () => {
      await post(path`/v1/groups/${g.name}/online`);
      ctx.store.later();
      return `${g.name}: online requested`;
    }),
    actionButton(ctx, 'group-offline', g.name, 'Offline', async () => {
      await post(path`/v1/groups/${g.name}/offline`);
      ctx.store.later();
      return `${g.name}: offline requested`;
    }),
  ];
}

export function ownerText(o) {
  return o.owner ? `on ${o.owner}` : 'no owner';
}

function clusterPanel(store) {
  const c = store.cluster;
  const st = store.status.cluster;
  const members = (c?.members || []).map((m) => m.name).join(', ') || 'none';
  const row = (k, v, data) => [h('dt', null, k), h('dd', { dataset: data }, v)];
  return section('Cluster',
    h('dl', { class: 'facts' },
      row('Name', st.name, { clusterName: st.name }),
      row('Quorum', st.quorate ? stateBadge('Quorate') : stateBadge('NoQuorum'), { quorate: String(!!st.quorate) }),
      row('Members', members, { members }),
      row('Answering node', st.node),
      row('Coordinator', st.coordinator || '—'),
      c ? row('Engine', c.engine) : null,
      c ? row('Database', `version ${c.version}, epoch ${c.epoch}, ${c.sync}`) : null));
}

function nodesPanel(store) {
  const nodes = store.status.nodes || [];
  if (!nodes.length) return section('Nodes', empty('No nodes.'));
  return section('Nodes', h('table', { class: 'table' },
    h('thead', null, h('tr', null, ['Node', 'Id', 'State', 'Paused', 'Groups'].map((t) => h('th', null, t)))),
    h('tbody', null, nodes.map((n) => h('tr', { dataset: { node: n.name, state: n.state, paused: String(!!n.paused) } },
      h('td', null, n.name), h('td', null, String(n.id)), h('td', null, stateBadge(n.state)),
      h('td', null, n.paused ? stateBadge('Paused') : 'no'), h('td', null, String(n.groups ?? 0)))))));
}

function groupCard(ctx, g) {
  const resources = g.resources || [];
  return h('article', { class: `group-card state-edge-${g.state?.toLowerCase()}`, dataset: { group: g.name, state: g.state } },
    h('header', { class: 'group-head' },
      h('a', { class: 'group-name', href: `#/group/${encodeURIComponent(g.name)}`, dataset: { key: `open:${g.name}` } }, g.name),
      stateBadge(g.state),
      h('span', { class: 'muted owner', dataset: { owner: g.owner ?? '' } }, ownerText(g)),
      h('span', { class: 'card-actions' }, groupActions(ctx, g))),
    g.state_reason ? h('p', { class: 'reason' }, g.state_reason) : null,
    resources.length
      ? h('ul', { class: 'res-list' }, resources.map((r) => h('li', { dataset: { resource: r.name, state: r.state } },
          h('span', { class: 'res-name', title: r.name }, r.name),
          h('span', { class: 'muted' }, r.type),
          h('span', null, stateBadge(r.state)),
          r.restarting || r.state_reason ? h('span', { class: 'res-detail' },
            r.restarting ? h('span', { class: 'restarting' }, restartText(r.restarting), ' ') : null,
            r.state_reason ? h('span', { class: 'reason' }, r.state_reason) : null) : null)))
      : empty('No resources.'));
}

function recentPanel(store) {
  if (!store.recent.length) return section('Recent changes', empty('None since the console connected.'));
  return section('Recent changes', h('ul', { class: 'recent' }, store.recent.map((e) => h('li', null,
    h('time', { class: 'muted' }, timeText(e.at)), ' ',
    e.kind === 'group' ? 'group ' : '', h('strong', null, e.name || e.resource || e.id), ' ',
    e.previous ? [stateBadge(e.previous), ' \u2192 '] : null, stateBadge(e.state),
    e.reason ? h('span', { class: 'reason' }, ' ', e.reason) : null))));
}

export function mount(root, ctx) {
  const { store } = ctx;
  const top = h('div', { class: 'overview-grid' });
  const groups = h('div', { class: 'groups' });
  const recent = h('div');
  const clusterProps = h('div');
  root.append(h('h1', null, 'Overview'), top, h('h2', { class: 'section-title' }, 'Groups'), groups, recent, clusterProps);

  let propsShown = false;
  const draw = () => {
    if (!store.status) return;
    rerender(top, () => [clusterPanel(store), nodesPanel(store)]);
    rerender(groups, () => store.status.groups.length
      ? store.status.groups.map((g) => groupCard(ctx, g))
      : empty('No groups yet: `wolfpack group create NAME`.'));
    rerender(recent, () => recentPanel(store));
    if (!propsShown && store.cluster) {
      propsShown = true;
      clusterProps.append(section('Cluster properties', propertyForm({
        label: 'cluster', tables: [['Cluster', CLUSTER_PROPS]], values: store.cluster.properties || {},
        editable: can(ctx.role, 'cluster-properties'),
        save: async (changed) => {
          await patch('/v1/cluster', { properties: changed });
          return 'Saved.';
        },
      })));
    }
    root.dataset.ready = 'true';
  };
  draw();
  return { update: draw, unmount() {} };
}
