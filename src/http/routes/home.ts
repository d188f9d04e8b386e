// GET /: who answers and where to go next (the page, the API's document, the CLI), as JSON or, for a browser, a short
// page. Unauthenticated: no secret and nothing from the database.
import { Hono } from 'hono';
import { DOORS, SERVICE, VERSION } from '../identity.js';
import { described } from '../openapi.js';
import { homeReplySchema } from '../wire/ops.js';

const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${SERVICE}</title></head>
<body><h1>${SERVICE} ${VERSION}</h1>
<ul>
<li><a href="${DOORS.page}">Operator page</a>: sign in with the admin token (the data directory's <code>admin-token</code> when the daemon generated it)</li>
<li><a href="${DOORS.api_docs}">API document</a> (OpenAPI 3.1)</li>
<li><a href="${DOORS.health}">Health</a></li>
<li>CLI: <code>${DOORS.cli}</code></li>
</ul></body></html>
`;

export function homeRoutes(): Hono {
  const app = new Hono();
  app.get('/', described({
    summary: 'Which daemon this is and where its page, API document, health and CLI are (HTML for `Accept: text/html`)',
    responses: { 200: { description: 'the daemon and its entry points', schema: homeReplySchema } },
  }), (c) => {
    if (c.req.header('accept')?.includes('text/html')) return c.html(page);
    return c.json({ service: SERVICE, version: VERSION, ...DOORS });
  });
  return app;
}
