// SPDX-License-Identifier: LGPL-2.1-or-later
// The answer of GET /v1/groups/G/why (and /v1/resources/R/why) for people:
// the summary, then every node's verdict, then the resource's own (rule
// codes as docs/api.md, "Why", lists them).

import { h, stateBadge, timeText } from './dom.js';

const NODE_RULES = {
  chosen: 'takes the group',
  owner: 'runs it and keeps it',
  available: 'would take it on failover or move',
  down: 'is not up',
  no_quorum: 'has no quorum',
  paused: 'is paused',
  leaving: 'let it go',
  not_possible_owner: 'not a possible owner',
  failover_threshold: 'failover threshold reached',
  failed_recently: 'failed here recently',
  anti_affinity: 'anti-affinity',
  less_preferred: 'less preferred',
  more_groups: 'owns more groups',
};

const RESOURCE_RULES = {
  online: 'online',
  pending: 'on its way',
  offline_desired: 'taken offline',
  dependency_failed: 'a dependency failed',
  failed: 'failed',
  group: 'waits for its group',
};

// Verdicts that place the group, that pass a node over, that rule it out.
function tone(rule) {
  if (['chosen', 'owner', 'available', 'online'].includes(rule)) return 'good';
  if (['less_preferred', 'more_groups', 'pending', 'group', 'offline_desired', 'failed_recently', 'anti_affinity'].includes(rule)) return 'fair';
  return 'bad';
}

function rule(code, names) {
  return h('span', { class: `rule rule-${tone(code)}`, title: code, dataset: { rule: code } }, names[code] || code);
}

export function renderWhy(why) {
  const out = [];
  out.push(h('p', { class: 'why-summary', dataset: { whySummary: why.group } }, why.summary || ''));
  const facts = [];
  if (why.wanted === false) facts.push('An administrator took the group offline; the verdicts say where an online would place it.');
  if (why.quorate === false) facts.push('This node\'s partition has no quorum: it owns no group.');
  if (why.state_reason) facts.push(why.state_reason);
  for (const f of facts) out.push(h('p', { class: 'why-fact' }, f));

  if (why.resource) {
    const r = why.resource;
    out.push(h('div', { class: 'why-resource', dataset: { whyResource: r.resource } },
      h('h3', null, 'Resource ', r.resource),
      h('p', null, stateBadge(r.state), ' ', rule(r.rule, RESOURCE_RULES),
        r.dependency ? [' (needs ', h('strong', null, r.dependency), ')'] : null),
      h('p', null, r.text || '')));
  }

  const rows = (why.nodes || []).map((n) => h('tr', { dataset: { whyNode: n.name }, class: n.name === why.node ? 'why-picked' : null },
    h('td', null, n.name, n.name === why.node ? h('span', { class: 'tag' }, 'this one') : null),
    h('td', null, rule(n.rule, NODE_RULES)),
    h('td', null, n.text || '',
      n.until_ms ? h('span', { class: 'muted' }, ` (until ${timeText(n.until_ms)})`) : null)));
  out.push(h('table', { class: 'table why-nodes' },
    h('thead', null, h('tr', null, h('th', null, 'Node'), h('th', null, 'Verdict'), h('th', null, 'Why'))),
    h('tbody', null, rows)));
  return out;
}
