import type { Database } from '../db/database.ts';
import type { Channel, Language } from '../db/schema.ts';
import { t } from '../intl.ts';
import type { PortalSession } from './sessions.ts';
import { channelStates, consentWording, recordSubscriptionChange, type ChannelState } from '../engagement/subscriptions.ts';
import { defaultSubscribed } from '../engagement/kinds.ts';

// The patient's own balance alerts, from the portal (docs/rules.md, "Consent from the portal"):
// on or off per channel, for the phone and email already on file only (the portal has no field to
// enter a new one: a new contact goes through the office). Each change is a subscription row and a
// consent event with the exact words the page showed, by "patient, through the portal".

const KIND = 'balance_alert' as const;
export const PORTAL_CONSENT_SOURCE = 'portal';

export type PortalAlertChannel = {
  channel: Channel;
  label: string;
  address: string | null;
  subscribed: boolean;
  /** Why it cannot be turned on from the portal; null when it can. */
  blocked: string | null;
  /** The words shown beside the switch, stored as they are when it is used. */
  wording: string;
};

export async function portalBalanceAlerts(db: Database, session: PortalSession): Promise<{ practiceName: string; practicePhone: string; channels: PortalAlertChannel[] }> {
  const { patient, practice, states } = await load(db, session);
  const subs = await db.selectFrom('subscriptions').select(['channel', 'subscribed']).where('patient_id', '=', patient.id).where('kind', '=', KIND).execute();
  const channels = states.map((s) => {
    const subscribed = subs.find((r) => r.channel === s.channel)?.subscribed ?? defaultSubscribed(KIND);
    return {
      channel: s.channel,
      label: t(session.language, s.channel === 'sms' ? 'portal.consent.sms' : 'portal.consent.email'),
      address: s.address,
      subscribed,
      blocked: blockedText(s, practice.phone, session.language),
      wording: consentWording(KIND, s.channel, practice.name, s.address, !subscribed, session.language),
    };
  });
  return { practiceName: practice.name, practicePhone: practice.phone, channels };
}

export type PortalConsentResult = { ok: true; changed: boolean } | { ok: false; error: string };

/** Turns balance alerts on one channel on or off for the session's patient, to the contact on file. */
export async function setPortalBalanceAlert(db: Database, session: PortalSession, input: { channel: Channel; subscribed: boolean }, now: Date): Promise<PortalConsentResult> {
  return db.transaction().execute(async (trx) => {
    const { patient, practice, states } = await load(trx, session);
    const state = states.find((s) => s.channel === input.channel)!;
    const blocked = blockedText(state, practice.phone, session.language);
    if (input.subscribed && blocked) return { ok: false, error: blocked };
    const current = await trx.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', patient.id).where('kind', '=', KIND).where('channel', '=', input.channel).executeTakeFirst();
    if ((current?.subscribed ?? defaultSubscribed(KIND)) === input.subscribed) return { ok: true, changed: false };
    await recordSubscriptionChange(trx, {
      patient,
      practiceName: practice.name,
      kind: KIND,
      channel: input.channel,
      subscribed: input.subscribed,
      address: state.address,
      by: { kind: 'patient', source: PORTAL_CONSENT_SOURCE },
      now,
      language: session.language,
    });
    return { ok: true, changed: true };
  });
}

async function load(db: Database, session: PortalSession) {
  const patient = await db
    .selectFrom('patients')
    .select(['id', 'practice_id', 'account_number', 'first_name', 'last_name', 'mobile_phone', 'email', 'status'])
    .where('id', '=', session.patientId)
    .where('practice_id', '=', session.practiceId)
    .executeTakeFirstOrThrow();
  const practice = await db.selectFrom('practices').select(['name', 'phone']).where('id', '=', patient.practice_id).executeTakeFirstOrThrow();
  return { patient, practice, states: await channelStates(db, patient) };
}

/** Why the patient cannot turn a channel on, in their language (docs/rules.md, Language). */
function blockedText(s: ChannelState, practicePhone: string, lang: Language): string | null {
  if (!s.blocked) return null;
  switch (s.blocked.code) {
    case 'no_address':
    case 'invalid_address':
      return t(lang, 'portal.consent.noAddress', { reason: t(lang, `portal.consent.${s.blocked.code}_${s.channel}`), phone: practicePhone });
    case 'opted_out':
      return t(lang, 'portal.consent.optedOut');
    default:
      return t(lang, 'portal.consent.otherAddress', { reason: t(lang, `portal.consent.${s.blocked.code}`), phone: practicePhone });
  }
}
