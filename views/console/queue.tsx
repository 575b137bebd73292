import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { PracticeChoice, QueuePage } from '../../src/tickets/queues.ts';
import { cappedCount, PRACTICE_MATCHES, FILTER_LABEL, QUEUE_FILTERS, QUEUE_LABEL, type QueueFilter } from '../../src/tickets/labels.ts';
import { formatLocal } from '../tickets/parts.tsx';
import { TableScroll } from '../components/table-scroll.tsx';

const STATUS: Record<string, string> = { waiting_vendor: 'Waiting on StrataPT', waiting_practice: 'Waiting on practice', closed: 'Closed' };

const ALL_LABEL = 'All departments';
const queueName = (d: QueuePage['department']) => (d === 'all' ? ALL_LABEL : `${QUEUE_LABEL[d]} queue`);

export function queueHref(q: { department: string; filter: QueueFilter; practiceId: number | null; page?: number }) {
  const params = new URLSearchParams({ filter: q.filter });
  if (q.practiceId) params.set('practice', String(q.practiceId));
  if (q.page && q.page > 1) params.set('page', String(q.page));
  return `/vendor/queues/${q.department}?${params}`;
}

/** A department's queue: tabs per department, filters with counts, then the threads. */
export function QueuePageView(props: { ctx: ViewContext; queue: QueuePage; now: Date; notice?: string; practiceQuery?: string; practiceMatches?: PracticeChoice[] | null }) {
  const { ctx, queue, now } = props;
  return (
    <AppLayout ctx={ctx} title={queueName(queue.department)} wide>
      <div class="row">
        <h1 class="grow">{queueName(queue.department)}</h1>
        <a class="button primary" href="/vendor/tickets/new">Start a thread</a>
      </div>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <nav aria-label="Departments" class="tabs">
        <ul>
          {queue.departments.length > 1 ? (
            <li>
              <a href={queueHref({ department: 'all', filter: queue.filter, practiceId: queue.practiceId })} aria-current={queue.department === 'all' ? 'page' : undefined}>
                {ALL_LABEL}
              </a>
            </li>
          ) : null}
          {queue.departments.map((d) => (
            <li>
              <a href={queueHref({ department: d, filter: queue.filter, practiceId: queue.practiceId })} aria-current={d === queue.department ? 'page' : undefined}>
                {QUEUE_LABEL[d]}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <p class="meta targets">
        First-response targets (business hours, Monday to Friday):{' '}
        {queue.departments
          .filter((d) => queue.department === 'all' || d === queue.department)
          .map((d) => `${QUEUE_LABEL[d]} ${queue.targets[d].label}`)
          .join(' · ')}
      </p>
      <nav aria-label="Filters" class="queue-filters">
        <ul>
          {QUEUE_FILTERS.map((f) => (
            <li>
              <a href={queueHref({ department: queue.department, filter: f, practiceId: queue.practiceId })} aria-current={f === queue.filter ? 'true' : undefined}>
                {FILTER_LABEL[f]}{' '}
                <span class={f === 'overdue' && queue.counts[f] ? 'count overdue' : 'count'}>
                  {cappedCount(queue.counts[f])}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <PracticeFilter queue={queue} query={props.practiceQuery ?? ''} matches={props.practiceMatches ?? null} />
      {queue.rows.length === 0 ? (
        <p class="muted">No threads here.</p>
      ) : (
        <TableScroll>
          <table class="list queue">
            <caption class="visually-hidden">
              {FILTER_LABEL[queue.filter]} in {queue.department === 'all' ? ALL_LABEL : QUEUE_LABEL[queue.department]}
              {queue.department === 'success' ? ', hypercare practices first, then oldest waiting' : ', oldest waiting first'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Thread</th>
                <th scope="col">Practice</th>
                <th scope="col">Status</th>
                <th scope="col">Waiting since</th>
                <th scope="col">Practice's last message</th>
                <th scope="col">First response</th>
                <th scope="col">Response due</th>
                <th scope="col">Assigned</th>
              </tr>
            </thead>
            <tbody>
              {queue.rows.map((r) => (
                <tr class={[r.unread ? 'unread' : '', r.past_target ? 'past-target' : ''].filter(Boolean).join(' ') || undefined}>
                  <td>
                    <a href={`/vendor/tickets/${r.id}`}>{r.subject}</a> <span class="meta">#{r.id}</span>
                    {queue.department === 'all' ? <span class="tag">{QUEUE_LABEL[r.department]}</span> : null}
                    {r.unread ? <span class="tag">New</span> : null}
                    {r.admin_level ? <span class="tag">Admin-level</span> : null}
                    {r.has_patient ? <span class="tag">Patient linked</span> : null}
                  </td>
                  <td>
                    {r.practice_name}
                    {r.hypercare ? <span class="tag hypercare">Hypercare</span> : null}
                  </td>
                  <td>{STATUS[r.status]}</td>
                  <td>
                    <time datetime={r.waiting_since.toISOString()} title={formatLocal(r.waiting_since, r.time_zone)}>{waited(r.waiting_since, now)}</time>
                  </td>
                  <td>
                    {r.status === 'waiting_vendor' ? (
                      <time datetime={r.last_public_message_at.toISOString()} title={formatLocal(r.last_public_message_at, r.time_zone)}>
                        {waited(r.last_public_message_at, now)} ago
                      </time>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {r.past_target === null ? (
                      <span class="meta">{queue.targets[r.department].label}</span>
                    ) : r.past_target ? (
                      <span class="past-target-tag">Past target ({queue.targets[r.department].label})</span>
                    ) : (
                      <span>Within {queue.targets[r.department].label}</span>
                    )}
                  </td>
                  <td>
                    {r.response_due_at ? formatLocal(r.response_due_at, r.time_zone) : '—'}{' '}
                    {r.overdue ? <span class="overdue">Overdue</span> : null}
                  </td>
                  <td>{r.assigned_name ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      <nav class="pager" aria-label="Pages">
        {queue.page > 1 ? <a href={queueHref({ ...queue, page: queue.page - 1 })}>← Previous</a> : null}
        {queue.hasMore ? <a href={queueHref({ ...queue, page: queue.page + 1 })}>Next →</a> : null}
      </nav>
    </AppLayout>
  );
}

/** Vendor users without a ticket queue (Product only). */
export function NoQueuePage(props: { ctx: ViewContext }) {
  return (
    <AppLayout ctx={props.ctx} title="Queues">
      <h1>Queues</h1>
      <p>You are not in a department with a ticket queue and you are not the account manager of a practice.</p>
      <p>
        <a href="/feedback">Open the Feedback portal</a> to review ideas from practices.
      </p>
    </AppLayout>
  );
}

/** "3 h", "2 d": how long a thread has waited. */
export function waited(since: Date, now: Date): string {
  const minutes = Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h`;
  return `${Math.floor(minutes / 1440)} d`;
}

/**
 * The practice filter: the practice shown (with a way back to all), a search that suggests practices
 * as one types (htmx) or lists them when submitted, and the practices in hypercare now.
 */
function PracticeFilter(props: { queue: QueuePage; query: string; matches: PracticeChoice[] | null }) {
  const { queue } = props;
  const here = { department: queue.department, filter: queue.filter };
  const HYPERCARE_SHOWN = 12;
  return (
    <section class="queue-practice" aria-labelledby="practice-filter-heading">
      <h2 id="practice-filter-heading" class="visually-hidden">Practice</h2>
      {queue.practice ? (
        <p>
          Showing <strong>{queue.practice.name}</strong>
          {queue.practice.hypercare ? <span class="tag hypercare">Hypercare</span> : null}{' '}
          <a href={queueHref({ ...here, practiceId: null })}>Show all practices</a>
        </p>
      ) : null}
      <form method="get" action={`/vendor/queues/${queue.department}`} class="row" role="search">
        <input type="hidden" name="filter" value={queue.filter} />
        <label for="practice_q">{queue.practice ? 'Another practice' : 'Practice'}</label>
        <input
          id="practice_q"
          name="practice_q"
          type="search"
          value={props.query}
          autocomplete="off"
          placeholder="Name or number"
          aria-describedby="practice-matches"
          hx-get={`/vendor/queues/${queue.department}/practices?${new URLSearchParams({ filter: queue.filter })}`}
          hx-trigger="input changed delay:300ms, search"
          hx-target="#practice-matches"
        />
        <button type="submit">Find</button>
      </form>
      <div id="practice-matches" aria-live="polite">
        {props.matches ? <PracticeMatches department={queue.department} filter={queue.filter} query={props.query} matches={props.matches} /> : null}
      </div>
      {queue.hypercare.length ? (
        <p class="meta">
          In hypercare:{' '}
          {queue.hypercare.slice(0, HYPERCARE_SHOWN).map((p, i) => (
            <>
              {i ? ', ' : ''}
              <a href={queueHref({ ...here, practiceId: p.id })}>{p.name}</a>
            </>
          ))}
          {queue.hypercare.length > HYPERCARE_SHOWN ? ` and ${queue.hypercare.length - HYPERCARE_SHOWN} more` : ''}
        </p>
      ) : null}
    </section>
  );
}

/** What a practice search found: links that filter the queue, or why there are none. */
export function PracticeMatches(props: { department: QueuePage['department']; filter: QueueFilter; query: string; matches: PracticeChoice[] }) {
  const q = props.query.trim();
  if (!q) return <></>;
  if (!props.matches.length) return <p class="muted">No practice you work with matches “{q}”.</p>;
  return (
    <ul class="practice-matches" aria-label={`Practices matching “${q}”`}>
      {props.matches.map((p) => (
        <li>
          <a href={queueHref({ department: props.department, filter: props.filter, practiceId: p.id })}>{p.name}</a> <span class="meta">#{p.id}</span>
          {p.hypercare ? <span class="tag hypercare">Hypercare</span> : null}
        </li>
      ))}
      {props.matches.length === PRACTICE_MATCHES ? <li class="meta">The first {PRACTICE_MATCHES} are listed: type more of the name to narrow them.</li> : null}
    </ul>
  );
}
