import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { clientIp, currentActor, formFields, pageNumber, redirectAfterPost, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireVendor, requireCapability } from '../web/guards.ts';
import { loadQueue, queueDepartmentsOf } from '../tickets/queues.ts';
import { findConsoleThread, setAdminLevel } from '../tickets/visibility.ts';
import { loadConversation, loadTicketEvents, markTicketRead } from '../tickets/conversation.ts';
import { addInternalNote, replyAsVendor } from '../tickets/replies.ts';
import { assignThread, listAssignees, moveThread } from '../tickets/assignment.ts';
import { closeThread, reopenThread } from '../tickets/closing.ts';
import { liftResponseRequirement } from '../tickets/deadlines.ts';
import { outreachChoices, startThread } from '../tickets/create.ts';
import { openLinkedPatientSummary } from '../tickets/linked-patient.ts';
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
import { NoQueuePage, QueuePageView } from '../../views/console/queue.tsx';
import { VendorThreadPage, type ThreadEvent } from '../../views/console/thread.tsx';
import { OutreachPage } from '../../views/console/outreach.tsx';
import { PatientSummaryPage } from '../../views/console/patient.tsx';
import { PracticeFormPage, PracticesPage, TeamFormPage, TeamPage } from '../../views/console/admin.tsx';
import { idParam } from '../web/params.ts';

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
};

/** The StrataPT console: queues, threads, outreach, practices and the team. Vendor users only. */
export function consoleRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireVendor);

  app.get('/', async (c) => {
    const actor = currentActor(c);
    const departments = queueDepartmentsOf(actor);
    if (!departments.length) return renderPage(c, <NoQueuePage ctx={await viewContext(c, deps)} />);
    return renderQueue(c, departments[0]);
  });
  app.get('/queues/:department', (c) => renderQueue(c, c.req.param('department')));

  async function renderQueue(c: Context<AppEnv>, department: string) {
    const now = clock.now();
    const practice = Number(c.req.query('practice'));
    const queue = await loadQueue(
      db,
      currentActor(c),
      { department, filter: c.req.query('filter'), practiceId: Number.isSafeInteger(practice) && practice > 0 ? practice : null, page: pageNumber(c.req.query('page')) },
      now,
    );
    return renderPage(c, <QueuePageView ctx={await viewContext(c, deps)} queue={queue} now={now} notice={NOTICES[c.req.query('done') ?? '']} />);
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
    const [messages, events, assignees] = await Promise.all([loadConversation(db, actor, thread), loadTicketEvents(db, thread), listAssignees(db, thread)]);
    if (o.markRead) await markTicketRead(db, actor, thread, now);
    return renderPage(
      c,
      <VendorThreadPage
        ctx={await viewContext(c, deps)}
        thread={thread}
        messages={messages}
        events={events as ThreadEvent[]}
        assignees={assignees}
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

  app.post('/tickets/:id/replies', action((c, id, f) => replyAsVendor(db, currentActor(c), id, { fields: f, now: now(), publicUrl: config.publicUrl }), (_r, f) => (f.response_window ? 'required' : 'reply')));
  app.post('/tickets/:id/notes', action((c, id, f) => addInternalNote(db, currentActor(c), id, { fields: f, now: now() }), 'note'));
  app.post('/tickets/:id/assignment', action((c, id, f) => assignThread(db, currentActor(c), id, { fields: f, now: now() }), 'assigned'));
  app.post('/tickets/:id/department', action((c, id, f) => moveThread(db, currentActor(c), id, { fields: f, now: now(), publicUrl: config.publicUrl }), 'moved'));
  app.post('/tickets/:id/closure', action((c, id) => closeThread(db, currentActor(c), id, now()), 'closed'));
  app.post('/tickets/:id/closure/delete', action((c, id) => reopenThread(db, currentActor(c), id, now()), 'reopened'));
  app.post('/tickets/:id/admin-level', action((c, id) => setAdminLevel(db, currentActor(c), id, { adminLevel: true, now: now() }), 'admin'));
  app.post('/tickets/:id/admin-level/delete', action((c, id) => setAdminLevel(db, currentActor(c), id, { adminLevel: false, now: now() }), 'admin'));
  app.post('/tickets/:id/response-requirement/delete', action((c, id) => liftResponseRequirement(db, currentActor(c), id, now()), 'lifted'));

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
    const values = { name: p.name, phone: p.phone, time_zone: p.time_zone, go_live_on: p.go_live_on, hypercare_days: String(p.hypercare_days), account_manager_id: p.account_manager_id ? String(p.account_manager_id) : '' };
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

  return app;
}

async function teamForm(c: Context<AppEnv>) {
  const body = await c.req.parseBody({ all: true });
  const raw = body.departments;
  const departments = (Array.isArray(raw) ? raw : raw ? [raw] : []).filter((d): d is string => typeof d === 'string');
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (k !== 'departments' && typeof v === 'string') form[k] = v;
  return { form, departments };
}
