import superjson from 'superjson';
import { vi } from 'vitest';
import type { RouterInputs, RouterOutputs } from '../lib/trpc';
import { signedInAs } from './fixtures';

/** An error the fake server answers with, shaped like the real errorFormatter's. */
export class FakeApiError extends Error {
  constructor(
    readonly code: keyof typeof JSON_RPC_CODES,
    message: string,
    /** What the real errorFormatter puts in `data.details` (retryAfterSeconds, missingAcknowledgements, successorId…). */
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
  }
}

const JSON_RPC_CODES = {
  BAD_REQUEST: -32600,
  UNAUTHORIZED: -32001,
  FORBIDDEN: -32003,
  NOT_FOUND: -32004,
  CONFLICT: -32009,
  PRECONDITION_FAILED: -32012,
  TOO_MANY_REQUESTS: -32029,
  INTERNAL_SERVER_ERROR: -32603,
} as const;
const HTTP_STATUSES: Record<keyof typeof JSON_RPC_CODES, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
};

/** The HTTP status of a lone failed result, as the real server answers a batch of one. */
function statusOf(result: unknown): number | null {
  const error = (result as { error?: Parameters<typeof superjson.deserialize>[0] } | undefined)?.error;
  if (!error) return null;
  const data = superjson.deserialize<{ data?: { httpStatus?: number } }>(error).data;
  return data?.httpStatus ?? 400;
}

type Handler<TInput, TOutput> = (input: TInput) => TOutput | Promise<TOutput>;

export interface FakeApiHandlers {
  'inquiries.list'?: Handler<RouterInputs['inquiries']['list'], RouterOutputs['inquiries']['list']>;
  'inquiries.find'?: Handler<RouterInputs['inquiries']['find'], RouterOutputs['inquiries']['find']>;
  'inquiries.get'?: Handler<RouterInputs['inquiries']['get'], RouterOutputs['inquiries']['get']>;
  'inquiries.overview'?: Handler<undefined, RouterOutputs['inquiries']['overview']>;
  'templates.list'?: Handler<undefined, RouterOutputs['templates']['list']>;
  // Guarded actions.
  'inquiries.actionsFor'?: Handler<RouterInputs['inquiries']['actionsFor'], RouterOutputs['inquiries']['actionsFor']>;
  'inquiries.resume'?: Handler<RouterInputs['inquiries']['resume'], RouterOutputs['inquiries']['resume']>;
  'inquiries.recreate'?: Handler<RouterInputs['inquiries']['recreate'], RouterOutputs['inquiries']['recreate']>;
  'inquiries.create'?: Handler<RouterInputs['inquiries']['create'], RouterOutputs['inquiries']['create']>;
  'inquiries.expireSessions'?: Handler<RouterInputs['inquiries']['expireSessions'], RouterOutputs['inquiries']['expireSessions']>;
  'inquiries.revealPii'?: Handler<RouterInputs['inquiries']['revealPii'], RouterOutputs['inquiries']['revealPii']>;
  'links.createOneTime'?: Handler<RouterInputs['links']['createOneTime'], RouterOutputs['links']['createOneTime']>;
  'links.createWithToken'?: Handler<RouterInputs['links']['createWithToken'], RouterOutputs['links']['createWithToken']>;
  'links.revoke'?: Handler<RouterInputs['links']['revoke'], RouterOutputs['links']['revoke']>;
  // The two-person rule for token links (features/access/TokenLinkRequestsPanel).
  'links.approvals'?: Handler<RouterInputs['links']['approvals'], RouterOutputs['links']['approvals']>;
  'links.approve'?: Handler<RouterInputs['links']['approve'], RouterOutputs['links']['approve']>;
  'links.reject'?: Handler<RouterInputs['links']['reject'], RouterOutputs['links']['reject']>;
  'links.myRequests'?: Handler<RouterInputs['links']['myRequests'], RouterOutputs['links']['myRequests']>;
  'links.collect'?: Handler<RouterInputs['links']['collect'], RouterOutputs['links']['collect']>;
  'templates.staticLink'?: Handler<RouterInputs['templates']['staticLink'], RouterOutputs['templates']['staticLink']>;
  // Managers: a template's page, its policy and versions (features/templates).
  'templates.get'?: Handler<RouterInputs['templates']['get'], RouterOutputs['templates']['get']>;
  'templates.policyHistory'?: Handler<RouterInputs['templates']['policyHistory'], RouterOutputs['templates']['policyHistory']>;
  'templates.previewPolicy'?: Handler<RouterInputs['templates']['previewPolicy'], RouterOutputs['templates']['previewPolicy']>;
  'templates.updatePolicy'?: Handler<RouterInputs['templates']['updatePolicy'], RouterOutputs['templates']['updatePolicy']>;
  'templates.applyPolicy'?: Handler<RouterInputs['templates']['applyPolicy'], RouterOutputs['templates']['applyPolicy']>;
  'templates.publishVersion'?: Handler<RouterInputs['templates']['publishVersion'], RouterOutputs['templates']['publishVersion']>;
  'templates.recreateOutdated'?: Handler<RouterInputs['templates']['recreateOutdated'], RouterOutputs['templates']['recreateOutdated']>;
  // Sign-in state and staff (features/auth, features/staff).
  /** Default: signed in as an admin (signedInAs('admin')), so pages render behind the auth gate. */
  'auth.me'?: Handler<undefined, RouterOutputs['auth']['me']>;
  /** Default: passwords on, no SSO. */
  'auth.signInOptions'?: Handler<undefined, RouterOutputs['auth']['signInOptions']>;
  'auth.changePassword'?: Handler<RouterInputs['auth']['changePassword'], RouterOutputs['auth']['changePassword']>;
  'staff.list'?: Handler<undefined, RouterOutputs['staff']['list']>;
  'staff.create'?: Handler<RouterInputs['staff']['create'], RouterOutputs['staff']['create']>;
  'staff.changeRole'?: Handler<RouterInputs['staff']['changeRole'], RouterOutputs['staff']['changeRole']>;
  'staff.disable'?: Handler<RouterInputs['staff']['disable'], RouterOutputs['staff']['disable']>;
  'staff.enable'?: Handler<RouterInputs['staff']['enable'], RouterOutputs['staff']['enable']>;
  'staff.resetPassword'?: Handler<RouterInputs['staff']['resetPassword'], RouterOutputs['staff']['resetPassword']>;
  'staff.sessions'?: Handler<RouterInputs['staff']['sessions'], RouterOutputs['staff']['sessions']>;
  'staff.endSession'?: Handler<RouterInputs['staff']['endSession'], RouterOutputs['staff']['endSession']>;
  'staff.endSessions'?: Handler<RouterInputs['staff']['endSessions'], RouterOutputs['staff']['endSessions']>;
  'staff.unlockSignIn'?: Handler<RouterInputs['staff']['unlockSignIn'], RouterOutputs['staff']['unlockSignIn']>;
  // Customers and partner API keys (features/customers).
  'customers.list'?: Handler<undefined, RouterOutputs['customers']['list']>;
  'apiKeys.list'?: Handler<RouterInputs['apiKeys']['list'], RouterOutputs['apiKeys']['list']>;
  'apiKeys.create'?: Handler<RouterInputs['apiKeys']['create'], RouterOutputs['apiKeys']['create']>;
  'apiKeys.revoke'?: Handler<RouterInputs['apiKeys']['revoke'], RouterOutputs['apiKeys']['revoke']>;
  // The access report (features/access).
  'access.list'?: Handler<RouterInputs['access']['list'], RouterOutputs['access']['list']>;
  'access.outliers'?: Handler<RouterInputs['access']['outliers'], RouterOutputs['access']['outliers']>;
  'access.revokePreview'?: Handler<RouterInputs['access']['revokePreview'], RouterOutputs['access']['revokePreview']>;
  'access.revokeMatching'?: Handler<RouterInputs['access']['revokeMatching'], RouterOutputs['access']['revokeMatching']>;
  'access.revokeStatus'?: Handler<RouterInputs['access']['revokeStatus'], RouterOutputs['access']['revokeStatus']>;
  // The audit explorer (features/audit).
  'audit.list'?: Handler<RouterInputs['audit']['list'], RouterOutputs['audit']['list']>;
  // The audit log's integrity (features/audit/VerifyPage).
  'audit.verify'?: Handler<undefined, RouterOutputs['audit']['verify']>;
  // The Persona backfill (features/persona).
  'persona.syncStatus'?: Handler<undefined, RouterOutputs['persona']['syncStatus']>;
  'persona.startSync'?: Handler<RouterInputs['persona']['startSync'], RouterOutputs['persona']['startSync']>;
}

/** A plain HTTP answer for the /auth routes (sign-in and sign-out are not tRPC). */
export interface FakeHttpResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeHttpHandlers {
  /** Default: 401 "Email or password is incorrect." */
  'POST /auth/login'?: (body: { email: string; password: string }) => FakeHttpResponse | Promise<FakeHttpResponse>;
  /** Default: 204. */
  'POST /auth/logout'?: () => FakeHttpResponse | Promise<FakeHttpResponse>;
}

const DEFAULT_HANDLERS: FakeApiHandlers = {
  'auth.me': () => signedInAs('admin'),
  'auth.signInOptions': () => ({ password: true, sso: null }),
};

const DEFAULT_HTTP: Required<FakeHttpHandlers> = {
  'POST /auth/login': () => ({ status: 401, body: { errors: [{ title: 'Email or password is incorrect.' }] } }),
  'POST /auth/logout': () => ({ status: 204 }),
};

export interface RecordedCall {
  /** A procedure ("staff.list") or, for plain HTTP, method and path ("POST /auth/login"). */
  path: string;
  input: unknown;
  /** Request headers (lower-case names). */
  headers: Record<string, string>;
}

/**
 * Stands in for the server at /trpc: stubs the global fetch, decodes tRPC's batch requests (superjson),
 * calls the handler for each procedure and answers in tRPC's wire format. The real httpBatchLink and
 * transformer run, so the tests cover the client's API wiring too.
 */
export function installFakeApi(procedureHandlers: FakeApiHandlers, httpHandlers: FakeHttpHandlers = {}) {
  const calls: RecordedCall[] = [];
  const handlers = { ...DEFAULT_HANDLERS, ...procedureHandlers };
  const http = { ...DEFAULT_HTTP, ...httpHandlers };

  const fetchMock = vi.fn(async (request: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof request === 'string' ? request : request instanceof URL ? request.href : request.url, 'http://localhost');
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const route = `${init?.method ?? 'GET'} ${url.pathname}`;
    if (route === 'POST /auth/login' || route === 'POST /auth/logout') {
      const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ path: route, input: body, headers });
      const answer = route === 'POST /auth/login' ? await http[route](body as { email: string; password: string }) : await http[route]();
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
        status: answer.status,
        headers: { ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json' }), ...answer.headers },
      });
    }
    if (!url.pathname.startsWith('/trpc/')) return new Response('not found', { status: 404 });
    const paths = decodeURIComponent(url.pathname.slice('/trpc/'.length)).split(',');
    const rawInputs: Record<string, unknown> =
      init?.method === 'POST' && typeof init.body === 'string'
        ? (JSON.parse(init.body) as Record<string, unknown>)
        : (JSON.parse(url.searchParams.get('input') ?? '{}') as Record<string, unknown>);

    const results = await Promise.all(
      paths.map(async (path, index) => {
        const raw = rawInputs[String(index)];
        const input = raw === undefined ? undefined : superjson.deserialize(raw as Parameters<typeof superjson.deserialize>[0]);
        calls.push({ path, input, headers });
        const handler = (handlers as Record<string, Handler<unknown, unknown> | undefined>)[path];
        try {
          if (!handler) throw new FakeApiError('NOT_FOUND', `No procedure ${path} in the fake API`);
          return { result: { data: superjson.serialize(await handler(input)) } };
        } catch (err) {
          const error = err instanceof FakeApiError ? err : new FakeApiError('INTERNAL_SERVER_ERROR', String(err));
          return {
            error: superjson.serialize({
              message: error.message,
              code: JSON_RPC_CODES[error.code],
              data: { code: error.code, httpStatus: HTTP_STATUSES[error.code], path, details: error.details },
            }),
          };
        }
      }),
    );
    const failed = results.filter((r) => 'error' in r).length;
    const single = results.length === 1 && failed === 1 ? statusOf(results[0]) : null;
    const status = failed === 0 ? 200 : (single ?? 207);
    return new Response(JSON.stringify(results), { status, headers: { 'Content-Type': 'application/json' } });
  });

  vi.stubGlobal('fetch', fetchMock);
  return {
    calls,
    /** Inputs sent to one procedure (or HTTP route, e.g. 'POST /auth/login'), oldest first. */
    inputsOf(path: keyof FakeApiHandlers | keyof FakeHttpHandlers) {
      return calls.filter((c) => c.path === path).map((c) => c.input);
    },
  };
}
