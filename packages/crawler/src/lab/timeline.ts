// The lab's timeline: which turn each step of a scenario ran in, relative to the step before —
// the same synchronous run (`sync`), a later microtask (`microtask`: a promise reaction), or a
// later reactor iteration / event-loop task (`reactor`: any macrotask — a timer, an immediate, I/O).

import { createHook, type AsyncHook } from 'node:async_hooks';

/** How a step was reached from the step before it. */
export type Turn = 'sync' | 'microtask' | 'reactor';

/** One step of a timeline. */
export interface TimelineStep {
  /** What happened. */
  readonly step: string;
  /** The turn it ran in, relative to the previous step. */
  readonly turn: Turn;
}

const types = new Map<number, string>();
let macro = 0;
let micro = 0;
let hook: AsyncHook | null = null;
let users = 0;

/**
 * Count callback boundaries with async_hooks: promise reactions and queued microtasks are
 * microtasks; every other async resource's callback (timers, immediates, sockets) starts a new
 * macrotask. Enabled while a lab run is in progress. @internal
 */
export function enableTurnTracking(): () => void {
  if (users++ === 0) {
    hook = createHook({
      init(id, type) {
        types.set(id, type);
      },
      before(id) {
        const t = types.get(id);
        if (t === 'PROMISE' || t === 'Microtask') micro++;
        else macro++;
      },
      destroy(id) {
        types.delete(id);
      },
      promiseResolve() {},
    });
    hook.enable();
  }
  return () => {
    if (--users === 0) {
      hook?.disable();
      hook = null;
      types.clear();
    }
  };
}

/** Records the steps of one scenario run. */
export class Timeline {
  readonly steps: TimelineStep[] = [];
  #macro = -1;
  #micro = -1;

  /** Record a step. */
  step(name: string): void {
    let turn: Turn = 'sync';
    if (this.#macro !== -1) {
      if (macro !== this.#macro) turn = 'reactor';
      else if (micro !== this.#micro) turn = 'microtask';
    }
    this.steps.push({ step: name, turn });
    this.#macro = macro;
    this.#micro = micro;
  }
}
