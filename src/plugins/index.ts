// Every built-in provider type; the folder name is the type and the registry key.
import { azure } from './azure/index.js';
import { cloudflare } from './cloudflare/index.js';
import { digitalocean } from './digitalocean/index.js';
import { dnsimple } from './dnsimple/index.js';
import { godaddy } from './godaddy/index.js';
import { googleclouddns } from './googleclouddns/index.js';
import { hetzner } from './hetzner/index.js';
import { manualPlugin } from './manual/index.js';
import { namecheap } from './namecheap/index.js';
import type { AnyProviderPlugin } from '../plugin-api/index.js';
import { rfc2136 } from './rfc2136/index.js';
import { route53 } from './route53/index.js';
import { scriptPlugin } from './script/index.js';
import { vultr } from './vultr/index.js';
import { webhookPlugin } from './webhook/index.js';

export const builtinPlugins: readonly AnyProviderPlugin[] = [
  webhookPlugin, scriptPlugin, rfc2136, manualPlugin,
  azure, cloudflare, digitalocean, dnsimple, godaddy, googleclouddns, hetzner, namecheap, route53, vultr,
];
