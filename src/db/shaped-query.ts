import { createQueryId, type Compilable, type CompiledQuery, type QueryResult } from 'kysely';
import type { Database } from './database.ts';

// A page's statement is built with Kysely's builders and compiled into SQL on every request: on the
// Dashboard and Get Help that was a tenth of the app's CPU, for a text that only a few of the
// request's inputs decide (the user's role and kind, the filter, the page) while the others only
// fill its parameters (ids, the clock's now). A shaped statement is built and compiled once per
// shape, with placeholders where those values go, and each request puts its values in their places.

/** Stands in for a value while a statement's shape is built; where it lands in the parameters is that value's place. */
class Placeholder {
  constructor(readonly name: string) {}
  // Arithmetic, comparison, a template string or JSON.stringify with a placeholder would bake a wrong
  // value into the shape: those throw, so the shape's builder must pass such a value through as it is.
  [Symbol.toPrimitive](): never {
    throw new Error(`shaped statement: ${this.name} was used as a value while the statement's shape was built; make it part of the shape`);
  }
  toJSON(): never {
    return this[Symbol.toPrimitive]();
  }
}

type Shape = { sql: string; query: CompiledQuery['query']; places: ({ value: string } | { constant: unknown })[] };

export type ShapedStatement<Args, Row> = (db: Database, args: Args) => Promise<QueryResult<Row>>;

/** Shapes kept per statement; past this many (a page number no one reaches twice, say) they are dropped and built again. */
const MAX_SHAPES = 256;

let checkEachCall = false;
/**
 * The test suite's guard (test/support/shaped-statements.ts): every call also builds and compiles the
 * statement from its real arguments and throws when the text or a parameter differs from the
 * shaped one, so an input that changes the text but is missing from the shape's key fails a test.
 */
export function checkShapedStatements(on: boolean): void {
  checkEachCall = on;
}

/**
 * A statement whose SQL text `key` decides. `placeholders` returns the arguments with each value
 * that only fills a parameter replaced by `placeholder(name)`, and `values` those values by name.
 * Everything else `build` reads from the arguments must be in `key`.
 */
export function shapedStatement<Args, Row>(spec: {
  key: (args: Args) => string;
  placeholders: (args: Args, placeholder: (name: string) => never) => Args;
  values: (args: Args) => Record<string, unknown>;
  build: (db: Database, args: Args) => Compilable<Row>;
}): ShapedStatement<Args, Row> {
  const shapes = new Map<string, Shape>();
  const shapeFor = (db: Database, key: string, args: Args): Shape => {
    let shape = shapes.get(key);
    if (shape) return shape;
    const compiled = spec.build(db, spec.placeholders(args, (name) => new Placeholder(name) as never)).compile();
    const places = compiled.parameters.map((p) => (p instanceof Placeholder ? { value: p.name } : { constant: p }));
    shape = { sql: compiled.sql, query: compiled.query, places };
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(key, shape);
    return shape;
  };
  return async (db, args) => {
    const shape = shapeFor(db, spec.key(args), args);
    const values = spec.values(args);
    const parameters = shape.places.map((p) => ('value' in p ? values[p.value] : p.constant));
    if (checkEachCall) compareWithBuilt(shape, parameters, spec.build(db, args).compile());
    return db.executeQuery<Row>({ sql: shape.sql, parameters, query: shape.query, queryId: createQueryId() });
  };
}

function compareWithBuilt(shape: Shape, parameters: unknown[], built: CompiledQuery): void {
  const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : JSON.stringify(a) === JSON.stringify(b));
  if (shape.sql !== built.sql || parameters.length !== built.parameters.length || parameters.some((p, i) => !same(p, built.parameters[i]))) {
    throw new Error(`shaped statement differs from the one built from its arguments: the key misses an input\n${shape.sql}\n${JSON.stringify(parameters)}\n${built.sql}\n${JSON.stringify(built.parameters)}`);
  }
}
