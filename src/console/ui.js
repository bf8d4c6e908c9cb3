// SPDX-License-Identifier: LGPL-2.1-or-later
// Pieces every view uses: notices (the outcome of an action, the API's
// message when it failed) and action buttons, offered only when the
// session's role allows the action.
//
// Markers the browser test relies on: a button that changes something has
// data-action (and data-target, the object it acts on); every other button
// has data-view. A read token must see no data-action at all.

import { durationText, h, timeText } from './dom.js';
import { can } from './roles.js';

let region = null;

export function setNoticeRegion(el) {
  region = el;
}

export function clearNotices() {
  region?.replaceChildren();
}

// kind: ok, info or error. Errors stay until dismissed, the rest 8 s.
export function notify(text, kind = 'info') {
  if (!region) return;
  const close = h('button', { type: 'button', class: 'notice-close', dataset: { view: 'dismiss' },
                              'aria-label': 'Dismiss' }, '\u00d7');
  const n = h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status',
                       dataset: { notice: kind } }, h('span', { class: 'notice-text' }, text), close);
  close.addEventListener('click', () => n.remove());
  region.prepend(n);
  while (region.children.length > 5) region.lastElementChild.remove();
  if (kind !== 'error') setTimeout(() => n.remove(), 8000);
}

// A button for action (roles.js names) on target, or null when the role
// may not; run() returns the text to tell on success.
export function actionButton(ctx, action, target, label, run, opts = {}) {
  if (!can(ctx.role, action)) return null;
  const b = h('button', {
    type: 'button', class: `btn ${opts.class || ''}`.trim(), title: opts.title,
    dataset: { action, target, key: `${action}:${target}` },
  }, label);
  b.addEventListener('click', async () => {
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
    try {
      const said = await run();
      if (said) notify(said, 'ok');
    } catch (e) {
      if (e.status !== 401) notify(e.message, 'error');
    } finally {
      b.disabled = false;
      b.removeAttribute('aria-busy');
    }
  });
  return b;
}

// A button that only shows something (why, dismiss, switch): never hidden.
export function viewButton(name, label, onClick, opts = {}) {
  const b = h('button', { type: 'button', class: `btn btn-quiet ${opts.class || ''}`.trim(), title: opts.title,
                          dataset: { view: name, target: opts.target, key: `view:${name}:${opts.target ?? ''}` } },
              label);
  b.addEventListener('click', onClick);
  return b;
}

export function section(title, ...content) {
  return h('section', { class: 'panel' }, h('h2', null, title), ...content);
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

// A scheduled restart ({attempt, of, in_ms}, docs/api.md; due_at when the
// store saw it come) for people.
export function restartText(x) {
  const n = `restart ${x.attempt}${x.of ? ` of ${x.of}` : ''}`;
  if (x.due_at) return x.due_at > Date.now() + 500 ? `${n} at ${timeText(x.due_at)}` : `${n}, due now`;
  return x.in_ms ? `${n} in ${durationText(x.in_ms)}` : `${n}, due now`;
}
