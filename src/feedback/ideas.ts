import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { FeedbackStatus } from '../db/schema.ts';
import { assertCan, can, type Actor } from '../auth/permissions.ts';
import { NotFound } from '../web/errors.ts';
import { escapeLike } from '../db/like.ts';
import { fieldErrors } from '../web/field-errors.ts';
import { COMMENT_MAX, DESCRIPTION_MAX, FEEDBACK_STATUSES, STATUS_LABEL, TITLE_MAX } from './labels.ts';

// The Product Feedback portal: ideas shared by every practice (the one deliberate exception to
// tenancy), one vote per person, comments, and a status only the Product team sets, with its changelog.

export const IDEAS_PAGE_SIZE = 25;

export type FeedbackResult = { ok: true; id: number; notice?: string } | { ok: false; errors: Record<string, string>; status?: 403 | 409 | 422 };

export type IdeaRow = {
  id: number;
  title: string;
  status: FeedbackStatus;
  vote_count: number;
  comment_count: number;
  created_at: Date;
  author_name: string;
  author_where: string;
  voted: boolean;
};

function ideaColumns(db: Database, actor: Actor) {
  return db
    .selectFrom('feedback_ideas')
    .innerJoin('users as author', 'author.id', 'feedback_ideas.author_user_id')
    .leftJoin('practices', 'practices.id', 'feedback_ideas.author_practice_id')
    .leftJoin('feedback_votes as mine', (j) => j.onRef('mine.idea_id', '=', 'feedback_ideas.id').on('mine.user_id', '=', actor.id))
    .select([
      'feedback_ideas.id',
      'feedback_ideas.title',
      'feedback_ideas.status',
      'feedback_ideas.vote_count',
      'feedback_ideas.comment_count',
      'feedback_ideas.created_at',
      'author.name as author_name',
      sql<string>`coalesce(practices.name, 'StrataPT')`.as('author_where'),
      sql<boolean>`mine.user_id is not null`.as('voted'),
    ]);
}

export async function listIdeas(db: Database, actor: Actor, options: { status?: string; sort?: string; page?: number }) {
  assertCan(actor, 'feedback.use');
  const status = FEEDBACK_STATUSES.some((s) => s.value === options.status) ? (options.status as FeedbackStatus) : null;
  const sort = options.sort === 'newest' ? 'newest' : 'votes';
  const page = options.page ?? 1;
  let q = ideaColumns(db, actor).$if(status !== null, (b) => b.where('feedback_ideas.status', '=', status!));
  q = sort === 'votes' ? q.orderBy('feedback_ideas.vote_count', 'desc').orderBy('feedback_ideas.id', 'desc') : q.orderBy('feedback_ideas.created_at', 'desc').orderBy('feedback_ideas.id', 'desc');
  const rows = await q.limit(IDEAS_PAGE_SIZE + 1).offset((page - 1) * IDEAS_PAGE_SIZE).execute();
  const counts = await db.selectFrom('feedback_ideas').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  return {
    rows: rows.slice(0, IDEAS_PAGE_SIZE) as IdeaRow[],
    hasMore: rows.length > IDEAS_PAGE_SIZE,
    status,
    sort,
    page,
    counts: Object.fromEntries(counts.map((c) => [c.status, Number(c.n)])) as Partial<Record<FeedbackStatus, number>>,
  };
}

/** Existing ideas whose titles look like what is being typed (trigram similarity, typo-tolerant). */
export async function findSimilarIdeas(db: Database, actor: Actor, title: string, limit = 5) {
  assertCan(actor, 'feedback.use');
  const q = title.trim().toLowerCase().slice(0, TITLE_MAX);
  if (q.length < 3) return [];
  return db
    .selectFrom('feedback_ideas')
    .select(['id', 'title', 'status', 'vote_count', sql<number>`greatest(similarity(lower(title), ${q}), word_similarity(${q}, lower(title)))`.as('score')])
    .where((eb) => eb.or([sql<boolean>`lower(title) % ${q}`, sql<boolean>`${q} <% lower(title)`, eb(sql`lower(title)`, 'like', `%${escapeLike(q)}%`)]))
    .orderBy('score', 'desc')
    .orderBy('vote_count', 'desc')
    .limit(limit)
    .execute();
}

export async function findIdea(db: Database, actor: Actor, id: number) {
  assertCan(actor, 'feedback.use');
  const idea = await ideaColumns(db, actor).select(['feedback_ideas.description', 'feedback_ideas.status_changed_at']).where('feedback_ideas.id', '=', id).executeTakeFirst();
  if (!idea) throw new NotFound();
  const [comments, changes] = await Promise.all([
    db
      .selectFrom('feedback_comments')
      .innerJoin('users', 'users.id', 'feedback_comments.author_user_id')
      .leftJoin('practices', 'practices.id', 'users.practice_id')
      .select(['feedback_comments.id', 'feedback_comments.body', 'feedback_comments.created_at', 'users.name as author_name', sql<string>`coalesce(practices.name, 'StrataPT')`.as('author_where')])
      .where('feedback_comments.idea_id', '=', id)
      .orderBy('feedback_comments.created_at')
      .orderBy('feedback_comments.id')
      .execute(),
    db
      .selectFrom('feedback_status_changes')
      .innerJoin('users', 'users.id', 'feedback_status_changes.changed_by_user_id')
      .select(['feedback_status_changes.id', 'from_status', 'to_status', 'note', 'at', 'users.name as changed_by'])
      .where('feedback_status_changes.idea_id', '=', id)
      .orderBy('at')
      .orderBy('feedback_status_changes.id')
      .execute(),
  ]);
  return { idea: idea as IdeaRow & { description: string; status_changed_at: Date | null }, comments, changes, maySetStatus: can(actor, 'feedback.setStatus') };
}

const ideaSchema = z.object({
  title: z.string().trim().min(3, 'Give the idea a short title (at least 3 characters).').max(TITLE_MAX, `Use at most ${TITLE_MAX} characters.`),
  description: z.string().trim().min(1, 'Describe the idea: what would it let you do?').max(DESCRIPTION_MAX, `Use at most ${DESCRIPTION_MAX.toLocaleString('en-US')} characters.`),
});

/** Posts an idea; its author's vote comes with it. */
export async function postIdea(db: Database, actor: Actor, input: Record<string, string | undefined>, now: Date): Promise<FeedbackResult> {
  assertCan(actor, 'feedback.use');
  const parsed = ideaSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  return db.transaction().execute(async (trx) => {
    const idea = await trx
      .insertInto('feedback_ideas')
      .values({ title: parsed.data.title, description: parsed.data.description, author_user_id: actor.id, author_practice_id: actor.kind === 'staff' ? actor.practice_id : null, vote_count: 1, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('feedback_votes').values({ idea_id: idea.id, user_id: actor.id, created_at: now }).execute();
    await trx.insertInto('feedback_status_changes').values({ idea_id: idea.id, from_status: null, to_status: 'under_review', note: null, changed_by_user_id: actor.id, at: now }).execute();
    return { ok: true, id: idea.id, notice: 'Your idea was posted, with your vote.' } as FeedbackResult;
  });
}

/** One vote per person: a second vote is refused, nothing changes. */
export async function voteForIdea(db: Database, actor: Actor, ideaId: number, now: Date): Promise<FeedbackResult> {
  await findIdea(db, actor, ideaId);
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('feedback_votes')
      .values({ idea_id: ideaId, user_id: actor.id, created_at: now })
      .onConflict((oc) => oc.columns(['idea_id', 'user_id']).doNothing())
      .returning('idea_id')
      .executeTakeFirst();
    if (!inserted) return { ok: false, status: 409, errors: { vote: 'You have already voted for this idea. Each person has one vote.' } } as FeedbackResult;
    await trx.updateTable('feedback_ideas').set((eb) => ({ vote_count: eb('vote_count', '+', 1) })).where('id', '=', ideaId).execute();
    return { ok: true, id: ideaId, notice: 'Vote counted.' } as FeedbackResult;
  });
}

export async function withdrawVote(db: Database, actor: Actor, ideaId: number): Promise<FeedbackResult> {
  await findIdea(db, actor, ideaId);
  return db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('feedback_votes').where('idea_id', '=', ideaId).where('user_id', '=', actor.id).returning('idea_id').executeTakeFirst();
    if (!removed) return { ok: false, status: 409, errors: { vote: 'You have not voted for this idea.' } } as FeedbackResult;
    await trx.updateTable('feedback_ideas').set((eb) => ({ vote_count: eb('vote_count', '-', 1) })).where('id', '=', ideaId).execute();
    return { ok: true, id: ideaId, notice: 'Vote withdrawn.' } as FeedbackResult;
  });
}

const commentSchema = z.object({ comment: z.string().trim().min(1, 'Write a comment.').max(COMMENT_MAX, `Use at most ${COMMENT_MAX.toLocaleString('en-US')} characters.`) });

export async function commentOnIdea(db: Database, actor: Actor, ideaId: number, input: Record<string, string | undefined>, now: Date): Promise<FeedbackResult> {
  await findIdea(db, actor, ideaId);
  const parsed = commentSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('feedback_comments').values({ idea_id: ideaId, author_user_id: actor.id, body: parsed.data.comment, created_at: now }).execute();
    await trx.updateTable('feedback_ideas').set((eb) => ({ comment_count: eb('comment_count', '+', 1) })).where('id', '=', ideaId).execute();
  });
  return { ok: true, id: ideaId, notice: 'Comment added.' };
}

const statusSchema = z.object({
  status: z.enum(FEEDBACK_STATUSES.map((s) => s.value) as [FeedbackStatus, ...FeedbackStatus[]], { error: 'Choose a status from the list.' }),
  note: z.string().trim().max(500, 'Use at most 500 characters.').optional(),
});

/** Sets an idea's status (Product department or vendor admin only) and records the change. */
export async function setIdeaStatus(db: Database, actor: Actor, ideaId: number, input: Record<string, string | undefined>, now: Date): Promise<FeedbackResult> {
  const { idea } = await findIdea(db, actor, ideaId);
  if (!can(actor, 'feedback.setStatus')) return { ok: false, status: 403, errors: { status: 'Only StrataPT’s Product team sets the status of an idea.' } };
  const parsed = statusSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  if (parsed.data.status === idea.status) return { ok: false, errors: { status: `The idea is already ${STATUS_LABEL[idea.status]}.` } };
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('feedback_ideas').set({ status: parsed.data.status, status_changed_at: now }).where('id', '=', ideaId).execute();
    await trx
      .insertInto('feedback_status_changes')
      .values({ idea_id: ideaId, from_status: idea.status, to_status: parsed.data.status, note: parsed.data.note || null, changed_by_user_id: actor.id, at: now })
      .execute();
  });
  return { ok: true, id: ideaId, notice: `Status set to ${STATUS_LABEL[parsed.data.status]}.` };
}
