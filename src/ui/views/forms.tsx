// What the console's forms share: credential fields drawn from a type's field specs (src/calls/field-specs.ts, the
// `/types/{t}/fields` contract), a posted form read back into the API's body, and a body checked with the API's schema.
import type { z } from 'zod';
import { AppError } from '../../errors.js';
import { invalidBody } from '../../http/body.js';
import { MASK } from '../../providers/mask.js';
import type { FieldSpec } from '../../plugin-api/index.js';

/** A posted form: a text per name (a file field is never offered). */
export type Form = Record<string, string>;

export function formOf(body: Record<string, unknown>): Form {
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/** A decimal number becomes a number; anything else is passed on for the schema to refuse by name. Empty: undefined. */
export function numberOf(text: string | undefined): number | string | undefined {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : t;
}

/** Checks `body` with the API's schema and answers its VALIDATION_ERROR, naming each field (never its value). */
export function checked<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalidBody('request body is invalid', parsed.error);
  return parsed.data;
}

const CRED = 'cred.';

/**
 * The credentials as the API takes them. A secret is never sent back to the browser, so editing (`keep`) a secret
 * left empty sends the mask, which the store reads as "keep the stored one" (src/providers/mask.ts); a non-secret
 * field comes back as shown (a URL's masked query values are restored the same way).
 */
export function credentialsOf(form: Form, fields: readonly FieldSpec[], keep: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = form[`${CRED}${f.name}`];
    if (f.type === 'boolean') out[f.name] = v === 'on';
    else if (v === undefined || v === '') {
      if (keep && f.secret) out[f.name] = MASK;
    } else out[f.name] = f.type === 'number' ? numberOf(v) : v;
  }
  return out;
}

/** The values to fill a form with again: what was posted, less every secret. */
export function keptValues(form: Form, fields: readonly FieldSpec[]): Form {
  const secret = new Set(fields.filter((f) => f.secret).map((f) => `${CRED}${f.name}`));
  return Object.fromEntries(Object.entries(form).filter(([k]) => !secret.has(k) && k !== 'csrf'));
}

/** The stored (masked) credentials as form values: secrets left out, the rest as text. */
export function credentialValues(masked: Record<string, unknown> | null, fields: readonly FieldSpec[]): Form {
  const out: Form = {};
  for (const f of fields) {
    const v = masked?.[f.name];
    if (f.secret || v === undefined || v === null) continue;
    out[`${CRED}${f.name}`] = f.type === 'boolean' ? (v ? 'on' : '') : String(v);
  }
  return out;
}

/** The type's credential fields; `editing`: a secret may be left empty to keep the stored one. */
export function CredentialFields(props: { fields: readonly FieldSpec[]; values: Form; editing: boolean; prefix?: string }) {
  const id = (f: FieldSpec) => `${props.prefix ?? 'cred'}-${f.name}`;
  return (
    <>
      {props.fields.map((f) => {
        const name = `${CRED}${f.name}`;
        const value = props.values[name] ?? (props.editing || f.default === null || typeof f.default === 'object' ? '' : String(f.default));
        const hint = f.secret && props.editing ? `${f.hint ? `${f.hint}. ` : ''}Stored and never shown: leave empty to keep it.` : f.hint;
        const described = hint ? { 'aria-describedby': `${id(f)}-hint` } : {};
        const required = f.required && !(f.secret && props.editing);
        const hintLine = hint ? <p class="hint" id={`${id(f)}-hint`}>{hint}</p> : null;
        if (f.type === 'boolean') {
          const on = props.values[name] !== undefined ? props.values[name] === 'on' : f.default === true;
          return <><label class="check"><input type="checkbox" id={id(f)} name={name} checked={on} {...described} /> {f.label}</label>{hintLine}</>;
        }
        return (
          <>
            <label for={id(f)}>{f.label}{f.required ? '' : ' (optional)'}</label>
            {f.type === 'select' ? (
              <select id={id(f)} name={name} required={required} {...described}>
                {f.required ? null : <option value="">–</option>}
                {(f.options ?? []).map((o) => <option value={o.value} selected={o.value === value}>{o.label}</option>)}
              </select>
            ) : f.type === 'textarea' ? (
              <textarea id={id(f)} name={name} required={required} placeholder={f.placeholder ?? undefined} spellcheck={false} {...described}>{f.secret ? '' : value}</textarea>
            ) : (
              <input
                id={id(f)} name={name} required={required} placeholder={f.placeholder ?? undefined} {...described}
                type={f.secret ? 'password' : f.type === 'number' ? 'number' : 'text'}
                value={f.secret ? '' : value} autocomplete={f.secret ? 'new-password' : 'off'} spellcheck={false} {...(f.type === 'number' ? { step: 'any' } : {})}
              />
            )}
            {hintLine}
          </>
        );
      })}
    </>
  );
}

/** An error thrown by a form's action, to show above the form kept; any other error goes to the error page. */
export function formError(err: unknown): AppError {
  if (err instanceof AppError && err.status < 500) return err;
  throw err;
}
