// SPDX-License-Identifier: LGPL-2.1-or-later
// Building the page without markup strings: every value the API gives goes
// into the DOM as text or as an attribute value, never as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';

function set(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) {
      if (dv !== null && dv !== undefined) el.dataset[dk] = String(dv);
    }
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k.startsWith('on')) throw new Error(`event handler attribute ${k}: use "on"`);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// h('p', {class: 'x', dataset: {state: s}}, 'text', child ...)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  set(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  set(el, attrs);
  append(el, children);
  return el;
}

// "OnlinePending" -> "onlinepending": the CSS class of a state.
export function slug(state) {
  return String(state || 'unknown').toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

export function stateBadge(state, extra) {
  return h('span', { class: `state state-${slug(state)}`, dataset: { stateBadge: state || 'Unknown' }, ...extra },
           state || 'Unknown');
}

// Rebuild a region, unless nothing in it changed (so that a click is not
// split between a button and its replacement), and keep the keyboard
// where it was: the element that had focus is found again in the new
// content by its data-key.
export function rerender(container, build) {
  const next = [build()].flat(Infinity).filter(Boolean).map((n) => (n instanceof Node ? n : document.createTextNode(String(n))));
  const now = container.childNodes;
  if (next.length === now.length && next.every((n, i) => n.isEqualNode(now[i]))) return;
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  container.replaceChildren(...next);
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again && !again.disabled) again.focus();
  }
}

const units = [['d', 86400000], ['h', 3600000], ['min', 60000], ['s', 1000]];

export function durationText(ms) {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  for (const [u, n] of units) if (ms >= n) return `${Math.round(ms / n * 10) / 10} ${u}`;
  return `${ms} ms`;
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

// Local time of a UTC time stamp (ISO text or ms), with the date unless today.
export function timeText(t, withMs = false) {
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t ?? '');
  const now = new Date();
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    (withMs ? `.${pad(d.getMilliseconds(), 3)}` : '');
  if (d.toDateString() === now.toDateString()) return hms;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hms}`;
}
