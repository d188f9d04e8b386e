// docs/cli.md and `dns01-proxy --help` against the command table: every command documented and listed, nothing else.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { helpText } from '../../src/cli/run.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/cli.md'), 'utf8');
/** The command words of each row of the "Commands" table: the first cell's words up to the first argument or flag. */
const documented = (doc.split(/^## /m).find((s) => s.startsWith('Commands\n')) ?? '')
  .split('\n')
  .filter((l) => l.startsWith('| `'))
  .map((l) => /^\| `([a-z-]+(?: [a-z-]+)?)[` ]/.exec(l)?.[1] ?? l)
  .map((words) => (COMMANDS[words] ? words : words.split(' ')[0]!));

describe('docs/cli.md and --help', () => {
  it('the Commands table has one row for every command, and none for a command that does not exist', () => {
    expect([...documented].sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  it('each row gives the usage the command prints', () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}`) && (l[name.length + 3] === '`' || l[name.length + 3] === ' '));
      // The first cell is the usage with long flag lists shortened: it starts with the command and its positional arguments.
      const positional = command.usage.split(' [')[0]!.split(' --')[0]!;
      expect((row ?? '(no row)').replaceAll('\\|', '|'), name).toContain(`| \`${positional}`);
    }
  });

  it('--help lists every command with its summary', () => {
    const help = helpText();
    for (const [name, command] of Object.entries(COMMANDS)) expect(help, name).toMatch(new RegExp(`^  ${name}\\s+${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  });
});
