import { AppLayout } from '../layouts/app.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import { can } from '../../src/auth/permissions.ts';

export function SettingsIndexPage(props: { ctx: ViewContext }) {
  const { actor } = props.ctx;
  const links = [
    { href: '/settings/patient-engagement', label: 'Patient Engagement', show: can(actor, 'engagement.configure') },
    { href: '/settings/staff', label: 'Staff', show: can(actor, 'staff.manage') },
    { href: '/settings/payments', label: 'Credit Card Processing (Authorize.net)', show: can(actor, 'payments.configure') },
    { href: '/settings/deliverability', label: 'Deliverability', show: can(actor, 'deliverability.view') },
    { href: '/settings/audit', label: 'Audit trail', show: can(actor, 'audit.view') },
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
