// Every blocked range, in every spelling an attacker might use, is refused; public addresses are not.
import { describe, expect, it } from 'vitest';
import { isAlwaysBlockedAddress, isBlockedAddress } from '../../src/security/ssrf.js';

// [address, a substring of the range name it must report]
const BLOCKED: [string, string][] = [
  ['0.0.0.0', '0.0.0.0/8'],
  ['0.1.2.3', '0.0.0.0/8'],
  ['10.0.0.5', '10.0.0.0/8'],
  ['10.255.255.255', '10.0.0.0/8'],
  ['100.64.0.1', '100.64.0.0/10'],
  ['100.127.255.254', '100.64.0.0/10'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.0.9', '127.0.0.0/8'],
  ['169.254.1.1', '169.254.0.0/16'],
  ['169.254.169.254', 'metadata'],
  ['172.16.0.1', '172.16.0.0/12'],
  ['172.31.255.255', '172.16.0.0/12'],
  ['192.0.0.8', '192.0.0.0/24'],
  ['192.0.2.1', '192.0.2.0/24'],
  ['192.168.1.1', '192.168.0.0/16'],
  ['198.18.0.1', '198.18.0.0/15'],
  ['198.19.255.255', '198.18.0.0/15'],
  ['198.51.100.7', '198.51.100.0/24'],
  ['203.0.113.9', '203.0.113.0/24'],
  ['224.0.0.1', '224.0.0.0/4'],
  ['239.255.255.250', '224.0.0.0/4'],
  ['240.0.0.1', '240.0.0.0/4'],
  ['255.255.255.255', '255.255.255.255/32'],
  // Odd IPv4 spellings WHATWG URL parsing accepts
  ['0x7f.1', '127.0.0.0/8'],
  ['2130706433', '127.0.0.0/8'],
  ['0177.0.0.1', '127.0.0.0/8'],
  ['0x7f000001', '127.0.0.0/8'],
  ['127.1', '127.0.0.0/8'],
  ['127.0.0.1.', '127.0.0.0/8'],
  ['0xa9.0xfe.0xa9.0xfe', 'metadata'],
  // IPv6
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['[::1]', '::1/128'],
  ['0:0:0:0:0:0:0:1', '::1/128'],
  ['fc00::1', 'fc00::/7'],
  ['fd12:3456::1', 'fc00::/7'],
  ['fe80::1', 'fe80::/10'],
  ['fe80::1%eth0', 'fe80::/10'],
  ['febf::1', 'fe80::/10'],
  ['ff02::1', 'ff00::/8'],
  ['2001:db8::1', '2001:db8::/32'],
  ['3fff:fff::1', '3fff::/20'],
  ['2001:2::1', '2001:2::/48'],
  ['5f00:1:2::3', '5f00::/16'],
  ['100::1', '100::/64'],
  ['fd00:ec2::254', 'AWS metadata'],
  // IPv4-mapped, -compatible, NAT64 and 6to4 forms: the embedded IPv4 address decides
  ['::ffff:127.0.0.1', 'IPv4-mapped'],
  ['[::ffff:127.0.0.1]', '127.0.0.0/8'],
  ['::ffff:7f00:1', '127.0.0.0/8'],
  ['::ffff:10.0.0.5', '10.0.0.0/8'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['::ffff:a9fe:a9fe', 'metadata'],
  ['0:0:0:0:0:ffff:c0a8:0101', '192.168.0.0/16'],
  ['::127.0.0.1', 'IPv4-compatible'],
  ['::a00:5', '10.0.0.0/8'],
  ['64:ff9b::10.0.0.5', 'NAT64'],
  ['64:ff9b::7f00:1', '127.0.0.0/8'],
  ['2002:7f00:1::1', '6to4'],
  // Not an address at all: refused rather than guessed at
  ['example.com', 'not an IP address'],
  ['8.8.8.8@127.0.0.1', 'not an IP address'],
  ['', 'not an IP address'],
];

const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.215.14', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0',
  '192.0.1.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '223.255.255.255', '2606:4700:4700::1111',
  '2a00:1450:4001::200e', '3fff:1000::1', '2001:2:1::1', '5eff::1', '::ffff:8.8.8.8', '64:ff9b::808:808', '0x8.0x8.0x8.0x8', '134744072'];

describe('isBlockedAddress', () => {
  it.each(BLOCKED)('refuses %s (%s)', (ip, range) => {
    const name = isBlockedAddress(ip);
    expect(name).not.toBeNull();
    expect(name).toContain(range);
  });

  it.each(PUBLIC)('allows the public address %s', (ip) => {
    expect(isBlockedAddress(ip)).toBeNull();
  });
});

describe('isAlwaysBlockedAddress (what stays refused with private webhooks allowed)', () => {
  it.each(['169.254.169.254', '::ffff:169.254.169.254', 'fd00:ec2::254', '169.254.170.2', 'not-an-ip'])('refuses %s', (ip) => {
    expect(isAlwaysBlockedAddress(ip)).not.toBeNull();
  });

  it.each(['127.0.0.1', '10.0.0.5', '::1', '192.168.1.1'])('lets the private address %s through', (ip) => {
    expect(isAlwaysBlockedAddress(ip)).toBeNull();
  });
});
