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
CACHE_DIR="${DNS01_CADDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dns01-proxy}"
HASH="$(cd "$HERE" && cat build-caddy.sh module/cmd/caddy/*.go vendor/*/*.go | sha256sum | cut -c1-16)"
OUT="$CACHE_DIR/caddy-$HASH"

log() { echo "build-caddy: $*" >&2; }

mkdir -p "$CACHE_DIR"
# Two test files may ask at once: one builds, the other waits and then reuses.
exec 9>"$CACHE_DIR/.build.lock"
flock 9

# In CI the binary is built fresh once per test run (DNS01_TEST_RUN_ID comes from vitest's global setup),
# then shared by every test file of that run.
RUN_ID="${DNS01_TEST_RUN_ID:-}"
if [[ -x "$OUT" && ( "${CI:-}" != "true" || ( -n "$RUN_ID" && "$(cat "$OUT.run" 2>/dev/null)" == "$RUN_ID" ) ) ]]; then
  log "reusing $OUT"
  echo "$OUT"
  exit 0
fi

as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo -n "$@"; fi
}

# 1. deb-src entry for the same mirror, so apt-get source/build-dep work.
SRC_LIST=/etc/apt/sources.list.d/dns01-proxy-src.sources
if ! grep -rqs 'deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "adding deb-src entry $SRC_LIST"
  as_root tee "$SRC_LIST" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi
if ! apt-cache showsrc caddy 2>/dev/null | grep -qx "Version: $CADDY_VERSION"; then
  as_root apt-get update -q >&2
fi
command -v dpkg-source >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg-dev >&2

# 2. Build dependencies: Go 1.19 and the golang-*-dev libraries under /usr/share/gocode.
if ! command -v go >/dev/null && [[ ! -x /usr/lib/go-1.19/bin/go ]] || [[ ! -d /usr/share/gocode/src/github.com/caddyserver/certmagic ]]; then
  log "installing build dependencies of caddy=$CADDY_VERSION (about 35 s, 1.2 GB)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "caddy=$CADDY_VERSION" >&2
fi
# Debian's Go 1.19 first: the golang-*-dev sources under /usr/share/gocode are vetted against it.
if [[ -x /usr/lib/go-1.19/bin/go ]]; then GO=/usr/lib/go-1.19/bin/go; else GO="$(command -v go)"; fi

# 3. Caddy's source, unpacked once into the cache.
SRC_CACHE="$CACHE_DIR/caddy-src-$CADDY_VERSION"
if [[ ! -d "$SRC_CACHE/debian" ]]; then
  log "fetching source caddy=$CADDY_VERSION"
  tmp="$(mktemp -d "$CACHE_DIR/src.XXXXXX")"
  (cd "$tmp" && apt-get source -q "caddy=$CADDY_VERSION" >&2)
  dir="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name 'caddy-*' | head -n1)"
  rm -rf "$SRC_CACHE"
  mv "$dir" "$SRC_CACHE"
  rm -rf "$tmp"
fi

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
mv "$WORK/caddy" "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
printf "%s" "$RUN_ID" >"$OUT.run"
log "built $OUT"
echo "$OUT"
