import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Channel, Language, MessageKind } from '../db/schema.ts';
import { findPatient, type Actor } from '../auth/permissions.ts';
import { recordAudit } from '../audit/audit.ts';
import { normalizeEmail, normalizePhone } from '../messaging/phone.ts';
import { defaultSubscribed } from './kinds.ts';
import { CHANNELS, KINDS, kindLabel } from './labels.ts';
import { t } from '../intl.ts';

// Subscriptions per patient, kind and channel, and the consent history that records every change
// with the exact words shown. Any staff member may change them (docs/rules.md, Consent and subscriptions).

/**
 * The exact consent wording shown next to a toggle; what is stored in consent history when it is
 * used. In English on staff screens, in the patient's language in the portal (src/i18n, consent).
 */
export function consentWording(kind: MessageKind, channel: Channel, practiceName: string, address: string | null, subscribed: boolean, lang: Language = 'en'): string {
  const what = t(lang, `consent.kinds.${kind}`);
  if (!subscribed) return t(lang, address ? 'consent.offTo' : 'consent.off', { what, channel: t(lang, `consent.channels.${channel}`), address });
  if (channel === 'sms') return t(lang, 'consent.smsOn', { what, practice: practiceName, address: address ?? t(lang, 'consent.theirMobile') });
  return t(lang, 'consent.emailOn', { what, practice: practiceName, address: address ?? t(lang, 'consent.theirEmail'), warning: t(lang, 'consent.emailWarning') });
}

export type ChannelState = {
  channel: Channel;
  label: string;
  address: string | null;
  /** Why nothing can be sent on this channel right now; null when it is usable. */
  blocked: null | { code: 'no_address' | 'invalid_address' | 'opted_out' | 'bounced' | 'complained'; text: string; since?: Date };
};

export type Toggle = { kind: MessageKind; kindLabel: string; channel: Channel; subscribed: boolean; recorded: boolean; wordingOn: string; wordingOff: string };

export type ConsentRow = { id: number; at: Date; kind: string; channel: Channel; subscribed: boolean; address: string | null; wording: string; actor_kind: string; source: string; actor_name: string | null };

export type EngagementPatient = { id: number; practice_id: number; account_number: string; first_name: string; last_name: string; mobile_phone: string | null; email: string | null; status: string };

export type Engagement = {
  patient: EngagementPatient;
  practice: { id: number; name: string; phone: string; time_zone: string };
  channels: ChannelState[];
  toggles: Toggle[];
  history: ConsentRow[];
};

async function findEngagementPatient(db: Database, actor: Actor, patientId: number): Promise<EngagementPatient> {
  const { id, practice_id, account_number, first_name, last_name, mobile_phone, email, status } = await findPatient(db, actor, patientId);
  return { id, practice_id, account_number, first_name, last_name, mobile_phone, email, status };
}

export async function loadEngagement(db: Database, actor: Actor, patientId: number): Promise<Engagement> {
  const patient = await findEngagementPatient(db, actor, patientId);
  const practice = await db.selectFrom('practices').select(['id', 'name', 'phone', 'time_zone']).where('id', '=', patient.practice_id).executeTakeFirstOrThrow();
  const [subs, channels, history] = await Promise.all([
    db.selectFrom('subscriptions').select(['kind', 'channel', 'subscribed']).where('patient_id', '=', patient.id).execute(),
    channelStates(db, patient),
    consentHistory(db, patient.id),
  ]);
  const address = (c: Channel) => channels.find((s) => s.channel === c)?.address ?? null;
  const toggles = KINDS.flatMap((k) =>
    CHANNELS.map((c) => {
      const row = subs.find((s) => s.kind === k.kind && s.channel === c.channel);
      return {
        kind: k.kind,
        kindLabel: k.label,
        channel: c.channel,
        subscribed: row ? row.subscribed : defaultSubscribed(k.kind),
        recorded: !!row,
        wordingOn: consentWording(k.kind, c.channel, practice.name, address(c.channel), true),
        wordingOff: consentWording(k.kind, c.channel, practice.name, address(c.channel), false),
      };
    }),
  );
  return { patient, practice, channels, toggles, history };
}

export async function channelStates(db: Database, patient: EngagementPatient): Promise<ChannelState[]> {
  const phone = normalizePhone(patient.mobile_phone);
  const email = normalizeEmail(patient.email);
  const [optOut, suppression] = await Promise.all([
    phone ? db.selectFrom('sms_opt_outs').select('opted_out_at').where('practice_id', '=', patient.practice_id).where('phone', '=', phone).executeTakeFirst() : undefined,
    email ? db.selectFrom('email_suppressions').select(['reason', 'at']).where('patient_id', '=', patient.id).where(sql<string>`lower(email)`, '=', email).executeTakeFirst() : undefined,
  ]);
  const sms: ChannelState = { channel: 'sms', label: 'Text', address: phone, blocked: null };
  if (!patient.mobile_phone) sms.blocked = { code: 'no_address', text: 'No mobile phone on file' };
  else if (!phone) sms.blocked = { code: 'invalid_address', text: 'The mobile phone on file is not a valid number' };
  else if (optOut) sms.blocked = { code: 'opted_out', text: 'Opted out by texting STOP', since: optOut.opted_out_at };
  const mail: ChannelState = { channel: 'email', label: 'Email', address: email, blocked: null };
  if (!patient.email) mail.blocked = { code: 'no_address', text: 'No email address on file' };
  else if (!email) mail.blocked = { code: 'invalid_address', text: 'The email address on file is not valid' };
  else if (suppression) mail.blocked = suppression.reason === 'bounced' ? { code: 'bounced', text: 'Emails to this address bounced', since: suppression.at } : { code: 'complained', text: 'The patient marked an email as spam', since: suppression.at };
  return [sms, mail];
}

export async function consentHistory(db: Database, patientId: number): Promise<ConsentRow[]> {
  return db
    .selectFrom('consent_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select(['e.id', 'e.at', 'e.kind', 'e.channel', 'e.subscribed', 'e.address', 'e.wording', 'e.actor_kind', 'e.source', 'u.name as actor_name'])
    .where('e.patient_id', '=', patientId)
    .orderBy('e.at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(200)
    .execute();
}

export type SetSubscriptionResult = { ok: true; changed: boolean } | { ok: false; error: string };

/** Turns one kind on one channel on or off for a patient, as a staff member, recording the consent wording shown. */
export async function setSubscription(
  db: Database,
  actor: Actor,
  input: { patientId: number; kind: MessageKind; channel: Channel; subscribed: boolean; ip?: string | null },
  now: Date,
): Promise<SetSubscriptionResult> {
  return db.transaction().execute(async (trx) => {
    const patient = await findEngagementPatient(trx, actor, input.patientId);
    const practice = await trx.selectFrom('practices').select('name').where('id', '=', patient.practice_id).executeTakeFirstOrThrow();
    const state = (await channelStates(trx, patient)).find((c) => c.channel === input.channel)!;
    if (input.subscribed && state.blocked && ['no_address', 'invalid_address'].includes(state.blocked.code)) {
      return { ok: false, error: `${state.blocked.text}: add one under Patient Info first.` };
    }
    const current = await trx.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', patient.id).where('kind', '=', input.kind).where('channel', '=', input.channel).executeTakeFirst();
    const was = current ? current.subscribed : defaultSubscribed(input.kind);
    if (current && was === input.subscribed) return { ok: true, changed: false };
    await recordSubscriptionChange(trx, {
      patient,
      practiceName: practice.name,
      kind: input.kind,
      channel: input.channel,
      subscribed: input.subscribed,
      address: state.address,
      by: { kind: 'staff', userId: actor.id, source: 'engagement_screen' },
      now,
    });
    await recordAudit(trx, { at: now, actor, action: input.subscribed ? 'subscription.on' : 'subscription.off', recordType: 'patient', recordId: patient.id, ip: input.ip ?? null, details: { kind: input.kind, channel: input.channel } });
    return { ok: true, changed: true };
  });
}

/**
 * Writes one subscription choice and its consent event, with who, when, the channel, the address and
 * the exact wording shown (docs/rules.md, Consent and subscriptions): the staff screen and the portal
 * both change consent through here, with a patient row their caller loaded through its scope.
 */
export async function recordSubscriptionChange(
  trx: Database,
  change: {
    patient: { id: number; practice_id: number };
    practiceName: string;
    kind: MessageKind;
    channel: Channel;
    subscribed: boolean;
    address: string | null;
    by: { kind: 'staff'; userId: number; source: string } | { kind: 'patient'; source: string };
    now: Date;
    /** The language the wording was shown in (the portal: the patient's; staff screens: English). */
    language?: Language;
  },
): Promise<void> {
  const { patient, kind, channel, subscribed, address, by, now } = change;
  const userId = by.kind === 'staff' ? by.userId : null;
  await trx
    .insertInto('subscriptions')
    .values({ practice_id: patient.practice_id, patient_id: patient.id, kind, channel, subscribed, updated_at: now, updated_by_user_id: userId })
    .onConflict((oc) => oc.columns(['patient_id', 'kind', 'channel']).doUpdateSet({ subscribed, updated_at: now, updated_by_user_id: userId }))
    .execute();
  await trx
    .insertInto('consent_events')
    .values({
      practice_id: patient.practice_id,
      patient_id: patient.id,
      kind,
      channel,
      subscribed,
      address,
      wording: consentWording(kind, channel, change.practiceName, address, subscribed, change.language),
      actor_kind: by.kind,
      actor_user_id: userId,
      source: by.source,
      at: now,
    })
    .execute();
}

/** The practice an unsubscribe link speaks for (its confirmation page names it), or null when the patient is gone. */
export async function unsubscribeLinkPractice(db: Database, target: { patientId: number }): Promise<string | null> {
  const row = await db.selectFrom('patients as p').innerJoin('practices as pr', 'pr.id', 'p.practice_id').select('pr.name').where('p.id', '=', target.patientId).executeTakeFirst();
  return row?.name ?? null;
}

/** The language of the patient an unsubscribe link is for: its page speaks it (docs/rules.md, Language). */
export async function unsubscribeLinkLanguage(db: Database, target: { patientId: number }): Promise<Language> {
  const row = await db.selectFrom('patients').select('preferred_language').where('id', '=', target.patientId).executeTakeFirst();
  return row?.preferred_language ?? 'en';
}

/** The one-click unsubscribe link in an email: the patient stops that kind by email. */
export async function unsubscribeByLink(db: Database, now: Date, target: { patientId: number; kind: string; email: string }): Promise<{ practiceName: string; kindLabel: string } | null> {
  return db.transaction().execute(async (trx) => {
    const patient = await trx.selectFrom('patients').select(['id', 'practice_id']).where('id', '=', target.patientId).executeTakeFirst();
    if (!patient) return null;
    const practice = await trx.selectFrom('practices').select('name').where('id', '=', patient.practice_id).executeTakeFirstOrThrow();
    const kinds = KINDS.some((k) => k.kind === target.kind) ? [target.kind as MessageKind] : KINDS.map((k) => k.kind);
    for (const kind of kinds) {
      const current = await trx.selectFrom('subscriptions').select('subscribed').where('patient_id', '=', patient.id).where('kind', '=', kind).where('channel', '=', 'email').executeTakeFirst();
      if (current && !current.subscribed) continue;
      await trx
        .insertInto('subscriptions')
        .values({ practice_id: patient.practice_id, patient_id: patient.id, kind, channel: 'email', subscribed: false, updated_at: now, updated_by_user_id: null })
        .onConflict((oc) => oc.columns(['patient_id', 'kind', 'channel']).doUpdateSet({ subscribed: false, updated_at: now, updated_by_user_id: null }))
        .execute();
      await trx
        .insertInto('consent_events')
        .values({ practice_id: patient.practice_id, patient_id: patient.id, kind, channel: 'email', subscribed: false, address: target.email, wording: `Unsubscribe from ${kindLabel(kind).toLowerCase()} emails from ${practice.name}.`, actor_kind: 'patient', actor_user_id: null, source: 'unsubscribe_link', at: now })
        .execute();
    }
    return { practiceName: practice.name, kindLabel: KINDS.some((k) => k.kind === target.kind) ? kindLabel(target.kind) : 'all messages' };
  });
}
