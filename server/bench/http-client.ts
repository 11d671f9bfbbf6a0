import http from 'node:http';
import superjson from 'superjson';
import { CSRF_HEADER, CSRF_HEADER_VALUE } from '../../shared/auth.js';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A minimal HTTP client for benchmarking the real server: one keep-alive connection, no retries, and the tRPC
 * GET encoding of `httpLink` with the superjson transformer (`?input=` + JSON of superjson.serialize(input)).
 * Headers in `headers` go with every request; signIn() puts the session cookie there.
 */
export class BenchHttpClient {
  readonly headers: Record<string, string> = {};
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(readonly baseUrl: string) {}

  request(method: 'GET' | 'POST', path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        new URL(path, this.baseUrl),
        {
          method,
          agent: this.agent,
          headers: {
            ...this.headers,
            ...extraHeaders,
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** The path of a tRPC query over GET, as httpLink builds it with the superjson transformer. */
  static queryPath(procedure: string, input: unknown): string {
    return `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`;
  }

  /** A tRPC query over GET, decoded with superjson; throws with the server's message on an error answer. */
  async query<T>(procedure: string, input: unknown): Promise<T> {
    return BenchHttpClient.decode<T>(procedure, await this.request('GET', BenchHttpClient.queryPath(procedure, input)));
  }

  static decode<T>(procedure: string, res: HttpResponse): T {
    const parsed = JSON.parse(res.body) as { result?: { data: Parameters<typeof superjson.deserialize>[0] }; error?: { json?: { message?: string } } };
    if (res.status !== 200 || !parsed.result) {
      throw new Error(`${procedure} answered ${res.status}: ${parsed.error?.json?.message ?? res.body.slice(0, 200)}`);
    }
    return superjson.deserialize<T>(parsed.result.data);
  }

  /** POST /auth/login as the console does (CSRF header, own origin); keeps the session cookie for later requests. */
  async signIn(email: string, password: string, origin: string): Promise<void> {
    const res = await this.request('POST', '/auth/login', { email, password }, { [CSRF_HEADER]: CSRF_HEADER_VALUE, origin });
    if (res.status !== 200) throw new Error(`sign-in as ${email} failed (${res.status}): ${res.body.slice(0, 200)}`);
    const cookies = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).filter((c): c is string => Boolean(c));
    if (cookies.length === 0) throw new Error('sign-in answered without a session cookie');
    this.headers.cookie = cookies.join('; ');
  }

  close(): void {
    this.agent.destroy();
  }
}
