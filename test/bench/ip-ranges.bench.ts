// Benchmark (plain tsx script, not a vitest test): the SSRF range table (src/security/ip-ranges.ts) against node's
// net.BlockList holding the same ranges and against ipaddr.js's named ranges: what each says about one table of
// addresses, then the time of one lookup (median, p95). ARCHITECTURE.md ("Libraries and what we write ourselves")
// holds the figures and the decision. ipaddr.js is not a dependency: its rows appear when it can be loaded (lib.ts).
// Run: npm run bench -- ip-ranges   or   BENCH_LIBS_DIR=/tmp/libs-eval npx tsx test/bench/ip-ranges.bench.ts
import { BlockList, isIP } from 'node:net';
import { blockedRangeTable, isBlockedAddress } from '../../src/security/ip-ranges.js';
import { busyTag, optionalLibrary, quietMachine, option, summarise } from './lib.js';

interface IpAddr {
  parse(text: string): { kind(): 'ipv4' | 'ipv6'; range(): string; isIPv4MappedAddress?(): boolean; toIPv4Address?(): { range(): string } };
}

const ADDRESSES = [
  // IPv4: every blocked range, then public neighbours and ranges ipaddr.js names that the table leaves out.
  '0.0.0.0', '10.0.0.5', '100.64.0.1', '127.0.0.1', '169.254.1.1', '169.254.169.254', '100.100.100.200', '172.16.0.1',
  '192.0.0.8', '192.0.2.1', '192.168.1.1', '198.18.0.1', '198.51.100.7', '203.0.113.9', '224.0.0.1', '240.0.0.1',
  '255.255.255.255', '192.88.99.1', '192.175.48.1', '192.52.193.1', '8.8.8.8', '1.1.1.1', '100.63.255.255', '172.32.0.0',
  // IPv4 spellings WHATWG URL (and so undici) accepts
  '0x7f.1', '2130706433', '0177.0.0.1', '127.1', '127.0.0.1.', '0xa9.0xfe.0xa9.0xfe', '017.0.0.1',
  // IPv6: loopback in all forms, unspecified, ULA, link-local, site-local, multicast, documentation, discard, metadata
  '::', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'fec0::1', 'ff02::1',
  '2001:db8::1', '100::1', 'fd00:ec2::254', '2606:4700:4700::1111', '2a00:1450:4001::200e',
  // IPv6 forms that embed an IPv4 address: mapped, translated, compatible, NAT64 (and local-use NAT64), 6to4, Teredo
  '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '::ffff:8.8.8.8', '::ffff:0:7f00:1', '::127.0.0.1',
  '::a00:5', '64:ff9b::10.0.0.5', '64:ff9b::7f00:1', '64:ff9b::808:808', '64:ff9b:1::a00:5', '2002:7f00:1::1',
  '2002:808:808::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2',
  // IPv6 ranges ipaddr.js names that the table leaves out
  '2001:2::1', '2001:3::1', '2001:4:112::1', '2001:10::1', '2001:20::1', '2001:30::1', '5f00::1', '3fff::1', '2620:4f:8000::1',
  // Not addresses
  'example.com', '8.8.8.8@127.0.0.1', '',
];

// node's BlockList holding the same CIDRs. It matches `::ffff:a.b.c.d` against IPv4 rules by itself; it names no
// range, reads no odd IPv4 spelling, and knows nothing of the other embedded forms.
const table = blockedRangeTable();
const blockList = new BlockList();
for (const r of [...table.v4, ...table.v6]) {
  const [net, bits] = r.cidr.split('/');
  blockList.addSubnet(net!, Number(bits), table.v4.includes(r) ? 'ipv4' : 'ipv6');
}
function viaBlockList(ip: string): string {
  const family = isIP(ip);
  if (family === 0) return 'not an address';
  return blockList.check(ip, family === 4 ? 'ipv4' : 'ipv6') ? 'blocked' : 'public';
}

const ipaddr = optionalLibrary<IpAddr>('ipaddr.js');
function viaIpaddr(ip: string): string {
  let a: ReturnType<IpAddr['parse']>;
  try {
    a = ipaddr!.lib.parse(ip.replace(/^\[(.*)\]$/, '$1'));
  } catch {
    return 'not an address';
  }
  const range = a.range();
  return a.kind() === 'ipv6' && a.isIPv4MappedAddress?.() ? `${range} of ${a.toIPv4Address!().range()}` : range;
}

const ours = (ip: string) => isBlockedAddress(ip) ?? 'public';

const quiet = await quietMachine('ip-ranges.bench');
console.log(`ip-ranges bench; ipaddr.js ${ipaddr ? ipaddr.version : 'not installed (BENCH_LIBS_DIR)'}`);
console.log('\nverdicts: ours (src/security/ip-ranges.ts) | BlockList (same CIDRs) | ipaddr.js range()');
let differ = 0;
for (const ip of ADDRESSES) {
  const o = ours(ip);
  const b = viaBlockList(ip);
  const i = ipaddr ? viaIpaddr(ip) : '';
  // A row differs when a library puts the address in another class than we do: blocked (a named special range for
  // ipaddr.js), public (`unicast`, or a mapped `unicast`), or not an address (which we refuse too: fail closed).
  const ourClass = o === 'public' ? 'public' : o === 'not an IP address' ? 'not an address' : 'blocked';
  const ipaddrClass = i === 'not an address' ? i : /^(ipv4Mapped of )?unicast$/.test(i) ? 'public' : 'blocked';
  const mark = b !== ourClass || (ipaddr && ipaddrClass !== ourClass) ? '*' : ' ';
  if (mark === '*') differ++;
  console.log(`${mark} ${(ip || "''").padEnd(38)} ${o.padEnd(62)} ${b.padEnd(14)} ${i}`);
}
console.log(`${differ} of ${ADDRESSES.length} rows marked * (a library's answer differs from ours)`);

// One lookup's time: each address K times in a row, the three alternating per address so outside load falls on all.
const ROUNDS = option('rounds', 200);
const K = 50;
const impls: [string, (ip: string) => unknown][] = [['ours', isBlockedAddress], ['BlockList', viaBlockList], ...(ipaddr ? [['ipaddr.js', viaIpaddr] as [string, (ip: string) => unknown]] : [])];
const samples = new Map(impls.map(([name]) => [name, { v4: [] as number[], v6: [] as number[] }]));
for (const [, fn] of impls) for (const ip of ADDRESSES) fn(ip); // warm-up: lazy tables, JIT
for (let r = 0; r < ROUNDS; r++) {
  for (const ip of ADDRESSES) {
    const family = ip.includes(':') ? 'v6' : 'v4';
    for (const [name, fn] of r % 2 ? [...impls].reverse() : impls) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < K; k++) fn(ip);
      samples.get(name)![family].push(Number(process.hrtime.bigint() - t0) / K / 1000);
    }
  }
}
console.log(`\none lookup, µs (${ROUNDS} rounds × ${ADDRESSES.length} addresses, each the mean of ${K} calls in a row)`);
for (const [name] of impls) {
  const s = samples.get(name)!;
  const fmt = (xs: number[]) => { const x = summarise(xs); return `median ${x.median.toFixed(2)}  p95 ${x.p95.toFixed(2)}`; };
  console.log(`${name.padEnd(10)} all: ${fmt([...s.v4, ...s.v6])}   IPv4 text: ${fmt(s.v4)}   IPv6 text: ${fmt(s.v6)}${busyTag()}`);
}
quiet.end();
