import { Hono, type Context } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, redirectAfterPost, renderFragment, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireCapability } from '../web/guards.ts';
import { idParam } from '../web/params.ts';
import { finalTexts, findNotice, instantToLocal, listNotices, newRequestKey, parseNoticeInput, previewRecipients, sendEmergencyNotice, startingText, type NoticeInput } from './notices.ts';
import { EmergencyPage, FinalTextPreview, NoticePage, type ComposeValues } from '../../views/emergency/emergency.tsx';

export function emergencyRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('emergency.send'));

  app.get('/', async (c) => {
    const ctx = await viewContext(c, deps);
    const now = clock.now();
    const tz = ctx.practice!.time_zone;
    // A sensible start: from now until the end of the local day.
    const start = instantToLocal(now, tz);
    const values: ComposeValues = { window_start: start, window_end: `${start.slice(0, 10)}T23:59`, channels: ['sms', 'email'] };
    return renderPage(c, <EmergencyPage ctx={ctx} values={values} errors={{}} notices={await listNotices(db, currentActor(c))} finalTexts={finalTexts(ctx.practice!, values)} />);
  });

  // The exact texts as the staff member types (htmx); the same part the full page renders.
  app.post('/final-text', async (c) => {
    const ctx = await viewContext(c, deps);
    return renderFragment(c, <FinalTextPreview texts={finalTexts(ctx.practice!, composeValues(await noticeFields(c)))} />);
  });

  // A reason's starting text in place of the message, the rest of the form as typed.
  app.post('/starting-text', async (c) => {
    const ctx = await viewContext(c, deps);
    const values = composeValues(await noticeFields(c));
    const errors = values.reason ? {} : { reason: 'Choose a reason to start from its text.' };
    if (values.reason) values.message = startingText(values.reason, values.window_start, ctx.practice!.time_zone);
    const page = <EmergencyPage ctx={ctx} values={values} errors={errors} notices={await listNotices(db, currentActor(c))} finalTexts={finalTexts(ctx.practice!, values)} />;
    return renderPage(c, page, values.reason ? 200 : 422);
  });

  app.post('/preview', async (c) => {
    const input = await noticeFields(c);
    const ctx = await viewContext(c, deps);
    const actor = currentActor(c);
    const now = clock.now();
    const parsed = parseNoticeInput(input, ctx.practice!.time_zone, now);
    const values = composeValues(input);
    const notices = await listNotices(db, actor);
    if (!parsed.ok) {
      return renderPage(c, <EmergencyPage ctx={ctx} values={values} errors={parsed.errors} promotional={parsed.promotional} notices={notices} finalTexts={finalTexts(ctx.practice!, values)} />, 422);
    }
    const result = await previewRecipients(db, actor, parsed.draft, now);
    return renderPage(c, <EmergencyPage ctx={ctx} values={values} errors={{}} preview={{ result, requestKey: newRequestKey() }} notices={notices} finalTexts={finalTexts(ctx.practice!, values)} />);
  });

  app.post('/', async (c) => {
    const input = await noticeFields(c);
    const actor = currentActor(c);
    const result = await sendEmergencyNotice(db, actor, input, clock.now());
    if (!result.ok) {
      const ctx = await viewContext(c, deps);
      return renderPage(
        c,
        <EmergencyPage
          ctx={ctx}
          values={composeValues(input)}
          errors={result.errors}
          promotional={result.promotional}
          notices={await listNotices(db, actor)}
          finalTexts={finalTexts(ctx.practice!, composeValues(input))}
        />,
        422,
      );
    }
    return redirectAfterPost(c, `/emergency/${result.noticeId}?sent=1`);
  });

  app.get('/:id', async (c) => {
    const { notice, messages } = await findNotice(db, currentActor(c), idParam(c.req.param('id')));
    return renderPage(c, <NoticePage ctx={await viewContext(c, deps)} notice={notice} messages={messages} justSent={c.req.query('sent') === '1'} />);
  });
  return app;
}

async function noticeFields(c: Context<AppEnv>): Promise<NoticeInput> {
  const body = await c.req.parseBody({ all: true });
  const out: NoticeInput = {};
  for (const [k, v] of Object.entries(body)) {
    const strings = [v].flat().filter((x): x is string => typeof x === 'string');
    out[k] = k === 'channels' ? strings : strings[strings.length - 1];
  }
  return out;
}

function composeValues(input: NoticeInput): ComposeValues {
  const s = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
  return {
    reason: s(input.reason),
    window_start: s(input.window_start),
    window_end: s(input.window_end),
    message: s(input.message),
    channels: [input.channels ?? []].flat(),
  };
}
