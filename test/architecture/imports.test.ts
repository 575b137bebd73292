import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The layout's promises, checked on the source text: tickets own their tables, no module imports
// itself back, views take data (types) from src/ rather than modules.

const root = resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

type Import = { target: string; typeOnly: boolean };
function importsOf(file: string): Import[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+'(\.[^']+)'/gms)) {
    const names = m[2];
    const typeOnly = !!m[1] || (/^\{[^}]*\}$/s.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type ')));
    out.push({ target: relative(root, resolve(root, dirname(file), m[3])), typeOnly });
  }
  return out;
}

const source = [...files('src'), ...files('views')];

describe('layout', () => {
  it('only src/tickets writes tickets, ticket_messages and ticket_events (the demo seed aside)', () => {
    const writers = source.filter((f) => /(insertInto|updateTable|deleteFrom)\('(tickets|ticket_messages|ticket_events)'/.test(readFileSync(join(root, f), 'utf8')));
    expect(writers.filter((f) => !f.startsWith('src/tickets/') && f !== 'src/demo/seed.ts')).toEqual([]);
    expect(source.filter((f) => /insertInto\('ticket_events'/.test(readFileSync(join(root, f), 'utf8')) && f !== 'src/demo/seed.ts')).toEqual(['src/tickets/events.ts']);
  });

  it('has no import cycle between files (type-only imports aside)', () => {
    const graph = new Map(source.map((f) => [f, importsOf(f).filter((i) => !i.typeOnly).map((i) => i.target)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const t of graph.get(f) ?? []) visit(t, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of graph.keys()) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('views import only types from src/ (word lists in src/*/labels.ts and the formatters of src/intl.ts aside), and never a value from src/db or src/jobs', () => {
    const values = files('views').flatMap((f) =>
      importsOf(f)
        .filter((i) => i.target.startsWith('src/') && !i.typeOnly && i.target !== 'src/intl.ts' && !/^src\/[^/]+\/labels\.ts$/.test(i.target))
        .map((i) => `${f} -> ${i.target}`),
    );
    expect(values).toEqual([]);
  });
});
