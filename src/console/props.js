// SPDX-License-Identifier: LGPL-2.1-or-later
// Property forms: a group's, a resource's, the cluster's. An admin edits
// them and saves only the values changed; the API's 422 is shown next to
// the field it names (its "property"). Other roles see the values, with
// no field to type in.
//
// The API describes a type's private properties (GET /v1/types/T); the
// common ones of resources and groups are listed here, as
// src/daemon/policy/policy-props.c has them (names, defaults, meaning).

import { h } from './dom.js';

export const GROUP_PROPS = [
  ['PreferredOwners', '', 'Nodes the group prefers, most preferred first'],
  ['FailoverThreshold', '-1', 'Failovers within FailoverPeriod before the group stays failed; -1: one fewer than the nodes of the cluster'],
  ['FailoverPeriod', '6h', 'The sliding window in which FailoverThreshold counts failovers'],
  ['AutoFailbackType', 'prevent', 'Whether the group moves back to its most preferred node when that node returns', ['prevent', 'allow']],
  ['FailbackWindowStart', '-1', 'First hour (0-23, cluster time zone) at which failback may happen; -1 any time'],
  ['FailbackWindowEnd', '-1', 'Last hour (0-23, inclusive) at which failback may happen; -1 any time'],
  ['PersistentState', 'yes', 'A group taken offline stays offline after the cluster service restarts', ['yes', 'no']],
  ['AntiAffinityClassNames', '', 'Groups sharing a class avoid running on the same node'],
].map(([name, def, description, choices]) => ({ name, default: def || null, description, enum: choices || null }));

export const COMMON_PROPS = [
  ['RestartAction', '2', 'After a failure: 0 stay failed, 1 restart without affecting the group, 2 restart, then fail the group over', ['0', '1', '2']],
  ['RestartThreshold', '3', 'Restarts within RestartPeriod before the group fails over (RestartAction 2)'],
  ['RestartPeriod', '900s', 'The sliding window in which RestartThreshold counts restarts'],
  ['RestartDelay', '500ms', 'Wait this long before each restart'],
  ['RetryPeriodOnFailure', '3600s', 'Try again this long after the group failed on every node; 0 never'],
  ['PendingTimeout', '180s', 'Longest an online or offline may take before the resource is terminated'],
  ['LooksAlivePollInterval', '5s', 'How often the cheap LooksAlive check runs'],
  ['IsAlivePollInterval', '60s', 'How often the thorough IsAlive check runs'],
  ['DeadlockTimeout', '300s', 'A resource monitor that does not answer this long is killed'],
  ['SeparateMonitor', 'no', 'Run the resource in a resource monitor of its own (applies at the next online)', ['yes', 'no']],
  ['CheckpointPaths', '', 'Files or directories copied into the cluster while the resource is online, and put back before it comes online on another node'],
  ['CheckpointMaxSize', '1M', 'The most the CheckpointPaths together may hold'],
  ['PossibleOwners', '', 'Nodes the resource may run on; empty: every node'],
].map(([name, def, description, choices]) => ({ name, default: def || null, description, enum: choices || null }));

export const CLUSTER_PROPS = [
  { name: 'TimeZone', default: null, enum: null,
    description: 'The tz database zone failback windows are reckoned in (Europe/Berlin, UTC); empty: the coordinator\'s local time' },
];

// One table of fields from property descriptions ({name, default,
// description, enum, readonly}) and the values set; values set that no
// description names are shown too.
function fieldsOf(tables, values) {
  const out = [];
  const seen = new Set();
  for (const [title, props] of tables) {
    const rows = [];
    for (const p of props) {
      seen.add(p.name.toLowerCase());
      rows.push({ ...p, value: values[p.name] });
    }
    out.push([title, rows]);
  }
  const other = Object.keys(values).filter((k) => !seen.has(k.toLowerCase()))
    .map((k) => ({ name: k, value: values[k], default: null, description: null, enum: null }));
  if (other.length) out.push(['Other', other]);
  return out;
}

function input(p, id) {
  const value = p.value ?? '';
  if (p.enum) {
    const options = [h('option', { value: '' }, p.default ? `(default: ${p.default})` : '(not set)')];
    for (const v of new Set([...p.enum, ...(value && !p.enum.includes(value) ? [value] : [])])) {
      options.push(h('option', { value: v, selected: v === value }, v));
    }
    return h('select', { id, name: p.name, dataset: { prop: p.name, original: value } }, options);
  }
  return h('input', {
    id, name: p.name, type: 'text', value, autocomplete: 'off', spellcheck: 'false',
    placeholder: p.default ? `default: ${p.default}` : '', dataset: { prop: p.name, original: value },
  });
}

let formSeq = 0;

// editable: the role may change them. save(changed) sends {name: value}
// and resolves to the text to show, or rejects with an ApiError.
export function propertyForm({ label, tables, values, editable, save }) {
  const n = ++formSeq;
  const groups = fieldsOf(tables, values || {});
  if (!editable) {
    return h('div', { class: 'props props-readonly', dataset: { props: label } },
      groups.map(([title, rows]) => [
        groups.length > 1 ? h('h3', null, title) : null,
        h('dl', { class: 'props-list' }, rows.map((p) => [
          h('dt', { title: p.description || null }, p.name),
          h('dd', { dataset: { propValue: p.name }, class: p.value === undefined ? 'unset' : null },
            p.value === undefined ? (p.default ? `default: ${p.default}` : 'not set') : (p.value === '' ? '""' : p.value)),
        ])),
      ]));
  }

  const status = h('p', { class: 'form-status', role: 'status', dataset: { formStatus: label } });
  const formError = h('p', { class: 'field-error', role: 'alert', dataset: { errorFor: '' } });
  const errors = new Map();
  const fields = [];
  const body = groups.map(([title, rows]) => h('fieldset', null,
    groups.length > 1 ? h('legend', null, title) : null,
    rows.map((p) => {
      const id = `prop-${n}-${p.name}`;
      if (p.readonly) {
        return h('div', { class: 'field field-readonly' },
          h('span', { class: 'field-label' }, p.name),
          h('span', { class: 'field-value', dataset: { propValue: p.name } }, p.value ?? '—'),
          p.description ? h('small', { class: 'hint' }, p.description, ' (read-only)') : null);
      }
      const el = input(p, id);
      const err = h('p', { class: 'field-error', role: 'alert', id: `${id}-error`, dataset: { errorFor: p.name } });
      el.setAttribute('aria-describedby', `${id}-error`);
      errors.set(p.name.toLowerCase(), [el, err]);
      fields.push(el);
      el.addEventListener('input', () => {
        el.classList.toggle('changed', el.value !== el.dataset.original);
        el.removeAttribute('aria-invalid');
        err.textContent = '';
      });
      return h('div', { class: 'field' },
        h('label', { for: id }, p.name),
        el,
        p.description ? h('small', { class: 'hint' }, p.description) : null,
        err);
    })));

  const submit = h('button', { type: 'submit', class: 'btn btn-primary',
                               dataset: { action: 'save-properties', target: label } }, 'Save changes');
  const reset = h('button', { type: 'reset', class: 'btn btn-quiet', dataset: { view: 'reset', target: label } },
                  'Undo changes');
  const form = h('form', { class: 'props', dataset: { props: label }, novalidate: true },
                 body, formError, h('div', { class: 'form-actions' }, submit, reset), status);

  const clearErrors = () => {
    formError.textContent = '';
    for (const [el, err] of errors.values()) {
      el.removeAttribute('aria-invalid');
      err.textContent = '';
    }
  };
  form.addEventListener('reset', () => {
    clearErrors();
    status.textContent = '';
    setTimeout(() => fields.forEach((el) => el.classList.remove('changed')));
  });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors();
    const changed = {};
    for (const el of fields) if (el.value !== el.dataset.original) changed[el.dataset.prop] = el.value;
    if (!Object.keys(changed).length) {
      status.textContent = 'Nothing changed.';
      return;
    }
    submit.disabled = true;
    status.textContent = 'Saving…';
    try {
      const said = await save(changed);
      for (const el of fields) {
        if (el.dataset.prop in changed) el.dataset.original = el.value;
        el.classList.remove('changed');
      }
      status.textContent = said || `Saved ${Object.keys(changed).join(', ')}.`;
    } catch (e) {
      status.textContent = '';
      const hit = e.property && errors.get(String(e.property).toLowerCase());
      if (hit) {
        const [el, err] = hit;
        err.textContent = e.message;
        el.setAttribute('aria-invalid', 'true');
        el.focus();
      } else {
        formError.textContent = e.message;
      }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
