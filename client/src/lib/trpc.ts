import { QueryClient } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, splitLink, type TRPCLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import superjson from 'superjson';
// Type-only: the router's types describe the API; none of the server's code reaches the bundle.
import type { AppRouter } from '../../../server/routers/_app.js';
import type * as SharedAuth from '@shared/auth.js';

export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

// The server refuses state-changing requests without this header (CSRF, see server/auth/csrf.ts). Copied rather
// than imported: shared/auth.ts carries zod schemas the first page load should not download. The type
// annotations fail the build if shared/auth.ts ever changes the values.
export const CSRF_HEADER: typeof SharedAuth.CSRF_HEADER = 'x-inquiry-desk';
export const CSRF_HEADER_VALUE: typeof SharedAuth.CSRF_HEADER_VALUE = '1';

/** What a search may carry in its input: a pasted link with a one-time code or a session token. */
const SENT_IN_BODY = new Set(['inquiries.find']);

export function createApiLink(url = '/trpc'): TRPCLink<AppRouter> {
  const batchLink = (methodOverride?: 'POST') =>
    httpBatchLink({
      url,
      transformer: superjson,
      headers: { [CSRF_HEADER]: CSRF_HEADER_VALUE },
      // The server refuses larger batches (server/trpc.ts MAX_BATCH_SIZE); more queries go in further requests.
      maxItems: 10,
      ...(methodOverride ? { methodOverride } : {}),
      // The session cookie rides along; resolved at call time so tests can stub the global fetch.
      fetch: (input, init) => fetch(input, { ...(init as RequestInit), credentials: 'include' }),
    });
  // A query's input travels in the URL, where proxies and access logs keep it: a search that may hold a pasted
  // one-time code or session token is sent in a POST body instead.
  return splitLink({ condition: (op) => SENT_IN_BODY.has(op.path), true: batchLink('POST'), false: batchLink() });
}

export function createApiClient(link: TRPCLink<AppRouter> = createApiLink()) {
  return createTRPCClient<AppRouter>({ links: [link] });
}

export function createQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // A 4xx will not get better by asking again; a flaky network might.
        retry: (failureCount, error) => failureCount < 2 && !isClientError(error),
        refetchOnWindowFocus: false,
      },
    },
  });
}

function isClientError(error: unknown): boolean {
  const status = httpStatusOf(error);
  return status !== null && status >= 400 && status < 500;
}

/** The HTTP status tRPC attached to an error, if any. */
export function httpStatusOf(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data = (error as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || !('httpStatus' in data)) return null;
  const status = (data as { httpStatus?: unknown }).httpStatus;
  return typeof status === 'number' ? status : null;
}

/** The tRPC error code (NOT_FOUND, BAD_REQUEST, …), if any. */
export function errorCodeOf(error: unknown): string | null {
  if (typeof error !== 'object' || error === null || !('data' in error)) return null;
  const data = (error as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || !('code' in data)) return null;
  const code = (data as { code?: unknown }).code;
  return typeof code === 'string' ? code : null;
}

/** What to tell a person: the server writes readable messages; a network failure gets a plain sentence. */
export function errorMessageOf(error: unknown): string {
  if (error instanceof Error) {
    if (/failed to fetch|networkerror|load failed/i.test(error.message)) {
      return 'Could not reach the server. Check your connection and try again.';
    }
    if (error.message) return error.message;
  }
  return 'Something went wrong.';
}
