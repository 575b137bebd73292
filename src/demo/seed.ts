import { sql } from 'kysely';
import { TZDate } from '@date-fns/tz';
import type { Database } from '../db/database.ts';
import type { Language, TicketDepartment, Visibility } from '../db/schema.ts';
import { hashPassword } from '../auth/passwords.ts';
import { seedFeedbackDemo } from '../feedback/seed.ts';
import { seedPatientsDemo } from '../patients/demo.ts';
import { seedPaymentsDemo } from '../payments/demo.ts';
import { seedEngagementDemo } from '../engagement/demo.ts';
import { seedStatementsDemo } from '../statements/demo.ts';
import { seedRemindersDemo } from '../reminders/demo.ts';
import { DEMO_STAFF, DEMO_VENDORS } from './people.ts';

// The demo world the README's tour describes, placed relative to "now" so it always looks current.
// Each feature adds its own demo rows in a function called from seedDemo.

export const DEMO_PASSWORD = 'strata-demo-1';
const DAY = 86_400_000;

export async function isDemoSeeded(db: Database): Promise<boolean> {
  const row = await db.selectFrom('app_meta').select('key').where('key', '=', 'demo_seeded').executeTakeFirst();
  return !!row;
}

/** Loads the demo world once; a second call (a restart) does nothing. Returns whether it seeded. */
export async function seedDemo(db: Database, now: Date): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    // The marker row is claimed first, so two instances starting together seed once.
    const claimed = await trx
      .insertInto('app_meta')
      .values({ key: 'demo_seeded', value: JSON.stringify({ at: now.toISOString() }) })
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) return false;
    const world = await seedCoreDemo(trx, now);
    await seedTicketDemo(trx, now, world);
    await seedFeedbackDemo(trx, now, world);
    await seedPatientsDemo(trx, now, world);
    await seedPaymentsDemo(trx, now, world);
    await seedEngagementDemo(trx, now, world);
    await seedStatementsDemo(trx, now, world);
    await seedRemindersDemo(trx, now, world);
    return true;
  });
}

export type DemoWorld = {
  riverside: number;
  summit: number;
  users: Record<string, number>;
  patients: Record<string, number>;
};

export async function seedCoreDemo(db: Database, now: Date): Promise<DemoWorld> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const riverside = await insertPractice(db, {
    name: 'Riverside Physical Therapy',
    phone: '(555) 010-2000',
    time_zone: 'America/Chicago',
    go_live_on: isoDate(new Date(now.getTime() - 20 * DAY)),
    hypercare_days: 60,
  });
  const summit = await insertPractice(db, {
    name: 'Summit Sports Rehab',
    phone: '(555) 010-3000',
    time_zone: 'America/Denver',
    go_live_on: isoDate(new Date(now.getTime() - 365 * DAY)),
    hypercare_days: 60,
  });

  const users: Record<string, number> = {};
  for (const { email, name, role, practice, ...flags } of DEMO_STAFF) {
    const practiceId = practice === 'riverside' ? riverside : summit;
    const row = await db
      .insertInto('users')
      .values({
        kind: 'staff',
        practice_id: practiceId,
        email,
        name,
        role,
        reporting: !!flags.reporting,
        limit_messaging: !!flags.limit,
        password_hash: passwordHash,
        password_changed_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    users[email] = row.id;
  }
  for (const { email, name, departments, admin } of DEMO_VENDORS) {
    const row = await db
      .insertInto('users')
      .values({ kind: 'vendor', practice_id: null, email, name, vendor_admin: admin, password_hash: passwordHash, password_changed_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    users[email] = row.id;
    await db.insertInto('vendor_departments').values(departments.map((department) => ({ user_id: row.id, department }))).execute();
  }
  await db.updateTable('practices').set({ account_manager_id: users['success@stratapt.example'] }).where('id', '=', riverside).execute();

  const patients: Record<string, number> = {};
  const add = async (key: string, practiceId: number, p: PatientSeed) => {
    patients[key] = await insertPatient(db, practiceId, p);
  };
  await add('maria-shoulder', riverside, {
    account: 'R-1001', first: 'Maria', last: 'Gonzalez', dob: '1980-04-12', phone: '+15550100101', email: 'maria.gonzalez@example.com',
    createdDaysAgo: 400,
  });
  await add('maria-knee', riverside, {
    account: 'R-1002', first: 'Maria', last: 'Gonzalez', dob: '1980-04-12', phone: '+15550100101', email: 'maria.gonzalez@example.com',
    createdDaysAgo: 30,
  });
  await add('harold', riverside, { account: 'R-1003', first: 'Harold', last: 'Finch', dob: '1961-02-03', status: 'inactive', createdDaysAgo: 800 });
  await add('james', riverside, {
    account: 'R-1004', first: 'James', last: 'Carter', dob: '1975-09-30', phone: '+15550100104', email: 'james.carter@example.com',
    createdDaysAgo: 40, electronic: true,
  });
  const firsts = ['Ava', 'Noah', 'Emma', 'Liam', 'Olivia', 'Elijah', 'Sophia', 'Lucas', 'Mia', 'Mason', 'Amelia', 'Ethan', 'Harper', 'Logan', 'Evelyn', 'Aiden', 'Abigail', 'Jackson', 'Ella', 'Levi', 'Grace', 'Wyatt'];
  const lasts = ['Nguyen', 'Patel', 'Johnson', 'Kim', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Moore', 'Taylor', 'Anderson', 'Thomas', 'Jackson', 'White', 'Harris', 'Martin', 'Thompson', 'Lopez', 'Clark', 'Lewis', 'Walker'];
  for (let i = 0; i < 22; i++) {
    const n = 1005 + i;
    await add(`riverside-${n}`, riverside, {
      account: `R-${n}`, first: firsts[i], last: lasts[i], dob: `19${50 + ((i * 7) % 50)}-${pad(1 + (i % 12))}-${pad(1 + ((i * 3) % 28))}`,
      phone: `+1555010${2100 + i}`, email: `${firsts[i].toLowerCase()}.${lasts[i].toLowerCase()}@example.com`,
      status: i % 9 === 8 ? 'inactive' : 'active', createdDaysAgo: 10 + i * 9,
    });
  }
  // Spanish-speaking patients (docs/rules.md, Language): their messages and portal are in Spanish.
  await add('lucia', riverside, {
    account: 'R-1027', first: 'Lucía', last: 'Hernández', dob: '1986-03-14', phone: '+15550102150', email: 'lucia.hernandez@example.com',
    createdDaysAgo: 25, language: 'es',
  });
  await add('jose', riverside, {
    account: 'R-1028', first: 'José', last: 'Ramírez', dob: '1972-11-05', phone: '+15550102151', email: 'jose.ramirez@example.com',
    createdDaysAgo: 35, language: 'es',
  });
  for (let i = 0; i < 10; i++) {
    const n = 5001 + i;
    await add(`summit-${n}`, summit, {
      account: `S-${n}`, first: firsts[21 - i], last: lasts[i], dob: `19${60 + i * 3}-${pad(1 + i)}-${pad(10 + i)}`,
      phone: `+1555010${3100 + i}`, email: `${firsts[21 - i].toLowerCase()}.${lasts[i].toLowerCase()}@example.net`, createdDaysAgo: 100 + i * 20,
    });
  }

  // Cases, ledger and appointments.
  const caseOf: Record<string, number> = {};
  const addCase = async (key: string, practiceId: number, title: string, openedDaysAgo: number) => {
    const row = await db
      .insertInto('cases')
      .values({ practice_id: practiceId, patient_id: patients[key], title, opened_on: isoDate(new Date(now.getTime() - openedDaysAgo * DAY)) })
      .returning('id')
      .executeTakeFirstOrThrow();
    caseOf[key] = row.id;
    return row.id;
  };
  const ledger = async (key: string, practiceId: number, kind: 'responsibility' | 'payment' | 'adjustment', cents: number, daysAgo: number, note: string) => {
    await db
      .insertInto('ledger_entries')
      .values({
        practice_id: practiceId, patient_id: patients[key], case_id: caseOf[key], kind, amount_cents: cents,
        posted_at: new Date(now.getTime() - daysAgo * DAY), note, source: 'demo',
      })
      .execute();
  };
  await addCase('maria-shoulder', riverside, 'Right shoulder impingement', 400);
  await db.updateTable('cases').set({ closed_on: isoDate(new Date(now.getTime() - 300 * DAY)) }).where('id', '=', caseOf['maria-shoulder']).execute();
  await ledger('maria-shoulder', riverside, 'responsibility', 4500, 390, 'Visit copay');
  await ledger('maria-shoulder', riverside, 'payment', 4500, 385, 'Paid at the desk');
  await addCase('maria-knee', riverside, 'Left knee ACL rehabilitation', 30);
  await ledger('maria-knee', riverside, 'responsibility', 3500, 21, 'Visit copay');
  await addCase('harold', riverside, 'Low back pain', 800);
  await addCase('james', riverside, 'Lumbar strain', 40);
  await ledger('james', riverside, 'responsibility', 10000, 5, 'Visit coinsurance');
  await addCase('lucia', riverside, 'Lower back pain', 25);
  await ledger('lucia', riverside, 'responsibility', 8500, 10, 'Visit copay');
  await addCase('jose', riverside, 'Rotator cuff repair', 35);
  await ledger('jose', riverside, 'responsibility', 12000, 15, 'Evaluation coinsurance');
  await ledger('jose', riverside, 'payment', 4000, 6, 'Paid at the desk');
  const titles = ['Post-op knee', 'Rotator cuff repair', 'Ankle sprain', 'Neck pain', 'Hip replacement rehab', 'Plantar fasciitis', 'Tennis elbow'];
  let i = 0;
  for (const key of Object.keys(patients).filter((k) => k.startsWith('riverside-') || k.startsWith('summit-'))) {
    const practiceId = key.startsWith('summit-') ? summit : riverside;
    await addCase(key, practiceId, titles[i % titles.length], 20 + i * 5);
    if (i % 3 === 0) await ledger(key, practiceId, 'responsibility', 2500 + i * 500, 10 + i * 4, 'Visit copay');
    if (i % 6 === 0) await ledger(key, practiceId, 'payment', 2500, 5 + i * 3, 'Paid at the desk');
    i++;
  }
  // Appointments in office hours in each practice's zone: `days` from today, at a local time.
  const zones: Record<number, string> = { [riverside]: 'America/Chicago', [summit]: 'America/Denver' };
  const appointment = async (key: string, practiceId: number, days: number, at: [hour: number, minute: number], provider: string, location: string, status: 'scheduled' | 'cancelled' | 'completed' = 'scheduled') => {
    const local = new TZDate(now.getTime(), zones[practiceId]!);
    const startsAt = new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + days, at[0], at[1], 0, zones[practiceId]!);
    await db
      .insertInto('appointments')
      .values({ practice_id: practiceId, patient_id: patients[key], starts_at: new Date(startsAt.getTime()), provider_name: provider, location, status })
      .execute();
  };
  await appointment('maria-knee', riverside, 1, [10, 30], 'Paul Torres', 'Riverside Main Clinic');
  await appointment('maria-knee', riverside, -7, [9, 0], 'Paul Torres', 'Riverside Main Clinic', 'completed');
  await appointment('james', riverside, 2, [11, 0], 'Diana Diaz', 'Riverside Main Clinic');
  await appointment('james', riverside, -5, [14, 0], 'Diana Diaz', 'Riverside Main Clinic', 'completed');
  i = 0;
  for (const key of Object.keys(patients).filter((k) => k.startsWith('riverside-') || k.startsWith('summit-'))) {
    const practiceId = key.startsWith('summit-') ? summit : riverside;
    // Five a day from tomorrow, between 8:00 and 16:30.
    const slot: [number, number] = [8 + ((i * 2) % 9), (i % 2) * 30];
    await appointment(key, practiceId, 1 + Math.floor(i / 5), slot, practiceId === summit ? 'Sara Stone' : 'Paul Torres', practiceId === summit ? 'Summit Downtown' : 'Riverside Main Clinic', i % 8 === 7 ? 'cancelled' : 'scheduled');
    i++;
  }
  return { riverside, summit, users, patients };
}

async function seedTicketDemo(db: Database, now: Date, world: DemoWorld) {
  const { users, patients } = world;
  type Seed = {
    practice: number; by: string; subject: string; department: TicketDepartment; visibility: Visibility; person?: string;
    adminLevel?: boolean; patient?: string; hoursAgo: number; messages: [side: 'practice' | 'vendor', who: string, body: string, hoursAgo: number][];
    dueInHours?: number; windowHours?: number; closedHoursAgo?: number;
    /** Files on the first message, so the console shows something to download. */
    attachments?: { filename: string; contentType: string; text: string }[];
  };
  const seeds: Seed[] = [
    {
      practice: world.riverside, by: 'frontdesk@riverside.example', subject: 'Claim denied for knee visit (CO-197 authorization)',
      department: 'billing', visibility: 'anyone', patient: 'maria-knee', hoursAgo: 50,
      messages: [
        ['practice', 'frontdesk@riverside.example', 'The claim for the knee visit was denied with CO-197. We had an authorization on file. Can you check?', 50],
        ['vendor', 'billing@stratapt.example', 'We found the authorization number was missing on the claim. Please confirm the number on the patient account and we will resubmit.', 30],
      ],
    },
    {
      practice: world.riverside, by: 'pt@riverside.example', subject: 'Daily note template for ACL protocol',
      department: 'success', visibility: 'clinical', hoursAgo: 20,
      messages: [['practice', 'pt@riverside.example', 'Could we get a daily note template that follows our ACL protocol phases?', 20]],
      attachments: [
        {
          filename: 'acl-protocol-phases.txt',
          contentType: 'text/plain; charset=utf-8',
          text: 'Phase 1 (weeks 0-2): protect the graft, full extension.\nPhase 2 (weeks 2-6): normal gait, flexion to 120.\nPhase 3 (weeks 6-12): strength.\n',
        },
      ],
    },
    {
      practice: world.riverside, by: 'admin@riverside.example', subject: 'Change of billing contract owner',
      department: 'billing', visibility: 'admins', adminLevel: true, hoursAgo: 70,
      messages: [['practice', 'admin@riverside.example', 'Our contract owner is changing next month. What do you need from us?', 70]],
      attachments: [{ filename: 'contract-contacts.csv', contentType: 'text/csv; charset=utf-8', text: 'role,name,starts\ncontract owner,Dana Whitfield,2027-01-01\n' }],
    },
    {
      practice: world.riverside, by: 'director@riverside.example', subject: 'Schedule view freezes when switching providers',
      department: 'technical', visibility: 'only_me', hoursAgo: 4,
      messages: [['practice', 'director@riverside.example', 'The schedule view stops responding when I switch between providers quickly.', 4]],
    },
    {
      practice: world.riverside, by: 'owner@riverside.example', subject: 'Payer list for the new clinic location',
      department: 'billing', visibility: 'anyone', hoursAgo: 30, dueInHours: 333, windowHours: 336,
      messages: [
        ['practice', 'owner@riverside.example', 'We open a second clinic next quarter. Which payers need new enrollment?', 30],
        ['vendor', 'billing@stratapt.example', 'Please send us the list of payers you bill most, and we will mark which need a new enrollment.', 3],
      ],
    },
    {
      practice: world.riverside, by: 'owner@riverside.example', subject: 'Superbill printer margins',
      department: 'technical', visibility: 'anyone', hoursAgo: 96, closedHoursAgo: 24,
      messages: [
        ['practice', 'owner@riverside.example', 'Superbills print with the right margin cut off.', 96],
        ['vendor', 'support@stratapt.example', 'Set the page scaling to "Fit to page" in the print dialog; it keeps the margins.', 72],
        ['practice', 'owner@riverside.example', 'That fixed it, thank you. Closing this.', 24],
      ],
    },
    // Deadlines in every list (docs/rules.md): Summit, already blocked by the overdue EOB thread, also has
    // one due in under four hours (amber); Riverside, the practice most demo logins belong to, has one
    // due in two weeks, one waiting on StrataPT and one closed, and can still create threads.
    {
      practice: world.summit, by: 'pt@summit.example', subject: 'Fax cover sheet still shows the old logo',
      department: 'success', visibility: 'anyone', hoursAgo: 26, dueInHours: 3.5, windowHours: 8,
      messages: [
        ['practice', 'pt@summit.example', 'Our fax cover sheet still prints the logo we replaced last month.', 26],
        ['vendor', 'success@stratapt.example', 'We can switch it today. Which of the two logos on file should we use, the blue or the grey one?', 4.5],
      ],
    },
    {
      practice: world.summit, by: 'admin@summit.example', subject: 'EOB submission for October remittance',
      department: 'billing', visibility: 'anyone', hoursAgo: 120, dueInHours: -3,
      messages: [
        ['practice', 'admin@summit.example', 'We received a paper EOB for October. How should we submit it?', 120],
        ['vendor', 'billing@stratapt.example', 'Please upload the EOB to this thread so we can post it. We need it to close the month.', 51],
      ],
    },
    {
      practice: world.summit, by: 'pt@summit.example', subject: 'Training for new front desk hire',
      department: 'success', visibility: 'anyone', hoursAgo: 10,
      messages: [['practice', 'pt@summit.example', 'We hired a new front desk person. Is there a training session we can join?', 10]],
    },
  ];
  for (const s of seeds) {
    const created = new Date(now.getTime() - s.hoursAgo * 3_600_000);
    const last = s.messages[s.messages.length - 1];
    const lastAt = new Date(now.getTime() - last[3] * 3_600_000);
    // StrataPT's first public reply, as insertTicketMessage keeps it (the seed's messages are all public).
    const vendorHoursAgo = s.messages.filter((m) => m[0] === 'vendor').map((m) => m[3]);
    const firstVendorAt = vendorHoursAgo.length ? new Date(now.getTime() - Math.max(...vendorHoursAgo) * 3_600_000) : null;
    const ticket = await db
      .insertInto('tickets')
      .values({
        practice_id: s.practice,
        created_by_user_id: users[s.by],
        subject: s.subject,
        department: s.department,
        patient_id: s.patient ? patients[s.patient] : null,
        visibility: s.visibility,
        visible_user_id: s.person ? users[s.person] : null,
        admin_level: !!s.adminLevel,
        status: s.closedHoursAgo !== undefined ? 'closed' : last[0] === 'vendor' ? 'waiting_practice' : 'waiting_vendor',
        closed_at: s.closedHoursAgo === undefined ? null : new Date(now.getTime() - s.closedHoursAgo * 3_600_000),
        response_due_at: s.dueInHours === undefined ? null : new Date(now.getTime() + s.dueInHours * 3_600_000),
        response_required_at: s.dueInHours === undefined ? null : new Date(now.getTime() + (s.dueInHours - (s.windowHours ?? 48)) * 3_600_000),
        response_required_by_user_id: s.dueInHours === undefined ? null : users[last[1]],
        last_public_message_at: lastAt,
        last_public_author_id: users[last[1]],
        waiting_since: lastAt,
        first_vendor_response_at: firstVendorAt,
        created_at: created,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [index, [side, who, body, hoursAgo]] of s.messages.entries()) {
      const at = new Date(now.getTime() - hoursAgo * 3_600_000);
      const message = await db
        .insertInto('ticket_messages')
        .values({
          ticket_id: ticket.id, practice_id: s.practice, author_user_id: users[who], author_side: side, body,
          response_window_hours: side === 'vendor' && s.dueInHours !== undefined && hoursAgo === last[3] ? (s.windowHours ?? 48) : null,
          created_at: at,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const f of index === 0 ? (s.attachments ?? []) : []) {
        const data = Buffer.from(f.text, 'utf8');
        await db
          .insertInto('ticket_attachments')
          .values({ ticket_id: ticket.id, message_id: message.id, practice_id: s.practice, filename: f.filename, content_type: f.contentType, size_bytes: data.length, data, created_at: at })
          .execute();
      }
    }
  }
  await seedServiceDemo(db, now, world);
}

/** First-response targets and a few canned replies per department (docs/rules.md). */
async function seedServiceDemo(db: Database, now: Date, world: DemoWorld) {
  const admin = world.users['root@stratapt.example'] ?? null;
  const targets: [TicketDepartment, number][] = [['billing', 24], ['success', 8], ['technical', 4]];
  for (const [department, hours] of targets) {
    await db.insertInto('department_targets').values({ department, first_response_hours: hours, updated_at: now, updated_by_user_id: admin }).execute();
  }
  const macros: [TicketDepartment, string, string][] = [
    ['billing', 'Send the EOB', 'Hi {first_name},\n\nPlease attach the EOB to this thread (PDF or a photo is fine) and we will post it for {practice} within one business day.'],
    ['billing', 'Claim resubmitted', 'Hi {first_name},\n\nWe corrected the claim and resubmitted it today. We will let {practice} know when the payer responds.'],
    ['billing', 'Need the authorization number', 'Hi {first_name},\n\nCould you confirm the authorization number on the patient account? We will resubmit as soon as it is there.'],
    ['success', 'Training sessions', 'Hi {first_name},\n\nOur weekly onboarding session is on Tuesdays at 11 AM Central. Reply here with the names of the people from {practice} who will join.'],
    ['success', 'Template request received', 'Hi {first_name},\n\nThanks for the details. We are building the template and will share it in this thread for {practice} to review.'],
    ['technical', 'Browser and steps', 'Hi {first_name},\n\nSorry about the trouble. Which browser are you using, and what were the last steps before it happened? A screenshot helps.'],
    ['technical', 'Fix released', 'Hi {first_name},\n\nA fix is live now. Please reload the page and let us know if {practice} still sees the problem.'],
  ];
  for (const [department, title, body] of macros) {
    await db.insertInto('ticket_macros').values({ department, title, body, created_by_user_id: admin, created_at: now, updated_at: now }).execute();
  }
}

type PatientSeed = {
  account: string; first: string; last: string; dob: string; phone?: string; email?: string;
  status?: 'active' | 'inactive'; createdDaysAgo: number; electronic?: boolean; language?: Language;
};

async function insertPatient(db: Database, practiceId: number, p: PatientSeed): Promise<number> {
  const row = await db
    .insertInto('patients')
    .values({
      practice_id: practiceId,
      account_number: p.account,
      first_name: p.first,
      last_name: p.last,
      date_of_birth: p.dob,
      status: p.status ?? 'active',
      mobile_phone: p.phone ?? null,
      email: p.email ?? null,
      address_line1: `${100 + p.account.length * 7} Elm Street`,
      city: 'Springfield',
      state: 'IL',
      postal_code: '62701',
      statement_delivery: p.electronic ? 'electronic' : 'mail',
      preferred_language: p.language ?? 'en',
      created_at: sql<Date>`now() - make_interval(days => ${p.createdDaysAgo})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function insertPractice(db: Database, p: { name: string; phone: string; time_zone: string; go_live_on: string; hypercare_days: number }) {
  const row = await db.insertInto('practices').values(p).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
function pad(n: number): string {
  return String(n).padStart(2, '0');
}
