// Pins the public types of @deferkit/reactor: callLater/DelayedCall, deferLater, LoopingCall,
// Clock, install/verify and the await policy.

import { expectTypeOf, test } from 'vitest';
import type { Deferred, IReactorTime } from '@deferkit/deferred';
import {
  Clock,
  DelayedCall,
  LoopingCall,
  deferLater,
  getReactor,
  installReactor,
  isPromiseReactorInstalled,
  verifyInstalledReactor,
  type AwaitDeferredsPolicy,
  type InstallReactorOptions,
  type Reactor,
  type ReactorSpec,
} from '@deferkit/reactor';

declare const clock: Clock;
declare const reactor: Reactor;

test('callLater types the extra arguments and returns a DelayedCall', () => {
  expectTypeOf(clock.callLater(1, (a: string, b: number) => a.length + b, 'x', 2)).toEqualTypeOf<DelayedCall>();
  expectTypeOf(reactor.callLater(1, () => undefined)).toEqualTypeOf<DelayedCall>();
  // @ts-expect-error the extra argument must be a number
  clock.callLater(1, (n: number) => n, 'x');
  // @ts-expect-error a required extra argument is missing
  reactor.callLater(1, (n: number) => n);
  // @ts-expect-error the delay is in seconds, a number
  clock.callLater('1', () => 0);
});

test('DelayedCall: getTime, active, cancel, reset, delay', () => {
  const call = clock.callLater(1, () => 0);
  expectTypeOf(call.getTime()).toEqualTypeOf<number>();
  expectTypeOf(call.active()).toEqualTypeOf<boolean>();
  expectTypeOf(call.cancel()).toEqualTypeOf<void>();
  expectTypeOf(call.reset).parameters.toEqualTypeOf<[seconds: number]>();
  expectTypeOf(call.delay).parameters.toEqualTypeOf<[seconds: number]>();
});

test('Clock is an IReactorTime with seconds/advance/getDelayedCalls', () => {
  expectTypeOf(clock).toMatchTypeOf<IReactorTime>();
  expectTypeOf(clock.seconds()).toEqualTypeOf<number>();
  expectTypeOf(clock.advance).parameters.toEqualTypeOf<[amount: number]>();
  expectTypeOf(clock.getDelayedCalls()).toEqualTypeOf<DelayedCall[]>();
});

test('deferLater: Deferred<undefined> without a function, the unwrapped result with one', () => {
  expectTypeOf(deferLater(clock, 1)).toEqualTypeOf<Deferred<undefined>>();
  expectTypeOf(deferLater(clock, 1, () => 'x')).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(deferLater(clock, 1, async () => 2)).toEqualTypeOf<Deferred<number>>();
  expectTypeOf(deferLater(clock, 1, (a: string, b: string) => a + b, 'foo', 'bar')).toEqualTypeOf<Deferred<string>>();
  expectTypeOf(deferLater(reactor, 0, () => deferLater(clock, 1, () => true))).toEqualTypeOf<Deferred<boolean>>();
  // @ts-expect-error the arguments must match the function's parameters
  deferLater(clock, 1, (a: string) => a, 1);
});

test('LoopingCall: typed arguments, start() gives a Deferred of the LoopingCall, withCount', () => {
  const lc = new LoopingCall((a: string, n: number) => a.repeat(n), 'x', 2);
  expectTypeOf(lc).toEqualTypeOf<LoopingCall<[string, number]>>();
  expectTypeOf(lc.start(1)).toEqualTypeOf<Deferred<LoopingCall<[string, number]>>>();
  expectTypeOf(lc.start).parameters.toEqualTypeOf<[interval: number, now?: boolean]>();
  expectTypeOf(LoopingCall.withCount((count) => expectTypeOf(count).toEqualTypeOf<number>())).toEqualTypeOf<LoopingCall<[]>>();
  // @ts-expect-error the arguments must match
  new LoopingCall((n: number) => n, 'x');
});

test('installReactor / getReactor / verifyInstalledReactor', () => {
  expectTypeOf(installReactor).parameters.toEqualTypeOf<[spec: ReactorSpec, options?: InstallReactorOptions]>();
  expectTypeOf(installReactor('promise', { awaitDeferreds: 'warn' })).toEqualTypeOf<Reactor>();
  expectTypeOf(getReactor().kind).toEqualTypeOf<'callback' | 'promise'>();
  expectTypeOf(isPromiseReactorInstalled()).toEqualTypeOf<boolean>();
  expectTypeOf(verifyInstalledReactor).parameters.toEqualTypeOf<[spec: 'callback' | 'promise']>();
  // @ts-expect-error not a reactor kind
  installReactor('asyncio');
  // @ts-expect-error verify takes a kind, not a reactor
  verifyInstalledReactor(reactor);
});

test('the await policy is one of error / warn / allow', () => {
  expectTypeOf<AwaitDeferredsPolicy>().toEqualTypeOf<'error' | 'warn' | 'allow'>();
  expectTypeOf<InstallReactorOptions['awaitDeferreds']>().toEqualTypeOf<AwaitDeferredsPolicy | undefined>();
  // @ts-expect-error not a policy
  installReactor('promise', { awaitDeferreds: 'ignore' });
});
