// undici for outbound HTTP (webhooks, Caddy's admin API), loaded by the first call instead of at start: evaluating it
// and the node:http2 it requires is about 45 ms of a start, before /ready, that needs neither.
let loading: Promise<typeof import('undici')> | undefined;

export const undici = (): Promise<typeof import('undici')> => (loading ??= import('undici'));
