import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../web/types.ts';
import { currentActor, formFields, redirectAfterPost, renderPage } from '../web/http.ts';
import { viewContext } from '../web/context.ts';
import { requireStaff, requireCapability } from '../web/guards.ts';
import { createStaffMember, findStaffMember, listStaff, updateStaffMember } from './staff.ts';
import { StaffListPage, StaffFormPage } from '../../views/staff/staff.tsx';
import { idParam } from '../web/params.ts';

export function staffRoutes(deps: AppDeps) {
  const { db, clock } = deps;
  const app = new Hono<AppEnv>();
  app.use('*', requireStaff, requireCapability('staff.manage'));

  app.get('/', async (c) => renderPage(c, <StaffListPage ctx={await viewContext(c, deps)} staff={await listStaff(db, currentActor(c))} />));

  app.get('/new', async (c) => renderPage(c, <StaffFormPage ctx={await viewContext(c, deps)} values={{ role: '1' }} errors={{}} />));

  app.post('/', async (c) => {
    const form = await formFields(c);
    const result = await createStaffMember(db, currentActor(c), form, clock.now());
    if (!result.ok) {
      const { password: _drop, ...kept } = form;
      return renderPage(c, <StaffFormPage ctx={await viewContext(c, deps)} values={kept} errors={result.errors} />, 422);
    }
    return redirectAfterPost(c, '/settings/staff');
  });

  app.get('/:id', async (c) => {
    const member = await findStaffMember(db, currentActor(c), idParam(c.req.param('id')));
    const values = {
      name: member.name,
      email: member.email,
      role: String(member.role),
      limit_messaging: member.limit_messaging ? 'on' : '',
      reporting: member.reporting ? 'on' : '',
      active: member.active ? 'on' : '',
    };
    return renderPage(c, <StaffFormPage ctx={await viewContext(c, deps)} memberId={member.id} values={values} errors={{}} />);
  });

  app.post('/:id', async (c) => {
    const id = idParam(c.req.param('id'));
    const form = await formFields(c);
    const result = await updateStaffMember(db, currentActor(c), id, form, clock.now());
    if (!result.ok) return renderPage(c, <StaffFormPage ctx={await viewContext(c, deps)} memberId={id} values={form} errors={result.errors} />, 422);
    return redirectAfterPost(c, '/settings/staff');
  });
  return app;
}
