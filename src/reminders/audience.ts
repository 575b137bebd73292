import { sql, type RawBuilder } from 'kysely';
import type { MessageKind } from '../db/schema.ts';
import { defaultSubscribed } from '../engagement/kinds.ts';

// Who can be reached for a message kind on a channel, as one SQL condition shared by reminders and
// emergency notices. It reads the aliases `pt` (patients) and `ch.channel` ('sms' | 'email').
//
// With no subscription row the messaging module's default applies (defaultSubscribed: reminders
// and emergency notices on, balance alerts off), the same rule the dispatcher re-checks at send
// time. A channel is usable when the contact exists, the number has not texted STOP and the
// address has not bounced or complained.

export function reachableOn(kind: MessageKind): RawBuilder<boolean> {
  const subscribed = defaultSubscribed(kind)
    ? sql`not exists (select 1 from subscriptions s
          where s.patient_id = pt.id and s.kind = ${kind} and s.channel = ch.channel and not s.subscribed)`
    : sql`exists (select 1 from subscriptions s
          where s.patient_id = pt.id and s.kind = ${kind} and s.channel = ch.channel and s.subscribed)`;
  return sql<boolean>`(${subscribed} and (
    (ch.channel = 'sms' and pt.mobile_phone is not null and pt.mobile_phone <> ''
      and not exists (select 1 from sms_opt_outs o where o.practice_id = pt.practice_id and o.phone = pt.mobile_phone))
    or
    (ch.channel = 'email' and pt.email is not null and pt.email <> ''
      and not exists (select 1 from email_suppressions e where e.patient_id = pt.id and lower(e.email) = lower(pt.email)))
  ))`;
}

/** The two channels as a relation `ch(channel)`, to cross-join with patients. */
export const CHANNELS = sql`(values ('sms'), ('email')) as ch(channel)`;
