#!/usr/bin/env bash
# Builds lego 4.9.1 from Debian's source package with its acme-dns provider, which Debian's binary leaves out
# (goacmedns is not packaged): upstream goacmedns v0.1.1 is committed unchanged under vendor/. Offline, GOPATH mode.
# Only lego's provider list is cut down to acme-dns and manual; the CLI and the provider code are lego's own.
# Prints the binary's path as the last line of stdout; progress goes to stderr. Cached like scripts/build-caddy.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LEGO_VERSION="4.9.1-1"
LOG_NAME=build-lego
# shellcheck source=../../scripts/lib/deb-source-build.sh
source "$HERE/../../scripts/lib/deb-source-build.sh"
HASH="$(cd "$HERE" && cat build-lego.sh ../../scripts/lib/deb-source-build.sh vendor/goacmedns/*.go | sha256sum | cut -c1-16)"
if reuse_or_lock lego "$HASH"; then
  echo "$OUT"
  exit 0
fi

# 1. deb-src entry (shared with scripts/build-caddy.sh), so apt-get source works.
ensure_deb_src lego "$LEGO_VERSION"

# 2. Go and the few libraries lego's core and CLI import (not the full build-dep: the other providers are cut).
LIBS=(golang-go golang-github-cenkalti-backoff-dev golang-github-urfave-cli-v2-dev golang-github-miekg-dns-dev
  golang-golang-x-crypto-dev golang-golang-x-net-dev golang-gopkg-square-go-jose.v2-dev golang-github-mattn-go-isatty-dev golang-sslmate-src-go-pkcs12-dev)
if ! dpkg -s "${LIBS[@]}" >/dev/null 2>&1; then
  log "installing ${LIBS[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${LIBS[@]}" >&2
fi
use_debian_go

# 3. lego's source (Debian's patches applied), unpacked once into the cache.
fetch_deb_source lego "$LEGO_VERSION" 'golang-github-xenolf-lego-*'

# 4. A GOPATH: lego where its import path says, goacmedns under the path lego 4.9.1 imports it by.
new_work_dir
LEGO_PKG="$WORK/src/github.com/go-acme/lego"
mkdir -p "$LEGO_PKG" "$WORK/src/github.com/cpu/goacmedns"
cp -a "$SRC_CACHE/." "$LEGO_PKG/"
rm -rf "$LEGO_PKG/debian" "$LEGO_PKG/e2e" "$LEGO_PKG/internal/dnsdocs" "$LEGO_PKG/providers/http/memcached"
cp "$HERE"/vendor/goacmedns/*.go "$WORK/src/github.com/cpu/goacmedns/"
# Keep every line of the provider factory except the other providers' imports and cases (as Debian's rules
# drop the unpackaged ones, the other way round), then delete their packages.
# Debian's consistency.patch renamed upstream's `case "acme-dns"` to "acmedns" for that; upstream's name goes back.
perl -0pi -e 's{\tcase "acmedns":}{\tcase "acme-dns":}; s{\t"github.com/go-acme/lego/v4/providers/dns/(?!acmedns")[^"]+"\n}{}g; s{\tcase "(?!acme-dns"|manual")[^\n]*\n\t\treturn [^\n]+\n}{}g' \
  "$LEGO_PKG/providers/dns/dns_providers.go"
find "$LEGO_PKG/providers/dns" -mindepth 1 -maxdepth 1 -type d ! -name acmedns ! -name internal -exec rm -rf {} +

# 5. Build.
log "go build"
export GOPATH="$WORK:/usr/share/gocode" GO111MODULE=off GOPROXY=off CGO_ENABLED=0
export GOCACHE="$CACHE_DIR/gocache" GOFLAGS=
(cd "$LEGO_PKG/cmd/lego" && "$GO" build -ldflags "-X main.version=4.9.1+acmedns" -o "$WORK/lego" . >&2)
publish "$WORK/lego"
echo "$OUT"
