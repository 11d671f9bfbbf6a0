import { StringDecoder } from 'node:string_decoder';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { canonicalEventBody, chainHash } from './canonical.js';

/**
 * One seq range of the audit chain, checked on its own connection: the piece of work a verification worker does
 * (verify.ts splits the chain into ranges and joins the answers). Rows arrive through `COPY … TO STDOUT`, whose
 * text format costs the driver far less than a result set of sixteen columns per row.
 */
export interface SegmentRequest {
  databaseUrl: string;
  /** First seq of the range (inclusive). */
  from: number;
  /** End of the range (exclusive). */
  to: number;
}

export interface SegmentResult {
  from: number;
  to: number;
  /** prev_hash of the event at `from`, when that event exists: the caller links it to the previous range. */
  firstPrevHash: string | null;
  /** hash of the last event checked (the range's last when nothing is broken). */
  lastHash: string | null;
  /** The first seq in the range at which the chain does not hold, as verifyAuditChain defines it; null if none. */
  brokenSeq: number | null;
}

/** The columns the chain hash covers, in the order `parseLine` reads them. */
const COLUMNS = `seq, (extract(epoch from occurred_at) * 1000)::float8, actor_type, actor_id, actor_display, action,
  target_type, target_id, reason, ticket, metadata, ip, user_agent, request_id, prev_hash, hash`;

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/** One field of COPY's text format: \N is null; COPY TO writes only \\, \b, \f, \n, \r, \t and \v escapes. */
function field(raw: string): string | null {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
}

function required(raw: string | undefined): string {
  const value = raw === undefined ? null : field(raw);
  if (value === null) throw new Error('audit_events: a not-null column came back null');
  return value;
}

/** Checks `[from, to)`; the link from the event before `from` is left to the caller (firstPrevHash). */
export async function verifySegment(request: SegmentRequest): Promise<SegmentResult> {
  const { from, to } = request;
  const result: SegmentResult = { from, to, firstPrevHash: null, lastHash: null, brokenSeq: null };
  if (from >= to) return result;
  const client = new pg.Client({ connectionString: request.databaseUrl });
  await client.connect();
  try {
    const stream = client.query(
      copyTo(`copy (select ${COLUMNS} from audit_events where seq >= ${Math.trunc(from)} and seq < ${Math.trunc(to)} order by seq) to stdout`),
    );
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let expectedSeq = from;
    let prevHash: string | null = null;

    // Returns false once the range is found broken (the rest of the stream is then only drained).
    const checkLine = (line: string): boolean => {
      const f = line.split('\t');
      const seq = Number(f[0]);
      if (seq !== expectedSeq) {
        result.brokenSeq = expectedSeq;
        return false;
      }
      const rowPrev = required(f[14]);
      if (seq === from) result.firstPrevHash = rowPrev;
      const occurredMs = Number(f[1]);
      if ((prevHash !== null && rowPrev !== prevHash) || !Number.isInteger(occurredMs)) {
        result.brokenSeq = seq;
        return false;
      }
      const body = canonicalEventBody({
        occurredAt: new Date(occurredMs),
        actorType: required(f[2]) as 'staff' | 'partner' | 'system',
        actorId: field(f[3] ?? '\\N'),
        actorDisplay: field(f[4] ?? '\\N'),
        action: required(f[5]),
        targetType: field(f[6] ?? '\\N'),
        targetId: field(f[7] ?? '\\N'),
        reason: field(f[8] ?? '\\N'),
        ticket: field(f[9] ?? '\\N'),
        metadata: JSON.parse(required(f[10])) as Record<string, unknown>,
        ip: field(f[11] ?? '\\N'),
        userAgent: field(f[12] ?? '\\N'),
        requestId: field(f[13] ?? '\\N'),
      });
      const hash = required(f[15]);
      if (chainHash(rowPrev, seq, body) !== hash) {
        result.brokenSeq = seq;
        return false;
      }
      prevHash = hash;
      result.lastHash = hash;
      expectedSeq = seq + 1;
      return true;
    };

    let broken = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (broken) continue;
      const text = rest + decoder.write(chunk);
      let start = 0;
      let end = text.indexOf('\n', start);
      while (end !== -1) {
        if (!checkLine(text.slice(start, end))) {
          broken = true;
          break;
        }
        start = end + 1;
        end = text.indexOf('\n', start);
      }
      rest = broken ? '' : text.slice(start);
    }
    if (!broken && rest + decoder.end() !== '') throw new Error('audit_events: COPY output ended mid-row');
    if (!broken && expectedSeq < to) result.brokenSeq = expectedSeq; // events missing at the range's end
    return result;
  } finally {
    await client.end();
  }
}
