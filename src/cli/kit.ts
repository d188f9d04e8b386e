// What every CLI command is built from: its shape, the flags it reads, printing, and following a listing's pages.
import type { Writable } from 'node:stream';
import { AdminClient, CliError, EXIT } from './client.js';
import { json, table, type Cell } from './output.js';

export type Flags = Record<string, string | boolean | string[] | undefined>;
export type Obj = Record<string, unknown>;

export interface Ctx {
  client: AdminClient;
  flags: Flags;
  /** Positional arguments after the command words. */
  args: string[];
  asJson: boolean;
  out: (text: string) => void;
  /** Standard output as a stream, for what is piped through rather than printed (an audit export). */
  stdout: Writable;
}

export interface Command {
  summary: string;
  usage: string;
  /** parseArgs option specs beyond the global ones. */
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>;
  args: number;
  /** Optional positional arguments beyond `args` (default none). */
  maxArgs?: number;
  /** Resolves to the exit code. */
  run(ctx: Ctx): Promise<number>;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function usage(message: string): CliError {
  return new CliError(EXIT.usage, message);
}

export function str(flags: Flags, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** A comma-separated flag as a list, blanks dropped. */
export function list(flags: Flags, name: string): string[] | undefined {
  return str(flags, name)?.split(',').map((d) => d.trim()).filter(Boolean);
}

/** Path segments are the operator's input: encoded, so `../` cannot walk to another endpoint. */
export function seg(text: string): string {
  return encodeURIComponent(text);
}

export function print(ctx: Ctx, data: unknown, headers: string[], rows: Cell[][]): number {
  ctx.out(ctx.asJson ? json(data) : table(headers, rows));
  return EXIT.ok;
}

/** One object as FIELD/VALUE lines for people, the object itself with --json. */
export function printFields(ctx: Ctx, data: unknown, fields: [string, unknown][]): number {
  return print(ctx, data, ['FIELD', 'VALUE'], fields.map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v as Cell]));
}

/** A resource named by id, or by its name (one list call); `kind` names it in the error. */
export async function idByName(ctx: Ctx, ref: string, listPath: string, key: string, kind: string): Promise<string> {
  if (UUID.test(ref)) return ref;
  const { body } = await ctx.client.request('GET', listPath);
  const found = ((body[key] as Obj[]) ?? []).find((p) => p.name === ref);
  if (!found) throw new CliError(EXIT.api, `no ${kind} is named ${JSON.stringify(ref.slice(0, 100))}`);
  return String(found.id);
}

/** A provider named by id, or by name. */
export function providerId(ctx: Ctx, ref: string): Promise<string> {
  return idByName(ctx, ref, '/dns-providers', 'providers', 'provider');
}

/** Sets each of `flags` given on the command line as its query parameter (`created-after` → `created_after`). */
export function queryOf(ctx: Ctx, flags: string[]): URLSearchParams {
  const query = new URLSearchParams();
  for (const flag of flags) {
    const v = str(ctx.flags, flag);
    if (v !== undefined) query.set(flag.replaceAll('-', '_'), v);
  }
  return query;
}

/**
 * A cursor-paged listing (`{<key>: [...], next_cursor}`): one page, or with --all every page. For people a table and,
 * when there is more, `more: --cursor C`; with --json `{<key>: [...], next_cursor}`.
 */
export async function printPages(ctx: Ctx, path: string, query: URLSearchParams, key: string, headers: string[], rows: (items: Obj[]) => Cell[][]): Promise<number> {
  const all: Obj[] = [];
  let next: string | null = null;
  // --all: bounded, so a daemon answering with a cursor forever cannot keep the CLI running.
  for (let page = 0; page < 1000; page++) {
    const { body } = await ctx.client.request('GET', `${path}?${query}`);
    all.push(...((body[key] as Obj[]) ?? []));
    next = (body.next_cursor as string | null) ?? null;
    if (!ctx.flags.all || !next) break;
    query.set('cursor', next);
  }
  if (ctx.asJson) {
    ctx.out(json({ [key]: all, next_cursor: ctx.flags.all ? null : next }));
    return EXIT.ok;
  }
  ctx.out(table(headers, rows(all)));
  if (next && !ctx.flags.all) ctx.out(`more: --cursor ${next}\n`);
  return EXIT.ok;
}
