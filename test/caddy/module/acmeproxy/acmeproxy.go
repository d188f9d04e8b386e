// Package acmeproxy registers dns.providers.acmeproxy: Caddy asks an acmeproxy/httpreq endpoint
// (the dns01-proxy daemon) to present and clean up DNS-01 TXT records.
// Written against certmagic 0.17.2 and libdns 0.2.0 as Debian 12 ships them.
package acmeproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/libdns/libdns"
)

// Provider calls {endpoint}/present and {endpoint}/cleanup with {"fqdn","value"} and basic auth.
type Provider struct {
	Endpoint string `json:"endpoint,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`

	client *http.Client
}

func init() {
	caddy.RegisterModule(Provider{})
}

// CaddyModule returns the Caddy module information.
func (Provider) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "dns.providers.acmeproxy",
		New: func() caddy.Module { return new(Provider) },
	}
}

// Provision expands placeholders (e.g. {env.DNS01_INTERNAL_TOKEN}) and checks the endpoint.
func (p *Provider) Provision(ctx caddy.Context) error {
	repl := caddy.NewReplacer()
	p.Endpoint = strings.TrimRight(repl.ReplaceAll(p.Endpoint, ""), "/")
	p.Username = repl.ReplaceAll(p.Username, "")
	p.Password = repl.ReplaceAll(p.Password, "")
	if p.Endpoint == "" {
		return fmt.Errorf("acmeproxy: endpoint is required")
	}
	p.client = &http.Client{Timeout: 60 * time.Second}
	return nil
}

// UnmarshalCaddyfile reads `acmeproxy { endpoint .. username .. password .. }`.
func (p *Provider) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	for d.Next() {
		for d.NextBlock(0) {
			key := d.Val()
			if !d.NextArg() {
				return d.ArgErr()
			}
			switch key {
			case "endpoint":
				p.Endpoint = d.Val()
			case "username":
				p.Username = d.Val()
			case "password":
				p.Password = d.Val()
			default:
				return d.Errf("unrecognized subdirective '%s'", key)
			}
		}
	}
	return nil
}

type message struct {
	FQDN  string `json:"fqdn"`
	Value string `json:"value"`
}

func (p *Provider) call(ctx context.Context, action, fqdn, value string) error {
	body, err := json.Marshal(message{FQDN: fqdn, Value: value})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Endpoint+"/"+action, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.Username != "" || p.Password != "" {
		req.SetBasicAuth(p.Username, p.Password)
	}
	client := p.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("acmeproxy: %s %s: %v", action, fqdn, err)
	}
	defer resp.Body.Close()
	// Bounded: the daemon's error body is small; never echo our own request (it has no secret, but stay tidy).
	text, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("acmeproxy: %s %s: HTTP %d: %s", action, fqdn, resp.StatusCode, strings.TrimSpace(string(text)))
	}
	return nil
}

func (p *Provider) each(ctx context.Context, action, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	done := make([]libdns.Record, 0, len(recs))
	for _, r := range recs {
		if err := p.call(ctx, action, libdns.AbsoluteName(r.Name, zone), r.Value); err != nil {
			return done, err
		}
		done = append(done, r)
	}
	return done, nil
}

// AppendRecords presents each TXT value; zone arrives with a trailing dot.
func (p *Provider) AppendRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.each(ctx, "present", zone, recs)
}

// DeleteRecords removes exactly the given values.
func (p *Provider) DeleteRecords(ctx context.Context, zone string, recs []libdns.Record) ([]libdns.Record, error) {
	return p.each(ctx, "cleanup", zone, recs)
}

// Interface guards.
var (
	_ caddy.Provisioner     = (*Provider)(nil)
	_ caddyfile.Unmarshaler = (*Provider)(nil)
	_ libdns.RecordAppender = (*Provider)(nil)
	_ libdns.RecordDeleter  = (*Provider)(nil)
)
