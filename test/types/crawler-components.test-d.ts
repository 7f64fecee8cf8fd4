// Pins the public types of the issue 16 components of this part: AutoThrottle (and its policy
// function), MemoryUsage, and the LOG_FORMAT compiler.

import { expectTypeOf, test } from 'vitest';
import { AutoThrottle, autoThrottleDelay, compileLogFormat, MemoryUsage, peakMemoryUsage, type Crawler, type LogRecord } from '@deferkit/crawler';

test('autoThrottleDelay takes the current delay, the latency, the status and the bounds, and returns a number', () => {
  expectTypeOf(autoThrottleDelay).parameters.toEqualTypeOf<[number, number, number, { target: number; minDelay: number; maxDelay: number }]>();
  expectTypeOf(autoThrottleDelay).returns.toEqualTypeOf<number>();
  // @ts-expect-error the bounds are required
  autoThrottleDelay(1, 1, 200);
});

test('AutoThrottle and MemoryUsage are extensions built from a Crawler, with read-only settings', () => {
  expectTypeOf(AutoThrottle).constructorParameters.toEqualTypeOf<[Crawler]>();
  expectTypeOf(MemoryUsage).constructorParameters.toEqualTypeOf<[Crawler]>();
  expectTypeOf<AutoThrottle['targetConcurrency']>().toEqualTypeOf<number>();
  expectTypeOf<MemoryUsage['limit']>().toEqualTypeOf<number>();
  const m = {} as MemoryUsage;
  // @ts-expect-error the limit is read-only
  m.limit = 3;
  expectTypeOf(peakMemoryUsage).returns.toEqualTypeOf<number>();
});

test('compileLogFormat gives a function from a LogRecord to its line; the date format may be null', () => {
  expectTypeOf(compileLogFormat('%(message)s')).toEqualTypeOf<(record: LogRecord) => string>();
  expectTypeOf(compileLogFormat).toBeCallableWith('%(message)s', null, true);
  // @ts-expect-error the format is a string
  compileLogFormat(42);
});
