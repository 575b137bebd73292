import type { TestProject } from 'vitest/node';
import { prepareTemplate } from './template.ts';

// Migrates once per run: a template database on the real server, or a PGlite dump on disk.
// Each test file then gets its own copy (see db.ts).
export default async function setup(project: TestProject) {
  const template = await prepareTemplate();
  project.provide('dbTemplate', template);
}

declare module 'vitest' {
  export interface ProvidedContext {
    dbTemplate: { kind: 'pg'; url: string; template: string } | { kind: 'pglite'; dumpPath: string };
  }
}
