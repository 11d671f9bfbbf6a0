import { spawn } from 'node:child_process';
import path from 'node:path';

/** The project's root, where the npm scripts run. */
export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx <script>` (what `npm start` and the npm scripts run) with only `env` set, nothing inherited. */
export function runScript(script: string, args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
