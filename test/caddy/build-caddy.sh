#!/usr/bin/env bash
# Builds Caddy 2.6.2 from Debian's source package with the upstream dns.providers.acmeproxy module
# (caddy-dns/acmeproxy and libdns/acmeproxy, committed unchanged under vendor/), offline (PEERS.md).
# Prints the binary's path as the last line of stdout; progress goes to stderr.
# Reuses a cached binary keyed by the hash of every build input here, except when CI=true (then builds fresh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODULE_DIR="$HERE/module"
VENDOR_DIR="$HERE/vendor"
CADDY_VERSION="2.6.2-5" # pinned: the index also lists 2.6.2-5+deb12u1, which the mirror answers 404 for
LOG_NAME=build-caddy
# shellcheck source=../support/deb-source-build.sh
source "$HERE/../support/deb-source-build.sh"
HASH="$(cd "$HERE" && cat build-caddy.sh ../support/deb-source-build.sh module/cmd/caddy/*.go vendor/*/*.go | sha256sum | cut -c1-16)"
reuse_or_lock caddy "$HASH"

# 1. deb-src entry for the same mirror, so apt-get source/build-dep work.
ensure_deb_src caddy "$CADDY_VERSION"

# 2. Build dependencies: Go 1.19 and the golang-*-dev libraries under /usr/share/gocode.
if ! command -v go >/dev/null && [[ ! -x /usr/lib/go-1.19/bin/go ]] || [[ ! -d /usr/share/gocode/src/github.com/caddyserver/certmagic ]]; then
  log "installing build dependencies of caddy=$CADDY_VERSION (about 35 s, 1.2 GB)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "caddy=$CADDY_VERSION" >&2
fi
# Debian's Go 1.19 first: the golang-*-dev sources under /usr/share/gocode are vetted against it.
if [[ -x /usr/lib/go-1.19/bin/go ]]; then GO=/usr/lib/go-1.19/bin/go; else GO="$(command -v go)"; fi

# 3. Caddy's source, unpacked once into the cache.
fetch_deb_source caddy "$CADDY_VERSION" 'caddy-*'

# 4. A GOPATH laid out the way Debian's build does it.
WORK="$(mktemp -d "$CACHE_DIR/work.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CADDY_PKG="$WORK/src/github.com/caddyserver/caddy/v2"
mkdir -p "$CADDY_PKG" "$WORK/src/dns01proxy" "$WORK/src/github.com/caddy-dns/acmeproxy" "$WORK/src/github.com/libdns/acmeproxy"
cp -a "$SRC_CACHE/." "$CADDY_PKG/"
mkdir -p "$CADDY_PKG/vendor"
cp -a "$SRC_CACHE/debian/missing-sources/github.com" "$CADDY_PKG/vendor/"
cp -a "$SRC_CACHE/debian/missing-sources/google.golang.org" "$CADDY_PKG/vendor/"
cp "$SRC_CACHE/debian/missing-sources/caddy/fileserver/browse.html" "$CADDY_PKG/modules/caddyhttp/fileserver/"
rm -rf "$CADDY_PKG/modules/caddyhttp/tracing" "$CADDY_PKG/caddytest/integration"
cp -a "$MODULE_DIR/cmd" "$WORK/src/dns01proxy/"
# GOPATH mode ignores upstream's go.mod: the import paths alone place the two packages.
cp "$VENDOR_DIR/caddy-dns-acmeproxy/acmeproxy.go" "$WORK/src/github.com/caddy-dns/acmeproxy/"
cp "$VENDOR_DIR/libdns-acmeproxy/provider.go" "$WORK/src/github.com/libdns/acmeproxy/"

# 5. Build.
log "go build (about 80 s cold)"
export GOPATH="$WORK:/usr/share/gocode" GO111MODULE=off GOPROXY=off CGO_ENABLED=1
export GOCACHE="$CACHE_DIR/gocache" GOFLAGS=
(cd "$WORK/src/dns01proxy/cmd/caddy" && "$GO" build -ldflags "-X github.com/caddyserver/caddy/v2.CustomVersion=v2.6.2+dns01proxy" -o "$WORK/caddy" . >&2)
publish "$WORK/caddy"
