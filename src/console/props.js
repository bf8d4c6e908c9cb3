// SPDX-License-Identifier: LGPL-2.1-or-later
// Property forms: a group's, a resource's, the cluster's. An admin edits
// them and saves only the values changed; the API's 422 is shown next to
// the field it names (its "property"). Other roles see the values, with
// no field to type in.
//
// The API describes a type's private properties (GET /v1/types/T), and
// the common ones of groups and resources and the cluster's own
// (GET /v1/properties), read once per sign-in by loadPropertyTables.

import { h } from './dom.js';

export let GROUP_PROPS = [];
export let COMMON_PROPS = [];
export let CLUSTER_PROPS = [];

// The tables as wolfpackd knows them (names, defaults, meaning, choices).
export async function loadPropertyTables(get) {
  const t = await get('/v1/properties');
  GROUP_PROPS = t.group || [];
  COMMON_PROPS = t.resource || [];
  CLUSTER_PROPS = t.cluster || [];
}

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
  // A yes/no property is a choice of the two, as its table formats them.
  if (!p.enum && p.type === 'bool') p = { ...p, enum: ['yes', 'no'] };
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
