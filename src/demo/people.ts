import type { Department, Role } from '../db/schema.ts';

// The demo's people, listed once: the seed creates them and the login page lists them (in demo mode).

export type DemoLogin = { email: string; name: string; who: string };

export const DEMO_STAFF: (DemoLogin & { role: Role; practice: 'riverside' | 'summit'; reporting?: boolean; limit?: boolean; onLoginPage: boolean })[] = [
  { email: 'owner@riverside.example', name: 'Olivia Owens', who: 'Business Owner, Riverside', role: 5, practice: 'riverside', reporting: true, onLoginPage: true },
  { email: 'admin@riverside.example', name: 'Adam Alvarez', who: 'Practice Administrator, Reporting', role: 4, practice: 'riverside', reporting: true, onLoginPage: true },
  { email: 'director@riverside.example', name: 'Diana Diaz', who: 'Therapy Director', role: 3, practice: 'riverside', onLoginPage: true },
  { email: 'pt@riverside.example', name: 'Paul Torres', who: 'Clinician', role: 2, practice: 'riverside', onLoginPage: true },
  { email: 'frontdesk@riverside.example', name: 'Fiona Desmond', who: 'Front Desk', role: 1, practice: 'riverside', onLoginPage: true },
  { email: 'limited@riverside.example', name: 'Liam Lim', who: 'Front Desk, Limit Messaging Access', role: 1, practice: 'riverside', limit: true, onLoginPage: true },
  { email: 'admin@summit.example', name: 'Sam Summers', who: 'Practice Administrator, Summit', role: 4, practice: 'summit', reporting: true, onLoginPage: true },
  { email: 'pt@summit.example', name: 'Sara Stone', who: 'Clinician, Summit', role: 2, practice: 'summit', onLoginPage: false },
];

export const DEMO_VENDORS: (DemoLogin & { departments: Department[]; admin: boolean })[] = [
  { email: 'billing@stratapt.example', name: 'Ben Ortiz', who: 'StrataPT Billing/Patient', departments: ['billing'], admin: false },
  { email: 'success@stratapt.example', name: 'Sofia Castillo', who: 'StrataPT Customer Success, account manager of Riverside', departments: ['success'], admin: false },
  { email: 'support@stratapt.example', name: 'Tom Becker', who: 'StrataPT Technical Support', departments: ['technical'], admin: false },
  { email: 'product@stratapt.example', name: 'Priya Nair', who: 'StrataPT Product', departments: ['product'], admin: false },
  { email: 'root@stratapt.example', name: 'Rita Okafor', who: 'StrataPT admin', departments: ['billing', 'success', 'technical', 'product'], admin: true },
];

/** The login page's list, in demo mode. */
export const DEMO_LOGINS: DemoLogin[] = [...DEMO_STAFF.filter((s) => s.onLoginPage), ...DEMO_VENDORS].map(({ email, name, who }) => ({ email, name, who }));
