// Where the app runs, in stored message bodies. Messages written without a request at hand (the
// demo's seed) hold PUBLIC_URL_PLACEHOLDER in their links; it becomes the configured PUBLIC_URL
// (or http://localhost:PORT) when the message is sent (dispatcher) or shown (Sent Messages, the
// patient's Engagement tab), so a demo started on another port or host still links to itself.

export const PUBLIC_URL_PLACEHOLDER = '{public-url}';

export function withPublicUrl<T extends string | null>(text: T, publicUrl: string | undefined): T {
  if (text == null || !publicUrl || !text.includes(PUBLIC_URL_PLACEHOLDER)) return text;
  return text.split(PUBLIC_URL_PLACEHOLDER).join(publicUrl) as T;
}
