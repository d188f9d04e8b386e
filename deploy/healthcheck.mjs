// Probe for the daemon's ops endpoints, run by the image's Docker HEALTHCHECK (and by hand).
// Usage: node /app/healthcheck.mjs [/health|/ready]  -> exit 0 on a 2xx answer, 1 otherwise.
// Node instead of curl: the slim runtime image ships no curl. It starts a whole node process
// (~60 MB), so the Kubernetes manifests use httpGet probes through Caddy's ops listener and
// deploy/compose.yaml a bash /dev/tcp check instead.
const path = process.argv[2] ?? '/health';
const port = process.env.DNS01_PORT ?? '8053';
const bind = process.env.DNS01_HOST ?? '127.0.0.1';
// A wildcard bind is reached through loopback; a specific address is used as it is.
const host = bind === '0.0.0.0' || bind === '' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
const url = `http://${host}:${port}${path}`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  if (res.ok) process.exit(0);
  const body = (await res.text()).slice(0, 500);
  console.error(`${url} answered ${res.status}: ${body}`);
} catch (err) {
  console.error(`${url} unreachable: ${err instanceof Error ? err.message : String(err)}`);
}
process.exit(1);
