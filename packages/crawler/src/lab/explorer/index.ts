// The Deferred chain explorer (issue 20): `deferkit lab --explorer`.

export { bundleDeferred, buildExplorerHtml, EXPLORER_GLOBAL, type DeferredBundle } from './build.js';
export { EXPLORER_PRESETS, type ExplorerAction, type ExplorerBody, type ExplorerLinkKind, type ExplorerPreset } from './presets.js';
export { writeExplorer } from './write.js';
