import pg from 'pg';

/**
 * LISTEN/NOTIFY for one instance (issue 13, "A leaner request path"; docs/performance.md, "The version catalogue
 * cache"). A server database gets one dedicated connection per instance, outside the pool, that LISTENs on every
 * channel somebody subscribed to; the embedded engine delivers its own notifications in-process (PGlite's listen()).
 *
 * A subscriber is told when the instance starts and stops listening (`onListening(true | false)`): notifications
 * sent while it was not listening are lost, so it must not trust anything it cached before `onListening(true)`.
 */
export interface ChannelSubscriber {
  onNotify(): void;
  onListening(listening: boolean): void;
}

export interface Notifications {
  /** Starts listening on `channel` (the connection is opened on the first subscription). Returns unsubscribe. */
  subscribe(channel: string, subscriber: ChannelSubscriber): () => void;
  /** The listening connection's backend pid (postgres, while connected; tests terminate it). */
  backendPid(): number | null;
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]*$/;
const BACKOFF_MS = [100, 250, 500, 1_000, 2_000, 5_000];

/** One pg.Client that LISTENs, reconnecting with backoff after an error or its end. */
export function postgresNotifications(connectionString: string): Notifications {
  const channels = new Map<string, Set<ChannelSubscriber>>();
  let client: pg.Client | null = null;
  let listening = false;
  let closed = false;
  let attempt = 0;
  let retry: NodeJS.Timeout | null = null;
  let connecting: Promise<void> | null = null;

  const tell = (state: boolean) => {
    listening = state;
    for (const set of channels.values()) for (const s of set) s.onListening(state);
  };

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    client = null;
    if (listening) tell(false);
    c.removeAllListeners('notification');
    c.on('error', () => undefined);
    void c.end().catch(() => undefined);
    schedule();
  };

  const schedule = () => {
    if (closed || retry || channels.size === 0) return;
    const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
    attempt += 1;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, delay);
    retry.unref();
  };

  const connect = (): Promise<void> => {
    if (closed || client || connecting) return connecting ?? Promise.resolve();
    const c = new pg.Client({ connectionString });
    connecting = (async () => {
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      c.on('notification', (message) => {
        for (const s of channels.get(message.channel) ?? []) s.onNotify();
      });
      try {
        await c.connect();
        if (closed) {
          await c.end();
          return;
        }
        client = c;
        for (const channel of channels.keys()) await c.query(`listen ${channel}`);
        if (client !== c) return;
        attempt = 0;
        tell(true);
      } catch {
        if (client === c) lost(c);
        else {
          void c.end().catch(() => undefined);
          schedule();
        }
      } finally {
        connecting = null;
      }
    })();
    return connecting;
  };

  return {
    subscribe(channel, subscriber) {
      if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
      let set = channels.get(channel);
      if (!set) {
        set = new Set();
        channels.set(channel, set);
        // A new channel on a live connection: LISTEN to it, then it is listened to.
        const c = client;
        if (c && listening) {
          void c.query(`listen ${channel}`).then(
            () => {
              if (client === c) subscriber.onListening(true);
            },
            () => lost(c),
          );
        }
      } else if (listening) subscriber.onListening(true);
      set.add(subscriber);
      if (!client) void connect();
      return () => {
        set.delete(subscriber);
      };
    },
    backendPid: () => (client && listening ? ((client as unknown as { processID: number | null }).processID ?? null) : null),
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      retry = null;
      await connecting?.catch(() => undefined);
      const c = client;
      client = null;
      if (listening) tell(false);
      channels.clear();
      if (c) await c.end().catch(() => undefined);
    },
  };
}
