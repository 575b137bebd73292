import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, formFields, pageNumber, redirectAfterPost, renderFragment, renderPage } from '../web/http.ts';
import { menuCountsChanged, viewContext } from '../web/context.ts';
import { requireCapability, requireStaff } from '../web/guards.ts';
import { NotFound } from '../web/errors.ts';
import { can, type Actor } from '../auth/permissions.ts';
import type { Database } from '../db/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { clientIp } from '../web/http.ts';
import { findPracticePatient, searchPatients, type PatientMatch } from '../patients/search.ts';
import { createTicket, loadCreateFormContext, type CreateFormContext } from './create.ts';
import { countTicketsByFilter, listTickets, withCountdowns } from './list.ts';
import { findOverdueBlock } from './overdue.ts';
import { LIST_FILTERS, type ListFilter } from './labels.ts';
import { findVisibleTicket } from './visibility.ts';
import { loadConversation, markTicketRead } from './conversation.ts';
import { replyToTicket } from './replies.ts';
import { closeThread, reopenThread } from './closing.ts';
import { deadlineCountdown } from './countdown.ts';
import { findSimilarTickets, searchTickets } from './search.ts';
import { listColleagues, parseVisibleTo, previewAudience } from './visible-to.ts';
import { attachmentResponse, findVisibleAttachment } from './attachments.ts';
import { GetHelpPage, LimitedMessagingPage } from '../../views/tickets/list.tsx';
import { AudiencePanel, NewThreadPage, PatientPicker, SimilarThreads } from '../../views/tickets/form.tsx';
import { Conversation, ThreadPage } from '../../views/tickets/thread.tsx';
import { UnreadBadge } from '../../views/components/live.tsx';
import { idParam } from '../web/params.ts';

const PICKER_LIMIT = 30;

export function ticketRoutes(deps: AppDeps) {
  const { db, clock, config } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff);

  // Get Help: the list, or subject search results. Limit Messaging Access users are told why.
  app.get('/', async (c) => {
    const actor = currentActor(c);
    const ctx = await viewContext(c, deps);
    if (!can(actor, 'tickets.use')) return renderPage(c, <LimitedMessagingPage ctx={ctx} />);
    const now = clock.now();
    const q = (c.req.query('q') ?? '').trim().slice(0, 200);
    const page = pageNumber(c.req.query('page'));
    const filter = listFilter(c.req.query('show'));
    // The list, the filters' counts and whether anything is overdue in one statement (tickets/list.ts);
    // the Overdue block itself only when something is. A search runs the Overdue check beside it.
    const [{ rows, hasMore, counts }, block] = q
      ? await Promise.all([
          Promise.all([searchTickets(db, actor, q, { page }), countTicketsByFilter(db, actor)]).then(([found, counts]) => ({ rows: withCountdowns(found.rows, now), hasMore: found.hasMore, counts })),
          findOverdueBlock(db, actor, now),
        ])
      : await listTickets(db, actor, { page, filter, now, overdueCheck: true }).then(async (list) => [list, list.anyOverdue ? await findOverdueBlock(db, actor, now) : null] as const);
    const created = Number(c.req.query('created')) || null;
    return renderPage(
      c,
      <GetHelpPage ctx={ctx} rows={rows} hasMore={hasMore} page={page} q={q} filter={filter} counts={counts} block={block} now={now} created={created} />,
    );
  });

  app.use('*', requireCapability('tickets.use'));

  // Live parts of the pages (docs/rules.md, "Live updates"): each re-fetched with the user's own session.
  // The count read with the session in the request's one statement (src/web/context.ts).
  app.get('/unread-badge', async (c) => renderFragment(c, <UnreadBadge count={(await viewContext(c, deps)).unreadTickets} />));

  app.get('/new', async (c) => {
    const values = { visible_to: 'anyone' };
    return renderNewThread(c, 200, values, {});
  });

  // Type-to-search for the patient dropdown (htmx); the page renders the same element.
  app.get('/new/patients', async (c) => {
    const actor = currentActor(c);
    const patients = await pickerPatients(db, actor, c.req.query('patient_q') ?? '', c.req.query('show_all') === 'on', c.req.query('patient_id'));
    return renderFragment(c, <PatientPicker patients={patients} selectedId={c.req.query('patient_id')} />);
  });

  // Who will see the thread, as Visible To and admin-level change (htmx).
  app.get('/new/audience', async (c) => {
    const actor = currentActor(c);
    const colleagues = await listColleagues(db, actor);
    const adminLevel = c.req.query('admin_level') === 'on' && can(actor, 'tickets.createAdminLevel');
    const preview = previewAudience(actor, colleagues, parseVisibleTo(c.req.query('visible_to'), colleagues), adminLevel);
    return renderFragment(c, <AudiencePanel preview={preview} />);
  });

  // "Already asked?" while the subject is typed (htmx).
  app.get('/new/similar', async (c) => {
    const similar = await findSimilarTickets(db, currentActor(c), c.req.query('subject') ?? '');
    return renderFragment(c, <SimilarThreads threads={similar} />);
  });

  app.post('/', async (c) => {
    const actor = currentActor(c);
    const { fields, files } = await readForm(c);
    // Without JavaScript, "Search patients" and "Check who can see it" re-render the form with what was typed.
    if (fields.intent === 'find_patient' || fields.intent === 'preview') return renderNewThread(c, 200, fields, {});
    const result = await createTicket(db, actor, { fields, files, now: clock.now(), publicUrl: config.publicUrl });
    if (!result.ok) return renderNewThread(c, result.blocked ? 409 : 422, fields, result.errors);
    return redirectAfterPost(c, fields.visible_to?.startsWith('user:') && fields.visible_to !== `user:${actor.id}` ? `/tickets?created=${result.id}` : `/tickets/${result.id}`);
  });

  app.get('/:id', async (c) => {
    const actor = currentActor(c);
    const id = idParam(c.req.param('id'));
    const now = clock.now();
    const ticket = await findVisibleTicket(db, actor, id);
    const messages = await loadConversation(db, actor, ticket);
    await markTicketRead(db, actor, ticket, now);
    menuCountsChanged(c);
    return renderPage(c, <ThreadPage ctx={await viewContext(c, deps)} ticket={ticket} messages={messages} now={now} countdown={deadlineCountdown(ticket.response_due_at, now)} values={{}} errors={{}} />);
  });

  app.get('/:id/conversation', async (c) => {
    const actor = currentActor(c);
    const ticket = await findVisibleTicket(db, actor, idParam(c.req.param('id')));
    const messages = await loadConversation(db, actor, ticket);
    await markTicketRead(db, actor, ticket, clock.now());
    return renderFragment(c, <Conversation ticket={ticket} messages={messages} timeZone={ticket.time_zone} />);
  });

  app.post('/:id/messages', async (c) => {
    const actor = currentActor(c);
    const id = idParam(c.req.param('id'));
    const { fields, files } = await readForm(c);
    const result = await replyToTicket(db, actor, id, { fields, files, now: clock.now(), publicUrl: config.publicUrl });
    if (!result.ok) return renderThread(c, id, fields, result.errors, 422);
    return redirectAfterPost(c, `/tickets/${id}#reply-heading`);
  });

  // Marking a thread resolved is its closure; reopening deletes the closure (forms post to /delete).
  app.post('/:id/closure', async (c) => closureAction(c, closeThread));
  app.post('/:id/closure/delete', async (c) => closureAction(c, reopenThread));

  app.get('/:id/attachments/:attachmentId', async (c) => {
    const actor = currentActor(c);
    const file = await findVisibleAttachment(db, actor, idParam(c.req.param('id')), idParam(c.req.param('attachmentId')));
    if (!file) throw new NotFound();
    await recordAudit(db, {
      at: clock.now(),
      actor,
      action: 'ticket.attachment.downloaded',
      recordType: 'ticket_attachment',
      recordId: file.id,
      ip: clientIp(c, config.trustProxy),
    });
    return attachmentResponse(c, file);
  });

  async function closureAction(c: Context<AppEnv>, act: typeof closeThread) {
    const actor = currentActor(c);
    const id = idParam(c.req.param('id'));
    const now = clock.now();
    const result = await act(db, actor, id, now);
    if (!result.ok) return renderThread(c, id, {}, result.errors, 409);
    return redirectAfterPost(c, `/tickets/${id}`);
  }

  async function renderThread(c: Context<AppEnv>, id: number, values: Record<string, string | undefined>, errors: Record<string, string>, status: 200 | 409 | 422) {
    const actor = currentActor(c);
    const now = clock.now();
    const ticket = await findVisibleTicket(db, actor, id);
    const messages = await loadConversation(db, actor, ticket);
    const page = <ThreadPage ctx={await viewContext(c, deps)} ticket={ticket} messages={messages} now={now} countdown={deadlineCountdown(ticket.response_due_at, now)} values={values} errors={errors} />;
    return renderPage(c, page, status);
  }

  async function renderNewThread(c: Context<AppEnv>, status: 200 | 409 | 422, values: Record<string, string | undefined>, errors: Record<string, string>) {
    const actor = currentActor(c);
    const form: CreateFormContext = await loadCreateFormContext(db, actor, clock.now());
    const patients = await pickerPatients(db, actor, values.patient_q ?? '', values.show_all === 'on', values.patient_id);
    const adminLevel = values.admin_level === 'on' && form.mayCreateAdminLevel;
    const preview = previewAudience(actor, form.colleagues, parseVisibleTo(values.visible_to, form.colleagues), adminLevel);
    const similar = values.subject ? await findSimilarTickets(db, actor, values.subject) : [];
    const page = (
      <NewThreadPage ctx={await viewContext(c, deps)} form={form} values={values} errors={errors} patients={patients} preview={preview} similar={similar} />
    );
    return renderPage(c, page, status);
  }

  return app;
}

function listFilter(raw: string | undefined): ListFilter {
  return LIST_FILTERS.find((f) => f === raw) ?? 'all';
}

/** The dropdown's options: matches of the search, keeping the chosen account listed. */
async function pickerPatients(db: Database, actor: Actor, q: string, showAll: boolean, selected: string | undefined): Promise<PatientMatch[]> {
  const found = await searchPatients(db, actor, q, { includeInactive: showAll, limit: PICKER_LIMIT });
  const selectedId = Number(selected);
  if (Number.isSafeInteger(selectedId) && selectedId > 0 && !found.some((p) => p.id === selectedId)) {
    const chosen = await findPracticePatient(db, actor, selectedId);
    if (chosen) found.unshift(chosen);
  }
  return found;
}

/** Multipart or urlencoded: the text fields, and the files of "files[]". */
async function readForm(c: Context<AppEnv>): Promise<{ fields: Record<string, string>; files: unknown[] }> {
  const fields = await formFields(c);
  const body = await c.req.parseBody({ all: true });
  const raw = body['files[]'] ?? body['files'];
  const files = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return { fields, files };
}
