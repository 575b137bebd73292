// npx tsx bench/render-page.tsx: the CPU it takes to render the Get Help page (25 rows) to HTML, apart
// from the database and HTTP: the rows, counts and Overdue check are read once from the built dataset
// (the bench practice's admin, as `npm run bench` signs in), then the page is rendered 6,000 times to
// warm up and 2,000 times a round, 7 rounds; each round and the median are printed, in µs of this
// process's CPU a render (garbage collection included). The page figures of `npm run bench` move with the machine by tens of
// percent between runs; this moves by a few, so a change to the views or their formats shows here.
import { sql } from 'kysely';
import { openPostgres } from '../src/db/database.ts';
import { capabilitiesOf, loadActor } from '../src/auth/permissions.ts';
import { GetHelpPage } from '../views/tickets/list.tsx';
import { getHelpFirstPage } from './tickets-queries.ts';
import { benchIds, type DatasetParams } from './dataset.ts';
import { PRACTICE_ADMIN } from './scenarios.ts';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/strata_bench';
const { db, close } = await openPostgres(url, 2);
const built = await sql<{ params: DatasetParams }>`select params from bench_meta order by built_at desc limit 1`.execute(db).catch(() => null);
const params = built?.rows[0]?.params;
if (!params) throw new Error(`no bench dataset in ${url}: run npm run bench -- --build-only first`);
const userId = benchIds(params).staffId(Math.min(7, params.practices), PRACTICE_ADMIN);
const actor = await loadActor(db, await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow());
const now = new Date();
const [{ counts, ...list }, block] = await getHelpFirstPage(db, actor, now);
const practice = await db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('id', '=', actor.practice_id!).executeTakeFirstOrThrow();
await close();

const ctx = { actor, may: capabilitiesOf(actor), csrf: 'c'.repeat(64), path: '/tickets', practice, unreadTickets: 630, demo: false };
const render = async () =>
  '<!doctype html>' +
  (await String(<GetHelpPage ctx={ctx} rows={list.rows} hasMore={list.hasMore} page={1} q="" filter="all" counts={counts} block={block} now={now} created={null} />));

const html = await render();
console.log(`Get Help, ${list.rows.length} rows, ${html.length.toLocaleString('en-US')} characters; ${process.version}`);
const N = 2000;
for (let i = 0; i < 3 * N; i++) await render(); // warm: the first thousands of renders run while V8 optimises
const rounds: number[] = [];
for (let round = 0; round < 7; round++) {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i++) await render();
  const cpu = process.cpuUsage(cpu0);
  rounds.push((cpu.user + cpu.system) / N);
}
console.log(`µs of CPU a render, each round: ${rounds.map((us) => us.toFixed(0)).join(', ')}; median ${[...rounds].sort((a, b) => a - b)[3]!.toFixed(0)}`);
