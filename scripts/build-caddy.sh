#!/usr/bin/env bash
# Builds a Caddy with the DNS modules the daemon needs, offline, on Debian 12: Caddy 2.6.2 from Debian's source
# package plus upstream's dns.providers.acmeproxy and dns.providers.rfc2136 modules (committed unchanged under
# scripts/caddy/vendor/), compiled against the Go libraries Debian ships. The no-Docker path of docs/deployment.md
# ("Caddy without Docker"); the tests build their Caddy with this same script (test/support/caddy.ts).
#
#   bash scripts/build-caddy.sh                   prints the path of the built (cached) binary
#   bash scripts/build-caddy.sh --output ./caddy  also copies it to ./caddy and prints that path
#
# Installs with apt, as root (through sudo when not run as root), only what is missing: a deb-src entry for
# Debian bookworm (/etc/apt/sources.list.d/dns01-proxy-src.sources) when there is none, dpkg-dev, and the build
# dependencies of Debian's caddy 2.6.2-5 source package (Go 1.19, the golang-*-dev libraries under
# /usr/share/gocode, gcc: about 240 packages, 1.2 GB). A cold build takes two to three minutes.
# The binary is cached under ${DNS01_CADDY_CACHE:-${XDG_CACHE_HOME:-~/.cache}/dns01-proxy}, keyed by the hash of
# every build input, and reused; with CI=true it is built fresh once per test run. Progress goes to stderr; the
# binary's path is the last line of stdout.
set -euo pipefail

usage() { sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }
OUTPUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o | --output) [[ $# -ge 2 ]] || { usage >&2; exit 2; }; OUTPUT="$2"; shift 2 ;;
    --output=*) OUTPUT="${1#--output=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "build-caddy: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENDOR_DIR="$HERE/caddy/vendor"
CADDY_VERSION="2.6.2-5" # pinned: the index also lists 2.6.2-5+deb12u1, which the mirror answers 404 for
LOG_NAME=build-caddy
# shellcheck source=lib/deb-source-build.sh
source "$HERE/lib/deb-source-build.sh"

# copy_out: copies the binary to --output when given, and prints the path to use.
copy_out() {
  if [[ -z "$OUTPUT" ]]; then echo "$OUT"; return; fi
  install -D -m 0755 "$OUT" "$OUTPUT"
  log "copied to $OUTPUT"
  realpath "$OUTPUT"
}

HASH="$(cd "$HERE" && cat build-caddy.sh lib/deb-source-build.sh caddy/main.go caddy/vendor/*/*.go | sha256sum | cut -c1-16)"
if reuse_or_lock caddy "$HASH"; then
  copy_out
  exit 0
fi
[[ -r /etc/debian_version ]] || log "warning: this is not Debian; the build needs apt and Debian 12's packages"

# 1. deb-src entry for the same mirror, so apt-get source/build-dep work.
ensure_deb_src caddy "$CADDY_VERSION"

# 2. Build dependencies: Go 1.19 and the golang-*-dev libraries under /usr/share/gocode (certmagic, libdns and
# miekg/dns among them, which the two DNS modules import).
GOCODE=/usr/share/gocode/src/github.com
if ! command -v go >/dev/null && [[ ! -x /usr/lib/go-1.19/bin/go ]] || [[ ! -d $GOCODE/caddyserver/certmagic ]] \
  || [[ ! -d $GOCODE/libdns/libdns ]] || [[ ! -d $GOCODE/miekg/dns ]]; then
  log "installing with apt: the build dependencies of Debian's caddy=$CADDY_VERSION (Go 1.19, golang-*-dev libraries, gcc; about 240 packages, 1.2 GB, 35 s)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "caddy=$CADDY_VERSION" >&2
fi
use_debian_go

# 3. Caddy's source, unpacked once into the cache.
fetch_deb_source caddy "$CADDY_VERSION" 'caddy-*'

# 4. A GOPATH laid out the way Debian's build does it.
new_work_dir
CADDY_PKG="$WORK/src/github.com/caddyserver/caddy/v2"
mkdir -p "$CADDY_PKG" "$WORK/src/dns01proxy/caddy"
cp -a "$SRC_CACHE/." "$CADDY_PKG/"
mkdir -p "$CADDY_PKG/vendor"
cp -a "$SRC_CACHE/debian/missing-sources/github.com" "$CADDY_PKG/vendor/"
cp -a "$SRC_CACHE/debian/missing-sources/google.golang.org" "$CADDY_PKG/vendor/"
cp "$SRC_CACHE/debian/missing-sources/caddy/fileserver/browse.html" "$CADDY_PKG/modules/caddyhttp/fileserver/"
rm -rf "$CADDY_PKG/modules/caddyhttp/tracing" "$CADDY_PKG/caddytest/integration"
cp "$HERE/caddy/main.go" "$WORK/src/dns01proxy/caddy/"
# GOPATH mode ignores upstream's go.mod: the import paths alone place the packages.
for pair in caddy-dns-acmeproxy:caddy-dns/acmeproxy libdns-acmeproxy:libdns/acmeproxy \
  caddy-dns-rfc2136:caddy-dns/rfc2136 libdns-rfc2136:libdns/rfc2136; do
  mkdir -p "$WORK/src/github.com/${pair#*:}"
  cp "$VENDOR_DIR/${pair%%:*}"/*.go "$WORK/src/github.com/${pair#*:}/"
done

# 5. Build.
log "go build (about 80 s cold)"
export GOPATH="$WORK:/usr/share/gocode" GO111MODULE=off GOPROXY=off CGO_ENABLED=1
export GOCACHE="$CACHE_DIR/gocache" GOFLAGS=
(cd "$WORK/src/dns01proxy/caddy" && "$GO" build -ldflags "-X github.com/caddyserver/caddy/v2.CustomVersion=v2.6.2+dns01proxy" -o "$WORK/caddy" . >&2)
publish "$WORK/caddy"
copy_out
