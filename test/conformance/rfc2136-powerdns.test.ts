// Conformance of the rfc2136 plugin against real PowerDNS, for every TSIG algorithm.
import { startPowerDns } from '../support/dns-servers/index.js';
import { runRfc2136Conformance } from './rfc2136.js';

runRfc2136Conformance('PowerDNS', startPowerDns);
