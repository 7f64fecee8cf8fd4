// What the chain explorer should show, computed in Node from @deferkit/deferred itself: the
// program is applied to a real Deferred here, with this file's own wrappers recording each
// callback/errback that runs, so the browser test compares the page with the library.

import { Deferred, type Failure, isFailure, onUnhandledError, setDebugging, succeed } from '@deferkit/deferred';
import type { ExplorerAction, ExplorerBody, ExplorerPreset } from '../../packages/crawler/src/lab/explorer/presets.js';

/** A result as the page labels it: kind plus text. */
export interface Shown {
  kind: 'value' | 'failure' | 'waiting' | 'none';
  text: string;
}

/** One step as the page's current-result box reports it. */
export interface ExpectedStep extends Shown {
  type: 'action' | 'run';
  link?: number;
  track?: 'callback' | 'errback';
}

/** The whole expectation for one program. */
export interface Expected {
  steps: ExpectedStep[];
  final: Shown;
  paused: number;
  called: boolean;
  /** The `Name: message` of the failure the library reported as unhandled, if it did. */
  unhandled: string | null;
}

const json = (v: unknown): string => (v === undefined ? 'undefined' : JSON.stringify(v));
const errorText = (e: unknown): string => `${(e as Error).name}: ${(e as Error).message}`;
const failureText = (f: Failure): string => errorText(f.value);

/** Run `preset` on the real Deferred, recording what each step leaves as the current result. */
export async function expectedFor(preset: Pick<ExplorerPreset, 'canceller' | 'actions'>): Promise<Expected> {
  const steps: ExpectedStep[] = [];
  const pending: Deferred<unknown>[] = [];
  const shown = (x: unknown): Shown => {
    if (isFailure(x)) return { kind: 'failure', text: failureText(x) };
    if (x instanceof Deferred) {
      const n = pending.indexOf(x);
      if (n >= 0 && !(x.called && x.paused === 0)) return { kind: 'waiting', text: `inner #${n + 1}` };
    }
    return { kind: 'value', text: json(x) };
  };
  const run = (body: ExplorerBody, link: number, fixed: 'callback' | 'errback' | null) => (input: unknown) => {
    const step: ExpectedStep = { type: 'run', link, track: fixed ?? (isFailure(input) ? 'errback' : 'callback'), kind: 'none', text: '' };
    steps.push(step);
    const inputShown = shown(input);
    (step as { input?: Shown }).input = inputShown;
    let out: unknown;
    try {
      if (body.do === 'value') out = body.value;
      else if (body.do === 'raise') throw new Error(body.message);
      else if (body.do === 'pass') out = input;
      else if (body.do === 'pending') pending.push((out = new Deferred()) as Deferred<unknown>);
      else out = succeed(body.value);
    } catch (e) {
      Object.assign(step, { kind: 'failure', text: errorText(e) });
      throw e;
    }
    // A fired Deferred hands its result straight on: show that value.
    Object.assign(step, out instanceof Deferred && !pending.includes(out) ? { kind: 'value', text: json(body.do === 'fired' ? body.value : undefined) } : shown(out));
    return out;
  };

  setDebugging(true);
  const reports: Failure[] = [];
  const stop = onUnhandledError((f) => reports.push(f));
  const head: Deferred<unknown> = preset.canceller ? new Deferred<unknown>(() => {}) : new Deferred<unknown>();
  // The library's own current result (the page reads the same field of its bundled copy).
  const current = (): Shown => (head.called ? shown((head as unknown as { _result: unknown })._result) : { kind: 'none', text: 'no result yet' });
  let links = 0;
  let last: { after: Shown; paused: number; called: boolean } = { after: current(), paused: 0, called: false };
  try {
    for (const a of preset.actions as ExplorerAction[]) {
      const step: ExpectedStep = { type: 'action', kind: 'none', text: '' };
      steps.push(step);
      const first = steps.length;
      let failed = false;
      try {
        if (a.type === 'add') {
          const i = links++;
          if (a.kind === 'addCallback') head.addCallback(run(a.callback!, i, 'callback'));
          else if (a.kind === 'addErrback') head.addErrback(run(a.errback!, i, 'errback'));
          else if (a.kind === 'addBoth') head.addBoth(run(a.callback!, i, null));
          else head.addCallbacks(run(a.callback!, i, 'callback'), run(a.errback!, i, 'errback'));
        } else if (a.type === 'callback') head.callback(a.value);
        else if (a.type === 'errback') head.errback(new Error(a.message));
        else if (a.type === 'pause') head.pause();
        else if (a.type === 'unpause') head.unpause();
        else if (a.type === 'cancel') head.cancel();
        else {
          const inner = pending[a.inner - 1]!;
          if (a.message !== undefined) inner.errback(new Error(a.message));
          else inner.callback(a.value);
        }
      } catch {
        failed = true;
      }
      const after = current();
      const firstRun = steps[first] as (ExpectedStep & { input?: Shown }) | undefined;
      let res: Shown;
      if (!failed && a.type === 'callback') res = { kind: 'value', text: json(a.value) };
      else if (!failed && a.type === 'errback') res = { kind: 'failure', text: `Error: ${a.message}` };
      else res = firstRun?.input ?? after;
      Object.assign(step, res);
      last = { after, paused: head.paused, called: head.called };
    }
    // The debug-mode report comes at the end of this macrotask: wait for the next one.
    await new Promise<void>((resolve) => setImmediate(resolve));
  } finally {
    stop();
    setDebugging(false);
  }
  const mine = reports.find((f) => (head as unknown as { _result: unknown })._result === f);
  return {
    steps: steps.map(({ type, link, track, kind, text }) => ({ type, kind, text, ...(link === undefined ? {} : { link, track }) })),
    final: last.after,
    paused: last.paused,
    called: last.called,
    unhandled: mine === undefined ? null : failureText(mine),
  };
}
