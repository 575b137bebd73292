import type { Department } from '../db/schema.ts';

// The console's choice lists for practices and the vendor's team.

export const US_TIME_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu'];

export const TEAM_DEPARTMENTS: Department[] = ['billing', 'success', 'technical', 'product'];
