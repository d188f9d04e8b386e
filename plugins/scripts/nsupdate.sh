#!/bin/sh
# Example script for the dns01-proxy script provider (arg_style charon): adds or deletes exactly
# one TXT value with nsupdate (RFC 2136 DNS UPDATE), TSIG-signed.
#
# argv:  create|delete FQDN CHALLENGE_ID VALUE        (FQDN without the trailing dot)
# env (the provider's env_vars; DNS_* are set by the daemon):
#   NSUPDATE_SERVER   server to send the update to (address or name)          required
#   NSUPDATE_PORT     its port                                                 default 53
#   NSUPDATE_ZONE     zone to update, e.g. example.com                         default DNS_ZONE
#   NSUPDATE_KEY      TSIG key. Preferred: the path of a key file as written by
#                     `tsig-keygen -a hmac-sha256 NAME` (key "NAME" { algorithm ...; secret "..."; };).
#                     Also accepted: inline [ALGORITHM:]NAME:SECRET (algorithm default hmac-sha256).
#                     Unset: unsigned update (only for servers that allow updates by address).
#   NSUPDATE_TIMEOUT  seconds nsupdate may take in all; keep it below the provider's timeout_seconds.
#                                                                              default 25
# TTL: DNS_TTL (default 60).
#
# Install: copy into the daemon's scripts directory (DNS01_SCRIPTS_DIR), owner root, mode 0755.
# A root daemon runs scripts as uid/gid 65534, so a key file must be readable by 65534, e.g.
# `chown root:65534 key && chmod 0640 key`; keep it outside the scripts directory's reach of
# anyone else. An inline key is never put on nsupdate's command line (where `ps` would show it
# to every local user, as `-y` would): it goes in nsupdate's input through a pipe.
#
# `delete` removes only this VALUE from the name (`update delete NAME TXT "VALUE"`), never the
# whole RRset, so a wildcard and an apex challenge on the same name do not disturb each other;
# deleting a value that is not there succeeds.
set -eu

fail() {
	echo "nsupdate.sh: $*" >&2
	exit 2
}

[ "$#" -eq 4 ] || fail "usage: nsupdate.sh create|delete FQDN CHALLENGE_ID VALUE"
action=$1
fqdn=${2%.}
value=$4
server=${NSUPDATE_SERVER:-}
port=${NSUPDATE_PORT:-53}
zone=${NSUPDATE_ZONE:-${DNS_ZONE:-}}
zone=${zone%.}
key=${NSUPDATE_KEY:-}
ttl=${DNS_TTL:-60}
timeout=${NSUPDATE_TIMEOUT:-25}

# Every value below ends up in nsupdate's command stream: a newline or a quote in one of them
# would add commands of its own, so each must match a strict pattern first. grep matches line
# by line (one good line would do), so anything holding a newline is refused before it.
nl='
'
matches() {
	case $1 in *"$nl"*) return 1 ;; esac
	printf '%s' "$1" | LC_ALL=C grep -Eqx -- "$2"
}
name_re='[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*'

case $action in
create | delete) ;;
*) fail "action must be create or delete" ;;
esac
[ -n "$server" ] || fail "NSUPDATE_SERVER is not set"
[ -n "$zone" ] || fail "NSUPDATE_ZONE is not set (and the daemon gave no DNS_ZONE)"
matches "$server" '[A-Za-z0-9.:_-]+' || fail "NSUPDATE_SERVER is not an address or host name"
matches "$port" '[0-9]{1,5}' || fail "NSUPDATE_PORT is not a port number"
matches "$ttl" '[0-9]{1,7}' || fail "DNS_TTL is not a number"
matches "$timeout" '[0-9]{1,4}' || fail "NSUPDATE_TIMEOUT is not a number"
matches "$fqdn" "$name_re" || fail "FQDN is not a DNS name"
matches "$zone" "$name_re" || fail "zone is not a DNS name"
# ACME TXT values are 43 characters of base64url (RFC 8555 section 8.4).
matches "$value" '[A-Za-z0-9_-]{1,255}' || fail "VALUE is not base64url"

lower() { printf '%s' "$1" | tr 'A-Z' 'a-z'; }
case "$(lower "$fqdn")" in
"$(lower "$zone")" | *".$(lower "$zone")") ;;
*) fail "$fqdn is not inside zone $zone" ;;
esac

# No key-file option by default; an inline key becomes a `key` command in the input.
keyfile=
keyline=
if [ -n "$key" ]; then
	if [ -f "$key" ]; then
		[ -r "$key" ] || fail "key file $key is not readable by uid $(id -u)"
		keyfile=$key
	else
		# The key's own text is kept out of every message: it is a secret.
		matches "$key" '([A-Za-z0-9-]+:)?[A-Za-z0-9._-]+:[A-Za-z0-9+/=]+' ||
			fail "NSUPDATE_KEY is neither an existing key file nor [ALGORITHM:]NAME:SECRET"
		case $key in
		*:*:*) alg=${key%%:*} rest=${key#*:} ;;
		*) alg=hmac-sha256 rest=$key ;;
		esac
		keyline="key $alg:${rest%%:*} ${rest#*:}"
	fi
fi

if [ "$action" = create ]; then
	update="update add $fqdn. $ttl IN TXT \"$value\""
else
	update="update delete $fqdn. IN TXT \"$value\""
fi

# Explicit server and zone: no SOA discovery through whatever resolver the host has.
# Nothing follows `send`: a blank line is itself a send in nsupdate's input.
send_update() {
	{
		printf 'server %s %s\n' "$server" "$port"
		printf 'zone %s.\n' "$zone"
		[ -z "$keyline" ] || printf '%s\n' "$keyline"
		printf '%s\n' "$update"
		printf 'send\n'
	} | if [ -n "$keyfile" ]; then
		nsupdate -t "$timeout" -k "$keyfile"
	else
		nsupdate -t "$timeout"
	fi
}

if out=$(send_update 2>&1); then
	[ -z "$out" ] || printf '%s\n' "$out" >&2
	exit 0
fi
printf '%s\n' "$out" >&2
# The server answered and refused this one name (its update-policy does not grant it): exit 77
# (EX_NOPERM) says so, and the daemon fails this challenge alone without counting it toward the
# provider's circuit breaker. Every other failure (no answer, a rejected key) exits 2 and counts.
case $out in
*"update failed: REFUSED"*) exit 77 ;;
esac
exit 2
