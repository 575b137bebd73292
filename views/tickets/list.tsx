import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { OverdueBlock } from '../../src/tickets/overdue.ts';
import { DEPARTMENT_LABEL, LIST_FILTERS, LIST_FILTER_LABEL, STATUS_LABEL, type ListFilter } from '../../src/tickets/labels.ts';
import type { ListedTicket } from '../../src/tickets/list.ts';
import { DeadlineCountdown, OverdueBlockPanel, SUPPORT_PHONE, formatLocal } from './parts.tsx';
import { TableScroll } from '../components/table-scroll.tsx';
import { formatCount } from '../../src/intl.ts';

export function GetHelpPage(props: {
  ctx: ViewContext;
  rows: ListedTicket[];
  page: number;
  hasMore: boolean;
  q: string;
  filter: ListFilter;
  counts: Record<ListFilter, number>;
  block: OverdueBlock | null;
  now: Date;
  created?: number | null;
}) {
  const { ctx, rows, page, hasMore, q, filter, counts, block } = props;
  const tz = ctx.practice?.time_zone ?? 'UTC';
  const pageHref = (p: number) => `/tickets?${new URLSearchParams({ ...(q ? { q } : { show: filter }), page: String(p) })}`;
  return (
    <AppLayout ctx={ctx} title="Get Help">
      <h1>Get Help</h1>
      {props.created ? (
        <p class="notice" role="status">
          Thread #{props.created} was created and sent to StrataPT. You chose a person's name in Visible To, so only that person can see it.
        </p>
      ) : null}
      <p>
        Message threads with the StrataPT team. StrataPT support is also available by phone at <strong>{SUPPORT_PHONE}</strong>.
      </p>
      <div class="row ticket-actions">
        {block ? (
          <button type="button" class="primary" disabled aria-describedby="overdue-block">
            Create New Message Thread
          </button>
        ) : (
          <a class="button primary" href="/tickets/new">
            Create New Message Thread
          </a>
        )}
      </div>
      {block ? <OverdueBlockPanel block={block} timeZone={tz} /> : null}
      <form method="get" action="/tickets" class="ticket-search" role="search">
        <label for="q">Search threads by subject</label>
        <input id="q" name="q" type="search" value={q} maxlength={200} />
        <button type="submit">Search</button>
        {q ? <a href="/tickets">Clear search</a> : null}
      </form>
      <p class="muted">Before creating a new message thread, search existing threads to see if the question has already been addressed.</p>
      {q ? null : <ListFilters filter={filter} counts={counts} />}
      {rows.length ? (
        <TableScroll>
          <table class="list tickets">
            <caption class="visually-hidden">
              {q ? `Threads whose subject matches “${q}”` : `${LIST_FILTER_LABEL[filter]}: threads with a response deadline first, soonest first; then newest activity first`}
            </caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Response</th>
                <th scope="col">Last activity</th>
                <th scope="col">Type</th>
                <th scope="col">Patient</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <TicketListRow row={t} timeZone={tz} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : (
        <p class="empty">
          {q
            ? `No thread you can see has a subject like “${q}”.`
            : filter === 'all'
              ? 'There are no threads you can see yet.'
              : `No thread you can see is in “${LIST_FILTER_LABEL[filter]}”.`}
        </p>
      )}
      {page > 1 || hasMore ? (
        <nav class="pager" aria-label="Pages">
          {page > 1 ? <a href={pageHref(page - 1)}>Newer threads</a> : null}
          <span>Page {page}</span>
          {hasMore ? <a href={pageHref(page + 1)}>Older threads</a> : null}
        </nav>
      ) : null}
    </AppLayout>
  );
}

/** The filters as links with their counts: they work without JavaScript. */
function ListFilters(props: { filter: ListFilter; counts: Record<ListFilter, number> }) {
  return (
    <nav class="list-filters" aria-label="Filter threads">
      <ul>
        {LIST_FILTERS.map((f) => (
          <li>
            <a href={`/tickets?show=${f}`} aria-current={f === props.filter ? 'page' : undefined}>
              {LIST_FILTER_LABEL[f]} <span class="count">{formatCount(props.counts[f])}</span>
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** One thread in Get Help; on narrow screens its cells stack, each with its column's name. */
export function TicketListRow(props: { row: ListedTicket; timeZone: string }) {
  const t = props.row;
  return (
    <tr class={t.unread ? 'unread' : undefined} data-ticket-id={t.id}>
      <td>
        {t.unread ? <span class="badge unread-dot">New<span class="visually-hidden"> (unread)</span></span> : null}{' '}
        <a href={`/tickets/${t.id}`}>{t.subject}</a> <span class="meta">#{t.id}</span>
        {t.admin_level ? <span class="meta"> · admin-level</span> : null}
      </td>
      <td data-label="Status">{STATUS_LABEL[t.status]}</td>
      <td data-label="Response">{t.countdown ? <DeadlineCountdown countdown={t.countdown} timeZone={props.timeZone} /> : <span class="meta">—</span>}</td>
      <td data-label="Last activity">{formatLocal(t.last_public_message_at, props.timeZone)}</td>
      <td data-label="Type">{DEPARTMENT_LABEL[t.department]}</td>
      <td data-label="Patient">{t.patient_id ? `${t.patient_last_name}, ${t.patient_first_name} (${t.patient_account_number})` : '—'}</td>
    </tr>
  );
}

/** Get Help for someone with Limit Messaging Access: why there is nothing here. */
export function LimitedMessagingPage(props: { ctx: ViewContext }) {
  return (
    <AppLayout ctx={props.ctx} title="Get Help">
      <h1>Get Help</h1>
      <div class="warning">
        <p>
          <strong>Your account has Limit Messaging Access.</strong> You cannot see or create message threads with StrataPT. If you need access, ask
          your Practice Administrator to change this in Settings → Staff.
        </p>
      </div>
      <p>
        StrataPT support is available by phone at <strong>{SUPPORT_PHONE}</strong>.
      </p>
    </AppLayout>
  );
}
