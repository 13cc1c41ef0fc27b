/* global process, console, URL */
/**
 * Demo host pages for trying the widget by hand (see README, "Trying the widget"). Serves
 * web/demo/*.html on two origins, http://127.0.0.1:8081 and http://localhost:8082, so one
 * can be allowed and the other not, and mints widget tokens at /api/hissuno-token the way
 * the product docs show (jsonwebtoken, HS256, the project's secret key).
 *
 *   HISSUNO_PROJECT_ID=… [HISSUNO_SECRET_KEY=sk_live_…] [HISSUNO_API=http://localhost:3000] \
 *     node web/demo/server.mjs
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jwt from 'jsonwebtoken';

const here = dirname(fileURLToPath(import.meta.url));
const projectId = process.env.HISSUNO_PROJECT_ID;
const apiBase = (process.env.HISSUNO_API ?? 'http://localhost:3000').replace(/\/+$/, '');
const secretKey = process.env.HISSUNO_SECRET_KEY;
const pages = new Set(['anonymous.html', 'identified.html']);

if (!projectId) {
  console.error(
    'Set HISSUNO_PROJECT_ID to the id shown in the dashboard (and HISSUNO_SECRET_KEY for tokens).',
  );
  process.exit(1);
}

const escape = (value) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function handle(req, res) {
  const url = new URL(req.url, 'http://demo');
  if (url.pathname === '/api/hissuno-token') {
    if (!secretKey) {
      res.writeHead(501, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: 'Set HISSUNO_SECRET_KEY to mint tokens.' }));
    }
    // What a customer's backend does for its signed-in user (the seed's Node example).
    const token = jwt.sign(
      { userId: 'demo-user-1', userMetadata: { name: 'Dana Demo', email: 'dana@example.com' } },
      secretKey,
      { algorithm: 'HS256', expiresIn: '24h' },
    );
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    return res.end(JSON.stringify({ token }));
  }
  const name = url.pathname === '/' ? 'anonymous.html' : url.pathname.slice(1);
  if (!pages.has(name)) {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('Try /anonymous.html or /identified.html\n');
  }
  const html = (await readFile(join(here, name), 'utf8'))
    .replaceAll('{{apiBase}}', escape(apiBase))
    .replaceAll('{{projectId}}', escape(projectId));
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(html);
}

for (const [host, port, label] of [
  ['127.0.0.1', 8081, 'http://127.0.0.1:8081'],
  ['127.0.0.1', 8082, 'http://localhost:8082'],
]) {
  createServer((req, res) =>
    handle(req, res).catch((error) => {
      res.writeHead(500);
      res.end(String(error));
    }),
  ).listen(port, host, () =>
    console.log(`demo pages on ${label}/anonymous.html and /identified.html`),
  );
}
