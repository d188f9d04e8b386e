// A real Prometheus (Debian's `prometheus`) for tests: loopback only, free port, a temp config and data dir, gone after stop().
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { requireBinary, startProcess } from './proc.js';

export interface PrometheusServer {
  url: string;
  /** An instant query through /api/v1/query: the result vector (empty when no series matched). */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  /** Active alerts (pending and firing) through /api/v1/alerts. */
  alerts(): Promise<Array<{ labels: Record<string, string>; annotations: Record<string, string>; state: 'pending' | 'firing' }>>;
  output(): string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** Scrape jobs: name → `host:port` targets, scraped every second. */
  jobs: Record<string, string[]>;
  /** Absolute paths of rule files, evaluated every second. */
  ruleFiles?: string[];
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url);
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${res.status} ${body.error ?? JSON.stringify(body)}`);
  return body.data;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<PrometheusServer> {
  const bin = requireBinary('/usr/bin/prometheus', 'prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'dns01-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: opts.ruleFiles ?? [],
    scrape_configs: Object.entries(opts.jobs).map(([job, targets]) => ({ job_name: job, static_configs: [{ targets }] })),
  }));
  let lastError = '';
  // freePort can race with other servers: on a lost race, try another port.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = startProcess(bin, [
      `--config.file=${configFile}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      '--log.level=warn',
    ], { cwd: dir });
    const deadline = Date.now() + 30_000;
    while (proc.child.exitCode === null && Date.now() < deadline) {
      const ready = await fetch(`${url}/-/ready`).then((r) => r.status === 200, () => false);
      if (ready) {
        return {
          url,
          query: async (expr) => (await api<{ result: any[] }>(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
          alerts: async () => (await api<{ alerts: any[] }>(`${url}/api/v1/alerts`)).alerts,
          output: () => proc.output(),
          stop: async () => {
            await proc.stop();
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    lastError = proc.output();
    await proc.stop('SIGKILL');
    if (!/address already in use/.test(lastError)) break;
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`prometheus did not start:\n${lastError}`);
}
