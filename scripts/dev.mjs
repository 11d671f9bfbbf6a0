// Development: the API server (restarted on change by tsx watch) and the Vite dev server with hot reload,
// together. Open http://localhost:5173; Vite proxies /trpc, /auth, /api, /healthz, /verify and /widget to the API.
// Ctrl-C stops both; if either exits, the other is stopped too.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const apiPort = process.env.API_PORT ?? '3001';
const bin = (name) => path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

const children = [
  {
    name: 'api',
    child: spawn(bin('tsx'), ['watch', '--clear-screen=false', 'server/index.ts'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PORT: apiPort, PUBLIC_URL: process.env.PUBLIC_URL ?? 'http://localhost:5173' },
    }),
  },
  {
    name: 'vite',
    child: spawn(bin('vite'), ['--config', 'client/vite.config.ts'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, API_PORT: apiPort },
    }),
  },
];

let stopping = false;
function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  // Give both a moment to shut down cleanly, then leave.
  const timer = setTimeout(() => process.exit(code), 5000);
  timer.unref();
  Promise.all(children.map(({ child }) => new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', resolve))))).then(
    () => process.exit(code),
    () => process.exit(code),
  );
}

for (const { name, child } of children) {
  child.on('exit', (code, signal) => {
    if (!stopping) {
      process.stderr.write(`\n[dev] ${name} exited (${signal ?? code}); stopping the other process\n`);
      stopAll(code ?? 1);
    }
  });
  child.on('error', (err) => {
    process.stderr.write(`[dev] could not start ${name}: ${err.message}\n`);
    stopAll(1);
  });
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));
