# syntax=docker/dockerfile:1.7
# dns01-proxy images. Targets:
#   runtime (default, last stage)  the daemon:  docker build -t dns01-proxy:0.1.0 .
#   caddy                          Caddy + a DNS module for every type the daemon offers:
#                                  docker build --target caddy -t dns01-proxy-caddy:0.1.0 .
# Versions are pinned (tag or commit); override with --build-arg. See docs/deployment.md.
ARG NODE_VERSION=24.21.0
ARG CADDY_VERSION=2.11.1

# ---------------------------------------------------------------- Caddy with DNS modules
FROM caddy:${CADDY_VERSION}-builder AS caddy-build
ARG CADDY_VERSION
# One caddy-dns module per type the daemon offers (acmeproxy for every proxied type, rfc2136 for its
# native mode), each pinned: the builder writes the JSON field names of exactly these versions.
# Checked against each module's source at the pin: docs/deployment.md#caddy-dns-modules.
ARG CADDY_DNS_ACMEPROXY=github.com/caddy-dns/acmeproxy@v1.1.1
ARG CADDY_DNS_RFC2136=github.com/caddy-dns/rfc2136@e50b9f25dd68882c76758446195aca0507be3c05
ARG CADDY_DNS_AZURE=github.com/caddy-dns/azure@v0.6.0
ARG CADDY_DNS_CLOUDFLARE=github.com/caddy-dns/cloudflare@v0.2.4
ARG CADDY_DNS_DIGITALOCEAN=github.com/caddy-dns/digitalocean@04bde2867106aa1b44c2f9da41a285fa02e629c5
ARG CADDY_DNS_DNSIMPLE=github.com/caddy-dns/dnsimple@0433343c56102ab9415e95486fb3dbba4a2e7d55
ARG CADDY_DNS_GODADDY=github.com/caddy-dns/godaddy@v1.2.0
ARG CADDY_DNS_GOOGLECLOUDDNS=github.com/caddy-dns/googleclouddns@v1.1.0
ARG CADDY_DNS_HETZNER=github.com/caddy-dns/hetzner/v2@v2.0.0-preview-1
ARG CADDY_DNS_NAMECHEAP=github.com/caddy-dns/namecheap@ef9fadb67785aea5f8a9dd3761ca23c77bafb55e
ARG CADDY_DNS_ROUTE53=github.com/caddy-dns/route53@v1.6.2
ARG CADDY_DNS_VULTR=github.com/caddy-dns/vultr@55bf3e9768beb9c465cc795fba6ee774573a5d22
RUN xcaddy build "v${CADDY_VERSION}" --output /usr/bin/caddy \
        --with "${CADDY_DNS_ACMEPROXY}" \
        --with "${CADDY_DNS_RFC2136}" \
        --with "${CADDY_DNS_AZURE}" \
        --with "${CADDY_DNS_CLOUDFLARE}" \
        --with "${CADDY_DNS_DIGITALOCEAN}" \
        --with "${CADDY_DNS_DNSIMPLE}" \
        --with "${CADDY_DNS_GODADDY}" \
        --with "${CADDY_DNS_GOOGLECLOUDDNS}" \
        --with "${CADDY_DNS_HETZNER}" \
        --with "${CADDY_DNS_NAMECHEAP}" \
        --with "${CADDY_DNS_ROUTE53}" \
        --with "${CADDY_DNS_VULTR}" \
    && [ "$(/usr/bin/caddy version | cut -d' ' -f1)" = "v${CADDY_VERSION}" ] \
    && for m in acmeproxy rfc2136 azure cloudflare digitalocean dnsimple godaddy googleclouddns hetzner namecheap route53 vultr; do \
           /usr/bin/caddy list-modules | grep -qx "dns.providers.$m" || { echo "missing dns.providers.$m" >&2; exit 1; }; \
       done

FROM caddy:${CADDY_VERSION} AS caddy
COPY --from=caddy-build /usr/bin/caddy /usr/bin/caddy
# Run as the same non-root uid as the daemon. Binding 80/443 as non-root relies on
# net.ipv4.ip_unprivileged_port_start=0: Docker sets it by default, Kubernetes via the
# pod's sysctls (deploy/base/deployment.yaml). /data holds certificates, /config autosave.
RUN mkdir -p /data/caddy /config/caddy \
    && chown -R 10001:10001 /data /config
USER 10001:10001
EXPOSE 80 443 9153

# ---------------------------------------------------------------- daemon: compile
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# patches/: fixes to dependencies that upstream has not released, applied by postinstall (patch-package).
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.plugin-api.json ./
COPY src ./src
COPY bin/require-node24.mjs bin/bundle-daemon.mjs bin/build-pglite-template.mjs ./bin/
# npm run build also writes dist/pglite-template.tar.gz: an initdb'd PGlite data dir that an embedded first start
# unpacks (initdb peaks near 1 GiB).
RUN npm run build

# ---------------------------------------------------------------- daemon: production deps
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# patches/: fixes to dependencies that upstream has not released, applied by postinstall (patch-package).
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund \
    && npm cache clean --force

# ---------------------------------------------------------------- daemon: runtime
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
LABEL org.opencontainers.image.title="dns01-proxy" \
      org.opencontainers.image.description="Answers ACME DNS-01 challenges for Caddy" \
      org.opencontainers.image.licenses="Apache-2.0"
# NODE_COMPILE_CACHE: V8's code for dist/main.js, written by the first start, read by the next (docs/deployment.md, "Start-up").
ENV NODE_ENV=production \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache \
    DNS01_DATA_DIR=/data \
    TMPDIR=/tmp
WORKDIR /app
# uid/gid 10001: outside the range of distro system users, matches deploy/ manifests.
# /data is the only writable path besides /tmp, so the root filesystem can be read-only.
# /scripts is the default DNS01_SCRIPTS_DIR; it stays root-owned (scripts are mounted in).
RUN groupadd --system --gid 10001 dns01 \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin dns01 \
    && mkdir -p /data /scripts \
    && chown 10001:10001 /data \
    && chmod 0700 /data
# Application files stay root-owned and read-only for the runtime user.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY drizzle ./drizzle
COPY deploy/healthcheck.mjs ./healthcheck.mjs
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8053
# node, not curl: the slim image has no curl. The script follows DNS01_HOST/DNS01_PORT.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "/app/healthcheck.mjs", "/health"]
STOPSIGNAL SIGTERM
# V8 sized for a sidecar (docs/deployment.md, "Memory"): semi-spaces of 2 MiB and the old space grown by 20% at a time
# keep idle RSS under 90 MiB and the peak under load near 125 MiB. --optimize-for-size held memory about as low but cost
# about 20% more CPU per challenge. --liftoff-only: WebAssembly (PGlite) stays on its baseline compiler; optimising
# PostgreSQL's 9 MB module in the background took about 500 MiB more at peak.
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=20", "--liftoff-only", "dist/main.js"]
