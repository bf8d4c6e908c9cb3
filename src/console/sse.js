// SPDX-License-Identifier: LGPL-2.1-or-later
// GET /v1/events read with fetch(): EventSource cannot send the
// Authorization header. SseParser cuts the text/event-stream into events
// the way the HTML standard says (data lines joined, comments such as
// ": keepalive" skipped); EventStream keeps one stream open, reconnecting
// with backoff, and tells its owner each time it (re)opens so that the
// owner re-reads what it may have missed.

import { ApiError, authHeaders, errorOf } from './api.js';

export class SseParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buf = '';
    this.reset();
  }

  reset() {
    this.data = [];
    this.type = '';
  }

  push(text) {
    this.buf += text;
    // A chunk may end between the \r and the \n of one line end.
    let end = this.buf.endsWith('\r') ? this.buf.length - 1 : this.buf.length;
    const body = this.buf.slice(0, end);
    const lines = body.split(/\r\n|\r|\n/);
    this.buf = lines.pop() + this.buf.slice(end);
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === '') {
      if (this.data.length) this.onEvent({ type: this.type || 'message', data: this.data.join('\n') });
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.type = value;
  }
}

// The server sends ": keepalive" every 15 s: this long without a byte means
// the connection is gone even if no error says so.
const SILENCE_MS = 45000;
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
// A connection that lasted this long resets the backoff.
const STEADY_MS = 10000;

export class EventStream {
  // handlers: onOpen(), onEvent(obj), onDown(reason, retryInMs),
  // onUnauthorized(ApiError)
  constructor(url, handlers) {
    this.url = url;
    this.h = handlers;
    this.stopped = true;
    this.attempt = 0;
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop();
  }

  stop() {
    this.stopped = true;
    this.ctl?.abort();
    this.wake?.();
  }

  async loop() {
    while (!this.stopped) {
      const began = Date.now();
      const reason = await this.once();
      if (this.stopped) return;
      if (Date.now() - began > STEADY_MS) this.attempt = 0;
      const base = BACKOFF_MS[Math.min(this.attempt++, BACKOFF_MS.length - 1)];
      const delay = Math.round(base * (0.8 + Math.random() * 0.4));
      this.h.onDown(reason, delay);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, delay);
        this.wake = () => { clearTimeout(t); resolve(); };
      });
    }
  }

  // One connection, until it ends; the reason it ended.
  async once() {
    const ctl = new AbortController();
    this.ctl = ctl;
    let silence = null;
    const quiet = () => {
      clearTimeout(silence);
      silence = setTimeout(() => ctl.abort(new Error('no data, not even a keepalive, for 45 s')), SILENCE_MS);
    };
    try {
      quiet();
      const res = await fetch(this.url, {
        headers: authHeaders({ Accept: 'text/event-stream' }), signal: ctl.signal, cache: 'no-store',
      });
      if (!res.ok) {
        const err = await errorOf(res);
        if (res.status === 401) {
          this.stopped = true;
          this.h.onUnauthorized(err);
        }
        return `the event stream was refused: ${err.message}`;
      }
      const type = res.headers.get('Content-Type') || '';
      if (!type.startsWith('text/event-stream')) return `the event stream came as ${type || 'no type'}`;
      const parser = new SseParser((frame) => {
        let obj;
        try {
          obj = JSON.parse(frame.data);
        } catch {
          console.warn('event that is not JSON:', frame.data);
          return;
        }
        this.h.onEvent(obj);
      });
      this.h.onOpen();
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return 'wolfpackd closed the event stream';
        quiet();
        parser.push(value);
      }
    } catch (e) {
      if (e instanceof ApiError) return e.message;
      const why = ctl.signal.reason instanceof Error ? ctl.signal.reason.message : e.message;
      return `the event stream broke: ${why}`;
    } finally {
      clearTimeout(silence);
    }
  }
}
