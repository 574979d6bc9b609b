import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm ci` (the dashboard's `prepare` script) puts the built single-page app. */
export const DASHBOARD_DIST = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface DashboardOptions {
  distDir?: string;
  /** CSP frame-ancestors of the tenant portal (HERALD_PORTAL_FRAME_ANCESTORS). */
  portalFrameAncestors: string;
}

/**
 * Serves the dashboard under /ui, and the tenant portal at /ui/portal, from the same port as the
 * API (so the app calls the API on its own origin, and needs no CORS). Any other /ui/... path is a
 * client-side route: it gets index.html. The operator's pages may never be framed (clickjacking);
 * the portal is made to be embedded, by the origins the operator allows.
 */
export function registerDashboard(app: FastifyInstance, options: DashboardOptions): void {
  const distDir = options.distDir ?? DASHBOARD_DIST;
  const policy = (frameAncestors: string, images: string) => [
    "default-src 'self'", `img-src ${images}`, "style-src 'self'", "script-src 'self'", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", `frame-ancestors ${frameAncestors}`,
  ].join('; ');
  const operatorPolicy = policy("'none'", "'self' data:");
  // A themed portal shows the tenant's logo from wherever the link says.
  const portalPolicy = policy(options.portalFrameAncestors, "'self' data: https: http:");

  const sendPage = async (reply: FastifyReply, portal: boolean) => {
    const html = await readFile(join(distDir, 'index.html')).catch(() => undefined);
    reply.header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer').header('cache-control', 'no-cache');
    if (!html) {
      return reply.code(503).type('text/html; charset=utf-8').header('content-security-policy', operatorPolicy).send(NOT_BUILT_PAGE);
    }
    reply.header('content-security-policy', portal ? portalPolicy : operatorPolicy);
    if (!portal) reply.header('x-frame-options', 'DENY');
    return reply.type(CONTENT_TYPES['.html']!).send(html);
  };

  app.get('/ui', (_request, reply) => sendPage(reply, false));
  app.get<{ Params: { '*': string } }>('/ui/*', async (request, reply) => {
    const path = request.params['*'];
    if (path === 'portal' || path === 'portal/') return sendPage(reply, true);
    const file = normalize(join(distDir, path));
    const isFile = file.startsWith(distDir.endsWith(sep) ? distDir : distDir + sep)
      && Object.hasOwn(CONTENT_TYPES, extname(file)) && extname(file) !== '.html'
      && (await stat(file).then((info) => info.isFile(), () => false));
    if (isFile) {
      // Vite puts a content hash in every asset's name, so they never change.
      const cache = path.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
      return reply.type(CONTENT_TYPES[extname(file)]!).header('cache-control', cache).header('x-content-type-options', 'nosniff')
        .send(await readFile(file));
    }
    if (path.startsWith('assets/')) return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
    return sendPage(reply, false);
  });
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Herald dashboard not built</title></head>
<body>
<h1>The dashboard is not built</h1>
<p>Herald serves its dashboard from <code>packages/dashboard/dist</code>, which does not exist yet.
<code>npm ci</code> builds it; to build it alone, run:</p>
<pre>npm run build -w @herald/dashboard</pre>
<p>The API works without it, at <code>/api/v1</code>.</p>
</body></html>
`;
