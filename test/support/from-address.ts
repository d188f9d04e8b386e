// fetch from a chosen loopback address, so a test can be several clients (the TCP peer the daemon sees) at once.
import { Agent, fetch as undiciFetch } from 'undici';

export type FetchFrom = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;

const agents: Agent[] = [];

/** A fetch whose connections leave from `localAddress` (any 127.x.y.z works on Linux); redirects are not followed. */
export function fetchFrom(localAddress: string): FetchFrom {
  const agent = new Agent({ localAddress });
  agents.push(agent);
  return (url, init = {}) => undiciFetch(url, { ...init, dispatcher: agent, redirect: 'manual' }) as unknown as Promise<Response>;
}

/** Closes every agent fetchFrom made (call it in afterAll). */
export async function closeFetchFrom(): Promise<void> {
  await Promise.all(agents.splice(0).map((a) => a.close()));
}
