// Conformance of the rfc2136 plugin against real BIND, for every TSIG algorithm.
import { startBind } from '../support/dns-servers/index.js';
import { runRfc2136Conformance } from './rfc2136.js';

runRfc2136Conformance('BIND', startBind);
