import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';

export function SettingsIndexPage(props: { ctx: ViewContext }) {
  const { may } = props.ctx;
  const links = [
    { href: '/settings/patient-engagement', label: 'Patient Engagement', show: may['engagement.configure'] },
    { href: '/settings/staff', label: 'Staff', show: may['staff.manage'] },
    { href: '/settings/payments', label: 'Credit Card Processing (Authorize.net)', show: may['payments.configure'] },
    { href: '/settings/deliverability', label: 'Deliverability', show: may['deliverability.view'] },
    { href: '/settings/audit', label: 'Audit trail', show: may['audit.view'] },
  ].filter((l) => l.show);
  return (
    <AppLayout ctx={props.ctx} title="Settings">
      <h1>Settings</h1>
      <ul class="link-list">
        {links.map((l) => (
          <li>
            <a href={l.href}>{l.label}</a>
          </li>
        ))}
      </ul>
    </AppLayout>
  );
}
