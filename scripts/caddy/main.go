// Command caddy is Debian's Caddy 2.6.2 with the standard modules plus upstream dns.providers.acmeproxy and
// dns.providers.rfc2136, built by scripts/build-caddy.sh.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddy-dns/acmeproxy"
	_ "github.com/caddy-dns/rfc2136"
)

func main() {
	caddycmd.Main()
}
