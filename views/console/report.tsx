import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { ReportRow } from '../../src/tickets/service-report.ts';
import { QUEUE_DEPARTMENTS, QUEUE_LABEL } from '../../src/tickets/labels.ts';

const COLORS: Record<string, string> = { billing: '#1f5fa8', success: '#2e7d32', technical: '#8a4b08' };
const PATTERN_LABEL: Record<string, string> = { billing: 'solid', success: 'striped', technical: 'dotted' };

/** "Mar 1, 2027" for a week's Monday. */
function weekLabel(isoDay: string): string {
  const [y, m, d] = isoDay.split('-').map(Number);
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m - 1]} ${d}, ${y}`;
}
const hours = (m: number | null) => (m === null ? '—' : `${(m / 60).toFixed(1)} h`);

/** The service report (vendor admins): a chart of the median first response, and the figures beside it. */
export function ServiceReportPage(props: { ctx: ViewContext; weeks: string[]; rows: ReportRow[] }) {
  const { ctx, weeks, rows } = props;
  return (
    <AppLayout ctx={ctx} title="Service report" wide>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/vendor/settings">Service settings</a> › Service report
      </nav>
      <div class="row">
        <h1 class="grow">Service report</h1>
        <a class="button" href="/vendor/service-report.csv" hx-boost="false" download>
          Download CSV
        </a>
      </div>
      <p>
        The last {weeks.length} weeks, Monday to Sunday in StrataPT's time zone (Central). First response: from a practice opening a thread to StrataPT's
        first reply. Blocked: from a thread going Overdue to the practice's answer, the lifted requirement or the closure.
      </p>
      <Chart weeks={weeks} rows={rows} />
      {QUEUE_DEPARTMENTS.map((d) => (
        <section aria-labelledby={`report-${d}`}>
          <h2 id={`report-${d}`}>{QUEUE_LABEL[d]}</h2>
          <table class="list report">
            <thead>
              <tr>
                <th scope="col">Week of</th>
                <th scope="col">Opened</th>
                <th scope="col">Closed</th>
                <th scope="col">First response, median</th>
                <th scope="col">First response, 90th percentile</th>
                <th scope="col">Went Overdue</th>
                <th scope="col">Practices blocked (time)</th>
              </tr>
            </thead>
            <tbody>
              {rows
                .filter((r) => r.department === d)
                .map((r) => (
                  <tr>
                    <th scope="row">{weekLabel(r.week)}</th>
                    <td>{r.opened}</td>
                    <td>{r.closed}</td>
                    <td>{hours(r.median_minutes)}</td>
                    <td>{hours(r.p90_minutes)}</td>
                    <td>{r.went_overdue}</td>
                    <td>{r.practices_blocked ? `${r.practices_blocked} (${hours(r.blocked_minutes)})` : '0'}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      ))}
    </AppLayout>
  );
}

/** Grouped bars: the median first response per week, one bar per department; drawn on the server. */
function Chart(props: { weeks: string[]; rows: ReportRow[] }) {
  const { weeks, rows } = props;
  const width = 760;
  const height = 260;
  const left = 48;
  const bottom = 40;
  const top = 16;
  const max = Math.max(1, ...rows.map((r) => (r.median_minutes ?? 0) / 60));
  const scale = (h: number) => ((height - top - bottom) * h) / max;
  const group = (width - left - 8) / weeks.length;
  const bar = (group - 12) / QUEUE_DEPARTMENTS.length;
  const summary = QUEUE_DEPARTMENTS.map((d) => {
    const medians = rows.filter((r) => r.department === d && r.median_minutes !== null).map((r) => `${weekLabel(r.week)} ${hours(r.median_minutes)}`);
    return `${QUEUE_LABEL[d]}: ${medians.length ? medians.join(', ') : 'no answered threads'}`;
  }).join('. ');
  return (
    <figure class="report-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="chart-title chart-desc" width="100%">
        <title id="chart-title">Median first response per week, in hours, by department</title>
        <desc id="chart-desc">{summary}. The same figures are in the tables below.</desc>
        <defs>
          <pattern id="stripes" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill={COLORS.success} />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2" />
          </pattern>
          <pattern id="dots" width="6" height="6" patternUnits="userSpaceOnUse">
            <rect width="6" height="6" fill={COLORS.technical} />
            <circle cx="3" cy="3" r="1.3" fill="#fff" />
          </pattern>
        </defs>
        <line x1={left} y1={height - bottom} x2={width - 4} y2={height - bottom} stroke="#5b6672" />
        <text x={left - 6} y={top + 4} text-anchor="end" font-size="11">{max.toFixed(1)} h</text>
        <text x={left - 6} y={height - bottom} text-anchor="end" font-size="11">0</text>
        {weeks.map((w, i) => (
          <g>
            {QUEUE_DEPARTMENTS.map((d, j) => {
              const r = rows.find((x) => x.department === d && x.week === w);
              const h = scale((r?.median_minutes ?? 0) / 60);
              const fill = d === 'billing' ? COLORS.billing : d === 'success' ? 'url(#stripes)' : 'url(#dots)';
              return <rect x={left + i * group + 6 + j * bar} y={height - bottom - h} width={bar - 2} height={h} fill={fill} />;
            })}
            <text x={left + i * group + group / 2} y={height - bottom + 16} text-anchor="middle" font-size="11">
              {weekLabel(w).replace(/, \d{4}$/, '')}
            </text>
          </g>
        ))}
      </svg>
      <figcaption class="chart-legend">
        {QUEUE_DEPARTMENTS.map((d) => (
          <span>
            <svg class="swatch" viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" fill={COLORS[d]} /></svg> {QUEUE_LABEL[d]} ({PATTERN_LABEL[d]})
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
