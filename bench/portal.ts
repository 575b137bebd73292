import type { Database } from '../src/db/database.ts';
import { issuePortalLink } from '../src/portal/links.ts';
import { createPortalSession, validatePortalSession, PORTAL_COOKIE } from '../src/portal/sessions.ts';
import { portalAccount } from '../src/portal/account.ts';
import type { BenchScenario } from './scenarios.ts';

// The patient portal page (/portal/account) for a generated patient: a link is issued and a
// session made directly, as a correct date of birth would, so the timing is the page itself
// (session check, balance per case, payment history, the audit row every view writes).

/** A verified portal session for one patient: the cookie header to send and the session. */
export async function preparePortalSession(db: Database, now: Date, publicUrl: string, patient: { practiceId: number; patientId: number }) {
  const link = await issuePortalLink(db, now, publicUrl, patient);
  const { token, session } = await createPortalSession(db, now, { practiceId: patient.practiceId, patientId: patient.patientId, linkId: link.id });
  return { cookie: `${PORTAL_COOKIE}=${token}`, token, session, linkUrl: link.url };
}

export const scenarios: BenchScenario[] = [
  {
    id: 'portal-account',
    name: 'Patient portal balance page',
    target: 'p95 ≤ 50 ms',
    async prepare(w) {
      const patientId = w.ids.patientOf(w.practiceId, 0);
      const prepared = await preparePortalSession(w.db, new Date(), w.origin, { practiceId: w.practiceId, patientId });
      return {
        path: '/portal/account',
        headers: { cookie: prepared.cookie },
        sql: async () => {
          const session = await validatePortalSession(w.db, new Date(), prepared.token);
          if (!session) throw new Error('portal session expired during the benchmark');
          await portalAccount(w.db, session, new Date(), { ip: null });
        },
      };
    },
  },
];
