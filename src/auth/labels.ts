import type { Department, Role } from '../db/schema.ts';

// The words for roles and departments, and the password rule as the forms state it; shared by
// src/auth and the views.

export const ROLES: Record<Role, string> = {
  1: 'Front Desk',
  2: 'Clinician',
  3: 'Therapy Director',
  4: 'Practice Administrator',
  5: 'Business Owner',
};

export const DEPARTMENTS: Record<Department, string> = {
  billing: 'Billing/Patient',
  success: 'Customer Success',
  technical: 'Technical Support',
  product: 'Product',
};

export const MIN_PASSWORD_LENGTH = 12;
