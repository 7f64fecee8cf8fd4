// The chain explorer's program model and its preset chains (issue 20). A program is a list of
// actions a learner applies, in order, to one real Deferred (the "head"); the page replays it on
// the @deferkit/deferred bundled into it, and the browser test replays it in Node.

/**
 * What a callback or errback does with the result it gets.
 * - `value`: return `value` (a JSON value);
 * - `raise`: throw `new Error(message)`;
 * - `pass`: return the result it got (an errback doing this stays on the errback track);
 * - `pending`: return a new, unfired Deferred (inner Deferred number n, counted from 1 in the
 *   order they are created), which the learner fires later with a `fire-inner` action;
 * - `fired`: return `succeed(value)`, an already-fired Deferred.
 */
export type ExplorerBody =
  | { readonly do: 'value'; readonly value: unknown }
  | { readonly do: 'raise'; readonly message: string }
  | { readonly do: 'pass' }
  | { readonly do: 'pending' }
  | { readonly do: 'fired'; readonly value: unknown };

/** The four ways to add a link, as in Twisted: addCallback, addErrback, addBoth, addCallbacks. */
export type ExplorerLinkKind = 'addCallback' | 'addErrback' | 'addBoth' | 'addCallbacks';

/** One step of a learner's program, applied to the head Deferred in order. */
export type ExplorerAction =
  | { readonly type: 'add'; readonly kind: ExplorerLinkKind; readonly callback?: ExplorerBody; readonly errback?: ExplorerBody }
  | { readonly type: 'callback'; readonly value: unknown }
  | { readonly type: 'errback'; readonly message: string }
  | { readonly type: 'pause' }
  | { readonly type: 'unpause' }
  | { readonly type: 'cancel' }
  | { readonly type: 'fire-inner'; readonly inner: number; readonly value?: unknown; readonly message?: string };

/** A chain a learner can load: its head (with or without a canceller) and its program. */
export interface ExplorerPreset {
  /** Stable id, used by the page's preset picker and the tests. */
  readonly id: string;
  /** Short title shown in the picker. */
  readonly title: string;
  /** The lesson, one or two sentences, shown above the tracks. */
  readonly lesson: string;
  /** Whether the head Deferred is created with a canceller (`new Deferred(canceller)`). */
  readonly canceller: boolean;
  /** The actions, in order. */
  readonly actions: readonly ExplorerAction[];
}

/** The classic lessons of Twisted's Deferred Reference, as explorer programs. */
export const EXPLORER_PRESETS: readonly ExplorerPreset[] = [
  {
    id: 'errback-recovers',
    title: 'An errback recovers',
    lesson:
      'A callback throws: the result becomes a Failure and hops to the errback track, skipping callbacks. ' +
      'An errback that returns a value puts the chain back on the callback track.',
    canceller: false,
    actions: [
      { type: 'add', kind: 'addCallback', callback: { do: 'raise', message: 'page not found' } },
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'skipped' } },
      { type: 'add', kind: 'addErrback', errback: { do: 'value', value: 'fallback page' } },
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'parsed' } },
      { type: 'callback', value: 'https://example.com/' },
    ],
  },
  {
    id: 'chained-deferred',
    title: 'A chained Deferred pauses the outer chain',
    lesson:
      'A callback returns a Deferred that has not fired: the outer chain waits on it. ' +
      'Firing the inner Deferred resumes the outer chain with the inner result.',
    canceller: false,
    actions: [
      { type: 'add', kind: 'addCallback', callback: { do: 'pending' } },
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'after the inner one' } },
      { type: 'callback', value: 'request' },
      { type: 'fire-inner', inner: 1, value: 'response' },
    ],
  },
  {
    id: 'unhandled-error',
    title: 'An unhandled error at the end',
    lesson:
      'A callback throws and no errback follows: the chain ends holding a Failure, and the library reports it ' +
      '("Unhandled error in Deferred") through onUnhandledError.',
    canceller: false,
    actions: [
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'parsed' } },
      { type: 'add', kind: 'addCallback', callback: { do: 'raise', message: 'item has no title' } },
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'stored' } },
      { type: 'callback', value: 'response' },
    ],
  },
  {
    id: 'pause-unpause',
    title: 'Pause and unpause',
    lesson:
      'A paused Deferred keeps its result but runs no callbacks; unpause() runs the ones waiting. ' +
      'Pauses nest: it runs again when every pause() has had its unpause().',
    canceller: false,
    actions: [
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'one' } },
      { type: 'pause' },
      { type: 'add', kind: 'addCallback', callback: { do: 'value', value: 'two' } },
      { type: 'callback', value: 'start' },
      { type: 'unpause' },
    ],
  },
  {
    id: 'cancel',
    title: 'Cancel, with a canceller',
    lesson:
      'cancel() on an unfired Deferred calls its canceller; the canceller did not fire it, so the Deferred ' +
      'errbacks with CancelledError, which an errback can handle like any other failure.',
    canceller: true,
    actions: [
      { type: 'add', kind: 'addCallbacks', callback: { do: 'value', value: 'downloaded' }, errback: { do: 'value', value: 'gave up' } },
      { type: 'add', kind: 'addBoth', callback: { do: 'pass' } },
      { type: 'cancel' },
    ],
  },
];
