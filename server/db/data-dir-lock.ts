import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config.js';

/**
 * The embedded database (PGlite in DATA_DIR) belongs to one process: PGlite takes no lock on its files, and two
 * processes writing them would corrupt the database. So the process that holds it — the server, or
 * `npm run sync:persona` — keeps a lock file there naming itself, and the other refuses to start with one line.
 * A lock naming a process that is gone (killed, the machine restarted) is stale and taken over.
 *
 * Whether its process is alive is checked on this machine (signal 0; on Linux also that the pid is still a Node
 * process, since pids are reused); a lock written on another host cannot be checked and is taken as stale (one
 * embedded database is never shared between machines).
 */

export const LOCK_FILE = 'inquiry-desk.lock';

export type DataDirRole = 'server' | 'sync';

export interface DataDirHolder {
  pid: number;
  role: DataDirRole;
  hostname: string;
  startedAt: string;
}

const WHAT: Record<DataDirRole, string> = { server: 'a running server', sync: 'npm run sync:persona' };

/** Another process holds the embedded database; the message is the one line a person reads. */
export class DataDirHeldError extends ConfigError {
  constructor(
    readonly holder: DataDirHolder,
    message: string,
  ) {
    super(message);
  }
}

function isAlive(holder: DataDirHolder): boolean {
  if (holder.hostname !== os.hostname() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // A reused pid: alive, but no longer Node (and so not ours).
    const cmdline = fs.readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8');
    return /node/i.test(cmdline);
  } catch {
    return true; // no /proc (macOS) or not readable: trust the signal
  }
}

function readHolder(file: string): DataDirHolder | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DataDirHolder>;
    if (typeof parsed.pid !== 'number' || (parsed.role !== 'server' && parsed.role !== 'sync')) return null;
    return { pid: parsed.pid, role: parsed.role, hostname: String(parsed.hostname ?? ''), startedAt: String(parsed.startedAt ?? '') };
  } catch {
    return null;
  }
}

function readBody(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The live process holding the embedded database in `dataDir`, or null (no lock, or a stale one). */
export function dataDirHolder(dataDir: string): DataDirHolder | null {
  const holder = readHolder(path.join(dataDir, LOCK_FILE));
  return holder && isAlive(holder) ? holder : null;
}

/** The refusal for `role` when `holder` has the database. */
export function heldMessage(dataDir: string, role: DataDirRole, holder: DataDirHolder): string {
  const held = `The embedded database in ${dataDir} is held by ${WHAT[holder.role]} (pid ${holder.pid})`;
  if (role === 'sync' && holder.role === 'server') return `${held}: start the sync from the console (Persona sync, as an admin), or stop the server first.`;
  if (role === 'sync') return `${held}: one sync at a time; wait for it to finish.`;
  if (holder.role === 'sync') return `${held}: wait for the sync to finish (or stop it with Ctrl-C; it resumes later), then start the server.`;
  return `${held}: one server per embedded database; stop it first, or use PostgreSQL (DATABASE_URL) for several.`;
}

/**
 * Takes the embedded database in `dataDir` for this process, or throws DataDirHeldError naming who has it.
 * Returns the release (also done when the process exits).
 */
export function claimDataDir(dataDir: string, role: DataDirRole): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const mine: DataDirHolder = { pid: process.pid, role, hostname: os.hostname(), startedAt: new Date().toISOString() };
  const body = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      fs.writeFileSync(file, body, { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const staleBody = readBody(file);
    const holder = readHolder(file);
    if (holder && isAlive(holder)) throw new DataDirHeldError(holder, heldMessage(dataDir, role, holder));
    const busy = () => new ConfigError(`The embedded database in ${dataDir} is being opened by another process at this moment: try again.`);
    // Another process took the stale lock over between our two tries.
    if (attempt > 0) throw busy();
    // Stale (or unreadable): taken over. Moved aside atomically, and removed only if it is still the stale lock we
    // read — not a fresh one another process wrote meanwhile (that one is put back, and we give way).
    const aside = `${file}.${process.pid}.${Date.now()}.stale`;
    try {
      fs.renameSync(file, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    if (readBody(aside) !== staleBody) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // a third process holds it now: its lock stands
      }
      fs.rmSync(aside, { force: true });
      throw busy();
    }
    fs.rmSync(aside, { force: true });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never one a later process took over.
    if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
  };
  process.on('exit', release);
  return release;
}
