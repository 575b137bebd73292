import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, formFields, isHtmx, pageNumber, redirectAfterPost, renderFragment, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireCapability } from '../web/guards.ts';
import { DESCRIPTION_MAX, TITLE_MAX } from './labels.ts';
import { commentOnIdea, findIdea, findSimilarIdeas, listIdeas, postIdea, setIdeaStatus, voteForIdea, withdrawVote, type FeedbackResult } from './ideas.ts';
import { IdeaListPage, IdeaPage, NewIdeaPage, SimilarIdeas, VoteButton } from '../../views/feedback/ideas.tsx';
import { idParam } from '../web/params.ts';

const NOTICES: Record<string, string> = { posted: 'Your idea was posted, with your vote.', voted: 'Vote counted.', unvoted: 'Vote withdrawn.', commented: 'Comment added.', status: 'Status changed.' };

/** The Product Feedback portal: practice staff who may use tickets, and the whole vendor team. */
export function feedbackRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireCapability('feedback.use'));

  app.get('/', async (c) => {
    const list = await listIdeas(db, currentActor(c), { status: c.req.query('status'), sort: c.req.query('sort'), page: pageNumber(c.req.query('page')) });
    return renderPage(c, <IdeaListPage ctx={await viewContext(c, deps)} list={list} />);
  });
  app.get('/new', async (c) => renderPage(c, <NewIdeaPage ctx={await viewContext(c, deps)} values={{ title: c.req.query('title') ?? '' }} errors={{}} similar={[]} />));
  // From Get Help's create form, "Product Feedback" chosen: the typed subject and message become the idea's draft.
  app.post('/new', async (c) => {
    const form = await formFields(c);
    const values = { title: (form.title ?? form.subject ?? '').slice(0, TITLE_MAX), description: (form.description ?? form.message ?? '').slice(0, DESCRIPTION_MAX) };
    const similar = values.title ? await findSimilarIdeas(db, currentActor(c), values.title) : [];
    return renderPage(c, <NewIdeaPage ctx={await viewContext(c, deps)} values={values} errors={{}} similar={similar} />);
  });
  app.get('/similar', async (c) => renderFragment(c, <SimilarIdeas ideas={await findSimilarIdeas(db, currentActor(c), c.req.query('title') ?? '')} />));
  app.post('/', async (c) => {
    const actor = currentActor(c);
    const form = await formFields(c);
    const result = await postIdea(db, actor, form, clock.now());
    if (!result.ok) {
      const similar = await findSimilarIdeas(db, actor, form.title ?? '');
      return renderPage(c, <NewIdeaPage ctx={await viewContext(c, deps)} values={form} errors={result.errors} similar={similar} />, 422);
    }
    return redirectAfterPost(c, `/feedback/${result.id}?done=posted`);
  });

  app.get('/:id', async (c) => renderIdea(c, idParam(c.req.param('id')), { notice: NOTICES[c.req.query('done') ?? ''] }));

  async function renderIdea(c: Context<AppEnv>, id: number, o: { values?: Record<string, string>; errors?: Record<string, string>; notice?: string; status?: 200 | 403 | 409 | 422 }) {
    const data = await findIdea(db, currentActor(c), id);
    const html = '<!doctype html>' + (await String(<IdeaPage ctx={await viewContext(c, deps)} data={data} values={o.values ?? {}} errors={o.errors ?? {}} notice={o.notice} />));
    return c.html(html, o.status ?? 200);
  }

  /** Voting answers htmx with just the vote button; without JavaScript it redirects back. */
  const vote = (run: (c: Context<AppEnv>, id: number) => Promise<FeedbackResult>, done: string) => async (c: Context<AppEnv>) => {
    const id = idParam(c.req.param('id'));
    const result = await run(c, id);
    if (isHtmx(c)) {
      const { idea } = await findIdea(db, currentActor(c), id);
      return c.html(await String(<VoteButton csrf={c.get('csrf')} idea={idea} error={result.ok ? undefined : result.errors.vote} />), result.ok ? 200 : 409);
    }
    if (!result.ok) return renderIdea(c, id, { errors: result.errors, status: 409 });
    return redirectAfterPost(c, `/feedback/${id}?done=${done}`);
  };
  app.post('/:id/vote', vote((c, id) => voteForIdea(db, currentActor(c), id, clock.now()), 'voted'));
  app.post('/:id/vote/delete', vote((c, id) => withdrawVote(db, currentActor(c), id), 'unvoted'));

  app.post('/:id/comments', async (c) => {
    const id = idParam(c.req.param('id'));
    const form = await formFields(c);
    const result = await commentOnIdea(db, currentActor(c), id, form, clock.now());
    if (!result.ok) return renderIdea(c, id, { values: form, errors: result.errors, status: 422 });
    return redirectAfterPost(c, `/feedback/${id}?done=commented#comments`);
  });
  app.post('/:id/status', async (c) => {
    const id = idParam(c.req.param('id'));
    const form = await formFields(c);
    const result = await setIdeaStatus(db, currentActor(c), id, form, clock.now());
    if (!result.ok) return renderIdea(c, id, { values: form, errors: result.errors, status: result.status ?? 422 });
    return redirectAfterPost(c, `/feedback/${id}?done=status`);
  });
  return app;
}
