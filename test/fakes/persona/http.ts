/**
 * FAKE — the HTTP side of the fake Persona API (Express 5): bearer key, rate-limit headers and 429s, request ids,
 * idempotency keys, the injected faults, and the routes under /api/v1. Written from Persona's public documentation
 * and ../shared/PERSONA.md; it is not Persona.
 */
import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import express, { type Request, type Response } from 'express';
import type { FaultQueue, Fault } from './faults.js';
import type { Clock, World } from './model.js';
import { FakeApiError, inflect, inflectionOf, inquiryResource, kebabKeys, pageOf, sessionResource, badParameter, invalid } from './resources.js';
import type { FakeRequest, SeedInquiry } from './types.js';

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const WINDOW_MS = 60_000;

interface Answer {
  status: number;
  body: unknown;
}

interface StoredAnswer {
  hash: string;
  answer: Answer;
  storedAt: number;
}

export interface HttpDeps {
  apiKey: string;
  rateLimitPerMinute: number;
  clock: Clock;
  world: World;
  faults: FaultQueue;
  requests: FakeRequest[];
  adopt: () => ((id: string) => Promise<SeedInquiry | null>) | null;
  /** Waits `ms` (real time); resolved early when the fake closes. */
  sleep: (ms: number) => Promise<void>;
  /** True once close() began: a request woken from a delay then does nothing. */
  closing: () => boolean;
}

const errorBody = (...errors: FakeApiError['error'][]) => ({ errors });

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function createHttpApp(deps: HttpDeps): express.Express {
  const { world, clock, faults } = deps;
  const idempotency = new Map<string, StoredAnswer>();
  const inflight = new Map<string, Promise<unknown>>();
  let windowStart = -Infinity;
  let used = 0;

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.raw({ type: () => true, limit: '1mb' }));

  const send = (req: Request, res: Response, answer: Answer) => {
    if (res.locals.gone === true || res.headersSent) return;
    const body = inflect(answer.body, inflectionOf(req.get('Key-Inflection') ?? null));
    res.status(answer.status).type('application/json').send(JSON.stringify(body));
  };
  const failure = (status: number) => ({ status, body: errorBody({ title: STATUS_CODES[status] ?? 'Internal Server Error' }) });

  // Request id, the log, the key, the rate window, and the faults that strike before any work.
  app.use(async (req, res, next) => {
    const now = clock.read().getTime();
    res.setHeader('Request-Id', `req_${randomBytes(12).toString('hex')}`);
    const authorized = req.get('Authorization') === `Bearer ${deps.apiKey}`;
    const entry: FakeRequest = {
      method: req.method,
      path: req.path,
      url: req.originalUrl,
      status: 0,
      idempotencyKey: req.get('Idempotency-Key') ?? null,
      personaVersion: req.get('Persona-Version') ?? null,
      keyInflection: req.get('Key-Inflection') ?? null,
      authorized,
      replayed: false,
    };
    deps.requests.push(entry);
    res.locals.entry = entry;
    res.on('finish', () => {
      entry.status = res.statusCode;
    });
    res.on('close', () => {
      if (!res.writableFinished) res.locals.gone = true;
    });

    if (now >= windowStart + WINDOW_MS) {
      windowStart = now;
      used = 0;
    }
    const injected = authorized ? faults.take(['rate'], req.path) : null;
    if (authorized && !injected) used += 1;
    const limited = used > deps.rateLimitPerMinute;
    res.setHeader('RateLimit-Limit', String(deps.rateLimitPerMinute));
    res.setHeader('RateLimit-Remaining', String(injected ? 0 : Math.max(0, deps.rateLimitPerMinute - used)));
    res.setHeader('RateLimit-Reset', String(injected?.kind === 'rate' ? injected.resetSeconds : Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000))));

    if (!authorized) return send(req, res, { status: 401, body: errorBody({ title: 'Must be authenticated to access this endpoint' }) });
    if (injected || limited) {
      const details = `You have hit your rate limit of ${deps.rateLimitPerMinute} requests / min. Please wait and try again.`;
      return send(req, res, { status: 429, body: errorBody({ title: 'Rate limit exceeded', details }) });
    }
    const fault = faults.take(['fail', 'delay'], req.path);
    if (fault?.kind === 'fail' && !fault.afterEffect) return send(req, res, failure(fault.status));
    if (fault?.kind === 'delay' && !fault.afterEffect) {
      await deps.sleep(fault.ms);
      // The client gave up (or the fake is closing) before the request was handled: nothing happens.
      if (res.locals.gone === true || deps.closing()) return void res.destroy();
    }
    res.locals.fault = fault && fault.kind !== 'rate' && fault.afterEffect ? fault : null;
    next();
  });

  /** The request's JSON body (`{}` when empty), or a 400. */
  function bodyOf(req: Request): Record<string, unknown> {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8').trim() : '';
    if (!raw) return {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new FakeApiError(400, { title: 'Bad Request', details: 'The request body must be a JSON object.' });
  }

  async function known(id: string): Promise<void> {
    if (world.inquiries.has(id) || !/^inq_[A-Za-z0-9]+$/.test(id)) return;
    const resolver = deps.adopt();
    const seed = resolver ? await resolver(id) : null;
    if (seed && seed.id === id && !world.inquiries.has(id)) world.seed(seed);
  }

  async function run(work: () => Promise<Answer> | Answer): Promise<Answer> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof FakeApiError) return { status: error.status, body: errorBody(error.error) };
      console.error('Fake Persona: handler failed', error);
      return failure(500);
    }
  }

  /** A route: idempotency keys on POST (stored answers replayed), then the faults that strike after the work. */
  const route =
    (work: (req: Request, body: Record<string, unknown>, key: string | null) => Promise<Answer> | Answer) =>
    async (req: Request, res: Response) => {
      let body: Record<string, unknown> = {};
      const parsed = await run(() => {
        body = bodyOf(req);
        return { status: 0, body: null };
      });
      if (parsed.status !== 0) return send(req, res, parsed);
      const key = req.method === 'POST' ? (req.get('Idempotency-Key') ?? null) : null;
      let answer: Answer;
      let replayed = false;
      if (key) {
        while (inflight.has(key)) await inflight.get(key);
        const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${canonical(body)}`).digest('hex');
        const now = clock.read().getTime();
        const stored = idempotency.get(key);
        if (stored && now - stored.storedAt >= IDEMPOTENCY_TTL_MS) idempotency.delete(key);
        const live = idempotency.get(key);
        if (live && live.hash !== hash) {
          const details = 'An earlier request with this Idempotency-Key had a different method, path or body.';
          answer = { status: 422, body: errorBody({ title: 'Idempotency key reused with different parameters', details }) };
        } else if (live) {
          answer = live.answer;
          replayed = true;
        } else {
          const pending = run(() => work(req, body, key));
          inflight.set(key, pending);
          answer = await pending;
          inflight.delete(key);
          // What was decided is kept (successes and refusals alike); a failure of the fake's own is not.
          if (answer.status < 500) idempotency.set(key, { hash, answer, storedAt: now });
        }
      } else {
        answer = await run(() => work(req, body, null));
      }
      if (replayed) {
        res.setHeader('Idempotent-Replayed', 'true');
        (res.locals.entry as FakeRequest).replayed = true;
      }
      const fault = res.locals.fault as Fault | null;
      if (fault?.kind === 'fail') return send(req, res, failure(fault.status));
      if (fault?.kind === 'delay') await deps.sleep(fault.ms);
      if (deps.closing()) return void res.destroy();
      send(req, res, answer);
    };

  const query = (req: Request) => new URL(req.originalUrl, 'http://fake.invalid').searchParams;
  const list = (q: URLSearchParams, name: string) => q.get(name)?.split(',').filter(Boolean) ?? null;
  const param = (req: Request) => String(req.params.id);
  const data = (body: Record<string, unknown>) => kebabKeys(body.data);

  app.get('/api/v1/inquiries', route((req) => {
    const q = query(req);
    const statuses = list(q, 'filter[status]');
    const templates = list(q, 'filter[inquiry-template-id]');
    const reference = q.get('filter[reference-id]');
    const account = q.get('filter[account-id]');
    const time = (name: string) => {
      const v = q.get(name);
      if (v === null) return null;
      const t = Date.parse(v);
      if (Number.isNaN(t)) throw badParameter(name, `${name} must be a date-time.`);
      return t;
    };
    const from = time('filter[created-at-start]');
    const to = time('filter[created-at-end]');
    const page = pageOf('/api/v1/inquiries', q, world.inquiriesNewestFirst(), (id) => world.inquiries.get(id), (inq) =>
      (statuses === null || statuses.includes(inq.status)) &&
      (templates === null || templates.includes(inq.templateId)) &&
      (reference === null || inq.referenceId === reference) &&
      (account === null || inq.accountId === account) &&
      (from === null || inq.createdAt.getTime() >= from) &&
      (to === null || inq.createdAt.getTime() <= to));
    return { status: 200, body: { data: page.items.map(inquiryResource), links: page.links } };
  }));

  app.post('/api/v1/inquiries', route(async (_req, body, key) => {
    const { inquiry, session } = world.create(kebabKeys(data(body).attributes), kebabKeys(body.meta), key);
    const meta = session ? { meta: { 'session-token': await world.token(session, clock.read()) } } : {};
    return { status: 201, body: { data: inquiryResource(inquiry), ...meta } };
  }));

  app.get('/api/v1/inquiries/:id', route(async (req) => {
    await known(param(req));
    return { status: 200, body: { data: inquiryResource(world.inquiry(param(req))) } };
  }));

  app.post('/api/v1/inquiries/:id/resume', route(async (req, _body, key) => {
    await known(param(req));
    const { inquiry, session } = world.resume(param(req), key);
    return { status: 200, body: { data: inquiryResource(inquiry), meta: { 'session-token': await world.token(session, clock.read()) } } };
  }));

  app.post('/api/v1/inquiries/:id/expire', route(async (req, _body, key) => {
    await known(param(req));
    return { status: 200, body: { data: inquiryResource(world.expire(param(req), key)) } };
  }));

  app.post('/api/v1/inquiries/:id/generate-one-time-link', route(async (req, body, key) => {
    await known(param(req));
    const seconds = kebabKeys(body.meta)['expires-in-seconds'] ?? 3600;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds <= 0) throw invalid('/meta/expires-in-seconds', 'expires-in-seconds must be a positive integer.');
    const { inquiry, link } = world.oneTimeLink(param(req), seconds, key);
    return { status: 200, body: { data: inquiryResource(inquiry), meta: { 'one-time-link': link.url, 'one-time-link-short': link.shortUrl } } };
  }));

  app.get('/api/v1/inquiry-sessions', route((req) => {
    const q = query(req);
    const inquiries = list(q, 'filter[inquiry-id]');
    const page = pageOf('/api/v1/inquiry-sessions', q, world.sessionsNewestFirst(), (id) => world.sessions.get(id), (s) => inquiries === null || inquiries.includes(s.inquiryId));
    return { status: 200, body: { data: page.items.map(sessionResource), links: page.links } };
  }));

  app.get('/api/v1/inquiry-sessions/:id', route((req) => ({ status: 200, body: { data: sessionResource(world.session(param(req))) } })));

  app.post('/api/v1/inquiry-sessions/:id/expire', route((req, _body, key) => ({ status: 200, body: { data: sessionResource(world.expireSession(param(req), key)) } })));

  app.use((req: Request, res: Response) => send(req, res, { status: 404, body: errorBody({ title: 'Not Found', details: `No route ${req.method} ${req.path}.` }) }));
  app.use((error: unknown, req: Request, res: Response, _next: express.NextFunction) => {
    const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
    send(req, res, { status, body: errorBody({ title: STATUS_CODES[status] ?? 'Internal Server Error' }) });
  });
  return app;
}
