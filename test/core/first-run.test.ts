// A first run as an operator sees it, in a real process: what the log says after `listening`, GET / and /health
// naming the daemon, and a taken port stopping start-up before anything is written (docs/operations.md).
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDaemonProcess } from '../support/daemon-process.js';
import { freePort } from '../support/ports.js';

const version = (JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;

describe('first run', () => {
  it('after `listening`: the page, the token file, the CLI and "no provider yet", never the token; GET / and /health name the daemon', async () => {
    const d = await startDaemonProcess({ generatedSecrets: true });
    try {
      const tokenFile = join(d.dataDir, 'admin-token');
      const token = (await readFile(tokenFile, 'utf8')).trim();
      // The lines follow 'listening' by a database read: wait for the last one.
      for (let i = 0; i < 100 && !d.output().includes('no provider yet'); i++) await new Promise((r) => setTimeout(r, 100));
      const messages = d.output().split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { msg: string }).msg);
      const from = messages.indexOf('listening');
      expect(from, d.output()).toBeGreaterThanOrEqual(0);
      expect(messages.slice(from + 1).filter((m) => m.startsWith('next: '))).toEqual([
        `next: open ${d.url}/ui and sign in with the admin token from ${tokenFile}`,
        'next: the command line: dns01-proxy providers list (docs/cli.md; it reads the token from the data directory)',
        'next: no provider yet: add one with dns01-proxy providers add --name NAME --type TYPE (dns01-proxy types lists the types)',
      ]);
      expect(d.output()).not.toContain(token);

      const home = await fetch(`${d.url}/`);
      expect(home.status).toBe(200);
      expect(await home.json()).toEqual({
        service: 'dns01-proxy', version, page: '/ui', api_docs: '/api/v1/openapi.json', health: '/health', cli: 'dns01-proxy providers list',
      });
      const page = await fetch(`${d.url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      for (const part of ['href="/ui"', 'href="/api/v1/openapi.json"', 'href="/health"', 'dns01-proxy providers list', version]) expect(html).toContain(part);
      expect(html).not.toContain(token);

      const health = (await (await fetch(`${d.url}/health`)).json()) as Record<string, string>;
      expect(health).toEqual({ status: 'ok', service: 'dns01-proxy', version, instance: expect.stringMatching(/^[0-9a-f-]{36}$/) as string });
    } finally {
      await d.stop();
    }
  });

  it('a taken port: exit 1, the message names DNS01_PORT, and the data directory stays empty', async () => {
    const port = await freePort();
    const other = createServer((_req, res) => res.end('not ours'));
    await new Promise<void>((r) => other.listen(port, '127.0.0.1', r));
    try {
      const d = await startDaemonProcess({ generatedSecrets: true, port, until: 'spawned' });
      try {
        const exit = await d.exited;
        expect(exit.code, d.output()).toBe(1);
        expect(d.output()).toContain(`dns01-proxy: failed to start: cannot listen on 127.0.0.1:${port} (DNS01_HOST=127.0.0.1, DNS01_PORT=${port}; EADDRINUSE): another process listens there`);
        expect(await readdir(d.dataDir)).toEqual([]);
      } finally {
        await d.stop();
      }
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});
