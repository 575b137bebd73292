/** Where time comes from. Nothing else in src/ reads the system clock. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that tests (and the demo's time travel) move by hand. */
export class ManualClock implements Clock {
  #ms: number;
  constructor(start: Date | string = '2026-11-23T15:00:00Z') {
    this.#ms = new Date(start).getTime();
  }
  now() {
    return new Date(this.#ms);
  }
  set(to: Date | string) {
    this.#ms = new Date(to).getTime();
  }
  advance(ms: number) {
    this.#ms += ms;
  }
  advanceMinutes(n: number) {
    this.advance(n * 60_000);
  }
  advanceHours(n: number) {
    this.advance(n * 3_600_000);
  }
  advanceDays(n: number) {
    this.advance(n * 86_400_000);
  }
}
