// SPDX-License-Identifier: LGPL-2.1-or-later
// One group: its state and owner, its actions (online, offline, move, why),
// its dependency graph, its resources with theirs, and the property forms
// of the group and of the resource picked (#/group/G/R). States follow the
// event stream; the full objects are read again after each burst of events.

import { get, patch, path, post, seg } from './api.js';
import { h, rerender, s, slug, stateBadge } from './dom.js';
import { BOX, layout } from './depgraph.js';
import { groupActions, ownerText } from './view-overview.js';
import { COMMON_PROPS, GROUP_PROPS, propertyForm } from './props.js';
import { can } from './roles.js';
import { actionButton, empty, notify, restartText, section, viewButton } from './ui.js';
import { renderWhy } from './why.js';

const href = (group, resource) =>
  `#/group/${encodeURIComponent(group)}${resource ? `/${encodeURIComponent(resource)}` : ''}`;

function short(name, max = 20) {
  return name.length > max ? `${name.slice(0, max - 1)}\u2026` : name;
}

function graph(groupName, resources, selected) {
  const L = layout(resources);
  const at = new Map(L.nodes.map((n) => [n.name, n]));
  const state = new Map(resources.map((r) => [r.name, r.state]));
  const edges = L.edges.map((e) => {
    const a = at.get(e.from), b = at.get(e.to);
    const x1 = a.x + BOX.w / 2, y1 = a.y + BOX.h, x2 = b.x + BOX.w / 2, y2 = b.y - 4;
    const dy = Math.max(24, (y2 - y1) / 2);
    return s('path', {
      class: `edge${e.alternative ? ' edge-alt' : ''}`, 'marker-end': 'url(#dep-arrow)',
      d: `M ${x1} ${y1} C ${x1} ${y1 + dy}, ${x2} ${y2 - dy}, ${x2} ${y2}`,
      dataset: { edge: `${e.from}>${e.to}` },
    }, s('title', null, `${e.from} needs ${e.to}${e.alternative ? ' (or another of its alternatives)' : ''}`));
  });
  const nodes = L.nodes.map((n) => {
    const st = state.get(n.name) || 'Unknown';
    return s('a', {
      href: href(groupName, n.name), class: `gnode state-${slug(st)}${n.name === selected ? ' selected' : ''}`,
      dataset: { graphNode: n.name, state: st, key: `graph:${n.name}` },
    },
    s('title', null, `${n.name}: ${st}`),
    s('rect', { x: n.x, y: n.y, width: BOX.w, height: BOX.h, rx: 8 }),
    s('text', { x: n.x + BOX.w / 2, y: n.y + 21, class: 'gname' }, short(n.name)),
    s('text', { x: n.x + BOX.w / 2, y: n.y + 39, class: 'gstate' }, st));
  });
  return s('svg', {
    class: 'depgraph', viewBox: `0 0 ${L.width} ${L.height}`, width: L.width, height: L.height,
    role: 'img', 'aria-label': `Dependencies of the resources of ${groupName}`, dataset: { graph: groupName },
  },
  s('defs', null, s('marker', { id: 'dep-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
                               orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))),
  edges, nodes);
}

function details(r) {
  const out = [];
  if (r.state_reason) out.push(h('div', { class: 'reason' }, r.state_reason));
  if (r.restarting) {
    out.push(h('div', { class: 'restarting', dataset: { restarting: String(r.restarting.attempt) } },
      restartText(r.restarting)));
  }
  if (r.blocked) out.push(h('div', { class: 'blocked' }, r.blocked));
  if (r.restart_count) out.push(h('div', { class: 'muted' }, `restarted ${r.restart_count} time${r.restart_count === 1 ? '' : 's'}`));
  return out.length ? out : h('span', { class: 'muted' }, '—');
}

function resourceActions(ctx, r) {
  const act = (verb, label) => actionButton(ctx, `resource-${verb}`, r.name, label, async () => {
    await post(path`/v1/resources/${r.name}/${verb}`);
    ctx.store.later();
    return `${r.name}: ${verb} requested`;
  }, verb === 'fail' ? { title: 'Make the resource fail, to rehearse what its restart policy does', class: 'btn-danger' } : {});
  return [act('online', 'Online'), act('offline', 'Offline'), act('fail', 'Fail')];
}

export function mount(root, ctx, params) {
  const { store } = ctx;
  let name = params.group;
  let selected = params.resource || null;
  let full = null;          // {group, resources} read in full
  let whyOf = null;         // null, {kind: 'group'} or {kind: 'resource', name}
  let gone = false;
  let fetching = null;

  const head = h('div');
  const whyBox = h('div', { class: 'why', dataset: { why: '' }, hidden: true });
  const graphBox = h('div', { class: 'graph-box' });
  const table = h('div');
  const propsBox = h('div', { class: 'props-grid' });
  root.append(head, whyBox,
    section('Dependencies', graphBox, h('p', { class: 'legend muted' },
      'Each arrow points to what a resource needs; a dashed one to one of alternatives (or). ',
      'Online goes from the bottom row up, offline from the top down. Pick a resource to see its properties.')),
    section('Resources', table), propsBox);

  // #/group alone: the group looked at last, else the first.
  if (!name) {
    const to = (ctx.lastGroup && store.group(ctx.lastGroup)?.name) || store.status?.groups[0]?.name;
    if (to) location.replace(href(to));
    else root.replaceChildren(h('h1', null, 'Groups'), empty('No groups yet: `wolfpack group create NAME`.'));
    root.dataset.ready = 'true';
    return { update() {}, unmount() {} };
  }
  ctx.lastGroup = name;

  // The full objects with the states the event stream brought since.
  const live = () => {
    if (!full) return null;
    const brief = store.group(full.group.name);
    const group = { ...full.group, ...(brief ? { state: brief.state, owner: brief.owner, state_reason: brief.state_reason } : {}) };
    const resources = full.resources.map((r) => {
      const b = store.resource(r.id);
      return b ? { ...r, state: b.state, owner: b.owner, state_reason: b.state_reason,
                   restarting: b.restarting !== undefined ? b.restarting : r.restarting } : r;
    }).sort((a, b) => a.name.localeCompare(b.name));
    return { group, resources };
  };

  const headOf = (g) => {
    const groups = store.status?.groups || [];
    const pick = h('select', { 'aria-label': 'Group', dataset: { view: 'pick-group', key: 'pick-group' } },
      groups.map((x) => h('option', { value: x.name, selected: x.name === g.name }, x.name)));
    pick.addEventListener('change', () => { location.hash = href(pick.value); });
    let move = null;
    if (can(ctx.role, 'group-move')) {
      const to = h('select', { 'aria-label': 'Move to', dataset: { moveTo: g.name, key: 'move-to' } },
        h('option', { value: '' }, 'the best other node'),
        (store.status?.nodes || []).filter((n) => n.name !== g.owner).map((n) => h('option', { value: n.name }, n.name)));
      move = h('span', { class: 'move' }, to, actionButton(ctx, 'group-move', g.name, 'Move', async () => {
        await post(path`/v1/groups/${g.name}/move`, to.value ? { to: to.value } : {});
        store.later();
        return `${g.name}: moving to ${to.value || 'the best other node'}`;
      }));
    }
    return h('header', { class: 'detail-head', dataset: { group: g.name, state: g.state } },
      h('div', { class: 'title-row' },
        h('h1', null, 'Group ', h('span', { dataset: { groupName: g.name } }, g.name)), pick),
      h('div', { class: 'facts-row' },
        stateBadge(g.state), h('span', { dataset: { owner: g.owner ?? '' } }, ownerText(g)),
        h('span', { class: 'muted' }, `desired ${g.desired || '—'}`)),
      g.state_reason ? h('p', { class: 'reason' }, g.state_reason) : null,
      h('div', { class: 'actions' }, groupActions(ctx, g), move,
        viewButton('why', 'Why here?', () => showWhy({ kind: 'group' }), { target: g.name,
          title: 'Where the group runs or would be placed, and every node\'s verdict' })));
  };

  const tableOf = (rs) => rs.length ? h('table', { class: 'table resources' },
    h('thead', null, h('tr', null, ['Resource', 'Type', 'State', 'Owner', 'Details', 'Depends on', ''].map((t) => h('th', null, t)))),
    h('tbody', null, rs.map((r) => h('tr', { dataset: { resource: r.name, state: r.state }, class: r.name === selected ? 'selected' : null },
      h('td', null, h('a', { href: href(name, r.name), dataset: { key: `pick:${r.name}` } }, r.name)),
      h('td', { class: 'muted' }, r.type),
      h('td', null, stateBadge(r.state)),
      h('td', null, r.owner || '—'),
      h('td', null, details(r)),
      h('td', null, r.depends ? h('code', null, r.depends) : h('span', { class: 'muted' }, 'nothing')),
      h('td', { class: 'actions' }, resourceActions(ctx, r),
        viewButton('why', 'Why?', () => showWhy({ kind: 'resource', name: r.name }), { target: r.name })))))) 
    : empty('This group has no resources.');

  const draw = () => {
    const v = live();
    if (!v) return;
    rerender(head, () => headOf(v.group));
    rerender(graphBox, () => v.resources.length ? graph(name, v.resources, selected) : empty('No resources, no graph.'));
    rerender(table, () => tableOf(v.resources));
    root.dataset.ready = 'true';
  };

  const typeOf = (t) => {
    if (!ctx.types.has(t)) {
      const p = get(path`/v1/types/${t}`);
      p.catch(() => ctx.types.delete(t));
      ctx.types.set(t, p);
    }
    return ctx.types.get(t);
  };

  const groupBox = h('div');
  const resourceBox = h('div');
  propsBox.append(groupBox, resourceBox);

  const drawGroupProps = () => {
    const g = full.group;
    groupBox.replaceChildren(section(`Properties of ${g.name}`, propertyForm({
      label: 'group', tables: [['Group', GROUP_PROPS]], values: g.properties || {},
      editable: can(ctx.role, 'group-properties'),
      save: async (changed) => {
        full.group = await patch(path`/v1/groups/${g.name}`, { properties: changed });
        store.later();
        return `Saved ${Object.keys(changed).join(', ')}.`;
      },
    })));
  };

  let drawing = 0;
  const drawResourceProps = async () => {
    const n = ++drawing;
    const r = selected && full.resources.find((x) => x.name.toLowerCase() === selected.toLowerCase());
    if (!r) {
      resourceBox.replaceChildren(section('Resource properties', empty(selected ? `No resource ${selected} in ${full.group.name}.`
        : 'Pick a resource, in the graph or the table, to see its properties.')));
      return;
    }
    let typeProps = [];
    try {
      typeProps = (await typeOf(r.type)).properties || [];
    } catch (e) {
      notify(`The properties of type ${r.type} are not known: ${e.message}`, 'error');
    }
    if (gone || n !== drawing) return;
    resourceBox.replaceChildren(section(`Properties of ${r.name}`, h('p', { class: 'muted' }, `type ${r.type}`), propertyForm({
      label: 'resource', tables: [[`Type ${r.type}`, typeProps], ['Common', COMMON_PROPS]],
      values: { ...(r.properties || {}), ...(r.common || {}) }, editable: can(ctx.role, 'resource-properties'),
      save: async (changed) => {
        const got = await patch(path`/v1/resources/${r.name}`, { properties: changed });
        const i = full.resources.findIndex((x) => x.id === got.id);
        if (i >= 0) full.resources[i] = got;
        store.later();
        const later = got.next_online || [];
        return `Saved ${Object.keys(changed).join(', ')}.` +
          (later.length ? ` ${later.join(', ')} ${later.length === 1 ? 'applies' : 'apply'} at the next online.` : '');
      },
    })));
  };

  const fetchFull = () => {
    if (fetching) return fetching;
    fetching = (async () => {
      try {
        const [group, resources] = await Promise.all([
          get(path`/v1/groups/${name}`), get(`/v1/resources?group=${seg(name)}`)]);
        if (gone) return null;
        const before = full ? full.resources.map((r) => r.id).join() : null;
        full = { group, resources };
        draw();
        return before !== resources.map((r) => r.id).join();
      } finally {
        fetching = null;
      }
    })();
    return fetching;
  };

  const showWhy = async (what) => {
    whyOf = what;
    whyBox.hidden = false;
    try {
      const url = what.kind === 'group' ? path`/v1/groups/${name}/why` : path`/v1/resources/${what.name}/why`;
      const why = await get(url);
      if (gone || whyOf !== what) return;
      const close = viewButton('close-why', 'Close', () => { whyOf = null; whyBox.hidden = true; });
      whyBox.replaceChildren(section(what.kind === 'group' ? `Why ${name} is where it is` : `Why ${what.name} is as it is`,
        renderWhy(why), h('div', { class: 'actions' }, close)));
      whyBox.dataset.ready = 'true';
    } catch (e) {
      if (e.status !== 401) whyBox.replaceChildren(section('Why', h('p', { class: 'field-error' }, e.message)));
    }
  };

  fetchFull().then(() => {
    drawGroupProps();
    return drawResourceProps();
  }).then(() => { propsBox.dataset.ready = 'true'; }).catch((e) => {
    if (e.status === 404) {
      root.replaceChildren(h('h1', null, 'Group ', name), h('p', { class: 'field-error' }, e.message),
                           h('p', null, h('a', { href: '#/overview' }, 'Back to the overview')));
      root.dataset.ready = 'true';
    } else if (e.status !== 401) notify(e.message, 'error');
  });

  return {
    update(change) {
      if (!full) return;
      if (change.type === 'state' || change.type === 'stream') draw();
      if (change.type === 'reload') {
        fetchFull().then((changedSet) => {
          if (changedSet) drawResourceProps();
          if (whyOf) showWhy(whyOf);
        }).catch((e) => {
          if (e.status === 404) location.hash = '#/overview';
        });
      }
    },
    // The same view for another resource: only the selection changes.
    select(resource) {
      selected = resource || null;
      if (full) {
        draw();
        drawResourceProps();
      }
    },
    unmount() {
      gone = true;
    },
  };
}
