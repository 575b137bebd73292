import type { Database } from '../db/database.ts';
import type { DemoWorld } from '../demo/seed.ts';
import type { FeedbackStatus } from '../db/schema.ts';

const HOUR = 3_600_000;

/** A few ideas from both practices, with votes, comments and a status history. */
export async function seedFeedbackDemo(db: Database, now: Date, world: DemoWorld): Promise<void> {
  const u = world.users;
  const ideas: { title: string; description: string; by: string; practice: number | null; daysAgo: number; voters: string[]; status?: [FeedbackStatus, string, string]; comments?: [string, string][] }[] = [
    {
      title: 'Drag and drop appointments on the schedule',
      description: 'Moving an appointment takes four clicks today. Dragging it to a new slot would save the front desk a lot of time.',
      by: 'frontdesk@riverside.example', practice: world.riverside, daysAgo: 40,
      voters: ['owner@riverside.example', 'admin@summit.example', 'pt@summit.example', 'director@riverside.example'],
      status: ['planned', 'product@stratapt.example', 'Scheduled for the first quarter.'],
      comments: [['admin@summit.example', 'Yes please, especially for recurring visits.']],
    },
    {
      title: 'Text reminders in Spanish',
      description: 'Many of our patients prefer Spanish. A per-patient language for appointment reminders would help.',
      by: 'admin@summit.example', practice: world.summit, daysAgo: 25,
      voters: ['frontdesk@riverside.example', 'owner@riverside.example'],
      status: ['in_progress', 'product@stratapt.example', 'Translations are being reviewed.'],
    },
    {
      title: 'Copy the previous daily note',
      description: 'Start a daily note from the last one for the same case, then edit what changed.',
      by: 'pt@riverside.example', practice: world.riverside, daysAgo: 12,
      voters: ['director@riverside.example'],
    },
    {
      title: 'Export the schedule to a calendar feed',
      description: 'A private calendar link per therapist, so the week shows up on their phone.',
      by: 'director@riverside.example', practice: world.riverside, daysAgo: 70,
      voters: [],
      status: ['declined', 'product@stratapt.example', 'Appointment details would leave the EMR; we will not build this.'],
    },
  ];
  for (const idea of ideas) {
    const created = new Date(now.getTime() - idea.daysAgo * 24 * HOUR);
    const row = await db
      .insertInto('feedback_ideas')
      .values({ title: idea.title, description: idea.description, author_user_id: u[idea.by], author_practice_id: idea.practice, vote_count: 1 + idea.voters.length, created_at: created })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('feedback_votes')
      .values([idea.by, ...idea.voters].map((email, i) => ({ idea_id: row.id, user_id: u[email], created_at: new Date(created.getTime() + i * HOUR) })))
      .execute();
    await db.insertInto('feedback_status_changes').values({ idea_id: row.id, from_status: null, to_status: 'under_review', changed_by_user_id: u[idea.by], at: created }).execute();
    if (idea.status) {
      const at = new Date(created.getTime() + 5 * 24 * HOUR);
      await db.updateTable('feedback_ideas').set({ status: idea.status[0], status_changed_at: at }).where('id', '=', row.id).execute();
      await db.insertInto('feedback_status_changes').values({ idea_id: row.id, from_status: 'under_review', to_status: idea.status[0], note: idea.status[2], changed_by_user_id: u[idea.status[1]], at }).execute();
    }
    for (const [i, [email, body]] of (idea.comments ?? []).entries()) {
      await db.insertInto('feedback_comments').values({ idea_id: row.id, author_user_id: u[email], body, created_at: new Date(created.getTime() + (i + 1) * 24 * HOUR) }).execute();
      await db.updateTable('feedback_ideas').set((eb) => ({ comment_count: eb('comment_count', '+', 1) })).where('id', '=', row.id).execute();
    }
  }
}
