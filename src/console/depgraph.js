// SPDX-License-Identifier: LGPL-2.1-or-later
// A group's dependency graph laid out in layers: a resource's layer is its
// dependency depth (0: needs nothing), drawn bottom up, so that each arrow
// points down to what a resource needs and online goes from the bottom row
// to the top. Within a layer, resources sit near what they need (the mean
// position of their dependencies) to keep edges short. Pure: no DOM.

// The names a depends expression ("ip and (db1 or db2)") uses, each with
// whether it is one of alternatives (under an "or").
export function parseDepends(expr) {
  const tokens = String(expr || '').match(/\(|\)|[^\s()]+/g) || [];
  let i = 0;
  const word = (w) => tokens[i]?.toLowerCase() === w;
  // or := and ("or" and)* ; and := atom ("and" atom)* ; atom := name | "(" or ")"
  const list = (op, next) => {
    const kids = [next()];
    while (word(op)) {
      i++;
      kids.push(next());
    }
    return kids.length === 1 ? kids[0] : { op, kids };
  };
  const atom = () => {
    const t = tokens[i++];
    if (t === '(') {
      const e = or();
      if (tokens[i] === ')') i++;
      return e;
    }
    return t === undefined || t === ')' ? { op: 'and', kids: [] } : { name: t };
  };
  const and = () => list('and', atom);
  const or = () => list('or', and);

  const names = [];
  const seen = new Map();
  const walk = (e, alternative) => {
    if (e.name) {
      const key = e.name.toLowerCase();
      if (seen.has(key)) seen.get(key).alternative &&= alternative;
      else {
        const n = { name: e.name, alternative };
        seen.set(key, n);
        names.push(n);
      }
      return;
    }
    for (const k of e.kids) walk(k, alternative || e.op === 'or');
  };
  while (i < tokens.length) walk(or(), false);
  return names;
}

export const BOX = { w: 168, h: 52, gapX: 36, gapY: 64, pad: 20 };

// resources: [{name, depends}] -> {nodes: [{name, layer, x, y}], edges:
// [{from, to, alternative}], width, height}. Names in an expression that
// are not resources of the group get no node and no edge.
export function layout(resources) {
  const byKey = new Map(resources.map((r) => [r.name.toLowerCase(), r]));
  const needs = new Map();
  const edges = [];
  for (const r of resources) {
    const deps = parseDepends(r.depends).filter((d) => byKey.has(d.name.toLowerCase()));
    needs.set(r.name, deps.map((d) => byKey.get(d.name.toLowerCase()).name));
    for (const d of deps) edges.push({ from: r.name, to: byKey.get(d.name.toLowerCase()).name, alternative: d.alternative });
  }
  const depth = new Map();
  const visiting = new Set();
  const depthOf = (name) => {
    if (depth.has(name)) return depth.get(name);
    if (visiting.has(name)) return 0;   // a cycle: the server refuses them, but do not loop
    visiting.add(name);
    const d = Math.max(-1, ...needs.get(name).map(depthOf)) + 1;
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  const layers = [];
  for (const r of [...resources].sort((a, b) => a.name.localeCompare(b.name))) {
    const d = depthOf(r.name);
    (layers[d] ||= []).push(r.name);
  }
  const pos = new Map();
  layers.forEach((names, li) => {
    if (li > 0) {
      const centre = (n) => {
        const xs = needs.get(n).map((d) => pos.get(d)).filter((p) => p !== undefined);
        return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Infinity;
      };
      names.sort((a, b) => centre(a) - centre(b) || a.localeCompare(b));
    }
    names.forEach((n, k) => pos.set(n, k - (names.length - 1) / 2));
  });
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = BOX.pad * 2 + widest * BOX.w + (widest - 1) * BOX.gapX;
  const height = BOX.pad * 2 + layers.length * BOX.h + Math.max(0, layers.length - 1) * BOX.gapY;
  const nodes = [];
  layers.forEach((names, li) => names.forEach((name) => {
    const x = width / 2 + pos.get(name) * (BOX.w + BOX.gapX) - BOX.w / 2;
    const y = BOX.pad + (layers.length - 1 - li) * (BOX.h + BOX.gapY);
    nodes.push({ name, layer: li, x, y });
  }));
  return { nodes, edges, width, height: Math.max(height, BOX.pad * 2 + BOX.h) };
}
