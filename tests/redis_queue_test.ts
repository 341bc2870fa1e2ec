// RedisQueue against a real redis-server, which each test starts on a free loopback port (no persistence) and stops;
// MemoryJobQueue through the same behavioural tests where they apply. Nothing here sleeps to wait for a state: it
// polls with a deadline (`until`).

import assert from "node:assert/strict";
import { createClient } from "npm:redis@6.3.1";
import { startRedisServer } from "../_redis_server.ts";
import { CancelledError, InvalidStateError, TimeoutError } from "../errors.ts";
import { Event } from "../event.ts";
import type { Job, JobQueue } from "../job_queue.ts";
import { MemoryJobQueue } from "../memory_job_queue.ts";
import { RedisQueue, type RedisQueueOptions } from "../redis_queue.ts";
import { run } from "../runner.ts";
import { createTask } from "../task.ts";
import { sleep } from "../sleep.ts";
import { timeout } from "../timeouts.ts";
import { waitFor } from "../wait_for.ts";

// ---- helpers --------------------------------------------------------------------------------------------------

/** Polls `condition` until it holds; fails naming `what` after `ms`. */
async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Raw {
  sendCommand(args: string[]): Promise<unknown>;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: string, listener: () => void): unknown;
}

async function rawClient(url: string): Promise<Raw & AsyncDisposable> {
  const client = createClient({ url, RESP: 2 }) as unknown as Raw;
  client.on("error", () => {});
  await client.connect();
  return Object.assign(client, { [Symbol.asyncDispose]: () => client.close() });
}

type Options = Partial<Omit<RedisQueueOptions, "url">> & { maxDeliveries?: number };
type Opener = (options?: Options) => Promise<JobQueue<unknown>>;

/** Runs `body` with a queue factory of each kind: Redis (its own server), and in-process. */
function behaviour(title: string, body: (open: Opener, kind: "redis" | "memory") => Promise<void>): void {
  Deno.test(`RedisQueue: ${title}`, async () => {
    await using server = await startRedisServer();
    const opened: JobQueue<unknown>[] = [];
    try {
      await body(async (options) => {
        const queue = await RedisQueue.connect<unknown>({ stream: "jobs", blockMs: 50, ...options, url: server.url });
        opened.push(queue);
        return queue;
      }, "redis");
    } finally {
      for (const queue of opened) await queue.close();
    }
  });
  Deno.test(`MemoryJobQueue: ${title}`, async () => {
    // In-process there is one queue object: every "consumer" shares it.
    let shared: MemoryJobQueue<unknown> | null = null;
    try {
      await body((options) => {
        shared ??= new MemoryJobQueue<unknown>({ maxDeliveries: options?.maxDeliveries });
        return Promise.resolve(shared);
      }, "memory");
    } finally {
      await (shared as MemoryJobQueue<unknown> | null)?.close();
    }
  });
}

// ---- behaviour of both queues -----------------------------------------------------------------------------------

behaviour("put, get, ack: a round trip hands back a copy of the data, once", async (open) => {
  const queue = await open();
  const item = { url: "https://example.com/1.jpg", sizes: [1, 2], nested: { ok: true, none: null } };
  const id = await queue.put(item);
  assert.match(id, /^\d+-\d+$/);
  assert.equal(await queue.size(), 1);
  const job = await run(async () => await queue.get());
  assert.equal(job.id, id);
  assert.deepEqual(job.data, item);
  assert.notEqual(job.data, item);
  assert.equal(job.deliveries, 1);
  assert.equal(await queue.size(), 0);
  assert.equal(await queue.pending(), 1);
  await job.ack();
  assert.equal(job.settled, true);
  assert.equal(await queue.pending(), 0);
  await assert.rejects(job.ack(), InvalidStateError);
  const ids = await queue.putMany(["a", "b", "c"]);
  assert.equal(ids.length, 3);
  const got = await run(async () => {
    const jobs = [await queue.get(), await queue.get(), await queue.get()];
    for (const each of jobs) await each.ack();
    return jobs;
  });
  assert.deepEqual(got.map((each) => each.data), ["a", "b", "c"]);
  assert.deepEqual(got.map((each) => each.id), ids);
});

behaviour("a get cancelled while it waits loses nothing: the job goes to the next get", async (open) => {
  const queue = await open();
  const job = await run(async () => {
    const waiting = createTask(async () => await queue.get());
    await sleep(20); // the get is waiting (a blocking read, for Redis)
    waiting.cancel();
    await assert.rejects(async () => await waiting, CancelledError);
    await queue.put("after the cancel");
    return await queue.get();
  });
  assert.equal(job.data, "after the cancel");
  assert.equal(job.deliveries, 1);
  await job.ack();
  assert.equal(await queue.pending(), 0);
});

behaviour("a get cancelled as its job arrives loses nothing (the read completes for the next get)", async (open) => {
  const queue = await open();
  const results = await run(async () => {
    const seen: string[] = [];
    for (let round = 0; round < 20; round++) {
      const waiting = createTask(async () => await queue.get());
      await sleep(0);
      // The job is put and the get cancelled in the same turn: the read that brings it back finds no taker.
      const putting = queue.put(`job ${round}`);
      waiting.cancel();
      await putting;
      try {
        const early = await waiting;
        seen.push(early.data as string);
        await early.ack();
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        const next = await waitFor(queue.get(), 5_000);
        seen.push(next.data as string);
        await next.ack();
      }
    }
    return seen;
  });
  assert.deepEqual(results, Array.from({ length: 20 }, (_, round) => `job ${round}`));
  assert.equal(await queue.pending(), 0);
  assert.equal(await queue.size(), 0);
});

behaviour("gets timed out by waitFor and by a timeout scope lose nothing", async (open) => {
  const queue = await open();
  const jobs = await run(async () => {
    await assert.rejects(async () => await waitFor(queue.get(), 30), TimeoutError);
    await assert.rejects(async () => await timeout(30, async () => await queue.get()), TimeoutError);
    await queue.putMany([1, 2]);
    return [await waitFor(queue.get(), 5_000), await timeout(5_000, async () => await queue.get())];
  });
  assert.deepEqual(jobs.map((job) => job.data), [1, 2]);
  assert.deepEqual(jobs.map((job) => job.deliveries), [1, 1]);
  for (const job of jobs) await job.ack();
});

behaviour("many gets timing out while jobs stream in: every job is received exactly once", async (open) => {
  const queue = await open();
  const total = 300;
  const received = await run(async () => {
    const seen: number[] = [];
    const producer = createTask(async () => {
      for (let n = 0; n < total; n += 10) {
        await queue.putMany(Array.from({ length: 10 }, (_, k) => n + k));
        await sleep(n % 3);
      }
    });
    let attempt = 0;
    while (seen.length < total) {
      try {
        const job = await waitFor(queue.get(), [0, 1, 3, 7][attempt++ % 4]);
        seen.push(job.data as number);
        await job.ack();
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
      }
    }
    await producer;
    return seen;
  });
  assert.deepEqual([...received].sort((a, b) => a - b), Array.from({ length: total }, (_, n) => n));
  assert.equal(await queue.pending(), 0);
});

behaviour("fail() retries a job, then dead-letters it with its last error after maxDeliveries", async (open) => {
  const queue = await open({ maxDeliveries: 3 });
  await queue.put({ image: "broken.jpg" });
  const outcomes = await run(async () => {
    const seen: [number, string][] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const job = await waitFor(queue.get(), 5_000);
      seen.push([job.deliveries, await job.fail(new RangeError(`bad pixel ${attempt}`))]);
    }
    await assert.rejects(async () => await waitFor(queue.get(), 100), TimeoutError);
    return seen;
  });
  assert.deepEqual(outcomes, [[1, "retried"], [2, "retried"], [3, "dead-lettered"]]);
  const letters = await queue.deadLetters();
  assert.equal(letters.length, 1);
  assert.equal(letters[0].data, JSON.stringify({ image: "broken.jpg" }));
  assert.equal(letters[0].error, "RangeError: bad pixel 3");
  assert.equal(letters[0].deliveries, 3);
  assert.equal(await queue.size(), 0);
  assert.equal(await queue.pending(), 0);
});

behaviour("consume() runs at most `concurrency` handlers at once, acks on return, fails on throw", async (open) => {
  const queue = await open({ maxDeliveries: 2 });
  await queue.putMany(Array.from({ length: 10 }, (_, n) => n));
  let running = 0;
  let most = 0;
  const release = new Event();
  const handled: number[] = [];
  await run(async () => {
    const consumer = createTask(async () =>
      await queue.consume(async (n, job) => {
        running++;
        most = Math.max(most, running);
        try {
          await release.wait();
          if (n === 7 && job.deliveries === 1) throw new Error("seven fails once");
          handled.push(n as number);
        } finally {
          running--;
        }
      }, { concurrency: 3 })
    );
    await until("3 handlers running", () => running === 3);
    await sleep(20); // room for a fourth, if the bound did not hold
    assert.equal(running, 3);
    release.set();
    await until("all 10 handled", () => handled.length === 10);
    await until("nothing pending", async () => await queue.pending() === 0 && await queue.size() === 0);
    consumer.cancel();
    await assert.rejects(async () => await consumer, CancelledError);
  });
  assert.equal(most, 3);
  assert.deepEqual([...handled].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

behaviour("a cancelled consume() stops reading, lets running handlers finish and acks them", async (open) => {
  const queue = await open();
  await queue.putMany(Array.from({ length: 8 }, (_, n) => n));
  const started: number[] = [];
  const finished: number[] = [];
  await run(async () => {
    const consumer = createTask(async () =>
      await queue.consume(async (n) => {
        started.push(n as number);
        await sleep(50);
        finished.push(n as number);
      }, { concurrency: 2 })
    );
    await until("2 handlers running", () => started.length === 2);
    consumer.cancel();
    await assert.rejects(async () => await consumer, CancelledError);
  });
  assert.deepEqual(finished.sort(), started.sort());
  assert.equal(started.length, 2);
  // The drained jobs are acknowledged; the other six are all still there for the next consumer.
  const rest = await run(async () => {
    const data: number[] = [];
    for (let i = 0; i < 6; i++) {
      const job = await waitFor(queue.get(), 5_000);
      data.push(job.data as number);
      await job.ack();
    }
    return data;
  });
  assert.deepEqual([...started, ...rest].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(await queue.pending(), 0);
});

behaviour("a second cancel of consume() cancels the handlers: their jobs go back, counted", async (open, kind) => {
  const queue = await open({ claimIdleMs: 60_000 });
  await queue.putMany(["a", "b"]);
  const started: string[] = [];
  await run(async () => {
    const consumer = createTask(async () =>
      await queue.consume(async (data) => {
        started.push(data as string);
        await sleep(60_000);
      }, { concurrency: 2 })
    );
    await until("both handlers running", () => started.length === 2);
    consumer.cancel();
    await sleep(10);
    consumer.cancel();
    await assert.rejects(async () => await consumer, CancelledError);
  });
  // Handed back at once (not after claimIdleMs): a second consumer gets both, on their second delivery.
  const other = kind === "redis" ? await open({ claimIdleMs: 60_000 }) : queue;
  const again = await run(async () => [await waitFor(other.get(), 5_000), await waitFor(other.get(), 5_000)]);
  assert.deepEqual(again.map((job) => job.data).sort(), ["a", "b"]);
  assert.deepEqual(again.map((job) => job.deliveries), [2, 2]);
  for (const job of again) await job.ack();
});

behaviour("an item JSON cannot carry is a TypeError naming it, and nothing is written", async (open) => {
  const queue = await open();
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const cases: [unknown, RegExp][] = [
    [() => 1, /item is function/],
    [{ callback() {} }, /item\.callback is function callback/],
    [Symbol("s"), /item is Symbol\(s\)/],
    [{ big: 10n }, /item\.big is the BigInt 10n/],
    [undefined, /item is undefined/],
    [{ a: { b: [1, undefined] } }, /item\.a\.b\[1\] is undefined/],
    [{ missing: undefined }, /item\.missing is undefined/],
    [cyclic, /item\.self is a cyclic reference/],
    [{ when: new Date(0) }, /item\.when is a Date/],
    [{ map: new Map() }, /item\.map is a Map/],
    [[NaN], /item\[0\] is the number NaN/],
  ];
  for (const [item, message] of cases) {
    await assert.rejects(queue.put(item), (error: Error) => error instanceof TypeError && message.test(error.message));
  }
  await assert.rejects(
    queue.putMany([1, 2, { deep: [{ fn: Math.max }] }]),
    (error: Error) => error instanceof TypeError && /items\[2\]\.deep\[0\]\.fn is function max/.test(error.message),
  );
  assert.equal(await queue.size(), 0);
  assert.equal(await queue.pending(), 0);
});

behaviour("close() fails a waiting get and later calls with InvalidStateError", async (open) => {
  const queue = await open();
  await run(async () => {
    const waiting = createTask(async () => await queue.get());
    await sleep(20);
    await queue.close();
    await assert.rejects(async () => await waiting, InvalidStateError);
    await assert.rejects(async () => await queue.get(), InvalidStateError);
  });
  await assert.rejects(queue.put(1), InvalidStateError);
});

// ---- Redis only -------------------------------------------------------------------------------------------------

Deno.test("RedisQueue.connect() rejects within seconds, naming the url, when no server answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // a port nobody listens on
  const started = Date.now();
  await assert.rejects(
    RedisQueue.connect({ url: `redis://user:secret@127.0.0.1:${port}`, stream: "jobs", connectTimeoutMs: 1_000 }),
    (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`Cannot connect to Redis at redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}`),
      );
      assert.doesNotMatch(error.message, /secret/);
      return true;
    },
  );
  assert.ok(Date.now() - started < 5_000, "connect() must give up within a few seconds");
});

Deno.test("RedisQueue: close() returns within seconds when the server is gone, jobs in hand and all", async () => {
  const server = await startRedisServer();
  try {
    const queue = await RedisQueue.connect<number>({
      url: server.url,
      stream: "jobs",
      blockMs: 50,
      connectTimeoutMs: 1_000,
    });
    await queue.putMany([1, 2]);
    const job = await run(async () => await queue.get());
    assert.equal(job.data, 1);
    await server.stop();
    const acked = job.ack(); // retried while the server is away, given up when the queue closes
    const started = Date.now();
    await queue.close();
    assert.ok(Date.now() - started < 5_000, `close() took ${Date.now() - started} ms`);
    await assert.rejects(acked);
  } finally {
    await server.stop();
  }
});

Deno.test("RedisQueue.connect() refuses bad options with TypeError and RangeError", async () => {
  await assert.rejects(RedisQueue.connect({} as never), /stream must be a non-empty string, received undefined/);
  await assert.rejects(RedisQueue.connect({ stream: "s", url: "http://x" }), TypeError);
  await assert.rejects(RedisQueue.connect({ stream: "s", blockMs: 0 }), RangeError);
  await assert.rejects(RedisQueue.connect({ stream: "s", maxDeliveries: 1.5 }), RangeError);
  await assert.rejects(RedisQueue.connect({ stream: "s", prefetch: "10" as never }), TypeError);
});

Deno.test("RedisQueue: a malformed stream entry is dead-lettered with the reason, and reading goes on", async () => {
  await using server = await startRedisServer();
  await using raw = await rawClient(server.url);
  await using queue = await RedisQueue.connect<string>({ url: server.url, stream: "jobs", blockMs: 50 });
  await raw.sendCommand(["XADD", "jobs", "*", "payload", "not ours"]);
  await raw.sendCommand(["XADD", "jobs", "*", "data", "{not json"]);
  await raw.sendCommand(["XADD", "jobs", "*", "data", '"fine"', "failures", "many"]);
  await queue.put("good");
  const job = await run(async () => await waitFor(queue.get(), 5_000));
  assert.equal(job.data, "good");
  await job.ack();
  await until("3 dead letters", async () => (await queue.deadLetters()).length === 3);
  const letters = await queue.deadLetters();
  assert.match(letters[0].error, /^malformed entry: no "data" field \(fields: \["payload","not ours"\]\)$/);
  assert.match(letters[1].error, /^malformed entry: "data" is not JSON/);
  assert.equal(letters[1].data, "{not json");
  assert.match(letters[2].error, /^malformed entry: "failures" is "many", not a count$/);
  await until("nothing pending", async () => await queue.pending() === 0 && await queue.size() === 0);
});

Deno.test("RedisQueue: deliveries are counted across consumers; past maxDeliveries the job is dead-lettered", async () => {
  await using server = await startRedisServer();
  const options = { url: server.url, stream: "jobs", blockMs: 50, maxDeliveries: 2 };
  await using first = await RedisQueue.connect<string>(options);
  await first.put("hot potato");
  const one = await run(async () => await waitFor(first.get(), 5_000));
  assert.equal(one.deliveries, 1);
  await first.close(); // hands the unacknowledged job back, its count kept
  await using second = await RedisQueue.connect<string>(options);
  const two = await run(async () => await waitFor(second.get(), 5_000));
  assert.equal(two.data, "hot potato");
  assert.equal(two.deliveries, 2);
  await second.close();
  await using third = await RedisQueue.connect<string>(options);
  await run(async () => await assert.rejects(async () => await waitFor(third.get(), 300), TimeoutError));
  const letters = await third.deadLetters();
  assert.equal(letters.length, 1);
  assert.equal(letters[0].jobId, one.id);
  assert.match(letters[0].error, /^delivered 3 times without being acknowledged$/);
  assert.equal(await third.pending(), 0);
});

Deno.test("RedisQueue: connections killed mid-run are re-established; every job is acked exactly once", async () => {
  await using server = await startRedisServer();
  await using admin = await rawClient(server.url);
  await using queue = await RedisQueue.connect<number>({ url: server.url, stream: "jobs", blockMs: 50 });
  const total = 3_000;
  await queue.putMany(Array.from({ length: total }, (_, n) => n));
  const runs = new Map<number, number>();
  let kills = 0;
  await run(async () => {
    const consumer = createTask(async () =>
      await queue.consume(async (n) => {
        runs.set(n, (runs.get(n) ?? 0) + 1);
        await sleep(n % 2);
      }, { concurrency: 10 })
    );
    for (const at of [300, 1_200, 2_100]) {
      await until(`${at} jobs run`, () => runs.size >= at);
      await admin.sendCommand(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
      kills++;
    }
    await until("every job run", () => runs.size === total);
    await until("every job acked", async () => await queue.pending() === 0 && await queue.size() === 0);
    consumer.cancel();
    await assert.rejects(async () => await consumer, CancelledError);
  });
  assert.equal(kills, 3);
  assert.deepEqual([...runs.values()].filter((count) => count !== 1), [], "a job ran twice");
});

function spawnConsumer(url: string, stream: string, name: string, args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./fixtures/redis_consumer.ts", import.meta.url).pathname, url, stream, name, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Reads a child's stdout lines as they come. */
function lines(child: Deno.ChildProcess): { seen: string[]; done: Promise<void> } {
  const seen: string[] = [];
  const done = (async () => {
    let rest = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      seen.push(...parts);
    }
    if (rest !== "") seen.push(rest);
  })();
  return { seen, done };
}

async function stderrOf(child: Deno.ChildProcess): Promise<string> {
  let text = "";
  for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) text += chunk;
  return text;
}

Deno.test("RedisQueue: a consumer process killed (SIGKILL) mid-run loses nothing; duplicates ≤ what it held", async () => {
  await using server = await startRedisServer();
  await using raw = await rawClient(server.url);
  await using queue = await RedisQueue.connect<{ n: number }>({ url: server.url, stream: "jobs" });
  const total = 10_000;
  for (let n = 0; n < total; n += 1_000) {
    await queue.putMany(Array.from({ length: 1_000 }, (_, k) => ({ n: n + k })));
  }
  const names = ["survivor-1", "survivor-2", "victim"];
  // 20 handlers of 4 ms each per consumer; a consumer silent for 400 ms has its jobs claimed.
  const children = names.map((name) => spawnConsumer(server.url, "jobs", name, ["20", "4", "400", "quiet"]));
  const outputs = children.map((child) => ({ out: lines(child), err: stderrOf(child) }));
  const victim = children[2];
  let heldAtDeath = 0;
  try {
    await until("2000 jobs run", async () => Number(await raw.sendCommand(["HLEN", "jobs:runs"])) >= 2_000, 60_000);
    victim.kill("SIGSTOP"); // frozen: what it holds now is all it can have run without acknowledging
    const mine = await raw.sendCommand(["XPENDING", "jobs", "workers", "-", "+", "100000", "victim"]) as unknown[];
    heldAtDeath = mine.length;
    victim.kill("SIGKILL");
    assert.equal((await victim.status).signal, "SIGKILL");
    await until(
      "every job acked by the survivors",
      async () => await queue.size() === 0 && await queue.pending() === 0,
      60_000,
    );
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already ended
      }
    }
    for (const [index, child] of children.entries()) {
      await child.status;
      await outputs[index].out.done;
      await outputs[index].err;
    }
  }
  const runs = await raw.sendCommand(["HGETALL", "jobs:runs"]) as string[];
  const counts = new Map<number, number>();
  for (let i = 0; i < runs.length; i += 2) counts.set(Number(runs[i]), Number(runs[i + 1]));
  assert.equal(counts.size, total, "every job ran at least once");
  const duplicates = [...counts.values()].reduce((sum, count) => sum + count - 1, 0);
  assert.ok(heldAtDeath > 0, "the victim held jobs when it died");
  assert.ok(
    duplicates <= heldAtDeath,
    `${duplicates} jobs ran twice, more than the ${heldAtDeath} the killed consumer held`,
  );
  assert.deepEqual(await queue.deadLetters(), []);
});

Deno.test("RedisQueue: Ctrl+C (SIGINT) in a consuming program drains it: running jobs finish and are acked", async () => {
  await using server = await startRedisServer();
  await using queue = await RedisQueue.connect<{ n: number }>({ url: server.url, stream: "jobs", blockMs: 50 });
  await queue.putMany(Array.from({ length: 20 }, (_, n) => ({ n })));
  const child = spawnConsumer(server.url, "jobs", "interrupted", ["4", "300", "30000", "log"]);
  const out = lines(child);
  const err = stderrOf(child);
  const started = () => out.seen.filter((line) => line.startsWith("start ")).map((line) => line.slice(6));
  try {
    await until("4 jobs started", () => started().length === 4, 30_000);
    child.kill("SIGINT");
  } finally {
    await out.done;
  }
  const status = await child.status;
  assert.equal(status.code, 130, `exit code ${status.code}; stderr:\n${await err}`);
  assert.match(await err, /KeyboardInterrupt/);
  const done = out.seen.filter((line) => line.startsWith("done ")).map((line) => line.slice(5));
  assert.deepEqual(done.sort(), started().sort(), "every started job finished");
  assert.ok(out.seen.includes("closing"));
  // The four are acknowledged; the sixteen others are all still to be had (those it had read ahead were handed
  // back, their count unchanged), and at once, not after claimIdleMs.
  const rest = await run(async () => {
    const jobs: Job<{ n: number }>[] = [];
    for (let i = 0; i < 16; i++) jobs.push(await waitFor(queue.get(), 5_000));
    for (const job of jobs) await job.ack();
    return jobs;
  });
  assert.deepEqual(
    [...started(), ...rest.map((job) => String(job.data.n))].map(Number).sort((a, b) => a - b),
    Array.from({ length: 20 }, (_, n) => n),
  );
  assert.ok(rest.every((job) => job.deliveries === 1));
  assert.equal(await queue.pending(), 0);
});

Deno.test("RedisQueue: a second Ctrl+C exits at once; the interrupted jobs stay pending for another consumer", async () => {
  await using server = await startRedisServer();
  const options = { url: server.url, stream: "jobs", blockMs: 50, claimIdleMs: 300 };
  await using queue = await RedisQueue.connect<{ n: number }>(options);
  await queue.putMany(Array.from({ length: 6 }, (_, n) => ({ n })));
  const child = spawnConsumer(server.url, "jobs", "impatient", ["2", "60000", "300", "log"]);
  const out = lines(child);
  const err = stderrOf(child);
  try {
    await until("2 jobs started", () => out.seen.filter((line) => line.startsWith("start ")).length === 2, 30_000);
    child.kill("SIGINT");
    await until("the first Ctrl+C seen", () => out.seen.includes("interrupted"));
    child.kill("SIGINT");
  } finally {
    await out.done;
  }
  assert.equal((await child.status).code, 130);
  await err;
  assert.equal(out.seen.filter((line) => line.startsWith("done ")).length, 0);
  const jobs = await run(async () => {
    const got: Job<{ n: number }>[] = [];
    for (let i = 0; i < 6; i++) got.push(await waitFor(queue.get(), 5_000));
    for (const job of got) await job.ack();
    return got;
  });
  assert.deepEqual(jobs.map((job) => job.data.n).sort(), [0, 1, 2, 3, 4, 5]);
  // Claimed from the dead consumer once idle for claimIdleMs: their second delivery.
  const started = out.seen.filter((line) => line.startsWith("start ")).map((line) => Number(line.slice(6)));
  for (const job of jobs) if (started.includes(job.data.n)) assert.equal(job.deliveries, 2, `job ${job.data.n}`);
});
