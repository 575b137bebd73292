import type { Child } from 'hono/jsx';

/** Field errors keyed by field name, as a failed form returns them (422). */
export type FieldErrors = Record<string, string | undefined>;

/** A real form that works without JavaScript; it carries the CSRF token. */
export function Form(props: { csrf: string; action: string; method?: 'post' | 'get'; children: Child; [attr: string]: unknown }) {
  const { csrf, children, method = 'post', ...rest } = props;
  return (
    <form method={method} {...rest}>
      {method === 'post' ? <input type="hidden" name="_csrf" value={csrf} /> : null}
      {children}
    </form>
  );
}

export function FormErrorSummary(props: { errors: FieldErrors }) {
  const messages = Object.entries(props.errors).filter(([, m]) => m);
  if (!messages.length) return null;
  return (
    <div class="error-summary" role="alert">
      <p>Please correct {messages.length === 1 ? 'the field' : `${messages.length} fields`} below.</p>
    </div>
  );
}

export function FieldError(props: { name: string; error?: string }) {
  return props.error ? (
    <p class="field-error" id={`${props.name}-error`}>
      {props.error}
    </p>
  ) : null;
}

type InputProps = {
  label: string;
  name: string;
  value?: string | number | null;
  error?: string;
  hint?: string;
  type?: string;
  required?: boolean;
  autocomplete?: string;
  maxlength?: number;
  [attr: string]: unknown;
};

/** A labelled input with its hint and error tied to it for screen readers. */
export function TextField(props: InputProps) {
  const { label, name, value, error, hint, type = 'text', ...rest } = props;
  const described = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={name}>{label}</label>
      {hint ? <p class="hint" id={`${name}-hint`}>{hint}</p> : null}
      <input id={name} name={name} type={type} value={value ?? ''} aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...rest} />
      <FieldError name={name} error={error} />
    </div>
  );
}

export function TextArea(props: InputProps & { rows?: number }) {
  const { label, name, value, error, hint, rows = 6, type: _type, ...rest } = props;
  const described = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={name}>{label}</label>
      {hint ? <p class="hint" id={`${name}-hint`}>{hint}</p> : null}
      <textarea id={name} name={name} rows={rows} aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...rest}>
        {value ?? ''}
      </textarea>
      <FieldError name={name} error={error} />
    </div>
  );
}

export function SelectField(props: {
  label: string;
  name: string;
  value?: string | null;
  options: { value: string; label: string }[];
  error?: string;
  hint?: string;
  [attr: string]: unknown;
}) {
  const { label, name, value, options, error, hint, ...rest } = props;
  const described = [hint ? `${name}-hint` : '', error ? `${name}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={error ? 'field has-error' : 'field'}>
      <label for={name}>{label}</label>
      {hint ? <p class="hint" id={`${name}-hint`}>{hint}</p> : null}
      <select id={name} name={name} aria-invalid={error ? 'true' : undefined} aria-describedby={described} {...rest}>
        {options.map((o) => (
          <option value={o.value} selected={o.value === value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError name={name} error={error} />
    </div>
  );
}

export function Checkbox(props: { label: string; name: string; checked?: boolean; value?: string; hint?: string; [attr: string]: unknown }) {
  const { label, name, checked, value = 'on', hint, ...rest } = props;
  const id = (props.id as string) ?? `${name}-${value}`;
  return (
    <div class="field checkbox">
      <input type="checkbox" id={id} name={name} value={value} checked={checked} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      <label for={id}>{label}</label>
      {hint ? <p class="hint" id={`${id}-hint`}>{hint}</p> : null}
    </div>
  );
}
