// Runs one CLI invocation: parses argv (node:util parseArgs), finds the command, and maps every failure to an exit code.
import { Writable } from 'node:stream';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AdminClient, CliError, EXIT, redact, resolveTarget } from './client.js';
import { COMMANDS } from './commands.js';
import type { Command } from './kit.js';

export interface Io {
  out: (text: string) => void;
  /** Standard output as a stream (what `out` writes to), for output piped through as it arrives; else through `out`. */
  stdout?: Writable;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

const GLOBAL = {
  url: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  return `Usage: dns01-proxy [serve]          start the daemon (no arguments: the same)
       dns01-proxy <command> [options]  talk to a running daemon's admin API

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n')}

Options for every command:
  --url URL         the daemon (else DNS01_URL, else http://127.0.0.1:8053)
  --token TOKEN     admin token (else DNS01_ADMIN_TOKEN, else <data dir>/admin-token);
                    a flag is visible to other local users in the process list: prefer the others
  --data-dir DIR    the daemon's data directory (else DNS01_DATA_DIR, else ./data)
  --timeout SECONDS per request (default 10)
  --json            JSON for scripts instead of a table
  -h, --help        this text; \`dns01-proxy <command> --help\` for one command

Exit codes: 0 ok, 1 the API answered with an error, 2 usage, 3 daemon unreachable or timed out,
4 admin token refused. See docs/cli.md.
`;
}

function find(positionals: string[]): { name: string; command: Command; args: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = positionals.slice(0, words).join(' ');
    const command = COMMANDS[name];
    if (command && positionals.length >= words) return { name, command, args: positionals.slice(words) };
  }
  return undefined;
}

type Options = ParseArgsConfig['options'];

/** A stream onto `out`, bytes decoded as UTF-8 across chunk boundaries. */
function through(out: (text: string) => void): Writable {
  const decoder = new TextDecoder();
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      out(decoder.decode(chunk, { stream: true }));
      done();
    },
  });
}

export async function runCli(argv: string[], io: Io): Promise<number> {
  let token = '';
  try {
    // First pass with every option any command takes, only to find the command words.
    const everyOption = Object.assign({}, GLOBAL, ...Object.values(COMMANDS).map((c) => c.options)) as Options;
    let first;
    try {
      first = parseArgs({ args: argv, options: everyOption, allowPositionals: true, strict: true });
    } catch (err) {
      throw new CliError(EXIT.usage, `${(err as Error).message}\nRun dns01-proxy --help.`);
    }
    const found = find(first.positionals);
    if (!found) {
      if (first.positionals.length === 0 && (first.values as Record<string, unknown>).help) {
        io.out(helpText());
        return EXIT.ok;
      }
      const said = first.positionals.join(' ').slice(0, 60);
      throw new CliError(EXIT.usage, `${said ? `unknown command: ${said}` : 'no command given'}\n\n${helpText()}`);
    }
    const { name, command } = found;
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: { ...GLOBAL, ...command.options } as Options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new CliError(EXIT.usage, `${(err as Error).message}\nUsage: dns01-proxy ${command.usage}`);
    }
    if ((parsed.values as Record<string, unknown>).help) {
      io.out(`Usage: dns01-proxy ${command.usage}\n\n${command.summary}\n`);
      return EXIT.ok;
    }
    const args = parsed.positionals.slice(name.split(' ').length);
    if (args.length < command.args || args.length > (command.maxArgs ?? command.args)) throw new CliError(EXIT.usage, `Usage: dns01-proxy ${command.usage}`);
    const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const target = resolveTarget({ url: v.url as string | undefined, token: v.token as string | undefined, dataDir: v['data-dir'] as string | undefined, timeout: v.timeout as string | undefined }, io.env);
    token = target.token;
    return await command.run({ client: new AdminClient(target), flags: v, args, asJson: Boolean(v.json), out: io.out, stdout: io.stdout ?? through(io.out) });
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`dns01-proxy: ${redact(err.message, token)}\n`);
      return err.exitCode;
    }
    io.err(`dns01-proxy: ${redact(String((err as Error)?.message ?? err), token)}\n`);
    return EXIT.api;
  }
}
