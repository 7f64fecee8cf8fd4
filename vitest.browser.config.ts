import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { startLoopbackServer, type LoopbackServer } from './test/interop/loopback-server.js';

// `npm run test:runtimes` (Chromium): the suites of @deferkit/deferred, @deferkit/reactor and
// @deferkit/interop in headless Chromium, through vitest's browser mode and playwright-core.
// Chromium is Debian's (/usr/bin/chromium, or CHROMIUM_PATH); nothing is downloaded.
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Loopback servers the page asks for (the AbortSignal tests fetch from one), by id.
const servers = new Map<number, LoopbackServer>();
let nextServerId = 1;

export default defineConfig({
  resolve: { conditions: ['@deferkit/source', 'browser', 'module', 'import', 'default'] },
  test: {
    include: ['test/deferred/**/*.test.ts', 'test/reactor/**/*.test.ts', 'test/interop/**/*.test.ts'],
    exclude: [
      // These start Node child processes or read the file system: packaging checks, not runtime ones.
      'test/deferred/aplus.test.ts',
      'test/reactor/dual-package.test.ts',
      'test/interop/optional-peers.test.ts',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: {
          executablePath,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            // gc() for the unhandled-error tests (FinalizationRegistry).
            '--js-flags=--expose-gc',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
      commands: {
        async startLoopbackServer() {
          const server = await startLoopbackServer();
          const id = nextServerId++;
          servers.set(id, server);
          return { id, url: server.url };
        },
        loopbackServerAborted(_context, id: number) {
          return [...(servers.get(id)?.aborted ?? [])];
        },
        async loopbackServerReached(_context, id: number, path: string) {
          await servers.get(id)?.reached(path);
        },
        async loopbackServerAbandoned(_context, id: number, path: string) {
          await servers.get(id)?.abandoned(path);
        },
        async stopLoopbackServer(_context, id: number) {
          await servers.get(id)?.close();
          servers.delete(id);
        },
      },
    },
  },
});
