// SPDX-License-Identifier: LGPL-2.1-or-later
// The cluster as the console knows it: GET /v1/status and /v1/cluster,
// kept current by the event stream. A state event changes the object it
// names at once; since events do not carry everything (a group's state
// follows from its resources, owners and nodes change without an event of
// their own), a burst of events is followed by one re-read of the status.
// Events that come while a read is under way are applied again on top of
// its answer, so that a read that started before an event cannot undo it.

import { get } from './api.js';
import { EventStream } from './sse.js';

const SETTLE_MS = 250;
const RECENT = 12;

export class Store {
  constructor() {
    this.status = null;     // {cluster, nodes, groups}
    this.cluster = null;    // GET /v1/cluster
    this.recent = [];       // the newest state changes, newest first
    this.stream = null;
    this.streamState = { up: false, text: 'not connected' };
    this.listeners = new Set();
    this.logListeners = new Set();
    this.loading = null;
    this.during = null;     // events seen while a read is under way
    this.settle = null;
    this.again = false;
    this.epoch = 0;         // a new one for each session: what an old one read is dropped
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onLog(fn) {
    this.logListeners.add(fn);
    return () => this.logListeners.delete(fn);
  }

  emit(change) {
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch (e) {
        console.error('a view failed to follow a change:', e);
      }
    }
  }

  // Read the status now; the promise settles when it is in place.
  load() {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    const epoch = this.epoch;
    const during = [];
    this.during = during;
    this.loading = (async () => {
      let status, cluster;
      try {
        [status, cluster] = await Promise.all([get('/v1/status'), get('/v1/cluster')]);
      } finally {
        if (epoch === this.epoch) {
          this.during = null;
          this.loading = null;
        }
      }
      if (epoch !== this.epoch) return;
      // The status's resources are brief: a restart scheduled, which only
      // the event said, stays known while the resource is still Failed.
      for (const g of status.groups || []) {
        for (const r of g.resources || []) {
          const was = this.resource(r.id);
          if (r.restarting === undefined && was?.restarting && was.state === 'Failed' && r.state === 'Failed') {
            r.restarting = was.restarting;
          }
        }
      }
      this.status = status;
      this.cluster = cluster;
      for (const ev of during) this.apply(ev);
      this.emit({ type: 'reload' });
      if (this.again) {
        this.again = false;
        this.later();
      }
    })();
    return this.loading;
  }

  later() {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.load().catch((e) => this.emit({ type: 'error', error: e }));
    }, SETTLE_MS);
  }

  start(onUnauthorized) {
    this.stop();
    this.stream = new EventStream('/v1/events', {
      onOpen: () => {
        this.streamState = { up: true, text: 'live' };
        this.emit({ type: 'stream' });
        // Whatever happened while there was no stream is in the status.
        this.load().catch((e) => this.emit({ type: 'error', error: e }));
      },
      onEvent: (ev) => this.event(ev),
      onDown: (reason, delay) => {
        this.streamState = { up: false, text: `${reason}; reconnecting in ${Math.ceil(delay / 1000)} s` };
        this.emit({ type: 'stream' });
      },
      onUnauthorized,
    });
    this.stream.start();
  }

  stop() {
    this.epoch++;
    this.loading = null;
    this.stream?.stop();
    this.stream = null;
    clearTimeout(this.settle);
    this.status = this.cluster = null;
    this.recent = [];
    this.streamState = { up: false, text: 'not connected' };
  }

  event(ev) {
    if (ev.type === 'log') {
      for (const fn of this.logListeners) fn(ev);
      return;
    }
    if (ev.type !== 'state' && ev.type !== 'object') return;
    if (this.during) this.during.push(ev);
    const change = this.apply(ev);
    if (ev.type === 'state') {
      this.recent.unshift({ ...ev, at: Date.now() });
      this.recent.length = Math.min(this.recent.length, RECENT);
    }
    if (change) this.emit(change);
    this.later();
  }

  // Apply one event to the status; the change it makes, or null.
  apply(ev) {
    if (this.status && ev.type === 'object' && ev.kind === 'node') {
      // A node paused, resumed, named or evicted: its object as it is now.
      const nodes = this.status.nodes || [];
      const i = nodes.findIndex((n) => n.id === ev.id);
      if (ev.deleted) {
        if (i >= 0) nodes.splice(i, 1);
      } else if (ev.node) {
        if (i >= 0) nodes[i] = ev.node;
        else nodes.push(ev.node);
      }
      return { type: 'object', kind: 'node', id: ev.id, event: ev };
    }
    if (!this.status || ev.type !== 'state') return ev.type === 'object' ? { type: 'object', event: ev } : null;
    if (ev.kind === 'group') {
      const g = this.status.groups.find((x) => x.id === ev.id);
      if (!g) return null;
      g.state = ev.state;
      g.state_reason = ev.reason ?? null;
      if ('owner' in ev) g.owner = ev.owner ?? null;
      return { type: 'state', kind: 'group', id: g.id, name: g.name };
    }
    if (ev.resource) {
      for (const g of this.status.groups) {
        const r = (g.resources || []).find((x) => x.id === ev.resource);
        if (!r) continue;
        r.state = ev.state;
        r.state_reason = ev.reason ?? null;
        // When the restart is due, by this clock: in_ms counts from the event.
        r.restarting = ev.restarting ? { ...ev.restarting, due_at: Date.now() + (ev.restarting.in_ms || 0) } : null;
        return { type: 'state', kind: 'resource', id: r.id, name: r.name, group: g.name };
      }
    }
    return null;
  }

  group(name) {
    return this.status?.groups.find((g) => g.name === name) ?? null;
  }

  // A resource's brief (state, owner, reason) by id.
  resource(id) {
    for (const g of this.status?.groups ?? []) {
      const r = (g.resources || []).find((x) => x.id === id);
      if (r) return r;
    }
    return null;
  }
}
