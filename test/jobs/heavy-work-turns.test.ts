import { describe, expect, it } from 'vitest';
import { heavyWorkTurn } from '../../src/jobs/yield.ts';

// docs/rules.md, "Background work": however many heavy jobs run at once, one of them resumes per turn
// of the event loop, so a request that arrives waits for one chunk of heavy work, not for all of them.

/** Holds the thread as a chunk of heavy work does (a CSV slice, a statement's PDF page). */
function busy(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('heavy work takes turns', () => {
  it('lets a timer run between any two chunks, whichever job they belong to', async () => {
    const events: string[] = [];
    let ticking = true;
    // A timer due at once fires in the next turn's timers phase: it stands for a request that arrived.
    const tick = () => {
      events.push('tick');
      if (ticking) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const job = async (name: string) => {
      for (let i = 0; i < 6; i++) {
        await heavyWorkTurn();
        events.push(name);
        busy(3);
      }
    };
    await Promise.all(['a', 'b', 'c'].map(job));
    ticking = false;
    const chunks = events.filter((e) => e !== 'tick');
    expect(chunks).toHaveLength(18);
    // Between two chunks there is always a turn of the loop for the timer.
    for (let i = 1; i < events.length; i++) {
      if (events[i] !== 'tick') expect(events[i - 1], `chunk ${i} ran right after another: ${events.join(' ')}`).toBe('tick');
    }
    // In the order they asked: each job gets every third turn.
    expect(chunks.join('')).toBe('abc'.repeat(6));
  });

  it('costs a job alone one turn per chunk', async () => {
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) await heavyWorkTurn();
    // A turn with nothing else to do is microseconds; a generous bound for a busy machine.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
