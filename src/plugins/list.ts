// The one list of provider types that ship with the daemon: one line each. A folder's name is its type.
export { default as azure } from './azure/index.js';
export { default as cloudflare } from './cloudflare/index.js';
export { default as digitalocean } from './digitalocean/index.js';
export { default as dnsimple } from './dnsimple/index.js';
export { default as godaddy } from './godaddy/index.js';
export { default as googleclouddns } from './googleclouddns/index.js';
export { default as hetzner } from './hetzner/index.js';
export { default as manual } from './manual/index.js';
export { default as namecheap } from './namecheap/index.js';
export { default as rfc2136 } from './rfc2136/index.js';
export { default as route53 } from './route53/index.js';
export { default as script } from './script/index.js';
export { default as vultr } from './vultr/index.js';
export { default as webhook } from './webhook/index.js';
