/**
 * Which job queue examples 17 and 18 run on: Redis at `REDIS_URL` if it is set; else a throwaway `redis-server`
 * started from PATH on a free loopback port (and stopped at the end); else the in-process `MemoryJobQueue`. Each
 * example prints the choice and how to switch, on a line starting with `queue:`.
 *
 * Not an example itself (its name does not start with two digits, so `run_all.ts` skips it).
 *
 * @module
 */

import { haveRedisServer, startRedisServer } from "../_redis_server.ts";

/** The queue an example runs on. */
export interface JobBackend extends AsyncDisposable {
  /** `"redis"` or `"memory"`. */
  kind: "redis" | "memory";
  /** The server's url (Redis only). */
  url: string | null;
  /** The `queue:` line: what is used, and how to switch. */
  description: string;
  /** Stops the redis-server this started, if any. */
  stop(): Promise<void>;
}

/** Picks the backend (see the module documentation). */
export async function chooseJobBackend(): Promise<JobBackend> {
  const url = Deno.env.get("REDIS_URL");
  if (url) {
    return backend("redis", url, `queue: Redis at ${url} (REDIS_URL; unset it to use a throwaway redis-server)`);
  }
  if (await haveRedisServer()) {
    const server = await startRedisServer();
    return backend(
      "redis",
      server.url,
      "queue: Redis, a redis-server started for this example on a free port (set REDIS_URL to use yours)",
      () => server.stop(),
    );
  }
  return backend(
    "memory",
    null,
    "queue: in-process (MemoryJobQueue): no REDIS_URL and no redis-server on PATH; install redis-server or set " +
      "REDIS_URL to run it on Redis",
  );
}

function backend(
  kind: "redis" | "memory",
  url: string | null,
  description: string,
  stop: () => Promise<void> = () => Promise.resolve(),
): JobBackend {
  return { kind, url, description, stop, [Symbol.asyncDispose]: stop };
}
