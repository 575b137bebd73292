import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, formFields, pageNumber, redirectAfterPost, renderFragment, renderPage } from '../web/http.ts';
import { menuCountsChanged, viewContext } from '../web/context.ts';
import { requireVendor, requireCapability } from '../web/guards.ts';
import { findQueuePractices, landingQueue, loadQueue, parseFilter, queueDepartmentsOf, type QueueDepartment } from '../tickets/queues.ts';
import { findConsoleThread, setAdminLevel } from '../tickets/visibility.ts';
import { loadConversation, loadTicketEvents, markTicketRead } from '../tickets/conversation.ts';
import { addInternalNote, replyAsVendor } from '../tickets/replies.ts';
import { assignThread, listAssignees, moveThread } from '../tickets/assignment.ts';
import { closeThread, reopenThread } from '../tickets/closing.ts';
import { liftResponseRequirement } from '../tickets/deadlines.ts';
import { outreachChoices, startThread } from '../tickets/create.ts';
import { openLinkedPatientSummary } from '../tickets/linked-patient.ts';
import { attachmentResponse, openConsoleAttachment } from '../tickets/attachments.ts';
import { createMacro, deleteMacro, findMacro, insertMacro, listMacros, macrosForThread, updateMacro } from '../tickets/macros.ts';
import { loadTargets, saveTargets } from '../tickets/service-levels.ts';
import { loadServiceReport, serviceReportCsv } from '../tickets/service-report.ts';
import { ServiceReportPage } from '../../views/console/report.tsx';
import type { TicketResult } from '../tickets/labels.ts';
import {
  createPractice,
  createTeamMember,
  findPractice,
  findTeamMember,
  listAccountManagers,
  listPractices,
  listTeam,
  updatePractice,
  updateTeamMember,
} from './practices.ts';
import { NoQueuePage, PracticeMatches, QueuePageView, queueHref } from '../../views/console/queue.tsx';
import { ReplyBox, VendorThreadPage, type ThreadEvent } from '../../views/console/thread.tsx';
import { OutreachPage } from '../../views/console/outreach.tsx';
import { PatientSummaryPage } from '../../views/console/patient.tsx';
import { PracticeFormPage, PracticesPage, TeamFormPage, TeamPage } from '../../views/console/admin.tsx';
import { MacroFormPage, MacrosPage, TargetsPage } from '../../views/console/service.tsx';
import { idParam } from '../web/params.ts';
import { NotFound } from '../web/errors.ts';
import type { TicketDepartment } from '../db/schema.ts';
import { formatPhone } from '../intl.ts';

const NOTICES: Record<string, string> = {
  reply: 'Reply sent.',
  required: 'Reply sent. A response is now required.',
  note: 'Internal note added.',
  assigned: 'Assignment saved.',
  moved: 'Thread moved.',
  closed: 'Thread closed.',
  reopened: 'Thread reopened.',
  admin: 'Admin-level changed.',
  lifted: 'Response requirement lifted.',
  started: 'Thread started.',
  saved: 'Saved.',
  invited: 'Saved. A set-password link was emailed.',
  deleted: 'Deleted.',
};

/** The StrataPT console: queues, threads, outreach, practices and the team. Vendor users only. */
export function consoleRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireVendor);

  // Landing: a member's own department's queue, a vendor admin's All open across departments.
  app.get('/', async (c) => {
    const landing = landingQueue(currentActor(c));
    if (!landing) return renderPage(c, <NoQueuePage ctx={await viewContext(c, deps)} />);
    return renderQueue(c, landing.department, landing.filter);
  });
  app.get('/queues/:department', (c) => renderQueue(c, c.req.param('department')));

  // The practice filter's suggestions as one types (a fragment for htmx).
  app.get('/queues/:department/practices', async (c) => {
    const actor = currentActor(c);
    const department = c.req.param('department');
    const reachable = queueDepartmentsOf(actor);
    if (!reachable.length || (department !== 'all' && !reachable.includes(department as TicketDepartment))) throw new NotFound();
    const query = c.req.query('practice_q') ?? '';
    const matches = await findQueuePractices(db, actor, query, clock.now());
    return renderFragment(c, <PracticeMatches department={department as QueueDepartment} filter={parseFilter(c.req.query('filter'), 'open')} query={query} matches={matches} />);
  });

  async function renderQueue(c: Context<AppEnv>, department: QueueDepartment | string, defaultFilter?: string) {
    const now = clock.now();
    const actor = currentActor(c);
    const practice = Number(c.req.query('practice'));
    const practiceId = Number.isSafeInteger(practice) && practice > 0 ? practice : null;
    const filter = c.req.query('filter') ?? defaultFilter;
    // A practice searched for without script: one match filters the queue, several are listed.
    const practiceQuery = practiceId === null ? (c.req.query('practice_q') ?? '').trim() : '';
    const practiceMatches = practiceQuery ? await findQueuePractices(db, actor, practiceQuery, now) : null;
    if (practiceMatches?.length === 1) {
      return c.redirect(queueHref({ department, filter: parseFilter(filter, department === 'all' ? 'open' : 'vendor'), practiceId: practiceMatches[0]!.id }), 303);
    }
    const queue = await loadQueue(db, actor, { department, filter, practiceId, page: pageNumber(c.req.query('page')) }, now);
    return renderPage(
      c,
      <QueuePageView ctx={await viewContext(c, deps)} queue={queue} now={now} notice={NOTICES[c.req.query('done') ?? '']} practiceQuery={practiceQuery} practiceMatches={practiceMatches} />,
    );
  }

  // ---- Starting a thread ----
  app.get('/tickets/new', async (c) => {
    const practices = await outreachChoices(db, currentActor(c));
    const preset = c.req.query('practice');
    return renderPage(c, <OutreachPage ctx={await viewContext(c, deps)} practices={practices} values={{ practice_id: preset, audience: 'anyone' }} errors={{}} />);
  });
  app.post('/tickets', async (c) => {
    const actor = currentActor(c);
    const form = await formFields(c);
    const result = await startThread(db, actor, { fields: form, now: clock.now(), publicUrl: config.publicUrl });
    if (!result.ok) {
      return renderPage(c, <OutreachPage ctx={await viewContext(c, deps)} practices={await outreachChoices(db, actor)} values={form} errors={result.errors} />, 422);
    }
    return redirectAfterPost(c, `/vendor/tickets/${result.id}?done=started`);
  });

  // ---- A thread ----
  app.get('/tickets/:id', async (c) => {
    const id = idParam(c.req.param('id'));
    return renderThread(c, id, { notice: NOTICES[c.req.query('done') ?? ''], markRead: true });
  });

  async function renderThread(c: Context<AppEnv>, id: number, o: { values?: Record<string, string>; errors?: Record<string, string>; notice?: string; markRead?: boolean; status?: 200 | 422 }) {
    const actor = currentActor(c);
    const now = clock.now();
    const thread = await findConsoleThread(db, actor, id, now);
    const [messages, events, assignees, macros] = await Promise.all([
      loadConversation(db, actor, thread),
      loadTicketEvents(db, thread),
      listAssignees(db, thread),
      macrosForThread(db, actor, thread),
    ]);
    if (o.markRead) {
      await markTicketRead(db, actor, thread, now);
      menuCountsChanged(c);
    }
    return renderPage(
      c,
      <VendorThreadPage
        ctx={await viewContext(c, deps)}
        thread={thread}
        messages={messages}
        events={events as ThreadEvent[]}
        assignees={assignees}
        macros={macros}
        now={now}
        values={o.values}
        errors={o.errors}
        notice={o.notice}
      />,
      o.status ?? 200,
    );
  }

  /** Runs one thread action; a refusal re-renders the thread with what was typed, else 303 back. */
  const action = (run: (c: Context<AppEnv>, id: number, form: Record<string, string>) => Promise<TicketResult>, done: string | ((r: TicketResult & { ok: true }, form: Record<string, string>) => string)) =>
    async (c: Context<AppEnv>) => {
      const id = idParam(c.req.param('id'));
      const form = await formFields(c);
      const result = await run(c, id, form);
      if (!result.ok) return renderThread(c, id, { values: form, errors: result.errors, status: 422 });
      if (result.gone) return redirectAfterPost(c, '/vendor?done=moved');
      const key = typeof done === 'string' ? done : done(result, form);
      return redirectAfterPost(c, `/vendor/tickets/${id}?done=${key}`);
    };
  const now = () => clock.now();

  // A canned reply into the reply box: the box alone for htmx, else the page with what was typed.
  app.post('/tickets/:id/reply-box', async (c) => {
    const form = await formFields(c);
    const thread = await findConsoleThread(db, currentActor(c), idParam(c.req.param('id')), clock.now());
    const result = await insertMacro(db, currentActor(c), thread, form.macro, form.message ?? '');
    return renderFragment(c, <ReplyBox message={result.message} error={result.ok ? undefined : result.error} />, result.ok ? 200 : 422);
  });
  app.post('/tickets/:id/replies', async (c, next) => {
    const form = await formFields(c);
    if (form.intent !== 'insert_macro') return next();
    const id = idParam(c.req.param('id'));
    const thread = await findConsoleThread(db, currentActor(c), id, clock.now());
    const result = await insertMacro(db, currentActor(c), thread, form.macro, form.message ?? '');
    return renderThread(c, id, { values: { ...form, message: result.message }, errors: result.ok ? undefined : { macro: result.error }, status: result.ok ? 200 : 422 });
  });
  app.post(
    '/tickets/:id/replies',
    action(async (c, id, f) => replyAsVendor(db, currentActor(c), id, { fields: f, files: await formFiles(c), now: now(), publicUrl: config.publicUrl }), (_r, f) => (f.response_window ? 'required' : 'reply')),
  );
  app.post('/tickets/:id/notes', action((c, id, f) => addInternalNote(db, currentActor(c), id, { fields: f, now: now() }), 'note'));
  app.post('/tickets/:id/assignment', action((c, id, f) => assignThread(db, currentActor(c), id, { fields: f, now: now() }), 'assigned'));
  app.post('/tickets/:id/department', action((c, id, f) => moveThread(db, currentActor(c), id, { fields: f, now: now(), publicUrl: config.publicUrl }), 'moved'));
  app.post('/tickets/:id/closure', action((c, id) => closeThread(db, currentActor(c), id, now()), 'closed'));
  app.post('/tickets/:id/closure/delete', action((c, id) => reopenThread(db, currentActor(c), id, now()), 'reopened'));
  app.post('/tickets/:id/admin-level', action((c, id) => setAdminLevel(db, currentActor(c), id, { adminLevel: true, now: now() }), 'admin'));
  app.post('/tickets/:id/admin-level/delete', action((c, id) => setAdminLevel(db, currentActor(c), id, { adminLevel: false, now: now() }), 'admin'));
  app.post('/tickets/:id/response-requirement/delete', action((c, id) => liftResponseRequirement(db, currentActor(c), id, now()), 'lifted'));

  app.get('/tickets/:id/attachments/:attachmentId', async (c) => {
    const file = await openConsoleAttachment(db, currentActor(c), idParam(c.req.param('id')), idParam(c.req.param('attachmentId')), {
      now: clock.now(),
      ip: clientIp(c, config.trustProxy),
    });
    return attachmentResponse(c, file);
  });

  app.get('/tickets/:id/patient', async (c) => {
    const summary = await openLinkedPatientSummary(db, currentActor(c), idParam(c.req.param('id')), clock.now(), clientIp(c, config.trustProxy));
    return renderPage(c, <PatientSummaryPage ctx={await viewContext(c, deps)} summary={summary} />);
  });

  // ---- Practices and the team (vendor admins) ----
  const admin = requireCapability('vendor.admin');
  app.get('/practices', admin, async (c) =>
    renderPage(c, <PracticesPage ctx={await viewContext(c, deps)} practices={await listPractices(db, currentActor(c))} notice={NOTICES[c.req.query('done') ?? '']} />),
  );
  app.get('/practices/new', admin, async (c) =>
    renderPage(c, <PracticeFormPage ctx={await viewContext(c, deps)} managers={await listAccountManagers(db)} values={{ hypercare_days: '60', time_zone: 'America/Chicago' }} errors={{}} />),
  );
  app.post('/practices', admin, async (c) => {
    const form = await formFields(c);
    const result = await createPractice(db, currentActor(c), form, clock.now(), config.publicUrl);
    if (!result.ok) return renderPage(c, <PracticeFormPage ctx={await viewContext(c, deps)} managers={await listAccountManagers(db)} values={form} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/practices?done=invited');
  });
  app.get('/practices/:id', admin, async (c) => {
    const p = await findPractice(db, currentActor(c), idParam(c.req.param('id')));
    const values = { name: p.name, phone: formatPhone(p.phone), time_zone: p.time_zone, go_live_on: p.go_live_on, hypercare_days: String(p.hypercare_days), account_manager_id: p.account_manager_id ? String(p.account_manager_id) : '' };
    return renderPage(c, <PracticeFormPage ctx={await viewContext(c, deps)} practiceId={p.id} managers={await listAccountManagers(db)} values={values} errors={{}} />);
  });
  app.post('/practices/:id', admin, async (c) => {
    const id = idParam(c.req.param('id'));
    const form = await formFields(c);
    const result = await updatePractice(db, currentActor(c), id, form, clock.now());
    if (!result.ok) return renderPage(c, <PracticeFormPage ctx={await viewContext(c, deps)} practiceId={id} managers={await listAccountManagers(db)} values={form} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/practices?done=saved');
  });

  app.get('/team', admin, async (c) => renderPage(c, <TeamPage ctx={await viewContext(c, deps)} team={await listTeam(db, currentActor(c))} notice={NOTICES[c.req.query('done') ?? '']} />));
  app.get('/team/new', admin, async (c) => renderPage(c, <TeamFormPage ctx={await viewContext(c, deps)} values={{}} departments={[]} errors={{}} />));
  app.post('/team', admin, async (c) => {
    const { form, departments } = await teamForm(c);
    const result = await createTeamMember(db, currentActor(c), { ...form, departments }, clock.now(), config.publicUrl);
    if (!result.ok) return renderPage(c, <TeamFormPage ctx={await viewContext(c, deps)} values={form} departments={departments} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/team?done=invited');
  });
  app.get('/team/:id', admin, async (c) => {
    const m = await findTeamMember(db, currentActor(c), idParam(c.req.param('id')));
    const values = { name: m.name, email: m.email, vendor_admin: m.vendor_admin ? 'on' : '', active: m.active ? 'on' : '' };
    return renderPage(c, <TeamFormPage ctx={await viewContext(c, deps)} memberId={m.id} values={values} departments={m.departments} errors={{}} />);
  });
  app.post('/team/:id', admin, async (c) => {
    const id = idParam(c.req.param('id'));
    const { form, departments } = await teamForm(c);
    const result = await updateTeamMember(db, currentActor(c), id, { ...form, departments }, clock.now());
    if (!result.ok) return renderPage(c, <TeamFormPage ctx={await viewContext(c, deps)} memberId={id} values={form} departments={departments} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/team?done=saved');
  });

  // ---- Service levels: first-response targets and canned replies (vendor admins) ----
  app.get('/settings', admin, async (c) => renderPage(c, <TargetsPage ctx={await viewContext(c, deps)} values={targetValues(await loadTargets(db))} errors={{}} notice={NOTICES[c.req.query('done') ?? '']} />));
  app.post('/settings', admin, async (c) => {
    const form = await formFields(c);
    const result = await saveTargets(db, currentActor(c), form, clock.now());
    if (!result.ok) return renderPage(c, <TargetsPage ctx={await viewContext(c, deps)} values={form} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/settings?done=saved');
  });
  app.get('/macros', admin, async (c) => renderPage(c, <MacrosPage ctx={await viewContext(c, deps)} macros={await listMacros(db, currentActor(c))} notice={NOTICES[c.req.query('done') ?? '']} />));
  app.get('/macros/new', admin, async (c) => renderPage(c, <MacroFormPage ctx={await viewContext(c, deps)} values={{ department: c.req.query('department') ?? '' }} errors={{}} />));
  app.post('/macros', admin, async (c) => {
    const form = await formFields(c);
    const result = await createMacro(db, currentActor(c), form, clock.now());
    if (!result.ok) return renderPage(c, <MacroFormPage ctx={await viewContext(c, deps)} values={form} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/macros?done=saved');
  });
  app.get('/macros/:id', admin, async (c) => {
    const m = await findMacro(db, currentActor(c), idParam(c.req.param('id')));
    return renderPage(c, <MacroFormPage ctx={await viewContext(c, deps)} macroId={m.id} values={{ department: m.department, title: m.title, body: m.body }} errors={{}} />);
  });
  app.post('/macros/:id', admin, async (c) => {
    const id = idParam(c.req.param('id'));
    const form = await formFields(c);
    const result = await updateMacro(db, currentActor(c), id, form, clock.now());
    if (!result.ok) return renderPage(c, <MacroFormPage ctx={await viewContext(c, deps)} macroId={id} values={form} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/vendor/macros?done=saved');
  });
  app.post('/macros/:id/delete', admin, async (c) => {
    await deleteMacro(db, currentActor(c), idParam(c.req.param('id')));
    return redirectAfterPost(c, '/vendor/macros?done=deleted');
  });

  app.get('/service-report', admin, async (c) => {
    const report = await loadServiceReport(db, currentActor(c), clock.now());
    return renderPage(c, <ServiceReportPage ctx={await viewContext(c, deps)} weeks={report.weeks} rows={report.rows} />);
  });
  app.get('/service-report.csv', admin, async (c) => {
    const report = await loadServiceReport(db, currentActor(c), clock.now());
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="service-report-${report.weeks[0]}.csv"`);
    c.header('Cache-Control', 'private, no-store');
    return c.body(serviceReportCsv(report.rows));
  });

  return app;
}

function targetValues(targets: Awaited<ReturnType<typeof loadTargets>>): Record<string, string> {
  return Object.fromEntries(Object.values(targets).map((t) => [t.department, String(t.hours)]));
}

/** The files of "files[]" in a multipart form (none in an urlencoded one). */
async function formFiles(c: Context<AppEnv>): Promise<unknown[]> {
  const body = await c.req.parseBody({ all: true });
  const raw = body['files[]'] ?? body['files'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

async function teamForm(c: Context<AppEnv>) {
  const body = await c.req.parseBody({ all: true });
  const raw = body.departments;
  const departments = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((d): d is string => typeof d === 'string');
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'departments' && typeof v === 'string') form[k] = v;
  return { form, departments };
}
