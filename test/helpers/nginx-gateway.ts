import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from './poll';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p)) ?? 'nginx';
/** The README's configuration, used as it is (only its placeholders filled in). */
export const NGINX_GATEWAY_CONF = join(__dirname, '../../deploy/gateways/nginx.conf');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** python3's http.server echoing every request's headers (test/helpers/echo-backend.py). */
export async function startEchoBackend(): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn('python3', [join(__dirname, 'echo-backend.py')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the echo backend exited (${code})`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return { port, stop: () => stop(child) };
}

export interface NginxGateway {
  url: string;
  stop(): Promise<void>;
}

/**
 * A real nginx (Debian's package) in the foreground, as an unprivileged-port server in a temp
 * folder, running deploy/gateways/nginx.conf in front of `backend`, authorized by `internal`.
 */
export async function startNginxGateway(options: {
  internal: string;
  backend: string;
  serviceToken: string;
}): Promise<NginxGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'hissuno-nginx-'));
  mkdirSync(join(dir, 'logs'));
  mkdirSync(join(dir, 'tmp'));
  const port = await freePort();
  const site = readFileSync(NGINX_GATEWAY_CONF, 'utf8')
    .replaceAll('__HISSUNO_INTERNAL__', options.internal)
    .replaceAll('__BACKEND__', options.backend)
    .replaceAll('__LISTEN__', `127.0.0.1:${port}`)
    .replaceAll('__SERVICE_TOKEN__', options.serviceToken);
  writeFileSync(join(dir, 'gateway.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${join(dir, 'tmp', kind)};`)
    .join('\n  ');
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'logs', 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  ${temp}
  include ${join(dir, 'gateway.conf')};
}
`,
  );
  const child = spawn(
    NGINX,
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log')],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `nginx exited (${code ?? signal})`));
  const url = `http://127.0.0.1:${port}`;
  await pollUntil('nginx answers', 10_000, async () => {
    if (exited)
      throw new Error(`${exited}: ${readFileSync(join(dir, 'logs', 'error.log'), 'utf8')}`);
    return fetch(`${url}/nothing-here`).then(
      () => true,
      () => false,
    );
  });
  return {
    url,
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
