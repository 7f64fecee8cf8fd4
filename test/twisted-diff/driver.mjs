// Runs programs through both interpreters (long-lived workers, JSON lines), compares the traces,
// groups mismatches by kind, shrinks them and prints them. Used by scripts/test-twisted.mjs and
// test/twisted-diff/harness.test.ts.

import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
/** The Python with Twisted (DEFERKIT_TWISTED_PYTHON overrides it, e.g. to check the NOT RUN path). */
export const PYTHON = process.env.DEFERKIT_TWISTED_PYTHON || '/usr/bin/python3';

/** Twisted's version, or null when PYTHON cannot import twisted. */
export function twistedVersion() {
  const probe = spawnSync(PYTHON, ['-c', 'import twisted, sys; sys.stdout.write(twisted.__version__)'], { encoding: 'utf-8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/**
 * One interpreter process: a program goes in as a JSON line, its trace comes back as one. When
 * no answer comes within `timeoutMs`, the process is killed, the program counts as `hang` and a
 * fresh process takes over for the next one.
 */
export class Worker {
  constructor(side, { plant, timeoutMs = 1000 } = {}) {
    this.side = side;
    this.plant = plant;
    this.timeoutMs = timeoutMs;
    this.proc = null;
    this.seq = 0;
    this.restarts = 0;
  }

  start() {
    const args =
      this.side === 'py'
        ? [PYTHON, [join(here, 'interp.py')]]
        : [process.execPath, ['--import', 'tsx', '--conditions=@deferkit/source', join(here, 'interp.ts'), ...(this.plant ? ['--plant', this.plant] : [])]];
    const proc = spawn(args[0], args[1], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    proc.buf = '';
    proc.stderrTail = '';
    proc.waiter = null;
    proc.ready = new Promise((resolve) => {
      proc.onReady = resolve;
    });
    proc.stdout.setEncoding('utf-8');
    proc.stdout.on('data', (chunk) => {
      proc.buf += chunk;
      let nl;
      while ((nl = proc.buf.indexOf('\n')) !== -1) {
        const line = proc.buf.slice(0, nl);
        proc.buf = proc.buf.slice(nl + 1);
        const msg = JSON.parse(line);
        if (msg.ready) {
          proc.onReady(true);
          continue;
        }
        const w = proc.waiter;
        proc.waiter = null;
        if (w) w.resolve(msg);
      }
    });
    // Drained so a chatty side never blocks on a full pipe; the tail explains crashes.
    proc.stderr.setEncoding('utf-8');
    proc.stderr.on('data', (chunk) => {
      proc.stderrTail = (proc.stderrTail + chunk).slice(-4000);
    });
    proc.on('exit', (code, signal) => {
      if (this.proc === proc) this.proc = null;
      proc.onReady(false);
      const w = proc.waiter;
      proc.waiter = null;
      if (w) w.resolve({ crash: `exited (${signal ?? code}): ${proc.stderrTail}` });
    });
    proc.stdin.on('error', () => {});
    this.proc = proc;
  }

  /** The trace of `prog`, or 'hang', or { crash } when the process died or failed. */
  async run(prog) {
    if (this.proc === null) this.start();
    const proc = this.proc;
    if (!(await proc.ready)) {
      this.proc = null;
      return { crash: `the ${this.side} interpreter did not start: ${proc.stderrTail}` };
    }
    const id = this.seq++;
    const answer = new Promise((resolve) => {
      proc.waiter = { resolve };
    });
    let timer;
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('hang'), this.timeoutMs);
    });
    proc.stdin.write(`${JSON.stringify({ id, prog })}\n`);
    const r = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    if (r === 'hang') {
      proc.waiter = null;
      this.proc = null;
      this.restarts++;
      proc.kill('SIGKILL');
      return 'hang';
    }
    if (r.crash) {
      this.restarts++;
      return { crash: r.crash };
    }
    if (r.error) return { crash: r.error };
    if (r.id !== id) return { crash: `answer for ${r.id}, expected ${id}` };
    return r.trace;
  }

  stop() {
    if (this.proc) {
      const proc = this.proc;
      this.proc = null;
      proc.stdin.end();
      proc.kill();
    }
  }
}

/** Both workers, run side by side (each side one program at a time). */
export class Pair {
  constructor(options = {}) {
    this.py = new Worker('py', { timeoutMs: options.timeoutMs });
    this.ts = new Worker('ts', { plant: options.plant, timeoutMs: options.timeoutMs });
  }
  async run(prog) {
    const [py, ts] = await Promise.all([this.py.run(prog), this.ts.run(prog)]);
    const kind = mismatchKind(py, ts);
    return { py, ts, kind, excluded: kind !== null && outsideComparison(py, ts) };
  }
  stop() {
    this.py.stop();
    this.ts.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Whether a Twisted trace shows Python's recursion limit (RecursionError) anywhere. */
export function hitsRecursionLimit(trace) {
  return Array.isArray(trace) && JSON.stringify(trace).includes('RecursionError');
}

/**
 * J13: where Twisted's cancellation recursion ends in RecursionError (or runs past the
 * watchdog) and deferkit ends the cycle by design, the outcomes are not comparable.
 */
export function outsideComparison(py, ts) {
  return hitsRecursionLimit(py) || (py === 'hang' && ts !== 'hang');
}

const shape = (e) => {
  if (e === undefined) return 'end';
  if (e[0] === 'state') return `state:${e[2]}`;
  if (e[0] === 'gen') return `gen:${e[2]}`;
  if (e[0] === 'raise') return `raise:${String(e[1]).split(' ')[0]}:${e[2]}`;
  return String(e[0]);
};

/**
 * null when the traces agree, else a short name for the way they differ: the shapes of the first
 * differing events (Twisted's | deferkit's), or hang/crash on a side. Programs with the same kind
 * most likely share a cause; the shrinker keeps the kind while it deletes ops.
 */
export function mismatchKind(py, ts) {
  if (py === 'hang' || ts === 'hang') return py === ts ? null : `hang (${py === 'hang' ? 'twisted' : 'deferkit'})`;
  if (py.crash || ts.crash) return `crash (${py.crash ? 'twisted' : 'deferkit'} interpreter)`;
  const n = Math.max(py.length, ts.length);
  for (let i = 0; i < n; i++) {
    if (JSON.stringify(py[i]) !== JSON.stringify(ts[i])) {
      const a = py[i];
      const b = ts[i];
      // Same event, other value: name the value shapes (e.g. result null | result 48).
      if (a && b && shape(a) === shape(b)) return `${shape(a)} differs`;
      return `${shape(a)} | ${shape(b)}`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Shrinking (delta debugging over ops, then inside callbacks and generators)

/** Every smaller variant of `prog` that deletes one piece (an op, a nested op, a step, a list entry). */
function* candidates(prog) {
  const ops = prog.ops;
  // ddmin-style: chunks first (halves, quarters, …), then single ops.
  for (let size = Math.max(1, ops.length >> 1); size >= 1; size >>= 1) {
    for (let i = 0; i + size <= ops.length; i += size) yield { ops: [...ops.slice(0, i), ...ops.slice(i + size)] };
    if (size === 1) break;
  }
  // Inside ops: drop side ops of callbacks, generator steps, list entries; simplify actions.
  const paths = [];
  const walk = (op, set) => {
    paths.push([op, set]);
    if (op.act?.do) for (const sub of op.act.do) walk(sub, (o) => set({ ...op, act: { ...op.act, do: op.act.do.map((x) => (x === sub ? o : x)) } }));
    if (op.steps) for (const st of op.steps) if (st.do) walk(st.do, (o) => set({ ...op, steps: op.steps.map((x) => (x === st ? { do: o } : x)) }));
  };
  ops.forEach((op, i) => walk(op, (o) => ({ ops: ops.map((x, j) => (j === i ? o : x)) })));
  for (const [op, set] of paths) {
    if (op.act?.do) {
      for (let k = 0; k < op.act.do.length; k++) {
        const d = op.act.do.filter((_, j) => j !== k);
        yield set({ ...op, act: { ...op.act, do: d.length ? d : undefined } });
      }
    }
    if (op.act && op.act.then !== 'arg') yield set({ ...op, act: { ...op.act, then: 'arg', v: undefined, e: undefined, d: undefined } });
    if (op.steps) for (let k = 0; k < op.steps.length; k++) yield set({ ...op, steps: op.steps.filter((_, j) => j !== k) });
    if (op.steps) for (let k = 0; k < op.steps.length; k++) if (op.steps[k].catch) yield set({ ...op, steps: op.steps.map((s, j) => (j === k ? { ...s, catch: false } : s)) });
    if (op.ds && op.ds.length > 1) for (let k = 0; k < op.ds.length; k++) yield set({ ...op, ds: op.ds.filter((_, j) => j !== k) });
    for (const flag of ['fireOnOneCallback', 'fireOnOneErrback', 'consumeErrors']) if (op[flag]) yield set({ ...op, [flag]: false });
    if (op.canceller) yield set({ ...op, canceller: null });
  }
}

const clean = (x) => JSON.parse(JSON.stringify(x));

/** The smallest program found that still mismatches with `kind` (greedy, at most `budget` runs). */
export async function shrink(pair, prog, kind, budget = 400) {
  // Candidates that hang cost the whole watchdog time: a shorter one while shrinking (healthy
  // programs answer in milliseconds).
  const saved = [pair.py.timeoutMs, pair.ts.timeoutMs];
  pair.py.timeoutMs = pair.ts.timeoutMs = Math.min(saved[1], 500);
  try {
    return await shrinkWith(pair, prog, kind, budget);
  } finally {
    [pair.py.timeoutMs, pair.ts.timeoutMs] = saved;
  }
}

async function shrinkWith(pair, prog, kind, budget) {
  let best = clean(prog);
  let runs = 0;
  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    for (const cand of candidates(best)) {
      if (runs++ >= budget) break;
      const c = clean(cand);
      const r = await pair.run(c);
      if (r.kind === kind) {
        best = c;
        progress = true;
        break;
      }
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Printing

function actText(a) {
  const parts = (a.do ?? []).map((op) => opText(op));
  if (a.then === 'val') parts.push(`return ${a.v}`);
  else if (a.then === 'arg') parts.push('return arg');
  else if (a.then === 'raise') parts.push(`raise MyError(${a.e})`);
  else parts.push(`return ${a.d}`);
  return parts.join('; ');
}

/** One op as readable pseudo-code (Python-flavoured, names as in the trace). */
export function opText(op) {
  switch (op.op) {
    case 'new':
      return `${op.d} = Deferred(${op.canceller ? `canceller=${op.canceller}` : ''})`;
    case 'addCallback':
    case 'addErrback':
    case 'addBoth':
      return `${op.d}.${op.op}(${op.id}: arg => { ${actText(op.act)} })`;
    case 'callback':
      return `${op.d}.callback(${op.v})`;
    case 'errback':
      return `${op.d}.errback(MyError(${op.e}))`;
    case 'pause':
    case 'unpause':
    case 'cancel':
      return `${op.d}.${op.op}()`;
    case 'chainDeferred':
      return `${op.d}.chainDeferred(${op.to})`;
    case 'DeferredList': {
      const flags = ['fireOnOneCallback', 'fireOnOneErrback', 'consumeErrors'].filter((f) => op[f]).map((f) => `${f}=True`);
      return `${op.into} = DeferredList([${op.ds.join(', ')}]${flags.length ? `, ${flags.join(', ')}` : ''})`;
    }
    case 'gatherResults':
      return `${op.into} = gatherResults([${op.ds.join(', ')}]${op.consumeErrors ? ', consumeErrors=True' : ''})`;
    case 'inlineCallbacks': {
      const steps = op.steps.map((s) => (s.do ? opText(s.do) : s.catch ? `try { yield ${s.yield} } catch` : `yield ${s.yield}`));
      steps.push(op.end.raise !== undefined ? `raise MyError(${op.end.raise})` : `return ${op.end.ret}`);
      return `${op.into} = inlineCallbacks { ${steps.join('; ')} }`;
    }
    case 'lock':
      return `${op.l} = DeferredLock()`;
    case 'sem':
      return `${op.l} = DeferredSemaphore(${op.tokens})`;
    case 'queue':
      return `${op.l} = DeferredQueue(size=${op.size}, backlog=${op.backlog})`;
    case 'acquire':
    case 'get':
      return `${op.into} = ${op.l}.${op.op}()`;
    case 'release':
      return `${op.l}.release()`;
    case 'put':
      return `${op.l}.put(${op.v})`;
    default:
      return JSON.stringify(op);
  }
}

export function programText(prog) {
  return prog.ops.map((op) => `  ${opText(op)}`).join('\n');
}

export function traceText(trace) {
  if (trace === 'hang') return '  hang (no answer within the watchdog time)';
  if (trace.crash) return `  interpreter crash:\n${trace.crash}`;
  return trace.map((e) => `  ${e.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(' ')}`).join('\n');
}

/**
 * Run `programs`; returns { total, agree, excluded, kinds: Map(kind → {count, first: {prog, py, ts}}),
 * failures: [{prog, kind, py, ts}] }. `excluded` counts mismatches where Twisted hit its
 * recursion limit or did not return (a cancellation cycle it unwinds level by level) while
 * deferkit ended (J13), left out of the comparison.
 */
export async function runBatch(pair, programs) {
  const kinds = new Map();
  const failures = [];
  let agree = 0;
  let excluded = 0;
  for (const prog of programs) {
    const r = await pair.run(prog);
    if (r.kind === null) {
      agree++;
      continue;
    }
    if (r.excluded) {
      excluded++;
      continue;
    }
    const k = kinds.get(r.kind);
    if (k) k.count++;
    else kinds.set(r.kind, { count: 1, first: { prog, py: r.py, ts: r.ts } });
    failures.push({ prog, kind: r.kind, py: r.py, ts: r.ts });
  }
  return { total: programs.length, agree, excluded, kinds, failures };
}

// ---------------------------------------------------------------------------------------------
// Known causes (README.md, "Known mismatches"): a guess from the shrunk program, for the
// breakdown only; the traces printed with it are what counts.

function allOps(prog) {
  const out = [];
  const walk = (op) => {
    out.push(op);
    for (const sub of op.act?.do ?? []) walk(sub);
    for (const st of op.steps ?? []) if (st.do) walk(st.do);
  };
  prog.ops.forEach(walk);
  return out;
}

export const CAUSES = {
  'hang-cancel-cycle': '(5) cancelling a cycle of Deferreds waiting on each other (deferkit hangs)',
  'self-yield-cancel': 'a generator yielding its own cancelled Deferred gets InternalInlineCallbacksCancelledError (Twisted waits)',
  'chain-while-running': '(4) chainDeferred: the source treated as finished while its target runs',
  'generator-result-fired': '(2) generator finishing after its result Deferred was fired: AlreadyCalledError dropped',
  'yield-while-running': '(1) yield of a Deferred still running its callbacks takes the in-flight result',
  other: 'not one of the known causes',
};

/** Which known cause a (shrunk) mismatching program most likely shows; a key of CAUSES. */
export function suspectCause(prog, py, ts) {
  if (ts === 'hang' && py !== 'hang') return 'hang-cancel-cycle';
  if (Array.isArray(ts) && JSON.stringify(ts).includes('InternalInlineCallbacksCancelledError')) return 'self-yield-cancel';
  const ops = allOps(prog);
  if (ops.some((o) => o.op === 'chainDeferred')) return 'chain-while-running';
  const gens = new Set(ops.filter((o) => o.op === 'inlineCallbacks').map((o) => o.into));
  if (ops.some((o) => (o.op === 'callback' || o.op === 'errback') && gens.has(o.d))) return 'generator-result-fired';
  if (gens.size > 0) return 'yield-while-running';
  return 'other';
}
