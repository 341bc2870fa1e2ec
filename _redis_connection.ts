// The Redis connections of a `RedisQueue` (redis_queue.ts): opening one through node-redis with a deadline, the
// backoff for retries, and the small helpers around them. The one module of the library that imports `npm:redis`;
// only the Redis queue's modules import it.

import { createClient, ErrorReply } from "npm:redis@6.3.1";

/** The few node-redis calls the queue makes, typed here: the client's own generic types are heavy to check. */
export interface Connection {
  sendCommand(args: readonly string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  destroy(): void;
  close(): Promise<void>;
  on(event: string, listener: (...args: never[]) => void): unknown;
}

const MAX_BACKOFF_MS = 2_000;

/** The wait before retry number `attempt`: 50 ms doubling to 2 s. */
export function backoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 50 * 2 ** Math.min(attempt, 10));
}

/** A wait that `signal` cuts short (so that no timer outlives the queue). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}

/** An error the server replied (a wrong command, NOGROUP…), as opposed to a connection that failed. */
export function isServerReply(error: unknown): error is Error {
  return error instanceof ErrorReply;
}

/** The url with its password masked, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.href.replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** A consumer name unique to this process: host, pid and a random part. */
export function defaultConsumer(): string {
  let host = "host";
  try {
    host = Deno.hostname();
  } catch {
    // no --allow-sys: the random part keeps the name unique
  }
  return `${host}:${Deno.pid}:${crypto.randomUUID().slice(0, 8)}`;
}

/** Opens one connection; rejects naming the url if the server cannot be reached within `timeoutMs`. */
export async function openConnection(
  url: string,
  shownUrl: string,
  timeoutMs: number,
  name: string,
): Promise<Connection> {
  let ready = false;
  let lastError: unknown = undefined;
  const started = Date.now();
  const client = createClient({
    url,
    name,
    RESP: 2,
    socket: {
      connectTimeout: timeoutMs,
      // node-redis retries for ever by default: before the first connection that would be a hang, so it gives up
      // at the deadline; once connected, a lost connection is retried with backoff for as long as the queue lives.
      reconnectStrategy: (retries: number, cause: Error) => {
        lastError = cause;
        if (!ready && Date.now() - started + backoff(retries) >= timeoutMs) return cause;
        return backoff(retries);
      },
    },
  }) as unknown as Connection;
  client.on("error", (error: never) => {
    lastError = error;
  });
  client.on("ready", () => {
    ready = true;
  });
  const timer = setTimeout(() => client.destroy(), timeoutMs);
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    const cause = lastError ?? error;
    const reason = cause instanceof Error ? cause.message || cause.name : String(cause);
    throw new Error(`Cannot connect to Redis at ${shownUrl} within ${timeoutMs} ms: ${reason}`, { cause });
  } finally {
    clearTimeout(timer);
  }
  return client;
}
