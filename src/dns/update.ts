// Builds RFC 2136 UPDATE messages that add or delete exactly one TXT value, or only test prerequisites.
import { randomInt } from 'node:crypto';
import { CLASS, OPCODE_UPDATE_FLAGS, TYPE, encodeName, encodeRr, encodeTxtRdata } from './packet.js';

/** Prerequisites of RFC 2136 §2.4 that need no rdata (class ANY, TTL 0, RDLENGTH 0). */
export type Prerequisite =
  | { kind: 'rrset-exists'; name: string; type: number } // §2.4.1
  | { kind: 'name-in-use'; name: string }; // §2.4.4

export type TxtUpdate =
  | { op: 'add'; name: string; value: string; ttl: number } // §2.5.1: class IN
  | { op: 'delete'; name: string; value: string }; // §2.5.4: class NONE, TTL 0

export interface UpdateMessage {
  zone: string;
  prerequisites?: Prerequisite[];
  updates?: TxtUpdate[];
  /** Message ID; random when absent (RFC 5452 §4). */
  id?: number;
}

function prerequisiteRr(p: Prerequisite): Buffer {
  if (p.kind === 'rrset-exists') return encodeRr(p.name, p.type, CLASS.ANY, 0);
  return encodeRr(p.name, TYPE.ANY, CLASS.ANY, 0);
}

function updateRr(u: TxtUpdate): Buffer {
  const rdata = encodeTxtRdata(u.value);
  // Deleting one RR from an RRset is class NONE with TTL 0 (§2.5.4); class ANY would wipe the whole RRset
  // (§2.5.2), taking the other value of a wildcard+apex pair with it. dns-packet cannot write class 254,
  // so every record here is written by hand with encodeRr.
  if (u.op === 'delete') return encodeRr(u.name, TYPE.TXT, CLASS.NONE, 0, rdata);
  if (!Number.isInteger(u.ttl) || u.ttl < 0 || u.ttl > 0x7fffffff) throw new Error(`invalid TTL ${u.ttl}`);
  return encodeRr(u.name, TYPE.TXT, CLASS.IN, u.ttl, rdata);
}

/** An UPDATE message without TSIG; sign it with tsig.ts before sending. */
export function buildUpdate(msg: UpdateMessage): Buffer {
  const prereqs = msg.prerequisites ?? [];
  const updates = msg.updates ?? [];
  const header = Buffer.alloc(12);
  header.writeUInt16BE(msg.id ?? randomInt(0, 0x10000), 0);
  header.writeUInt16BE(OPCODE_UPDATE_FLAGS, 2);
  header.writeUInt16BE(1, 4); // ZOCOUNT: exactly one zone (§2.3)
  header.writeUInt16BE(prereqs.length, 6); // PRCOUNT
  header.writeUInt16BE(updates.length, 8); // UPCOUNT
  header.writeUInt16BE(0, 10); // ADCOUNT
  const zone = Buffer.concat([encodeName(msg.zone), Buffer.from([0, TYPE.SOA, 0, CLASS.IN])]);
  return Buffer.concat([header, zone, ...prereqs.map(prerequisiteRr), ...updates.map(updateRr)]);
}

export function addTxtUpdate(zone: string, name: string, value: string, ttl: number, id?: number): Buffer {
  return buildUpdate({ zone, id, updates: [{ op: 'add', name, value, ttl }] });
}

export function deleteTxtUpdate(zone: string, name: string, value: string, id?: number): Buffer {
  return buildUpdate({ zone, id, updates: [{ op: 'delete', name, value }] });
}

/**
 * An update that changes nothing: only the prerequisite "the zone's SOA exists" (§2.4.1). A server still
 * authenticates it, so it checks the TSIG key and the zone without touching a record.
 */
export function noopUpdate(zone: string, id?: number): Buffer {
  return buildUpdate({ zone, id, prerequisites: [{ kind: 'rrset-exists', name: zone, type: TYPE.SOA }] });
}
