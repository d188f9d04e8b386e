// Conformance of the rfc2136 plugin against real Knot, for every TSIG algorithm.
import { startKnot } from '../support/dns-servers/index.js';
import { runRfc2136Conformance } from './rfc2136.js';

runRfc2136Conformance('Knot', startKnot);
