// deferkit side of the differential check (see README.md): reads programs as JSON lines on
// stdin, runs each against the public API of @deferkit/deferred and writes one trace line per
// program on stdout. Mirrors interp.py op by op; the two must emit the same trace format.
//
// Run with: node --import tsx --conditions=@deferkit/source test/twisted-diff/interp.ts [--plant NAME]

import { createInterface } from 'node:readline';
import {
  Deferred,
  DeferredList,
  DeferredLock,
  DeferredQueue,
  DeferredSemaphore,
  Failure,
  FirstError,
  gatherResults,
  inlineCallbacks,
  isDeferred,
  onUnhandledError,
} from '@deferkit/deferred';

/** One op of a program (the JSON of generate.mjs); fields depend on `op`. */
interface Op {
  op: string;
  d?: string;
  to?: string;
  l?: string;
  into?: string;
  id?: string;
  v?: number;
  e?: string;
  canceller?: string | null;
  act?: Act;
  ds?: string[];
  fireOnOneCallback?: boolean;
  fireOnOneErrback?: boolean;
  consumeErrors?: boolean;
  steps?: Step[];
  end?: { ret?: number; raise?: string };
  tokens?: number;
  size?: number | null;
  backlog?: number | null;
}
interface Act {
  do?: Op[];
  then: 'val' | 'arg' | 'raise' | 'd';
  v?: number;
  e?: string;
  d?: string;
}
interface Step {
  do?: Op;
  yield?: string;
  catch?: boolean;
}
interface Program {
  ops: Op[];
}
type Trace = unknown[][];
type Prim = DeferredLock | DeferredSemaphore | DeferredQueue<unknown>;

/** The program's own error; its label says which raise produced it. */
class MyError extends Error {
  override name = 'MyError';
  constructor(readonly label: string) {
    super(label);
  }
}

// ---------------------------------------------------------------------------------------------
// Planted bugs (--plant): monkey-patch the API here, in the runner only, to check that the
// harness notices a broken Deferred.

function plant(name: string): void {
  const proto = Deferred.prototype as unknown as Record<string, unknown>;
  if (name === 'pause-skip') {
    proto.pause = function pause(): void {};
    proto.unpause = function unpause(): void {};
  } else if (name === 'errback-on-success') {
    const errback = proto.errback as (this: Deferred<unknown>, reason: unknown) => void;
    proto.callback = function callback(this: Deferred<unknown>, value: unknown): void {
      errback.call(this, value);
    };
  } else {
    throw new Error(`unknown --plant ${name} (pause-skip, errback-on-success)`);
  }
}

// ---------------------------------------------------------------------------------------------

function describe(op: Op): string {
  return `${op.op} ${op.d ?? op.l ?? op.into ?? ''}`;
}

class Run {
  readonly trace: Trace = [];
  readonly names = new Map<string, Deferred<unknown> | Prim>();
  readonly userPauses = new Map<string, number>();

  constructor(readonly prog: Program) {}

  nameOf(obj: unknown): string {
    for (const [name, o] of this.names) if (o === obj) return name;
    return '?';
  }

  errName(e: unknown): string {
    if (e instanceof MyError) return `MyError:${e.label}`;
    if (e instanceof FirstError) return `FirstError(${String(this.render(e.subFailure))},${e.index})`;
    if (e instanceof RangeError && /call stack/i.test(e.message)) return 'RecursionError';
    if (e instanceof Error) return e.name;
    return `Value(${JSON.stringify(this.render(e))})`;
  }

  render(v: unknown): unknown {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
    if (Array.isArray(v)) return v.map((x) => this.render(x));
    if (v instanceof Failure) return `Failure(${this.errName(v.value)})`;
    if (v instanceof Error) return `Failure(${this.errName(v)})`;
    if (isDeferred(v)) return `Deferred(${this.nameOf(v)})`;
    if (v instanceof DeferredLock) return `Lock(${this.nameOf(v)})`;
    if (v instanceof DeferredSemaphore) return `Semaphore(${this.nameOf(v)})`;
    return `Obj(${(v as object).constructor?.name ?? typeof v})`;
  }

  ev(...e: unknown[]): void {
    this.trace.push(e);
  }

  bound(...names: (string | undefined)[]): boolean {
    return names.every((n) => n !== undefined && this.names.has(n));
  }

  d(name: string | undefined): Deferred<unknown> {
    return this.names.get(name!) as Deferred<unknown>;
  }

  runOp(op: Op): void {
    try {
      this.doOp(op);
    } catch (e) {
      let name = this.errName(e);
      // Twisted asserts (AssertionError); deferkit throws a plain Error (README N5).
      if (op.op === 'release' && name === 'Error') name = 'ReleaseError';
      else if (op.op === 'release' && name === 'AssertionError') name = 'ReleaseError';
      this.ev('raise', describe(op), name);
    }
  }

  makeCallback(op: Op, owner: Deferred<unknown>): (arg: unknown) => unknown {
    const cid = op.id!;
    const act = op.act!;
    return (arg: unknown) => {
      this.ev('cb', cid, this.render(arg));
      for (const sub of act.do ?? []) this.runOp(sub);
      switch (act.then) {
        case 'val':
          return act.v;
        case 'raise':
          throw new MyError(act.e!);
        case 'd':
          if (this.bound(act.d)) {
            const target = this.names.get(act.d!);
            if (target === owner) {
              // Normalised (README N3): returning the Deferred a callback runs on.
              this.ev('selfReturn', cid);
              return arg;
            }
            return target;
          }
          return arg;
        default:
          return arg;
      }
    };
  }

  makeCanceller(name: string, kind: string): (d: Deferred<unknown>) => void {
    return (d) => {
      this.ev('canceller', name);
      if (kind === 'callback') d.callback(-1);
      else if (kind === 'errback') d.errback(new MyError(`x${name}`));
    };
  }

  startGenerator(op: Op): void {
    const into = op.into!;
    const steps = op.steps!;
    const end = op.end!;
    const run = this;
    const gen = inlineCallbacks(function* (): Generator<unknown, unknown, unknown> {
      for (const step of steps) {
        if (step.do !== undefined) {
          run.runOp(step.do);
          continue;
        }
        if (!run.bound(step.yield)) continue;
        let r: unknown;
        try {
          r = yield run.names.get(step.yield!);
        } catch (e) {
          if (!step.catch) throw e;
          run.ev('gen', into, 'caught', run.render(e instanceof Failure ? e.value : e));
          continue;
        }
        run.ev('gen', into, 'got', run.render(r));
      }
      if (end.raise !== undefined) throw new MyError(end.raise);
      return end.ret;
    });
    const d = gen();
    this.names.set(into, d);
  }

  doOp(op: Op): void {
    const n = this.names;
    switch (op.op) {
      case 'new': {
        const c = op.canceller;
        n.set(op.d!, new Deferred<unknown>(c ? this.makeCanceller(op.d!, c) : null));
        return;
      }
      case 'addCallback':
      case 'addErrback':
      case 'addBoth': {
        if (!this.bound(op.d)) return;
        const d = this.d(op.d);
        const cb = this.makeCallback(op, d);
        if (op.op === 'addCallback') d.addCallback(cb);
        else if (op.op === 'addErrback') d.addErrback(cb);
        else d.addBoth(cb);
        return;
      }
      case 'callback':
        if (this.bound(op.d)) this.d(op.d).callback(op.v);
        return;
      case 'errback':
        if (this.bound(op.d)) this.d(op.d).errback(new MyError(op.e!));
        return;
      case 'pause':
        if (this.bound(op.d)) {
          this.userPauses.set(op.d!, (this.userPauses.get(op.d!) ?? 0) + 1);
          this.d(op.d).pause();
        }
        return;
      case 'unpause':
        if (this.bound(op.d)) {
          const count = this.userPauses.get(op.d!) ?? 0;
          if (count === 0) {
            // Normalised (README N2, J10): an unpause without a pause of ours.
            this.ev('unpauseSkipped', op.d);
            return;
          }
          this.userPauses.set(op.d!, count - 1);
          this.d(op.d).unpause();
        }
        return;
      case 'chainDeferred':
        if (this.bound(op.d, op.to)) this.d(op.d).chainDeferred(this.d(op.to));
        return;
      case 'cancel':
        if (this.bound(op.d)) this.d(op.d).cancel();
        return;
      case 'DeferredList': {
        const ds = op.ds!.filter((x) => n.has(x)).map((x) => this.d(x));
        n.set(
          op.into!,
          // The overloads type each fireOnOneCallback literal; a program's flag is a plain boolean.
          new (DeferredList as unknown as new (ds: Deferred<unknown>[], o: object) => Deferred<unknown>)(ds, {
            fireOnOneCallback: op.fireOnOneCallback!,
            fireOnOneErrback: op.fireOnOneErrback!,
            consumeErrors: op.consumeErrors!,
          }),
        );
        return;
      }
      case 'gatherResults': {
        const ds = op.ds!.filter((x) => n.has(x)).map((x) => this.d(x));
        n.set(op.into!, gatherResults(ds, { consumeErrors: op.consumeErrors! }) as Deferred<unknown>);
        return;
      }
      case 'inlineCallbacks':
        this.startGenerator(op);
        return;
      case 'lock':
        n.set(op.l!, new DeferredLock());
        return;
      case 'sem':
        n.set(op.l!, new DeferredSemaphore(op.tokens!));
        return;
      case 'queue':
        n.set(op.l!, new DeferredQueue<unknown>({ size: op.size ?? undefined, backlog: op.backlog ?? undefined }));
        return;
      case 'acquire':
        if (this.bound(op.l)) n.set(op.into!, (n.get(op.l!) as DeferredLock | DeferredSemaphore).acquire() as Deferred<unknown>);
        return;
      case 'get':
        if (this.bound(op.l)) n.set(op.into!, (n.get(op.l!) as DeferredQueue<unknown>).get());
        return;
      case 'release':
        if (this.bound(op.l)) (n.get(op.l!) as DeferredLock | DeferredSemaphore).release();
        return;
      case 'put':
        if (this.bound(op.l)) (n.get(op.l!) as DeferredQueue<unknown>).put(op.v);
        return;
      case '__spin':
        // Harness self-test only (harness.test.ts): never answers, for the watchdog.
        for (;;);
      default:
        throw new Error(`unknown op ${op.op}`);
    }
  }

  finalStates(): void {
    for (const [name, d] of [...this.names]) {
      if (!isDeferred(d)) continue;
      const { called, paused } = d;
      const box: unknown[] = [];
      d.addBoth((r: unknown) => {
        box.push(this.render(r));
        return r;
      });
      if (box.length > 0) {
        this.ev('state', name, 'result', box[0]);
        d.addErrback(() => null);
      } else if (paused) this.ev('state', name, 'paused');
      else if (called) this.ev('state', name, 'waiting');
      else this.ev('state', name, 'pending');
    }
  }

  run(): Trace {
    for (const op of this.prog.ops) this.runOp(op);
    this.finalStates();
    return this.trace;
  }
}

const plantIndex = process.argv.indexOf('--plant');
if (plantIndex !== -1) plant(process.argv[plantIndex + 1] ?? '');
// Failures left unhandled are not compared (README: not comparable); keep stderr quiet.
onUnhandledError(() => {});

// The driver starts its watchdog only after this line: start-up time is not a hang.
process.stdout.write('{"ready":true}\n');
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  const msg = JSON.parse(line) as { id: number; prog: Program };
  let out: object;
  try {
    out = { id: msg.id, trace: new Run(msg.prog).run() };
  } catch (e) {
    out = { id: msg.id, error: e instanceof Error ? (e.stack ?? String(e)) : String(e) };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
