// Makes sure the services that integration tests use are reachable:
// PostgreSQL on 127.0.0.1:5432 and NATS (JetStream) on 127.0.0.1:4222.
// Where one is down we try the start command for this kind of machine (we run
// as root in CI); if it still is not up we stop with the exact command to run.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';

function reachable(port, host = '127.0.0.1', timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function pgStartCommand() {
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  return versions.length
    ? `pg_ctlcluster --skip-systemctl-redirect ${versions[0]} main start`
    : 'apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
}

const SERVICES = [
  { name: 'PostgreSQL', port: 5432, start: pgStartCommand },
  {
    name: 'NATS',
    port: 4222,
    start: () =>
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log',
  },
];

export async function ensureServices({ only } = {}) {
  for (const svc of SERVICES) {
    if (only && !only.includes(svc.name)) continue;
    if (await reachable(svc.port)) continue;
    const cmd = svc.start();
    process.stdout.write(`${svc.name} is not reachable on 127.0.0.1:${svc.port}; starting it: ${cmd}\n`);
    try {
      execSync(cmd, { stdio: 'inherit' });
    } catch {
      // fall through to the check below
    }
    for (let i = 0; i < 30 && !(await reachable(svc.port)); i++) await sleep(500);
    if (!(await reachable(svc.port))) {
      process.stderr.write(
        `\n${svc.name} is needed by the integration tests and is not running on 127.0.0.1:${svc.port}.\n` +
          `Start it (as root) with:\n  ${cmd}\nthen run \`npm test\` again.\n`,
      );
      process.exit(2);
    }
  }
}

/** Debian's Chromium runs the browser tests; install it when we are root, else say how. */
export function ensureChromium() {
  const path = process.env.FULCRUM_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  const cmd = 'apt-get update && apt-get install -y chromium';
  if (process.getuid?.() === 0) {
    process.stdout.write(`Chromium is missing at ${path}; installing it: ${cmd}\n`);
    try {
      execSync(cmd, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      // reported below
    }
  }
  if (!existsSync(path)) {
    process.stderr.write(
      `\nThe browser tests need Debian's Chromium at ${path}.\nInstall it (as root) with:\n  ${cmd}\nthen run \`npm test\` again.\n`,
    );
    process.exit(2);
  }
}
