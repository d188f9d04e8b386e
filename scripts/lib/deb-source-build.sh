# Sourced by scripts/build-caddy.sh and test/lego/build-lego.sh: the cache, lock, deb-src and source-package
# steps both offline Go builds from Debian source packages share. Progress goes to stderr.

CACHE_DIR="${DNS01_CADDY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dns01-proxy}"

log() { echo "$LOG_NAME: $*" >&2; }

# as_root CMD...: runs CMD as root; through sudo when not root (asking for a password only on a terminal).
as_root() {
  if [[ "$(id -u)" == 0 ]]; then "$@"
  elif ! command -v sudo >/dev/null; then log "needs root for: $*; run as root or install sudo"; exit 1
  elif [[ -t 0 ]]; then sudo "$@"
  else sudo -n "$@"
  fi
}

# reuse_or_lock NAME HASH: sets OUT, the cached binary's path, and takes the build lock. Succeeds when OUT can be
# reused; fails when it must be built (then build and `publish`). Two test files may ask at once: one builds under
# the lock, the other waits and then reuses. In CI the binary is built fresh once per test run (DNS01_TEST_RUN_ID
# comes from vitest's global setup), then shared by every test file of that run.
reuse_or_lock() {
  OUT="$CACHE_DIR/$1-$2"
  RUN_ID="${DNS01_TEST_RUN_ID:-}"
  mkdir -p "$CACHE_DIR"
  exec 9>"$CACHE_DIR/.build-$1.lock"
  flock 9
  if [[ -x "$OUT" && ( "${CI:-}" != "true" || ( -n "$RUN_ID" && "$(cat "$OUT.run" 2>/dev/null)" == "$RUN_ID" ) ) ]]; then
    log "reusing $OUT"
    return 0
  fi
  return 1
}

# ensure_deb_src PACKAGE VERSION: a deb-src entry for the same mirror and a package index that lists VERSION.
ensure_deb_src() {
  local src_list=/etc/apt/sources.list.d/dns01-proxy-src.sources
  # An uncommented deb-src line (sources.list) or a Types: line naming deb-src (deb822 .sources).
  if ! grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding the deb-src entry $src_list (Debian bookworm main, for apt-get source)"
    as_root tee "$src_list" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  fi
  if ! apt-cache showsrc "$1" 2>/dev/null | grep -qx "Version: $2"; then
    log "apt-get update (the source index)"
    as_root apt-get update -q >&2
  fi
  if ! command -v dpkg-source >/dev/null; then
    log "installing dpkg-dev with apt (apt-get source unpacks with its dpkg-source)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg-dev >&2
  fi
}

# fetch_deb_source PACKAGE VERSION DIR_GLOB: unpacks the source package (Debian's patches applied) once into the
# cache; sets SRC_CACHE.
fetch_deb_source() {
  SRC_CACHE="$CACHE_DIR/$1-src-$2"
  if [[ ! -d "$SRC_CACHE/debian" ]]; then
    log "fetching source $1=$2"
    local tmp dir
    tmp="$(mktemp -d "$CACHE_DIR/src.XXXXXX")"
    (cd "$tmp" && apt-get source -q "$1=$2" >&2)
    dir="$(find "$tmp" -mindepth 1 -maxdepth 1 -type d -name "$3" | head -n1)"
    rm -rf "$SRC_CACHE"
    mv "$dir" "$SRC_CACHE"
    rm -rf "$tmp"
  fi
}

# use_debian_go: sets GO, Debian's Go 1.19 first (the golang-*-dev sources under /usr/share/gocode are vetted
# against it), else the go on PATH.
use_debian_go() {
  if [[ -x /usr/lib/go-1.19/bin/go ]]; then GO=/usr/lib/go-1.19/bin/go; else GO="$(command -v go)"; fi
}

# new_work_dir: sets WORK, a fresh directory under the cache for one build, removed when the script exits.
new_work_dir() {
  WORK="$(mktemp -d "$CACHE_DIR/work.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
}

# publish BUILT: moves the fresh binary to OUT (atomically).
publish() {
  mv "$1" "$OUT.tmp"
  mv "$OUT.tmp" "$OUT"
  printf "%s" "$RUN_ID" >"$OUT.run"
  log "built $OUT"
}
