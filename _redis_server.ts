// A throwaway `redis-server` for tests, examples, benchmarks and the documentation's examples: started from PATH
// on a free loopback port, without persistence, and stopped by its pid. Where none is installed it fails at once
// with a message saying how to get one — never a hang.

/** A running throwaway redis-server. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Its process id. */
  readonly pid: number;
  /** Stops it (SIGTERM, then SIGKILL if it lingers) and waits for it to exit. */
  stop(): Promise<void>;
}

/** Whether `redis-server` can be started from PATH. */
export async function haveRedisServer(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("redis-server", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return success;
  } catch {
    return false;
  }
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts a redis-server on a free loopback port and resolves once it accepts connections.
 *
 * @throws {Error} If redis-server is not installed, or does not come up within `readyMs`.
 */
export async function startRedisServer(readyMs = 10_000): Promise<RedisServer> {
  let lastError: unknown;
  // A port found free can be taken before the server binds it: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command("redis-server", {
        args: [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--save",
          "",
          "--appendonly",
          "no",
          "--loglevel",
          "warning",
        ],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          "redis-server is not installed (it is not on PATH): install it (apt-get install -y redis-server) or set REDIS_URL",
          { cause: error },
        );
      }
      throw error;
    }
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    const deadline = Date.now() + readyMs;
    while (!exited && Date.now() < deadline) {
      try {
        const connection = await Deno.connect({ hostname: "127.0.0.1", port });
        connection.close();
        return makeServer(port, child, status);
      } catch (error) {
        lastError = error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    if (!exited) {
      child.kill("SIGKILL");
      await status;
      throw new Error(`redis-server on port ${port} did not accept connections within ${readyMs} ms`, {
        cause: lastError,
      });
    }
    await status;
  }
  throw new Error("redis-server exited at start three times (ports taken?)", { cause: lastError });
}

function makeServer(port: number, child: Deno.ChildProcess, status: Promise<Deno.CommandStatus>): RedisServer {
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch {
          // already gone
        }
      }, 3_000);
      try {
        await status;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid, stop, [Symbol.asyncDispose]: stop };
}
