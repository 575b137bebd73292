import type { TestContext } from '../support/context.ts';
import { TEST_ORIGIN } from '../support/context.ts';
import { issuePortalLink } from '../../src/portal/links.ts';
import { PORTAL_COOKIE } from '../../src/portal/sessions.ts';

export type PortalResponse = { status: number; headers: Headers; text: string; location: string | null };

/** A patient's browser on the portal: keeps the portal cookie, sends an Origin on posts. */
export class PortalClient {
  cookie: string | undefined;
  constructor(readonly t: TestContext) {}

  get(path: string) {
    return this.send(path, { method: 'GET' });
  }

  post(path: string, form: Record<string, string> = {}) {
    return this.send(path, { method: 'POST', body: new URLSearchParams(form), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  }

  /** The CSRF token of the last page's forms. */
  static csrfOf(html: string): string {
    return /name="_csrf" value="([A-Za-z0-9_-]+)"/.exec(html)?.[1] ?? '';
  }

  async send(path: string, init: { method: string; body?: BodyInit; headers?: Record<string, string> }): Promise<PortalResponse> {
    const headers: Record<string, string> = { Origin: TEST_ORIGIN, ...init.headers };
    if (this.cookie) headers.Cookie = `${PORTAL_COOKIE}=${this.cookie}`;
    const res = await this.t.app.request(`${TEST_ORIGIN}${path}`, { ...init, headers });
    const set = res.headers.get('set-cookie');
    const m = set?.match(new RegExp(`${PORTAL_COOKIE}=([^;]*)`));
    if (m) this.cookie = m[1] || undefined;
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') };
  }
}

export async function patientByAccount(t: TestContext, account: string) {
  return t.db.selectFrom('patients').selectAll().where('account_number', '=', account).executeTakeFirstOrThrow();
}

export async function issueLink(t: TestContext, patient: { id: number; practice_id: number }) {
  return issuePortalLink(t.db, t.clock.now(), t.config.publicUrl, { practiceId: patient.practice_id, patientId: patient.id });
}

export function dobForm(iso: string): Record<string, string> {
  const [year, month, day] = iso.split('-');
  return { month: String(Number(month)), day: String(Number(day)), year };
}

/** A portal client past the date-of-birth check for this patient. */
export async function verifiedPortal(t: TestContext, account: string): Promise<{ client: PortalClient; patient: Awaited<ReturnType<typeof patientByAccount>>; token: string }> {
  const patient = await patientByAccount(t, account);
  const { token } = await issueLink(t, patient);
  const client = new PortalClient(t);
  const res = await client.post(`/portal/${token}`, dobForm(patient.date_of_birth));
  if (res.status !== 303) throw new Error(`verification failed: ${res.status}`);
  return { client, patient, token };
}
