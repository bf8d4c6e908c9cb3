// SPDX-License-Identifier: LGPL-2.1-or-later
// The API client: every request carries the session's bearer token, and
// every failure becomes an ApiError with the API's own message (docs/api.md,
// "Errors"). A 401 anywhere ends the session (app.js decides how).

export class ApiError extends Error {
  constructor(status, code, message, property) {
    super(message);
    this.status = status;
    this.code = code;
    this.property = property || null;
  }
}

let token = null;
let onUnauthorized = () => {};

export function setToken(t) {
  token = t;
}

export function getToken() {
  return token;
}

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

// One path segment from a name: every character that is not unreserved is
// percent-encoded, and so is '.', so that no name reads as a dot segment.
export function seg(name) {
  return encodeURIComponent(String(name)).replace(/\./g, '%2E');
}

// path`/v1/groups/${name}/online`: the interpolated values encoded as segments.
export function path(strings, ...values) {
  return strings.reduce((acc, str, i) => acc + str + (i < values.length ? seg(values[i]) : ''), '');
}

export function authHeaders(extra) {
  return { Authorization: `Bearer ${token ?? ''}`, ...extra };
}

// The ApiError of a response that is not ok, from its JSON error body or,
// failing that, its status line.
export async function errorOf(res) {
  let e = null;
  try {
    e = (await res.json())?.error;
  } catch {
    // not JSON: the status line says what there is to say
  }
  return new ApiError(e?.status ?? res.status, e?.code ?? `http_${res.status}`,
                      e?.message || `${res.status} ${res.statusText || 'error'} from ${new URL(res.url).pathname}`,
                      e?.property);
}

export async function request(method, url, body, { signal, tokenOverride } = {}) {
  const headers = { Accept: 'application/json' };
  headers.Authorization = `Bearer ${tokenOverride ?? token ?? ''}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, {
      method, headers, signal, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unreachable', `cannot reach wolfpackd (${e.message}); is it running?`);
  }
  if (!res.ok) {
    const err = await errorOf(res);
    if (res.status === 401 && tokenOverride === undefined) onUnauthorized(err);
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'bad_answer', `${method} ${new URL(res.url).pathname} answered with text that is not JSON`);
  }
}

export const get = (url, opts) => request('GET', url, undefined, opts);
export const post = (url, body, opts) => request('POST', url, body, opts);
export const patch = (url, body, opts) => request('PATCH', url, body, opts);
