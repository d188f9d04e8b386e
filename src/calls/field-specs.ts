// The field specs of a plugin's credential schema, for the admin API, the forms, masking and docs/plugins.md.
import { z } from 'zod';
import type { AnyProviderPlugin, FieldMeta, FieldSpec, FieldType } from '../plugin-api/index.js';

interface JsonSchemaProperty extends FieldMeta {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  anyOf?: JsonSchemaProperty[];
}

const fieldCache = new WeakMap<z.ZodType, readonly FieldSpec[]>();

/** The field specs of a credential schema: its JSON Schema (input side) read with the `.meta()` keys of FieldMeta. */
export function fieldsOf(plugin: AnyProviderPlugin): readonly FieldSpec[] {
  const cached = fieldCache.get(plugin.credentials);
  if (cached) return cached;
  const json = z.toJSONSchema(plugin.credentials, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchemaProperty>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const fields = Object.entries(json.properties ?? {}).map(([name, raw]): FieldSpec => {
    // A union (optional-or-null, or a number also accepted as digits) reads its shape from its first non-null side.
    const side = raw.anyOf?.find((a) => a.type !== 'null');
    const p: JsonSchemaProperty = side ? { ...side, ...raw } : raw;
    const map = p.type === 'object';
    const type: FieldType = p.secret
      ? 'password'
      : p.enum
        ? 'select'
        : map || p.textarea
          ? 'textarea'
          : p.type === 'number' || p.type === 'integer'
            ? 'number'
            : p.type === 'boolean'
              ? 'boolean'
              : 'text';
    return {
      name,
      label: p.title ?? name,
      type,
      required: required.has(name) && p.default === undefined,
      secret: Boolean(p.secret) || map,
      default: p.default ?? null,
      placeholder: p.placeholder ?? null,
      hint: p.description ?? null,
      ...(type === 'select' ? { options: (p.enum ?? []).map(String).map((value) => ({ value, label: p.options?.[value] ?? value })) } : {}),
    };
  });
  fieldCache.set(plugin.credentials, fields);
  return fields;
}
