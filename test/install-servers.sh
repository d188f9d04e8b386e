#!/usr/bin/env bash
# Installs the real servers and tools the tests start (Debian 12 packages); idempotent, and a no-op when all are present.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -E bash "$0" "$@"; fi
  echo "install-servers.sh: needs root (or sudo) to run apt-get" >&2
  exit 1
fi

# Binary (or file) each package provides -> package; keep in step with the starters in test/support.
declare -A need=(
  [/usr/sbin/named]=bind9
  [/usr/bin/nsupdate]=bind9-dnsutils
  [/usr/bin/dig]=bind9-dnsutils
  [/usr/sbin/knotd]=knot
  [/usr/sbin/knotc]=knot
  [/usr/bin/kdig]=knot-dnsutils
  [/usr/bin/knsupdate]=knot-dnsutils
  [/usr/sbin/pdns_server]=pdns-server
  [/usr/bin/pdnsutil]=pdns-server
  [/usr/lib/x86_64-linux-gnu/pdns/libgsqlite3backend.so]=pdns-backend-sqlite3
  [/usr/bin/sqlite3]=sqlite3
  [/usr/bin/pebble]=pebble
  [/usr/bin/lego]=lego
  [/usr/bin/caddy]=caddy
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/openssl]=openssl
  [/usr/bin/curl]=curl
  [/usr/bin/docker-compose]=docker-compose
  [/usr/bin/prlimit]=util-linux
  [/usr/bin/chromium]=chromium
  [/usr/bin/systemd-analyze]=systemd
  [/usr/bin/promtool]=prometheus
  [/usr/bin/prometheus]=prometheus
  [/usr/bin/certbot]=certbot
  [/usr/lib/python3/dist-packages/certbot_dns_rfc2136]=python3-certbot-dns-rfc2136
)

missing=()
for path in "${!need[@]}"; do
  [ -e "$path" ] || missing+=("${need[$path]}")
done
# The tests prefer PostgreSQL 15 (what the daemon is tested against) but take any installed major.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then missing+=(postgresql-15); fi
# kubectl renders the kustomize overlays; Debian's own build of it is kubernetes-client.
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
# pdns-backend-sqlite3's library lives under the multiarch dir, which differs off amd64: trust dpkg there.
if [ "$(dpkg --print-architecture)" != amd64 ]; then
  dpkg-query -W -f='${Status}' pdns-backend-sqlite3 2>/dev/null | grep -q 'ok installed' || missing+=(pdns-backend-sqlite3)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-servers.sh: all test servers present"
  exit 0
fi
mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "install-servers.sh: installing ${packages[*]}"

# Packages must not start their own services: they would take ports 53, 5432, 6379 and outlive the tests.
policy=/usr/sbin/policy-rc.d
backup=""
if [ -e "$policy" ]; then
  backup="$(mktemp /usr/sbin/policy-rc.d.XXXXXX)"
  cp -p "$policy" "$backup"
fi
printf '#!/bin/sh\nexit 101\n' >"$policy"
chmod 0755 "$policy"
cleanup() { if [ -n "$backup" ]; then mv -f "$backup" "$policy"; else rm -f "$policy"; fi; }
trap cleanup EXIT

# needrestart (when installed) would otherwise prompt about, or restart, unrelated services.
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
apt-get update -qq
# postgresql-15 exists on Debian 12; elsewhere take the distribution's default major.
for i in "${!packages[@]}"; do
  if [ "${packages[$i]}" = postgresql-15 ] && ! apt-cache show postgresql-15 >/dev/null 2>&1; then
    packages[$i]=postgresql
  fi
done
apt-get install -y -qq "${packages[@]}"

for path in "${!need[@]}"; do
  [ -e "$path" ] || [ "${need[$path]}" = pdns-backend-sqlite3 ] || { echo "install-servers.sh: $path still missing (package ${need[$path]})" >&2; exit 1; }
done
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || { echo "install-servers.sh: PostgreSQL server binaries still missing" >&2; exit 1; }
echo "install-servers.sh: done"
