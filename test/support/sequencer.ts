import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Which test files start first. Vitest orders by last run's durations, kept in node_modules' cache;
// a clean clone (CI) has none, and Vitest then starts the largest files first, which put the
// slowest file (the axe check of every page, a small file) last: one worker ran it alone for the
// last 100 s of a 15-minute run. Without timings, the browser files start first, that one leading.
const FIRST = ['test/browser/a11y-pages.test.ts', 'test/startup.test.ts'];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const timed = (f: TestSpecification) => this.ctx.cache.getFileTestResults(`${f.project.name}:${relative(root, f.moduleId)}`) != null;
    if (sorted.every(timed)) return sorted;
    const rank = (f: TestSpecification) => {
      const path = relative(root, f.moduleId);
      const i = FIRST.indexOf(path);
      return i >= 0 ? i : path.startsWith('test/browser/') ? FIRST.length : FIRST.length + 1;
    };
    // Array.prototype.sort is stable: within a rank, Vitest's own order stays.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
