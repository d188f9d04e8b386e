// Shared helpers for the deploy/ tests: tools that must exist, YAML, strict Kubernetes schema checks.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Imports a devDependency, or throws naming the package to add. Never skips: a missing
 * tool must fail the suite with the install command in the message.
 */
export async function devDependency<T = any>(specifier: string, pkg = specifier): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    throw new Error(
      `cannot import '${specifier}': add the devDependency with "npm install --save-dev ${pkg}" ` +
        `(${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

/** Path of an executable, or an error naming what to install. */
export function requireTool(path: string, install: string): string {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(`${path} not found: ${install}`);
  }
}

export interface RunResult { status: number | null; stdout: string; stderr: string }

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
  const res = spawnSync(cmd, args, {
    cwd: opts.cwd ?? repoRoot,
    env: opts.env ?? process.env,
    input: opts.input,
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  if (res.error) throw new Error(`${cmd} ${args.join(' ')}: ${res.error.message}`);
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

export async function parseYamlDocuments(text: string): Promise<any[]> {
  const YAML = await devDependency<typeof import('yaml')>('yaml');
  return YAML.parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  }).filter((d) => d != null);
}

interface Node { path: string; keys: string[]; read: Set<string>; iterated: boolean }

/**
 * Wraps a manifest so the compiled schema validator's property reads are recorded. The
 * Kubernetes OpenAPI schemas do not forbid unknown fields, and the API server would drop a
 * misspelt field (securityContxt) silently; any key the validator never looked at, in an
 * object it never iterated as a map, is reported like kubeconform -strict does.
 */
function track(value: unknown, path: string, nodes: Node[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    return new Proxy(value.map((v, i) => track(v, `${path}[${i}]`, nodes)), {});
  }
  const node: Node = { path, keys: Object.keys(value), read: new Set(), iterated: false };
  nodes.push(node);
  const copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, track(v, `${path}.${k}`, nodes)]));
  return new Proxy(copy, {
    get(target, key, receiver) {
      if (typeof key === 'string') node.read.add(key);
      return Reflect.get(target, key, receiver);
    },
    ownKeys(target) {
      node.iterated = true; // a map (labels, data, resources.limits): every key is validated
      return Reflect.ownKeys(target);
    },
  });
}

/**
 * kustomize wraps generated Secret data at 70 columns. The API server accepts that (Go's
 * base64 decoder skips CR and LF), the schema's "byte" format does not: unwrap first.
 */
function unwrapSecretData(obj: any): any {
  if (obj.kind !== 'Secret' || !obj.data) return obj;
  const data = Object.fromEntries(Object.entries(obj.data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]));
  return { ...obj, data };
}

/**
 * Validates one object against the Kubernetes OpenAPI schema shipped by kubernetes-models,
 * offline, and reports unknown fields. Returns a list of problems (empty when valid).
 */
export async function validateK8sObject(obj: any): Promise<string[]> {
  const where = `${obj?.kind ?? '?'}/${obj?.metadata?.name ?? '?'}`;
  if (typeof obj?.apiVersion !== 'string' || typeof obj?.kind !== 'string') return [`${where}: apiVersion and kind are required`];
  const modPath = `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
  let mod: any;
  try {
    mod = await import(modPath);
  } catch (err) {
    // Distinguish a missing package from an unknown kind.
    await devDependency('kubernetes-models');
    return [`${where}: no schema for ${obj.apiVersion} ${obj.kind} in kubernetes-models (${(err as Error).message})`];
  }
  const Model = mod[obj.kind];
  if (typeof Model?.prototype?.validate !== 'function') return [`${where}: ${modPath} exports no model`];
  const nodes: Node[] = [];
  const proxied = track(unwrapSecretData(obj), '', nodes);
  const problems: string[] = [];
  try {
    Model.prototype.validate.call(proxied);
  } catch (err) {
    problems.push(`${where}: ${(err as Error).message}`);
  }
  for (const n of nodes) {
    if (n.iterated) continue;
    for (const k of n.keys) if (!n.read.has(k)) problems.push(`${where}: unknown field ${n.path}.${k}`);
  }
  return problems;
}

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown };

/**
 * The API server drops a field the schema does not name (a misspelt `acmeDns` would leave the solver unset), so
 * every object with named properties is closed here, as kubeconform -strict does; open maps stay open.
 */
function strict(s: Schema): Schema {
  const out: Schema = { ...s };
  if (s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, strict(v)]));
    if (s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  }
  if (s.items) out.items = strict(s.items);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = strict(s.additionalProperties as Schema);
  return out;
}

/** CRD patterns are Go (RE2) expressions: a leading `(?i)` is JavaScript's `i` flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) => (pattern.includes('(?i)') ? new RegExp(pattern.replace('(?i)', ''), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'goRegExp' },
);

/**
 * A validator by a CustomResourceDefinition's OpenAPI schema (a fixture file: kubernetes-models has no types for
 * it), unknown fields refused; it returns the problems, empty when the object is valid.
 */
export async function crdValidator(crdFile: string, kind: string, version: string): Promise<(obj: unknown) => string[]> {
  const [crd] = await parseYamlDocuments(readFileSync(crdFile, 'utf8'));
  if (crd?.spec?.names?.kind !== kind) throw new Error(`${crdFile}: not the CRD of ${kind}`);
  const stored = crd.spec.versions.find((v: { name: string; storage: boolean }) => v.storage);
  if (stored?.name !== version) throw new Error(`${crdFile}: stores ${stored?.name}, not ${version}`);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
  const validate = ajv.compile(strict(stored.schema.openAPIV3Schema));
  return (obj: unknown) => (validate(obj) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`));
}
