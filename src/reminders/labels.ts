// Words staff read for a patient's answer to an appointment reminder (docs/rules.md, Appointment reminders).

export type ReminderAnswerState = 'confirmed' | 'reschedule' | 'no_answer';

export const REMINDER_ANSWER_LABELS: Record<ReminderAnswerState, string> = {
  confirmed: 'Confirmed',
  reschedule: 'Asked to reschedule',
  no_answer: 'No answer',
};
