// Starts a real PowerDNS Authoritative (Debian pdns-server + pdns-backend-sqlite3) with RFC 2136 updates and, on request, its HTTP API.
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freeDnsPort, freePort, waitForTcp } from '../ports.js';
import { requireBinary } from '../proc.js';
import { type DnsServerOptions, type RunningDnsServer, launch, tempDir } from './common.js';

const GSQLITE3 = '/usr/lib/x86_64-linux-gnu/pdns/libgsqlite3backend.so';
const SCHEMA = '/usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Zone contents as SQL rows: SOA, NS ns1.<zone>, its A, plus the extra records (`owner TYPE content`). */
function zoneSql(id: number, zone: string, extra: string[]): string[] {
  const rows: [string, string, string][] = [
    [zone, 'SOA', `ns1.${zone} hostmaster.${zone} 1 3600 600 86400 60`],
    [zone, 'NS', `ns1.${zone}`],
    [`ns1.${zone}`, 'A', '127.0.0.1'],
    ...extra.map((line): [string, string, string] => {
      const m = /^(\S+)\s+(?:IN\s+)?(\S+)\s+(.*)$/.exec(line.trim());
      if (!m) throw new Error(`cannot turn "${line}" into a PowerDNS record`);
      const owner = m[1] === '@' ? zone : m[1]!.endsWith('.') ? m[1]!.slice(0, -1) : `${m[1]}.${zone}`;
      return [owner, m[2]!.toUpperCase(), m[3]!];
    }),
  ];
  return [
    `INSERT INTO domains (id, name, type) VALUES (${id}, ${q(zone)}, 'NATIVE');`,
    ...rows.map(([n, t, c]) => `INSERT INTO records (domain_id, name, type, content, ttl, auth) VALUES (${id}, ${q(n)}, ${q(t)}, ${q(c)}, 60, 1);`),
  ];
}

export interface PowerDnsOptions extends DnsServerOptions {
  /** Turns on the HTTP API (loopback only) with this key. */
  apiKey?: string;
}

export interface RunningPowerDns extends RunningDnsServer {
  /** The HTTP API's base URL (without /api/v1) when `apiKey` was given. */
  apiUrl?: string;
}

export async function startPowerDns(opts: PowerDnsOptions): Promise<RunningPowerDns> {
  const pdns = requireBinary('/usr/sbin/pdns_server', 'pdns-server');
  // A shared object, not an executable: requireBinary's X_OK check does not fit.
  if (!existsSync(GSQLITE3)) throw new Error(`${GSQLITE3} not found: install the Debian package 'pdns-backend-sqlite3'`);
  const sqlite = requireBinary('/usr/bin/sqlite3', 'sqlite3');
  const dir = tempDir('pdns');
  const port = await freeDnsPort();
  const db = join(dir, 'pdns.sqlite3');
  const apiPort = opts.apiKey ? await freePort() : undefined;
  const sql = [
    ...opts.tsigKeys.map((k) => `INSERT INTO tsigkeys (name, algorithm, secret) VALUES (${q(k.name)}, ${q(k.algorithm)}, ${q(k.secret)});`),
    ...opts.zones.flatMap((z, i) => [
      ...zoneSql(i + 1, z, opts.records?.[z] ?? []),
      // Which keys may update which zone (PowerDNS "dnsupdate" docs: TSIG-ALLOW-DNSUPDATE).
      ...opts.tsigKeys.map((k) => `INSERT INTO domainmetadata (domain_id, kind, content) VALUES (${i + 1}, 'TSIG-ALLOW-DNSUPDATE', ${q(k.name)});`),
    ]),
  ];
  execFileSync(sqlite, [db], { input: `.read ${SCHEMA}\n${sql.join('\n')}\n` });
  writeFileSync(join(dir, 'pdns.conf'), [
    'launch=gsqlite3',
    `gsqlite3-database=${db}`,
    'local-address=127.0.0.1',
    `local-port=${port}`,
    `socket-dir=${dir}`,
    'guardian=no',
    'daemon=no',
    'disable-syslog=yes',
    'dnsupdate=yes',
    'allow-dnsupdate-from=127.0.0.0/8',
    // No caches: a test reads a record back right after updating it.
    'cache-ttl=0',
    'negquery-cache-ttl=0',
    'query-cache-ttl=0',
    'zone-cache-refresh-interval=0',
    'receiver-threads=1',
    'distributor-threads=1',
    'signing-threads=1',
    ...(apiPort
      ? ['webserver=yes', 'api=yes', `api-key=${opts.apiKey}`, 'webserver-address=127.0.0.1', `webserver-port=${apiPort}`, 'webserver-allow-from=127.0.0.0/8']
      : ['webserver=no']),
    'loglevel=6',
    '',
  ].join('\n'));
  const server = await launch('powerdns', pdns, [`--config-dir=${dir}`], port, dir, opts.zones);
  if (!apiPort) return server;
  try {
    await waitForTcp(apiPort);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { ...server, apiUrl: `http://127.0.0.1:${apiPort}` };
}
