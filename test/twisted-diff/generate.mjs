// Random Deferred programs for the differential check against Twisted (see README.md).
// A program is plain JSON: { "ops": [op, …] }. Both interpreters (interp.py, interp.ts) read the
// same JSON; every name an op mentions is looked up at run time and an op whose names are not
// bound is skipped on both sides, so the shrinker can delete any op and the program stays valid.

/** mulberry32: small, fast, and the same sequence on every platform. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Generate program number `index` of the batch seeded with `seed` (independent of the others). */
export function generateProgram(seed, index) {
  const rand = prng((seed * 1000003 + index * 7919 + 12345) >>> 0);
  const int = (n) => Math.floor(rand() * n);
  const pick = (xs) => xs[int(xs.length)];
  const chance = (p) => rand() < p;
  /** Weighted choice: [[weight, value], …]. */
  const weighted = (pairs) => {
    let total = 0;
    for (const [w] of pairs) total += w;
    let r = rand() * total;
    for (const [w, v] of pairs) {
      r -= w;
      if (r < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  };

  let labels = 0;
  const label = (p) => `${p}${labels++}`;
  const deferreds = [];
  const prims = { lock: [], sem: [], queue: [] };
  let fresh = 0;
  const newName = () => {
    const name = `d${fresh++}`;
    deferreds.push(name);
    return name;
  };
  const anyD = () => pick(deferreds);
  // Returning or cancelling what was made last (a list, a generator) makes the cycles that
  // plain picks rarely reach (a member's callback returning its own DeferredList).
  const recentD = () => (chance(0.35) ? deferreds[deferreds.length - 1] : anyD());
  const value = () => int(100);

  const ops = [];
  let lastList = null;
  const n = 3 + int(3);
  for (let i = 0; i < n; i++) {
    ops.push({ op: 'new', d: newName(), canceller: weighted([[5, null], [1, 'noop'], [2, 'callback'], [2, 'errback']]) });
  }
  if (chance(0.3)) {
    const kind = pick(['lock', 'sem', 'queue']);
    const name = `${kind[0]}0`;
    prims[kind].push(name);
    if (kind === 'lock') ops.push({ op: 'lock', l: name });
    else if (kind === 'sem') ops.push({ op: 'sem', l: name, tokens: 1 + int(2) });
    else ops.push({ op: 'queue', l: name, size: pick([null, null, 1, 2]), backlog: pick([null, null, 1]) });
  }

  /** What a callback does: optional side ops, then return a value, its argument or a Deferred, or raise. */
  const act = (depth) => {
    const a = {};
    if (depth < 2 && chance(0.22)) a.do = [op(depth + 1)];
    a.then = weighted([[3, 'val'], [3, 'arg'], [2, 'raise'], [3, 'd']]);
    if (a.then === 'val') a.v = value();
    if (a.then === 'raise') a.e = label('e');
    if (a.then === 'd') a.d = recentD();
    return a;
  };
  const genSteps = (depth) => {
    const steps = [];
    const k = 1 + int(4);
    for (let i = 0; i < k; i++) {
      if (depth < 2 && chance(0.2)) steps.push({ do: op(depth + 1) });
      else steps.push({ yield: anyD(), catch: chance(0.5) });
    }
    const end = weighted([[4, { ret: value() }], [1, { raise: label('e') }]]);
    return { steps, end };
  };
  const list = () => {
    const k = 1 + int(3);
    const ds = [];
    for (let i = 0; i < k; i++) ds.push(anyD());
    return ds;
  };

  function op(depth) {
    const primKinds = Object.keys(prims).filter((k) => prims[k].length > 0);
    const kind = weighted([
      [depth === 0 ? 12 : 5, 'add'],
      [depth === 0 ? 8 : 6, 'fire'],
      [2, 'pause'],
      [2, 'unpause'],
      [3, 'chain'],
      [4, 'cancel'],
      [depth === 0 ? 3 : 1, 'list'],
      [depth === 0 ? 4 : 2, 'gen'],
      [primKinds.length > 0 ? 5 : 0, 'prim'],
    ]);
    switch (kind) {
      case 'add': {
        const add = { op: pick(['addCallback', 'addCallback', 'addErrback', 'addBoth']), d: anyD(), id: label('c'), act: act(depth) };
        if (lastList !== null && chance(0.2)) {
          // A member waiting on its own list: the cycle that cancellation must not loop on.
          add.d = pick(lastList.ds);
          add.act = { then: 'd', d: lastList.into };
        }
        return add;
      }
      case 'fire':
        return chance(0.65) ? { op: 'callback', d: anyD(), v: value() } : { op: 'errback', d: anyD(), e: label('e') };
      case 'pause':
        return { op: 'pause', d: anyD() };
      case 'unpause':
        return { op: 'unpause', d: anyD() };
      case 'chain':
        return { op: 'chainDeferred', d: anyD(), to: anyD() };
      case 'cancel':
        return { op: 'cancel', d: recentD() };
      case 'list': {
        const ds = list();
        if (chance(0.4)) return (lastList = { op: 'gatherResults', into: newName(), ds, consumeErrors: chance(0.5) });
        return (lastList = {
          op: 'DeferredList',
          into: newName(),
          ds,
          fireOnOneCallback: chance(0.3),
          fireOnOneErrback: chance(0.3),
          consumeErrors: chance(0.4),
        });
      }
      case 'gen': {
        // Name the result first: steps may refer to the generator's own Deferred (it is bound
        // only once the generator first waits, as in Python).
        const into = newName();
        const { steps, end } = genSteps(depth);
        return { op: 'inlineCallbacks', into, steps, end };
      }
      default: {
        const k = pick(primKinds);
        const l = prims[k][0];
        if (k === 'queue') return chance(0.5) ? { op: 'put', l, v: value() } : { op: 'get', l, into: newName() };
        return chance(0.55) ? { op: 'acquire', l, into: newName() } : { op: 'release', l };
      }
    }
  }

  const count = 4 + int(10);
  for (let i = 0; i < count; i++) ops.push(op(0));
  return { ops };
}
