import { AppLayout } from '../layouts/app.tsx';
import { Form, TextField, TextArea, SelectField, FormErrorSummary, type FieldErrors } from '../components/form.tsx';
import type { ViewContext } from '../../src/web/context.ts';
import type { Macro } from '../../src/tickets/macros.ts';
import { QUEUE_DEPARTMENTS, QUEUE_LABEL, TARGET_CHOICES } from '../../src/tickets/labels.ts';

/** Service settings (vendor admins): each department's first-response target. */
export function TargetsPage(props: { ctx: ViewContext; values: Record<string, string | undefined>; errors: FieldErrors; notice?: string }) {
  const { ctx, values, errors } = props;
  return (
    <AppLayout ctx={ctx} title="Service settings">
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/vendor">Queues</a> › Service settings
      </nav>
      <h1>Service settings</h1>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <FormErrorSummary errors={errors} />
      <p>
        A thread waiting on StrataPT is marked <strong>Past target</strong> in the queues once it has waited longer than its department's first-response
        target. Targets count business hours: Monday to Friday in StrataPT's time zone (Central); a business day is 24 of them.
      </p>
      <Form csrf={ctx.csrf} action="/vendor/settings" class="stack">
        <fieldset>
          <legend>First-response targets</legend>
          {QUEUE_DEPARTMENTS.map((d) => (
            <SelectField
              label={QUEUE_LABEL[d]}
              name={d}
              value={values[d] ?? ''}
              error={errors[d]}
              options={[{ value: '', label: 'Choose…' }, ...TARGET_CHOICES.map((c) => ({ value: String(c.hours), label: c.label }))]}
            />
          ))}
        </fieldset>
        <button type="submit" class="primary">Save targets</button>
      </Form>
      <p>
        <a href="/vendor/macros">Canned replies</a> · <a href="/vendor/service-report">Service report</a>
      </p>
    </AppLayout>
  );
}

/** Every department's canned replies (vendor admins). */
export function MacrosPage(props: { ctx: ViewContext; macros: Macro[]; notice?: string }) {
  const { ctx, macros } = props;
  return (
    <AppLayout ctx={ctx} title="Canned replies" wide>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/vendor/settings">Service settings</a> › Canned replies
      </nav>
      <div class="row">
        <h1 class="grow">Canned replies</h1>
        <a class="button primary" href="/vendor/macros/new">New canned reply</a>
      </div>
      {props.notice ? <p class="notice" role="status">{props.notice}</p> : null}
      <p>
        Team members insert these into the reply box of a thread in the same department and edit them before sending. <code>{'{practice}'}</code> becomes the
        practice's name and <code>{'{first_name}'}</code> the first name of the person who opened the thread ("there" when StrataPT started it).
      </p>
      {QUEUE_DEPARTMENTS.map((d) => {
        const mine = macros.filter((m) => m.department === d);
        return (
          <section aria-labelledby={`macros-${d}`}>
            <h2 id={`macros-${d}`}>{QUEUE_LABEL[d]}</h2>
            {mine.length ? (
              <ul class="macro-list">
                {mine.map((m) => (
                  <li>
                    <a href={`/vendor/macros/${m.id}`}>{m.title}</a>
                    <p class="meta">{m.body.length > 160 ? `${m.body.slice(0, 160)}…` : m.body}</p>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">No canned replies yet.</p>
            )}
          </section>
        );
      })}
    </AppLayout>
  );
}

export function MacroFormPage(props: { ctx: ViewContext; macroId?: number; values: Record<string, string | undefined>; errors: FieldErrors }) {
  const { ctx, values, errors, macroId } = props;
  const editing = macroId !== undefined;
  const title = editing ? 'Edit canned reply' : 'New canned reply';
  return (
    <AppLayout ctx={ctx} title={title}>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href="/vendor/settings">Service settings</a> › <a href="/vendor/macros">Canned replies</a> › {title}
      </nav>
      <h1>{title}</h1>
      <FormErrorSummary errors={errors} />
      <Form csrf={ctx.csrf} action={editing ? `/vendor/macros/${macroId}` : '/vendor/macros'} class="stack">
        <SelectField
          label="Department"
          name="department"
          value={values.department ?? ''}
          error={errors.department}
          options={[{ value: '', label: 'Choose…' }, ...QUEUE_DEPARTMENTS.map((d) => ({ value: d, label: QUEUE_LABEL[d] }))]}
        />
        <TextField label="Title" name="title" value={values.title} error={errors.title} required maxlength={120} />
        <TextArea
          label="Text"
          name="body"
          value={values.body}
          error={errors.body}
          required
          maxlength={20000}
          hint="Placeholders: {practice} (the practice's name), {first_name} (first name of the person who opened the thread)."
        />
        <button type="submit" class="primary">Save</button>
      </Form>
      {editing ? (
        <Form csrf={ctx.csrf} action={`/vendor/macros/${macroId}/delete`} data-confirm="Delete this canned reply?">
          <button type="submit" class="danger">Delete</button>
        </Form>
      ) : null}
    </AppLayout>
  );
}
