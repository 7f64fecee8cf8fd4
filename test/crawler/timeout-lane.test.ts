// DOWNLOAD_TIMEOUT's TimeoutLane: the timeouts of one length in a FIFO with one reactor timer.
// Each must fire exactly when a DelayedCall of its own would have, and never once settled.

import { describe, expect, it } from 'vitest';
import { Clock } from '@deferkit/reactor';
import { TimeoutLane } from '../../packages/crawler/src/downloader/timeoutLane.js';

describe('TimeoutLane (DOWNLOAD_TIMEOUT with one timer)', () => {
  it('TL1 each timeout fires at its own deadline, in the order started; a settled one never fires', () => {
    const clock = new Clock();
    const lane = new TimeoutLane(clock, 10);
    const fired: Array<[string, number]> = [];
    const at = (name: string) => () => void fired.push([name, clock.seconds()]);
    lane.add(at('a'));
    clock.advance(1);
    const b = lane.add(at('b'));
    clock.advance(1);
    lane.add(at('c'));
    lane.settle(b);
    clock.advance(7.5);
    expect(fired).toEqual([]);
    clock.advance(0.5);
    expect(fired).toEqual([['a', 10]]);
    clock.advance(2);
    expect(fired).toEqual([['a', 10], ['c', 12]]);
    expect(lane.size).toBe(0);
  });

  it('TL2 keeps at most one reactor timer; with nothing pending it fires once and is not set again; close() cancels it', () => {
    const clock = new Clock();
    const lane = new TimeoutLane(clock, 5);
    const entries = Array.from({ length: 100 }, () => lane.add(() => {}));
    expect(clock.getDelayedCalls().length).toBe(1);
    for (const e of entries) lane.settle(e);
    expect(clock.getDelayedCalls().length).toBe(1);
    clock.advance(5);
    expect(clock.getDelayedCalls().length).toBe(0);
    lane.add(() => {});
    lane.add(() => {});
    expect(clock.getDelayedCalls().length).toBe(1);
    lane.close();
    expect(clock.getDelayedCalls().length).toBe(0);
  });

  it('TL2b a timer set for a timeout since settled moves on to the next pending deadline', () => {
    const clock = new Clock();
    const lane = new TimeoutLane(clock, 5);
    const fired: number[] = [];
    lane.settle(lane.add(() => void fired.push(-1)));
    clock.advance(2);
    lane.add(() => void fired.push(clock.seconds()));
    clock.advance(3);
    expect(fired).toEqual([]);
    clock.advance(2);
    expect(fired).toEqual([7]);
  });

  it('TL3 a timeout started while others fire still fires at its own deadline', () => {
    const clock = new Clock();
    const lane = new TimeoutLane(clock, 3);
    const fired: Array<[string, number]> = [];
    lane.add(() => {
      fired.push(['first', clock.seconds()]);
      lane.add(() => void fired.push(['restarted', clock.seconds()]));
    });
    clock.advance(1);
    lane.add(() => void fired.push(['second', clock.seconds()]));
    clock.advance(2);
    clock.advance(1);
    clock.advance(2);
    expect(fired).toEqual([['first', 3], ['second', 4], ['restarted', 6]]);
  });

  it('TL4 a slow download at the front does not make the lane hold every later, settled timeout', () => {
    const clock = new Clock();
    const lane = new TimeoutLane(clock, 100);
    let slowFired = false;
    lane.add(() => void (slowFired = true));
    for (let i = 0; i < 50_000; i++) lane.settle(lane.add(() => {}));
    expect(lane.size).toBe(1);
    expect(lane.held).toBeLessThan(2000);
    clock.advance(100);
    expect(slowFired).toBe(true);
    expect(lane.size).toBe(0);
    expect(clock.getDelayedCalls().length).toBe(0);
  });

  it('TL5 an error thrown by one timeout does not stop the others, and the timer is set again', () => {
    const clock = new Clock();
    const lane = new TimeoutLane(clock, 1);
    const fired: string[] = [];
    lane.add(() => {
      throw new Error('boom');
    });
    lane.add(() => void fired.push('same time'));
    clock.advance(0.5);
    lane.add(() => void fired.push('later'));
    expect(() => clock.advance(0.5)).toThrow('boom');
    expect(fired).toEqual(['same time']);
    clock.advance(0.5);
    expect(fired).toEqual(['same time', 'later']);
  });
});
