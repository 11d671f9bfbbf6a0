import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../config.js';
import type { Database } from '../../db/index.js';
import type { Logger } from '../../logger.js';
import { forgetLegacySecret, legacySecret } from '../../repositories/secrets.js';
import { MIN_SECRET_LENGTH, type TokenKeys } from './tokens.js';

/**
 * Where the session-token signing key comes from (docs/security.md#the-session-token-secret). Never the database:
 * whoever can read it could mint session tokens and one-time codes.
 * - SESSION_TOKEN_SECRET or SESSION_TOKEN_SECRET_FILE when set; a server database requires one.
 * - otherwise, for the embedded database, `${DATA_DIR}/session-token.key`: generated on first start (mode 0600,
 *   created atomically) and read on every start after;
 * - an in-memory database (tests): one random key per process, unless the configuration names one.
 * A key that an earlier version kept in `app_secrets` is moved out on the first start: into the key file when that
 * is where the key now lives (so tokens issued before keep working), and deleted from the database in any case.
 */
export const KEY_FILE_NAME = 'session-token.key';
const LEGACY_NAME = 'session_token_secret';

export interface ConfiguredSecrets {
  secret: string | undefined;
  previous: string | undefined;
}

let perProcessSecret: string | null = null;

export async function loadTokenKeys(database: Database, configured: ConfiguredSecrets, log?: Logger): Promise<TokenKeys> {
  if (!configured.secret && database.kind === 'postgres') {
    // loadConfig refuses this for the server; this catches any other way of building a provider on a server database.
    throw new ConfigError('Invalid configuration: SESSION_TOKEN_SECRET (or SESSION_TOKEN_SECRET_FILE) is required with a server database');
  }
  const legacy = await legacySecret(database.db, LEGACY_NAME);
  let current: string;
  if (configured.secret) current = configured.secret;
  else if (database.dataDir) current = keyFileSecret(path.join(database.dataDir, KEY_FILE_NAME), legacy, log);
  else current = perProcessSecret ??= newSecret();

  if (legacy !== null) {
    // Only after the key file holds it (keyFileSecret wrote and synced it), so a crash here loses nothing.
    await forgetLegacySecret(database.db, LEGACY_NAME);
    if (legacy === current || legacy === configured.previous) {
      log?.info('removed the session token secret that an earlier version kept in the database; it is still in force');
    } else {
      log?.warn(
        'removed the session token secret that an earlier version kept in the database: tokens signed with it no longer verify ' +
          '(docs/security.md, "Upgrading from a key in the database")',
      );
    }
  }
  return { current, previous: configured.previous ?? null };
}

function newSecret(): string {
  return randomBytes(48).toString('base64url');
}

/** The key in `file`, creating it (with `initial`, else a new key) when there is none yet. */
function keyFileSecret(file: string, initial: string | null, log?: Logger): string {
  const existing = readKeyFile(file, log);
  if (existing !== null) return existing;
  const created = createKeyFile(file, initial ?? newSecret());
  log?.info({ file }, initial ? 'moved the session token secret out of the database into its key file' : 'generated the session token key file');
  return created;
}

function readKeyFile(file: string, log?: Logger): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new ConfigError(`Invalid configuration: cannot read the session token key file ${file} (${code ?? 'unreadable'})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `Invalid configuration: the session token key file ${file} holds fewer than ${MIN_SECRET_LENGTH} characters: restore it, or delete it to generate a new key (tokens issued so far then stop working)`,
    );
  }
  if (process.platform !== 'win32' && (fs.statSync(file).mode & 0o077) !== 0) {
    log?.warn({ file }, 'the session token key file can be read by other users: chmod 600 it');
  }
  return value;
}

/**
 * Writes the key to a temporary file (0600, synced) and links it into place: the key file appears complete or not
 * at all, and if another process created one first, that one wins and is returned.
 */
function createKeyFile(file: string, secret: string): string {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(temporary, 'wx', 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // whatever the umask
      fs.writeSync(fd, `${secret}\n`);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(temporary, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const theirs = readKeyFile(file);
      if (theirs === null) throw err;
      return theirs;
    }
    syncDirectory(path.dirname(file));
    return secret;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`Invalid configuration: cannot create the session token key file ${file} (${(err as NodeJS.ErrnoException).code ?? 'failed'}); check DATA_DIR`);
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** So the new directory entry survives a power cut (best effort: not every platform can open a directory). */
function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // ignored
  }
}
