import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, TextArea, SelectField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { FEEDBACK_STATUSES, STATUS_LABEL, TITLE_MAX, DESCRIPTION_MAX, COMMENT_MAX } from '../../src/feedback/labels.ts';
import type { IdeaRow, listIdeas, findIdea, findSimilarIdeas } from '../../src/feedback/ideas.ts';
import type { FeedbackStatus } from '../../src/db/schema.ts';
import { countOf, dateTimeFormat } from '../../src/intl.ts';

type IdeaList = Awaited<ReturnType<typeof listIdeas>>;
type IdeaData = Awaited<ReturnType<typeof findIdea>>;
type Similar = Awaited<ReturnType<typeof findSimilarIdeas>>;

const PHI_WARNING = 'Ideas and comments are seen by every practice and by StrataPT. Do not include patient names, dates of birth, account numbers or any other patient information.';

function dateOnly(d: Date): string {
  return dateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }).format(d);
}

function listHref(list: { status: FeedbackStatus | null; sort: string }, change: { status?: FeedbackStatus | null; sort?: string; page?: number }) {
  const status = change.status === undefined ? list.status : change.status;
  const params = new URLSearchParams({ sort: change.sort ?? list.sort });
  if (status) params.set('status', status);
  if (change.page && change.page > 1) params.set('page', String(change.page));
  return `/feedback?${params}`;
}

export function StatusTag(props: { status: FeedbackStatus }) {
  return <span class={`tag idea-status ${props.status}`}>{STATUS_LABEL[props.status]}</span>;
}

export function IdeaListPage(props: { ctx: ViewContext; list: IdeaList }) {
  const { ctx, list } = props;
  const total = Object.values(list.counts).reduce((a, b) => a + (b ?? 0), 0);
  return (
    <AppLayout ctx={ctx} title="Product Feedback">
      <div class="row">
        <h1 class="grow">Product Feedback</h1>
        <a class="button primary" href="/feedback/new">Share an idea</a>
      </div>
      <p>Ideas for future additions to StrataEMR, shared by every practice. Vote for the ones you want; StrataPT’s Product team sets their status.</p>
      <nav aria-label="Filter by status" class="queue-filters">
        <ul>
          <li>
            <a href={listHref(list, { status: null })} aria-current={list.status === null ? 'true' : undefined}>All <span class="count">{total}</span></a>
          </li>
          {FEEDBACK_STATUSES.map((s) => (
            <li>
              <a href={listHref(list, { status: s.value })} aria-current={list.status === s.value ? 'true' : undefined}>
                {s.label} <span class="count">{list.counts[s.value] ?? 0}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p>
        Sort:{' '}
        {list.sort === 'votes' ? <strong>Most votes</strong> : <a href={listHref(list, { sort: 'votes' })}>Most votes</a>} ·{' '}
        {list.sort === 'newest' ? <strong>Newest</strong> : <a href={listHref(list, { sort: 'newest' })}>Newest</a>}
      </p>
      {list.rows.length ? (
        <ol class="ideas">
          {list.rows.map((i) => (
            <li class="card idea">
              <VoteButton csrf={ctx.csrf} idea={i} />
              <div class="grow">
                <a href={`/feedback/${i.id}`}>{i.title}</a> <StatusTag status={i.status} />
                <p class="meta">
                  {i.author_name}, {i.author_where} · {dateOnly(i.created_at)} · {i.comment_count} {i.comment_count === 1 ? 'comment' : 'comments'}
                </p>
              </div>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">No ideas here yet.</p>
      )}
      <nav class="pager" aria-label="Pages">
        {list.page > 1 ? <a href={listHref(list, { page: list.page - 1 })}>← Previous</a> : null}
        {list.hasMore ? <a href={listHref(list, { page: list.page + 1 })}>Next →</a> : null}
      </nav>
    </AppLayout>
  );
}

/** The vote toggle: one component for the list, the idea page and the htmx response. */
export function VoteButton(props: { csrf: string; idea: Pick<IdeaRow, 'id' | 'title' | 'vote_count' | 'voted'>; error?: string }) {
  const { idea } = props;
  const action = idea.voted ? `/feedback/${idea.id}/vote/delete` : `/feedback/${idea.id}/vote`;
  return (
    <form method="post" action={action} class="vote" hx-post={action} hx-target="this" hx-swap="outerHTML">
      <input type="hidden" name="_csrf" value={props.csrf} />
      <span class="votes" aria-live="polite">
        <strong>{idea.vote_count}</strong> {idea.vote_count === 1 ? 'vote' : 'votes'}
      </span>
      <button type="submit" class={idea.voted ? 'voted' : 'primary'} aria-pressed={idea.voted ? 'true' : 'false'} aria-label={`${idea.voted ? 'Remove my vote for' : 'Vote for'} ${idea.title}`}>
        {idea.voted ? 'Voted ✓' : 'Vote'}
      </button>
      {props.error ? <p class="field-error" role="alert">{props.error}</p> : null}
    </form>
  );
}

export function SimilarIdeas(props: { ideas: Similar }) {
  if (!props.ideas.length) return <div id="similar-ideas" aria-live="polite"></div>;
  return (
    <div id="similar-ideas" aria-live="polite" class="card similar">
      <p>
        <strong>Similar ideas already posted.</strong> If one of these is yours, vote for it instead of posting a new one:
      </p>
      <ul class="link-list">
        {props.ideas.map((i) => (
          <li>
            <a href={`/feedback/${i.id}`}>{i.title}</a> <StatusTag status={i.status} /> <span class="meta">{countOf(i.vote_count, 'vote', 'votes')}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function NewIdeaPage(props: { ctx: ViewContext; values: Record<string, string | undefined>; errors: FieldErrors; similar: Similar }) {
  const { ctx, values, errors } = props;
  return (
    <AppLayout ctx={ctx} title="Share an idea">
      <p><a href="/feedback">← Product Feedback</a></p>
      <h1>Share an idea</h1>
      <p class="warning" id="phi-warning">{PHI_WARNING}</p>
      <FormErrorSummary errors={errors} />
      <Form csrf={ctx.csrf} action="/feedback" class="stack">
        <TextField
          label="Title"
          name="title"
          value={values.title}
          error={errors.title}
          required
          maxlength={TITLE_MAX}
          autocomplete="off"
          hint="Similar ideas appear below as you type."
          hx-get="/feedback/similar"
          hx-trigger="input changed delay:300ms"
          hx-include="this"
          hx-target="#similar-ideas"
          hx-swap="outerHTML"
        />
        <SimilarIdeas ideas={props.similar} />
        <TextArea label="Description" name="description" value={values.description} error={errors.description} required maxlength={DESCRIPTION_MAX} hint="What would it let you do, and why does it matter to your practice?" />
        <button type="submit" class="primary">Post idea</button>
      </Form>
    </AppLayout>
  );
}

export function IdeaPage(props: { ctx: ViewContext; data: IdeaData; values: Record<string, string | undefined>; errors: FieldErrors; notice?: string }) {
  const { ctx, data, values, errors } = props;
  const { idea, comments, changes } = data;
  return (
    <AppLayout ctx={ctx} title={idea.title}>
      <p><a href="/feedback">← Product Feedback</a></p>
      <h1>
        {idea.title} <StatusTag status={idea.status} />
      </h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      {errors.vote ? <p class="error-summary" role="alert">{errors.vote}</p> : null}
      {errors.status && !data.maySetStatus ? <p class="error-summary" role="alert">{errors.status}</p> : null}
      <p class="meta">
        Posted by {idea.author_name}, {idea.author_where} · {dateOnly(idea.created_at)}
      </p>
      <div class="body">{idea.description}</div>
      <VoteButton csrf={ctx.csrf} idea={idea} />

      {data.maySetStatus ? (
        <section aria-labelledby="status-heading">
          <h2 id="status-heading">Set status (Product team)</h2>
          <Form csrf={ctx.csrf} action={`/feedback/${idea.id}/status`} class="stack">
            <SelectField label="Status" name="status" value={values.status ?? idea.status} error={errors.status} options={FEEDBACK_STATUSES.map((s) => ({ value: s.value, label: s.label }))} />
            <TextField label="Note for the changelog (optional)" name="note" value={values.note} error={errors.note} maxlength={500} />
            <button type="submit" class="primary">Save status</button>
          </Form>
        </section>
      ) : null}

      <h2>Status changelog</h2>
      <ol class="history">
        {changes.map((ch) => (
          <li>
            <span class="meta">{dateOnly(ch.at)}</span> {ch.from_status ? `${STATUS_LABEL[ch.from_status]} → ` : 'Posted: '}
            {STATUS_LABEL[ch.to_status]} · {ch.changed_by}
            {ch.note ? ` — ${ch.note}` : ''}
          </li>
        ))}
      </ol>

      <h2 id="comments">Comments ({comments.length})</h2>
      <ol class="messages">
        {comments.map((cm) => (
          <li>
            <p class="meta">
              {cm.author_name}, {cm.author_where} · {dateOnly(cm.created_at)}
            </p>
            <div class="body">{cm.body}</div>
          </li>
        ))}
      </ol>
      <Form csrf={ctx.csrf} action={`/feedback/${idea.id}/comments`} class="stack">
        <TextArea label="Add a comment" name="comment" value={values.comment} error={errors.comment} required maxlength={COMMENT_MAX} rows={3} hint={PHI_WARNING} />
        <button type="submit">Comment</button>
      </Form>
    </AppLayout>
  );
}
