import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Debian's nginx (`apt-get install nginx`) as a load balancer in front of API instances, run as a process of the
 * caller's own: its configuration, pid file and temporary files in a new temporary directory, on a free port of
 * 127.0.0.1, stopped by its PID (never the system service). Used by test/scale/nginx.test.ts and bench/proxy.ts.
 */

/** Where nginx is, or undefined when it is not installed. */
export function nginxBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/sbin')) {
    const candidate = path.join(dir, 'nginx');
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free when asked; nginx binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The proxy configuration (the `http` block's content) for instances on `upstreams` (host:port): round robin, HTTP/1.1
 * with keep-alive to the instances (closed by nginx before the instance's own 5 s timeout would), WebSocket upgrade.
 * A request whose connection to an instance fails is passed to the other instance, POSTs too: when an instance stops
 * listening (SIGTERM, after SHUTDOWN_DELAY_MS), a request nginx had just written on a connection the instance closed
 * unread would otherwise answer 502 (nginx OSS has no active health checks to stop sending first). `exposeUpstream` adds an `X-Upstream` response header naming
 * the instance that answered (for tests; keep instance addresses private in production).
 */
export function proxyConfig(listenPort: number, upstreams: readonly string[], opts: { exposeUpstream?: boolean } = {}): string {
  return `
  upstream peer_api {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 64;
    # Below the API's keep-alive timeout (Node's 5 s): nginx, not the instance, closes an idle connection.
    keepalive_timeout 4s;
  }
  map $http_upgrade $connection_upgrade {
    default upgrade;
    ''      '';
  }
  server {
    listen 127.0.0.1:${listenPort};
    location / {
      proxy_pass http://peer_api;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
      # A request whose connection to an instance fails (refused, or reset before an answer) goes to the other one,
      # POSTs too (non_idempotent): see the README, "Several instances".
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 2;
${opts.exposeUpstream ? '      add_header X-Upstream $upstream_addr always;\n' : ''}    }
  }`;
}

export interface Nginx {
  port: number;
  child: ChildProcess;
  /** What nginx wrote to its error log so far. */
  log(): string;
  stop(): Promise<void>;
}

/** Starts nginx in front of `upstreams` (host:port), resolving once it accepts connections. */
export async function startNginx(upstreams: readonly string[], opts: { exposeUpstream?: boolean } = {}): Promise<Nginx> {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx is not installed (apt-get install nginx)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'peer-nginx-'));
  // Workers run as nobody when nginx starts as root: they write request bodies to the temporary paths.
  fs.chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  const errorLog = path.join(dir, 'error.log');
  fs.writeFileSync(
    conf,
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${errorLog} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${proxyConfig(port, upstreams, opts)}
}
`,
  );
  // -e: the error log before the configuration is read (else the compiled-in /var/log/nginx/error.log).
  const child = spawn(bin, ['-p', dir, '-c', conf, '-e', errorLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => out + (fs.existsSync(errorLog) ? fs.readFileSync(errorLog, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT'); // graceful: workers finish their requests
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited:\n${log()}`);
    if (await accepts(port)) return { port, child, log, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not start:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
