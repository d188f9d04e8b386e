// Real DNS servers for tests (BIND, Knot, PowerDNS), each on its own loopback port with TSIG-updatable zones.
export { startBind, type BindOptions } from './bind.js';
export { startKnot, type KnotOptions } from './knot.js';
export { startPowerDns, type PowerDnsOptions, type RunningPowerDns } from './powerdns.js';
export type { DnsServerOptions, RunningDnsServer, TestTsigKey } from './common.js';
