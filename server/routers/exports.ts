import express, { type Request, type Response } from 'express';
import { cookieSettings, readCookie } from '../auth/cookies.js';
import type { StaffPrincipal } from '../auth/principal.js';
import { createContextInner, requestInfo, requestLog } from '../context.js';
import type { AppDeps, RequestDeps } from '../deps.js';
import { AppError, HTTP_STATUS } from '../errors.js';
import type { Logger } from '../logger.js';
import { auditRequestContext } from '../services/audit.js';
import { resolveStaffSession } from '../services/auth/staff-sessions.js';
import { startAccessExport, startAuditExport, type StartedExport } from '../services/exports.js';
import { recordAccessDenied } from '../services/refusal-audit.js';
import { EXPORT_FORMATS, exportPath, type ExportFormat, type ExportReport } from '../../shared/exports.js';
import { permissionScope } from '../../shared/permissions.js';

/**
 * The export downloads (DESIGN §7; docs/audit.md, "Exports"):
 *
 *   GET /api/audit/export.csv, /api/audit/export.jsonl     the audit log for the explorer's search
 *   GET /api/access/export.csv, /api/access/export.jsonl   the access report for its filters
 *
 * Signed in by the staff session cookie, as tRPC is; `audit:export` (compliance, admin), and a refusal is recorded
 * like a 403 on any sensitive procedure (`access.denied`). A download is a GET so that the browser saves it as it
 * streams, and it only reads — but it also appends `audit.exported`, so another site must not be able to start one:
 * the session cookie is SameSite=Strict (a cross-site request carries none: 401), and a request a browser marks as
 * coming from another site (`Sec-Fetch-Site: cross-site` or `same-site`) is refused before anything is read.
 *
 * The answer streams: each chunk is written only after the socket has taken the previous one ('drain'), and the
 * next one is read from the database only then, so a slow reader holds the server at a few chunks. A client that goes away
 * ends the export (its audit event, written before the first byte, stays). A failure midway writes a last line
 * saying so and cuts the connection, so the download shows as failed and the file's first record (its row count)
 * tells a cut-short file from a whole one.
 */

const STARTERS: Record<ExportReport, typeof startAuditExport> = { audit: startAuditExport, access: startAccessExport };

/**
 * How many exports one server streams at once, and one person. A download lasts as long as its reader takes; the
 * audit log's on PostgreSQL holds a connection of its own (COPY, one snapshot) all that time, and the others read
 * batch after batch from the pool.
 */
export const EXPORTS_AT_ONCE = 3;
export const EXPORTS_PER_PERSON = 1;

export type ExportSlot = { release(): void } | { busy: 'person' | 'server' };

/** The export slots of one server: taken before an export starts (before anything is read or audited), released when its download ends. */
export function exportSlots(atOnce = EXPORTS_AT_ONCE, perPerson = EXPORTS_PER_PERSON) {
  let taken = 0;
  const byPerson = new Map<string, number>();
  return {
    take(staffId: string): ExportSlot {
      const mine = byPerson.get(staffId) ?? 0;
      if (mine >= perPerson) return { busy: 'person' };
      if (taken >= atOnce) return { busy: 'server' };
      taken += 1;
      byPerson.set(staffId, mine + 1);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          taken -= 1;
          const left = (byPerson.get(staffId) ?? 1) - 1;
          if (left > 0) byPerson.set(staffId, left);
          else byPerson.delete(staffId);
        },
      };
    },
  };
}

const BUSY: Record<'person' | 'server', string> = {
  person: 'Your previous export is still downloading: let it finish (or cancel it), then export again.',
  server: 'The server is streaming as many exports as it allows at once: try again in a minute.',
};

function refuse(res: Response, status: number, title: string): void {
  res.status(status).json({ errors: [{ title }] });
}

async function stream(res: Response, started: StartedExport, log: Logger): Promise<void> {
  // The request deadline (server/deadline.ts) may have answered already while the export was being set up, or the
  // client gone away meanwhile ('close' has fired: nothing would wake a write waiting for 'drain').
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  // One 'drain' and one 'close' listener for the whole download, waking whichever write is waiting. (A listener per
  // wait would pile up: compression moves 'drain' listeners onto its gzip stream, where res.off cannot reach them.)
  let closed = false;
  let wake: (() => void) | null = null;
  const wakeUp = () => {
    const waiting = wake;
    wake = null;
    waiting?.();
  };
  res.on('drain', wakeUp);
  res.once('close', () => {
    closed = true;
    wakeUp();
  });
  const write = async (chunk: string | Buffer): Promise<boolean> => {
    if (closed || res.writableEnded || res.destroyed) return false;
    // Resolved by the next 'drain' (the socket took it) or 'close' (the client went away).
    if (!res.write(chunk)) await new Promise<void>((resolve) => (wake = resolve));
    return !closed;
  };
  res.status(200);
  res.setHeader('Content-Type', started.contentType);
  res.setHeader('Content-Disposition', `attachment; filename="${started.filename}"`);
  res.setHeader('X-Export-Id', started.header.exportId);
  let bytes = 0;
  try {
    bytes += started.preamble.length;
    let going = await write(started.preamble);
    // Not opened at all (on PostgreSQL, a connection of its own) when the client has gone already.
    if (going) {
      for await (const chunk of started.chunks) {
        bytes += chunk.length;
        going = await write(chunk);
        if (!going) break;
      }
    }
    if (going) {
      res.end();
      log.info({ exportId: started.header.exportId, rows: started.header.rows }, 'export finished');
    } else {
      log.warn({ exportId: started.header.exportId, rows: started.header.rows, written: bytes }, 'export cut off: the client went away');
    }
  } catch (err) {
    log.error({ err, exportId: started.header.exportId }, 'export failed midway');
    if (!closed && !res.writableEnded) {
      res.write(started.errorLine('the server could not read the rest; export again'));
      // Cut the connection rather than end the body: the browser shows the download as failed.
      res.destroy();
    }
  }
}

/** `slots`: this server's (tests pass their own to fill). */
export function exportRoutes(deps: AppDeps, slots: ReturnType<typeof exportSlots> = exportSlots()) {
  const router = express.Router();
  const cookies = cookieSettings(deps.config.publicUrl);

  const handle = (report: ExportReport, format: ExportFormat) => async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    // Express answers HEAD with the GET route; an export is started only by a GET.
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      refuse(res, 405, 'Download an export with GET.');
      return;
    }
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      req.log.warn({ secFetchSite: site }, 'cross-site export refused');
      refuse(res, 403, 'Request refused: an export is started from the Inquiry Desk console (or by opening its address directly).');
      return;
    }
    const scoped: RequestDeps = { ...deps, log: requestLog(req, deps.log), ...requestInfo(req) };
    const secret = readCookie(req, cookies.staffSession);
    const staff = secret ? await resolveStaffSession(scoped, secret) : null;
    if (!staff) {
      refuse(res, 401, 'Sign in to continue.');
      return;
    }
    if (staff.mustChangePassword) {
      refuse(res, 403, 'Choose a new password before continuing: you signed in with a one-time password.');
      return;
    }
    const ctx = { ...createContextInner(scoped, { ...requestInfo(req), staff }), staff } satisfies RequestDeps & { staff: StaffPrincipal };
    const params = new URL(req.originalUrl, 'http://export.invalid').searchParams;
    // One without the permission is refused (and recorded) by the export itself, slots full or not.
    const slot = permissionScope(staff.role, 'audit:export') === null ? { release: () => undefined } : slots.take(staff.id);
    if ('busy' in slot) {
      res.setHeader('Retry-After', slot.busy === 'person' ? '5' : '60');
      refuse(res, 429, BUSY[slot.busy]);
      return;
    }
    try {
      let started: StartedExport;
      try {
        started = await STARTERS[report](ctx, format, params);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.code === 'FORBIDDEN') {
          // As a 403 on any sensitive procedure: who tried to export what, and why it was refused.
          await recordAccessDenied(
            { ...ctx, request: auditRequestContext(ctx) },
            { procedure: `${report}.export`, permission: 'audit:export', error: err, rawInput: Object.fromEntries(params) },
          );
        }
        refuse(res, HTTP_STATUS[err.code], err.message);
        return;
      }
      await stream(res, started, scoped.log);
    } finally {
      slot.release();
    }
  };

  for (const report of ['audit', 'access'] as const) {
    for (const format of EXPORT_FORMATS) router.get(exportPath(report, format), handle(report, format));
  }
  return router;
}
