import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { PERSONA_GATE_WAIT_MS } from '../../config.js';
import type { Logger } from '../../logger.js';
import { sleep } from '../../sleep.js';
import { callTimeLeftMs, gateShare } from '../call-context.js';
import { ErrorDocument, InquiryDocument, InquiryResource, ListDocument, SessionDocument, SessionResource } from './wire.js';
import type { RateGate } from './rate-gate.js';

/**
 * Persona's REST API, one bounded request at a time (docs/persona.md): Bearer key, `Persona-Version`,
 * `Key-Inflection: kebab`, an `Idempotency-Key` on every POST, a timeout on every request (PERSONA_TIMEOUT_MS, or
 * what is left of the request's deadline when that is less: providers/call-context.ts), and the shared rate
 * gate asked before each one and told what Persona's `RateLimit-*` headers said. It never retries by itself: an
 * action that holds an inquiry's row lock makes one call, and the caller decides what a failure means (the
 * services retry a whole action, with the same key, after its transaction has rolled back).
 */

export interface PersonaClientOptions {
  apiUrl: string;
  apiKey: string;
  version: string;
  timeoutMs: number;
  gate: RateGate;
  now: () => Date;
  log?: Logger;
  /** How long a call may wait for the rate gate before it is refused as rate-limited (the backfill waits longer). */
  maxGateWaitMs?: number;
}

/** What went wrong with a call, in terms the services act on. */
export type PersonaFailureKind =
  /** Persona answered 4xx (not 429): it refused; retrying the same request will not help. */
  | 'refused'
  /** 429, or the shared gate closed for longer than the call may wait. */
  | 'rate_limited'
  /** 5xx, a timeout, a network error, or an answer that is not what the API documents: the effect is unknown. */
  | 'unavailable';

export class PersonaError extends Error {
  override readonly name = 'PersonaError';
  constructor(
    readonly kind: PersonaFailureKind,
    /** The HTTP status, or what stood in for one. */
    readonly status: number | 'timeout' | 'network' | 'invalid_response',
    /** Persona's own words (its error title and details), safe to show: never the request. */
    readonly title: string,
    readonly details: string | null,
    readonly operation: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(`Persona ${operation}: ${typeof status === 'number' ? `HTTP ${status}` : status}: ${title}${details ? ` (${details})` : ''}`);
  }
}

/** A call its caller stopped (`signal`) while it waited for the gate or for Persona's answer. */
export class PersonaCallStopped extends Error {
  override readonly name = 'PersonaCallStopped';
  constructor(readonly operation: string) {
    super(`Persona ${operation}: stopped by its caller`);
  }
}

function headerNumber(headers: Headers, name: string): number | null {
  const raw = headers.get(name);
  if (raw === null || !/^\d+(\.\d+)?$/.test(raw.trim())) return null;
  return Number(raw);
}

export interface Page<T> {
  data: T[];
  /** The `page[after]` cursor of the next page; null on the last. */
  after: string | null;
}

export interface CreateInquiryRequest {
  templateId: string;
  referenceId: string | null;
  accountId?: string | null;
  fields: Record<string, unknown>;
}

export function createPersonaClient(options: PersonaClientOptions) {
  const base = options.apiUrl.replace(/\/+$/, '');
  const maxGateWaitMs = options.maxGateWaitMs ?? PERSONA_GATE_WAIT_MS;

  /** The request's deadline ran out before a call could be made: nothing was sent, and the action fails in time. */
  const outOfTime = (operation: string) => new PersonaError('unavailable', 'timeout', "no time left before the request's deadline", null, operation);

  async function passGate(operation: string, signal: AbortSignal | undefined): Promise<void> {
    // A wait for the gate is bounded by the request's deadline too (providers/call-context.ts).
    const left = callTimeLeftMs();
    const maxWait = left === null ? maxGateWaitMs : Math.min(maxGateWaitMs, left);
    let waited = 0;
    for (;;) {
      if (signal?.aborted) throw new PersonaCallStopped(operation);
      const wait = await options.gate.take(options.now(), gateShare());
      if (wait <= 0) return;
      if (waited + wait > maxWait) {
        throw new PersonaError('rate_limited', 429, "Persona's rate limit is used up for now", null, operation, wait);
      }
      await sleep(wait, signal);
      waited += wait;
    }
  }

  async function request<S extends z.ZodType>(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    schema: S,
    extra: { body?: unknown; idempotencyKey?: string; signal?: AbortSignal } = {},
  ): Promise<z.infer<S>> {
    const stop = extra.signal;
    if ((callTimeLeftMs() ?? 1) <= 0) throw outOfTime(operation);
    await passGate(operation, stop);
    // The call's limit: PERSONA_TIMEOUT_MS, or what is left of the request's deadline when that is less.
    const left = callTimeLeftMs();
    if (left !== null && left <= 0) throw outOfTime(operation);
    const timeoutMs = left === null ? options.timeoutMs : Math.min(options.timeoutMs, Math.ceil(left));
    const headers: Record<string, string> = {
      Authorization: `Bearer ${options.apiKey}`,
      'Persona-Version': options.version,
      'Key-Inflection': 'kebab',
      Accept: 'application/json',
    };
    if (method === 'POST') {
      headers['Idempotency-Key'] = extra.idempotencyKey ?? `idesk-${randomBytes(16).toString('hex')}`;
      headers['Content-Type'] = 'application/json';
    }
    // The request's limit, and the caller's stop when it gave one: a controller of the call's own, not
    // AbortSignal.any, which on Node 20 keeps every combined signal alive as long as the long-lived `stop` is.
    const timeout = AbortSignal.timeout(timeoutMs);
    let signal = timeout;
    let release: () => void = () => undefined;
    if (stop) {
      const call = new AbortController();
      const abort = () => call.abort();
      stop.addEventListener('abort', abort, { once: true });
      timeout.addEventListener('abort', abort, { once: true });
      release = () => stop.removeEventListener('abort', abort);
      signal = call.signal;
    }
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify(extra.body ?? {}) } : {}),
        signal,
        redirect: 'error',
      });
    } catch (error) {
      release();
      if (stop?.aborted) throw new PersonaCallStopped(operation);
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new PersonaError('unavailable', timedOut ? 'timeout' : 'network', timedOut ? `no answer within ${timeoutMs} ms` : 'could not reach Persona', null, operation);
    }
    const limited = response.status === 429;
    try {
      await options.gate.observe(
        { remaining: headerNumber(response.headers, 'RateLimit-Remaining'), resetSeconds: headerNumber(response.headers, 'RateLimit-Reset'), limited },
        options.now(),
      );
    } catch (error) {
      // Persona has answered (and may have acted): a gate that cannot note it must not turn that answer into a failure.
      options.log?.warn({ operation, err: error instanceof Error ? error.name : 'unknown' }, 'could not record Persona rate-limit headers');
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      if (stop?.aborted) throw new PersonaCallStopped(operation);
      throw new PersonaError('unavailable', 'timeout', `no complete answer within ${timeoutMs} ms`, null, operation);
    } finally {
      release();
    }
    if (!response.ok) {
      let title = response.statusText || 'error';
      let details: string | null = null;
      try {
        const parsed = ErrorDocument.safeParse(JSON.parse(text));
        if (parsed.success) {
          const first = parsed.data.errors[0];
          title = first?.title ?? title;
          details = first?.details ?? first?.detail ?? null;
        }
      } catch {
        // not JSON: keep the status text
      }
      if (limited) {
        const reset = headerNumber(response.headers, 'RateLimit-Reset');
        throw new PersonaError('rate_limited', 429, title, details, operation, reset === null ? 1000 : reset * 1000);
      }
      throw new PersonaError(response.status >= 500 ? 'unavailable' : 'refused', response.status, title, details, operation);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new PersonaError('unavailable', 'invalid_response', 'the answer is not JSON', null, operation);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      options.log?.warn({ operation, issues: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) }, 'Persona answered in an unexpected shape');
      throw new PersonaError('unavailable', 'invalid_response', 'the answer is not in the documented shape', null, operation);
    }
    return parsed.data;
  }

  const enc = encodeURIComponent;
  const pageAfter = (next: string | null | undefined): string | null => {
    if (!next) return null;
    const url = new URL(next, 'https://persona.invalid');
    return url.searchParams.get('page[after]');
  };

  return {
    getInquiry: (id: string) => request('get inquiry', 'GET', `/api/v1/inquiries/${enc(id)}`, InquiryDocument),
    createInquiry: (input: CreateInquiryRequest, idempotencyKey: string) =>
      request('create inquiry', 'POST', '/api/v1/inquiries', InquiryDocument, {
        idempotencyKey,
        body: {
          data: {
            attributes: {
              'inquiry-template-id': input.templateId,
              ...(input.referenceId ? { 'reference-id': input.referenceId } : {}),
              ...(input.accountId ? { 'account-id': input.accountId } : {}),
              fields: input.fields,
            },
          },
        },
      }),
    resume: (id: string, idempotencyKey: string) => request('resume', 'POST', `/api/v1/inquiries/${enc(id)}/resume`, InquiryDocument, { idempotencyKey }),
    expireInquiry: (id: string, idempotencyKey: string) => request('expire inquiry', 'POST', `/api/v1/inquiries/${enc(id)}/expire`, InquiryDocument, { idempotencyKey }),
    generateOneTimeLink: (id: string, expiresInSeconds: number, idempotencyKey: string) =>
      request('generate one-time link', 'POST', `/api/v1/inquiries/${enc(id)}/generate-one-time-link`, InquiryDocument, {
        idempotencyKey,
        body: { meta: { 'expires-in-seconds': expiresInSeconds } },
      }),
    expireSession: (sessionId: string, idempotencyKey: string) =>
      request('expire session', 'POST', `/api/v1/inquiry-sessions/${enc(sessionId)}/expire`, SessionDocument, { idempotencyKey }),
    // The backfill's reads take its stop signal: a wait for the gate or an answer ends at once when the run stops.
    async listInquiries(page: { after: string | null; size: number }, call: { signal?: AbortSignal } = {}): Promise<Page<InquiryResource>> {
      const query = new URLSearchParams({ 'page[size]': String(page.size) });
      if (page.after) query.set('page[after]', page.after);
      const doc = await request('list inquiries', 'GET', `/api/v1/inquiries?${query.toString()}`, ListDocument(InquiryResource), call);
      return { data: doc.data, after: pageAfter(doc.links?.next) };
    },
    async listSessions(inquiryId: string, page: { after: string | null; size: number }, call: { signal?: AbortSignal } = {}): Promise<Page<SessionResource>> {
      const query = new URLSearchParams({ 'filter[inquiry-id]': inquiryId, 'page[size]': String(page.size) });
      if (page.after) query.set('page[after]', page.after);
      const doc = await request('list sessions', 'GET', `/api/v1/inquiry-sessions?${query.toString()}`, ListDocument(SessionResource), call);
      return { data: doc.data, after: pageAfter(doc.links?.next) };
    },
  };
}

export type PersonaClient = ReturnType<typeof createPersonaClient>;
