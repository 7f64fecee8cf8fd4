// Running the deferkit CLI as a child process, for the CLI and feed tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** bin/deferkit.js. */
export const BIN = join(ROOT, 'packages/crawler/bin/deferkit.js');
/** The CLI fixtures. */
export const FIXTURES = join(ROOT, 'test/crawler/fixtures/cli');

/** What a CLI run left. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  elapsed: number;
}

/** A running CLI. */
export interface CliRun {
  child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  /** stdout so far. */
  stdout(): string;
  /** Resolves when `pattern` shows up on stderr (or stdout); rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** Resolves when the process exits. */
  done: Promise<CliResult>;
}

/**
 * Spawn `node bin/deferkit.js …args` (from the sources unless `dist: true`) in `cwd` (the
 * repository root by default); SIGKILLed after `timeout` ms (120 s by default: a loaded CI machine starts tsx slowly; a hang still ends).
 */
export function startCli(args: string[], options: { cwd?: string; timeout?: number; dist?: boolean; env?: Record<string, string> } = {}): CliRun {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  if (options.dist === true) delete env.DEFERKIT_CLI_SOURCE;
  else env.DEFERKIT_CLI_SOURCE = '1';
  delete env.NODE_OPTIONS;
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w.pattern.test(err) || w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    check();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 120_000);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: out, stderr: err, elapsed: Date.now() - started });
    });
  });
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    done,
    waitFor: (pattern, ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${err}\n${out}`)), ms);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
        check();
        void done.then(() => {
          clearTimeout(t);
          if (waiters.some((w) => w.pattern === pattern)) reject(new Error(`the CLI exited before ${pattern} showed up:\n${err}\n${out}`));
        });
      }),
  };
}

/** Run the CLI to its end. */
export function runCli(args: string[], options: Parameters<typeof startCli>[1] = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** A fresh temporary directory under os.tmpdir(), and its remover. */
export function tempDir(prefix = 'deferkit-cli-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A temporary directory for a test file (made before its tests, removed after) and a fresh
 * subdirectory per test: `const fresh = freshDirs('deferkit-feeds-'); … const d = fresh();`.
 */
export function freshDirs(prefix: string): () => string {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let count = 0;
  beforeAll(() => {
    tmp = tempDir(prefix);
  });
  afterAll(() => tmp?.cleanup());
  return () => {
    const d = join(tmp!.dir, `t${++count}`);
    mkdirSync(d);
    return d;
  };
}

/** The stats printed by `Dumping Scrapy stats:` in a CLI's stderr. */
export function statsDump(stderr: string): Record<string, unknown> {
  const at = stderr.indexOf('Dumping Scrapy stats:\n');
  if (at === -1) throw new Error(`no stats dump in:\n${stderr}`);
  const start = stderr.indexOf('{', at);
  const end = stderr.indexOf('\n}', start);
  return JSON.parse(stderr.slice(start, end + 2)) as Record<string, unknown>;
}

/** The lines of a JSON Lines file, parsed. */
export function parseJsonl(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
