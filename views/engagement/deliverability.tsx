import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { DeliverabilityMonth } from '../../src/engagement/deliverability.ts';
import { formatRate } from '../../src/intl.ts';
import { CHANNELS } from '../../src/engagement/labels.ts';
import { TableScroll } from '../components/table-scroll.tsx';

/** Settings → Deliverability: per channel and month, what carriers and mailbox providers watch. */
export function DeliverabilityPage(props: { ctx: ViewContext; rows: DeliverabilityMonth[]; timeZone: string }) {
  return (
    <AppLayout ctx={props.ctx} title="Deliverability">
      <h1>Deliverability</h1>
      <p class="muted">
        Messages sent to patients per month ({props.timeZone}). Carriers and mailbox providers watch failures, bounces, spam complaints and opt-outs: rising rates put every practice message at risk of being filtered.
      </p>
      {CHANNELS.map((c) => {
        const rows = props.rows.filter((r) => r.channel === c.channel);
        return (
          <section aria-labelledby={`h-${c.channel}`}>
            <h2 id={`h-${c.channel}`}>{c.label}</h2>
            {rows.length === 0 ? (
              <p>Nothing sent in the last twelve months.</p>
            ) : (
              <>
                <Chart rows={[...rows].reverse()} label={`${c.label}: sent and delivered per month`} />
                <TableScroll>
                  <table class="deliverability">
                    <thead>
                      <tr>
                        <th scope="col">Month</th>
                        <th scope="col">Sent</th>
                        <th scope="col">Delivered</th>
                        <th scope="col">Failed</th>
                        <th scope="col">Bounced</th>
                        <th scope="col">Complaints</th>
                        <th scope="col">Opt-outs</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((r) => (
                        <tr>
                          <th scope="row">{r.month}</th>
                          <td>{r.sent}</td>
                          <Cell n={r.delivered} sent={r.sent} />
                          <Cell n={r.failed} sent={r.sent} />
                          <Cell n={r.bounced} sent={r.sent} />
                          <Cell n={r.complaints} sent={r.sent} />
                          <Cell n={r.optOuts} sent={r.sent} />
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </TableScroll>
              </>
            )}
          </section>
        );
      })}
    </AppLayout>
  );
}

function Cell(props: { n: number; sent: number }) {
  const r = formatRate(props.n, props.sent);
  return (
    <td>
      {props.n}
      {r ? <span class="muted"> ({r})</span> : null}
    </td>
  );
}

/** Bars of sent (light) with delivered (dark) inside, one pair per month; colours come from CSS classes. */
function Chart(props: { rows: DeliverabilityMonth[]; label: string }) {
  const max = Math.max(1, ...props.rows.map((r) => r.sent));
  const barW = 36, gap = 12, h = 120, top = 10, labelH = 18;
  const width = props.rows.length * (barW + gap) + gap;
  return (
    <svg class="chart" role="img" aria-label={props.label} viewBox={`0 0 ${width} ${h + top + labelH}`} width={width} height={h + top + labelH}>
      <title>{props.label}</title>
      {props.rows.map((r, i) => {
        const x = gap + i * (barW + gap);
        const sentH = Math.round((r.sent / max) * h);
        const delH = Math.round((r.delivered / max) * h);
        return (
          <g>
            <rect class="bar-sent" x={x} y={top + h - sentH} width={barW} height={sentH}>
              <title>{`${r.month}: ${r.sent} sent, ${r.delivered} delivered`}</title>
            </rect>
            <rect class="bar-delivered" x={x + 6} y={top + h - delH} width={barW - 12} height={delH} />
            <text class="chart-label" x={x + barW / 2} y={top + h + 14} text-anchor="middle">
              {r.month.slice(2)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
