/**
 * The "transactional only" guidance (docs/rules.md, "Transactional only"), the same words wherever
 * staff might be tempted to message patients about something else: Reports, a patient's Patient
 * Engagement tab, the emergency notification page.
 */
export function TransactionalOnlyGuidance() {
  return (
    <p class="guidance transactional-only">
      <strong>Transactional messages only.</strong> StrataEMR’s patient engagement tools send appointment reminders, balance alerts and emergency
      notifications, nothing else. For marketing, use a dedicated platform (such as Mailchimp or Constant Contact) with the Patient Email Report,
      which handles bulk outreach and opt-out compliance. Keeping marketing and transactional channels separate keeps reminders and balance notices
      reaching patients.
    </p>
  );
}
