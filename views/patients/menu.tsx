/** The Patient Menu Bar: the tabs of one patient account. */
export function PatientMenu(props: { patientId: number; active: 'info' | 'engagement' | 'statements' }) {
  const tabs = [
    { key: 'info', href: `/patients/${props.patientId}`, label: 'Patient Info' },
    { key: 'engagement', href: `/patients/${props.patientId}/engagement`, label: 'Patient Engagement' },
    { key: 'statements', href: `/patients/${props.patientId}/statements`, label: 'Statements' },
  ];
  return (
    <nav aria-label="Patient Menu Bar" class="patient-menu">
      <ul>
        {tabs.map((t) => (
          <li>
            <a href={t.href} aria-current={t.key === props.active ? 'page' : undefined}>
              {t.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
