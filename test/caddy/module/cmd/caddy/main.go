// Command caddy is Debian's Caddy 2.6.2 with the standard modules plus upstream dns.providers.acmeproxy, for tests.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/caddy-dns/acmeproxy"
)

func main() {
	caddycmd.Main()
}
