// The commands vitest.browser.config.ts adds, as tests running in Chromium see them.
export {};

declare module 'vitest/browser' {
  interface BrowserCommands {
    /** Start a loopback server (loopback-server.ts) in the runner's Node process. */
    startLoopbackServer(): Promise<{ id: number; url: string }>;
    /** The paths whose requests the client abandoned so far. */
    loopbackServerAborted(id: number): Promise<string[]>;
    /** Resolves once a request for `path` has reached the server. */
    loopbackServerReached(id: number, path: string): Promise<void>;
    /** Resolves once the server has seen the client abandon a request for `path`. */
    loopbackServerAbandoned(id: number, path: string): Promise<void>;
    stopLoopbackServer(id: number): Promise<void>;
  }
}
