import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../support/context.ts';

let t: TestContext;
beforeAll(async () => {
  t = await createTestContext();
});
afterAll(() => t.close());

describe('Product Feedback chosen on the create form', () => {
  it('offers to continue in the Feedback portal, which opens with the typed subject and message as the draft', async () => {
    const pt = await t.as('pt@riverside.example');
    const refused = await pt.post('/tickets', { subject: 'Dark mode for the schedule', type: 'feedback', message: 'Evenings are hard on the eyes.', visible_to: 'anyone', intent: 'create' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('class="primary feedback-handoff shown" formaction="/feedback/new"');
    const before = await t.db.selectFrom('feedback_ideas').select('id').execute();
    const draft = await pt.post('/feedback/new', { subject: 'Dark mode for the schedule', type: 'feedback', message: 'Evenings are hard on the eyes.', visible_to: 'anyone' });
    expect(draft.status).toBe(200);
    expect(draft.text).toContain('<h1>Share an idea</h1>');
    expect(draft.text).toMatch(/name="title"[^>]*value="Dark mode for the schedule"|value="Dark mode for the schedule"[^>]*name="title"/);
    expect(draft.text).toContain('Evenings are hard on the eyes.</textarea>');
    // A draft, not a post: nothing was created yet.
    expect((await t.db.selectFrom('feedback_ideas').select('id').execute()).length).toBe(before.length);
  });
});

describe('The transactional-only guidance', () => {
  it('is on Reports, a patient’s Patient Engagement tab and the emergency notification page', async () => {
    const patient = (await t.db.selectFrom('patients').select('id').where('account_number', '=', 'R-1002').executeTakeFirstOrThrow()).id;
    const frontdesk = await t.as('frontdesk@riverside.example');
    const engagement = await frontdesk.get(`/patients/${patient}/engagement`);
    expect(engagement.status).toBe(200);
    expect(engagement.text).toContain('class="guidance transactional-only"');
    const owner = await t.as('owner@riverside.example');
    for (const path of ['/emergency', '/reports/patient-email']) {
      const res = await owner.get(path);
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain('<strong>Transactional messages only.</strong>');
    }
  });
});
