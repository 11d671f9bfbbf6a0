import fs from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { AuditCheckpointConfig } from '../config.js';
import type { DB } from '../db/schema.js';
import type { Logger } from '../logger.js';
import { readChainHead } from '../repositories/audit.js';
import { checkpointLine, parseCheckpoint, type Checkpoint } from './checkpoints.js';

/**
 * Writes audit checkpoints (checkpoints.ts) from a running server: at start, every AUDIT_CHECKPOINT_INTERVAL_SECONDS
 * when the head has moved, and once more at shutdown, before the pool closes. A destination that fails is logged
 * and tried again at the next interval; it never stops the server.
 *
 * Several instances on one database each write their own checkpoints, without coordinating: the chain is
 * append-only, so every checkpoint any instance writes is a true statement about it, and a duplicate costs a line.
 * (A lock electing one writer would leave an instance's own file without the checkpoints of the others.)
 */

/** A place checkpoints go. `write` throws when the checkpoint did not arrive. */
export interface CheckpointDestination {
  /** For logs: `file` or `webhook` — never the URL, which may carry credentials. */
  kind: 'file' | 'webhook';
  write(checkpoint: Checkpoint): Promise<void>;
  /** The last checkpoint it already holds, to skip writing the same head again after a restart. */
  last?(): Promise<Checkpoint | null>;
}

/** Appends one JSON line and flushes it to disk (O_APPEND: lines of several processes never overwrite each other). */
export function fileDestination(file: string): CheckpointDestination {
  return {
    kind: 'file',
    async write(checkpoint) {
      const handle = await fs.open(file, 'a', 0o640);
      try {
        await handle.appendFile(checkpointLine(checkpoint), 'utf8');
        await handle.datasync();
      } finally {
        await handle.close();
      }
    },
    async last() {
      // The file's last complete line; a long-lived file is never read whole for this.
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(file, 'r');
      } catch {
        return null;
      }
      try {
        const { size } = await handle.stat();
        const length = Math.min(size, 4096);
        const { buffer } = await handle.read(Buffer.alloc(length), 0, length, size - length);
        const lines = buffer.toString('utf8').split('\n').filter((line) => line.trim() !== '');
        return parseCheckpoint(lines.at(-1) ?? '');
      } finally {
        await handle.close();
      }
    },
  };
}

/** How long a webhook may take to answer before the checkpoint counts as not delivered. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/** POSTs the checkpoint as JSON; any answer but 2xx (or no answer within the timeout) is a failure. */
export function webhookDestination(url: string, options: { timeoutMs?: number } = {}): CheckpointDestination {
  // fetch refuses a URL with user:password@: send them as Basic authentication instead.
  const target = new URL(url);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.username || target.password) {
    const user = decodeURIComponent(target.username);
    const password = decodeURIComponent(target.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return {
    kind: 'webhook',
    async write(checkpoint) {
      let response: Response;
      try {
        response = await fetch(target, {
          method: 'POST',
          headers,
          body: JSON.stringify({ seq: checkpoint.seq, hash: checkpoint.hash, at: checkpoint.at }),
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        // Undici's messages do not repeat the URL; the cause's code (ECONNREFUSED) says what happened.
        const cause = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(error);
        throw new Error(`webhook not reached: ${cause}`);
      }
      await response.body?.cancel();
      if (!response.ok) throw new Error(`webhook answered ${response.status}`);
    },
  };
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** The destinations AUDIT_CHECKPOINT_FILE and AUDIT_CHECKPOINT_WEBHOOK_URL name (none: checkpoints are off). */
export function checkpointDestinations(config: AuditCheckpointConfig): CheckpointDestination[] {
  const destinations: CheckpointDestination[] = [];
  if (config.file) destinations.push(fileDestination(config.file));
  if (config.webhookUrl) destinations.push(webhookDestination(config.webhookUrl));
  return destinations;
}

export interface CheckpointWriter {
  /** Writes the head to every destination that does not hold it yet. Never throws; failures are logged. */
  writeNow(): Promise<void>;
  /** Stops the timer, waits for a write in progress, and writes the head one last time. Call before the pool closes. */
  close(): Promise<void>;
}

export interface CheckpointWriterOptions {
  db: Kysely<DB>;
  log: Logger;
  /** The clock a checkpoint's `at` is read from. */
  now: () => Date;
  intervalMs: number;
  destinations: CheckpointDestination[];
}

/**
 * Starts writing checkpoints: now, then every interval. Returns null when there is no destination. A destination
 * is written only when the head differs from the last checkpoint it holds, so an idle system adds no lines.
 */
export function startCheckpointWriter({ db, log, now, intervalMs, destinations }: CheckpointWriterOptions): CheckpointWriter | null {
  if (destinations.length === 0) return null;
  const held = new Map<CheckpointDestination, Promise<Checkpoint | null>>(
    destinations.map((d) => [d, (d.last?.() ?? Promise.resolve(null)).catch(() => null)]),
  );

  const writeAll = async (): Promise<void> => {
    let head;
    try {
      head = await readChainHead(db);
    } catch (err) {
      log.error({ err }, 'audit checkpoint: could not read the chain head');
      return;
    }
    if (!head || head.seq === 0) return; // an empty chain has nothing to protect yet
    const checkpoint: Checkpoint = { seq: head.seq, hash: head.hash, at: now().toISOString() };
    await Promise.all(
      destinations.map(async (destination) => {
        const last = await held.get(destination);
        if (last && last.seq === checkpoint.seq && last.hash === checkpoint.hash) return;
        if (last && last.seq === checkpoint.seq) {
          log.error({ destination: destination.kind, seq: checkpoint.seq }, 'audit checkpoint: the chain head has another hash than the last checkpoint at the same seq (run npm run audit:verify)');
        }
        try {
          await destination.write(checkpoint);
          held.set(destination, Promise.resolve(checkpoint));
          log.debug({ destination: destination.kind, seq: checkpoint.seq }, 'audit checkpoint written');
        } catch (err) {
          log.error({ destination: destination.kind, seq: checkpoint.seq, error: err instanceof Error ? err.message : String(err) }, 'audit checkpoint not written; trying again at the next interval');
        }
      }),
    );
  };

  // One round at a time. A round still running when the interval comes round (a slow webhook) makes the timer
  // skip its turn; an explicit call (shutdown) waits for it and then writes.
  let inFlight: Promise<void> | null = null;
  const writeNow = async (): Promise<void> => {
    while (inFlight) await inFlight;
    const round = writeAll().finally(() => {
      inFlight = null;
    });
    inFlight = round;
    return round;
  };
  void writeNow();
  const timer = setInterval(() => {
    if (!inFlight) void writeNow();
  }, intervalMs);
  timer.unref();
  return {
    writeNow,
    async close() {
      clearInterval(timer);
      await writeNow();
    },
  };
}
