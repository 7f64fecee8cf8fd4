// The "Deferred chain explorer" section that `deferkit lab --format markdown` ends with (docs/lab.md).

import { EXPLORER_PRESETS } from './presets.js';

/** The docs/lab.md section on the chain explorer, as Markdown lines. */
export function explorerMarkdown(): string[] {
  return [
    '## The Deferred chain explorer',
    '',
    '`npm run lab:explorer` (or `deferkit lab --explorer [FILE]`) writes `chain-explorer.html`: one self-contained',
    'page (no network; open it straight from disk) that runs the real `@deferkit/deferred`, its built `dist/` bundled',
    'into the page. Build a chain (`addCallback`, `addErrback`, `addBoth`, `addCallbacks`, each returning a value,',
    'throwing, returning its input, or returning a pending or already-fired Deferred), act on it (`callback`,',
    '`errback`, `pause`, `unpause`, `cancel`, with or without a canceller, and fire the inner Deferreds your callbacks',
    'returned), then step through what happened. Each step is a callback or errback that really ran, with what it was',
    'given and what it gave back.',
    '',
    '![The chain explorer on the "An errback recovers" preset](images/explorer.png)',
    '',
    'The tracks are drawn as in Twisted\'s Deferred Reference: one row per link, the callback track on the left and',
    'the errback track on the right. A success result travels down the left, a Failure down the right; a link that',
    'throws sends the result right, an errback that returns a value sends it back left, and a link that returns a',
    'Deferred without a result makes the chain wait (‖) until that Deferred fires. When the chain ends on a Failure',
    'no errback handled, the page shows the library\'s own report ("Unhandled error in Deferred", from',
    '`onUnhandledError` in debug mode).',
    '',
    'Presets:',
    '',
    ...EXPLORER_PRESETS.map((p) => `- **${p.title}**: ${p.lesson}`),
  ];
}
