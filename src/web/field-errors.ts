import type { z } from 'zod';

/** A zod failure as one message per field (the first for each), for a 422 re-render; "form" when no field is named. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) out[String(issue.path[0] ?? 'form')] ??= issue.message;
  return out;
}
