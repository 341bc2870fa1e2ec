/**
 * Threads against the raw floor (plain `postMessage` between workers) and against CPython, in one run:
 *
 *   deno run -A bench/threads_compare.ts [--calls=5000] [--pipelined=10000] [--items=200000] [--fib=27] [--jobs=16]
 *
 * a. `runCoroutineThreadsafe` round trip: sequential calls of a trivial async function in a `LoopThread`, awaited
 *    (`await cf`) and blocking (`cf.result()`) — p50/p99 µs after a warm-up; beside a raw `postMessage` ping-pong
 *    with a plain Web Worker that echoes (and with a node:worker_threads echo, the transport threads.ts uses), and
 *    CPython's `asyncio.run_coroutine_threadsafe(coro, loop).result()` to a loop running in another thread;
 * b. `--pipelined` calls in flight at once, then all awaited — calls/s, best of 3; the raw echo and CPython the same;
 * c. `ThreadQueue` items/s: 1 producer worker (blocking `put`) → the main thread (blocking `get`), and 4 producer
 *    workers → 4 consumer workers, `--items` numbers in all — best of 3; CPython's `queue.Queue` between threads;
 * d. `WorkerPoolExecutor` speed-up on a CPU-bound job, fib(`--fib`) × `--jobs`, 2 workers against 1 (workers
 *    started and the module loaded before timing) — best of 3. fib(32), not the fib(27): V8 computes
 *    fib(27) in ~2 ms, so 16 of them measure the pool's dispatch, not the parallel work.
 *
 * Targets: a p50 round trip ≤ 1.2× the raw echo's and below CPython's; pipelined calls/s at least CPython's; a
 * pool speed-up ≥ 1.8× on 2 cores. p99 rows, the queue rows and the node echo are for information.
 *
 * The CPython side is bench/threads_compare.py (run with `python3`). Prints markdown tables. Not a `deno bench`
 * file (those are `*_bench.ts`).
 *
 * @module
 */

import { Worker as NodeWorker } from "node:worker_threads";
import type { ConcurrentFuture } from "../concurrent_future.ts";
import { LoopThread } from "../loop_thread.ts";
import { workerModule } from "../worker_module.ts";
import { WorkerPoolExecutor } from "../worker_pool.ts";
import { ThreadQueue } from "../thread_queue.ts";
import { option } from "./_options.ts";

// ---- Parameters ---------------------------------------------------------------------------------------------

const CALLS = option("calls", 5_000);
const PIPELINED = option("pipelined", 10_000);
const ITEMS = option("items", 200_000);
const FIB = option("fib", 32);
const JOBS = option("jobs", 16);
const RUNS = 3;

const jobs = workerModule<typeof import("./_thread_jobs.ts")>(new URL("./_thread_jobs.ts", import.meta.url));

// ---- Helpers --------------------------------------------------------------------------------------------------

interface Latency {
  p50: number;
  p99: number;
  mean: number;
}

function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))];
  return { p50: at(50), p99: at(99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

interface Rate {
  best: number;
  worst: number;
}

/** `count / seconds` of the best and worst of RUNS runs, after one warm-up run of `warmUp` (or of the count). */
async function rateOf(count: number, once: (n: number) => Promise<number> | number, warmUp?: number): Promise<Rate> {
  await once(warmUp ?? Math.max(1, Math.floor(count / 10)));
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once(count));
  return { best: count / Math.min(...times), worst: count / Math.max(...times) };
}

// ---- a/b: raw postMessage echo --------------------------------------------------------------------------------

/** A ping-pong peer: `send(x)` posts, `next()` resolves with the next echo. */
interface Echo {
  send(value: number): void;
  onEcho(handler: (value: number) => void): void;
  close(): Promise<void> | void;
}

async function webEcho(): Promise<Echo> {
  const worker = new Worker(new URL("./_echo_worker.ts", import.meta.url), { type: "module" });
  const echo: Echo = {
    send: (value) => worker.postMessage(value),
    onEcho: (handler) => worker.onmessage = (event: MessageEvent<number>) => handler(event.data),
    close: () => worker.terminate(),
  };
  await roundTrips(echo, 10); // started and listening
  return echo;
}

async function nodeEcho(): Promise<Echo> {
  const worker = new NodeWorker(new URL("./_echo_node_worker.ts", import.meta.url));
  let handler: (value: number) => void = () => {};
  worker.on("message", (value: number) => handler(value));
  const echo: Echo = {
    send: (value) => worker.postMessage(value),
    onEcho: (h) => handler = h,
    close: async () => {
      await worker.terminate();
    },
  };
  await roundTrips(echo, 10);
  return echo;
}

async function roundTrips(echo: Echo, n: number): Promise<number[]> {
  const samples: number[] = [];
  let resolve: (value: number) => void = () => {};
  echo.onEcho((value) => resolve(value));
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const back = new Promise<number>((r) => resolve = r);
    echo.send(i);
    if (await back !== i) throw new Error("the echo lost a message");
    samples.push((performance.now() - start) * 1000);
  }
  return samples;
}

function echoPipelined(echo: Echo, n: number): Promise<number> {
  return new Promise((resolve) => {
    let received = 0;
    const start = performance.now();
    echo.onEcho(() => {
      if (++received === n) resolve((performance.now() - start) / 1000);
    });
    for (let i = 0; i < n; i++) echo.send(i);
  });
}

// ---- a/b: runCoroutineThreadsafe ------------------------------------------------------------------------------

async function awaitedRoundTrips(thread: LoopThread, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    if (await thread.runCoroutineThreadsafe(jobs.noop, i) !== i) throw new Error("wrong result");
    samples.push((performance.now() - start) * 1000);
  }
  return samples;
}

function blockingRoundTrips(thread: LoopThread, n: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    if (thread.runCoroutineThreadsafe(jobs.noop, i).result(10_000) !== i) throw new Error("wrong result");
    samples.push((performance.now() - start) * 1000);
  }
  return samples;
}

async function oursPipelined(thread: LoopThread, n: number): Promise<number> {
  const start = performance.now();
  const futures: ConcurrentFuture<number>[] = [];
  for (let i = 0; i < n; i++) futures.push(thread.runCoroutineThreadsafe(jobs.noop, i));
  const results = await Promise.all(futures);
  const elapsed = (performance.now() - start) / 1000;
  if (results.length !== n || results[n - 1] !== n - 1) throw new Error("lost a call");
  return elapsed;
}

function oursPipelinedBlocking(thread: LoopThread, n: number): number {
  const start = performance.now();
  const futures: ConcurrentFuture<number>[] = [];
  for (let i = 0; i < n; i++) futures.push(thread.runCoroutineThreadsafe(jobs.noop, i));
  for (let i = 0; i < n; i++) if (futures[i].result(60_000) !== i) throw new Error("wrong result");
  return (performance.now() - start) / 1000;
}

// ---- c: ThreadQueue -------------------------------------------------------------------------------------------

async function queue1to1(pool: WorkerPoolExecutor, n: number): Promise<number> {
  const queue = new ThreadQueue<number>();
  const start = performance.now();
  const producer = pool.submit(jobs.produce, queue, n);
  let total = 0;
  for (;;) {
    const item = queue.get();
    if (item < 0) break;
    total += item;
  }
  const elapsed = (performance.now() - start) / 1000;
  await producer;
  if (total !== n * (n - 1) / 2) throw new Error("lost an item");
  return elapsed;
}

async function queue4to4(pool: WorkerPoolExecutor, n: number): Promise<number> {
  const queue = new ThreadQueue<number>();
  const per = Math.floor(n / 4);
  const start = performance.now();
  const producers = [0, 1, 2, 3].map(() => pool.submit(jobs.produce, queue, per));
  const consumers = [0, 1, 2, 3].map(() => pool.submit(jobs.consume, queue));
  await Promise.all(producers);
  const totals = await Promise.all(consumers);
  const elapsed = (performance.now() - start) / 1000;
  if (totals.reduce((a, b) => a + b, 0) !== 4 * (per * (per - 1) / 2)) throw new Error("lost an item");
  return elapsed;
}

// ---- d: pool speed-up -----------------------------------------------------------------------------------------

async function fibSeconds(pool: WorkerPoolExecutor): Promise<number> {
  const start = performance.now();
  const futures: ConcurrentFuture<number>[] = [];
  for (let i = 0; i < JOBS; i++) futures.push(pool.submit(jobs.fib, FIB));
  await Promise.all(futures);
  return (performance.now() - start) / 1000;
}

async function poolBest(workers: number): Promise<{ best: number; worst: number }> {
  const pool = new WorkerPoolExecutor({ maxWorkers: workers, name: `fib-${workers}` });
  try {
    // Start every worker and load the module (and warm the JIT) before timing.
    await Promise.all(Array.from({ length: workers }, () => pool.submit(jobs.fib, FIB - 2)));
    await fibSeconds(pool);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await fibSeconds(pool));
    return { best: Math.min(...times), worst: Math.max(...times) };
  } finally {
    await pool.shutdown();
  }
}

// ---- CPython --------------------------------------------------------------------------------------------------

interface CPython {
  version: string;
  rtt_p50_us: number;
  rtt_p99_us: number;
  rtt_mean_us: number;
  pipelined_per_s: number;
  queue_1to1_per_s: number;
  queue_4to4_per_s: number;
}

async function runCPython(): Promise<CPython | null> {
  const script = new URL("./threads_compare.py", import.meta.url);
  try {
    const output = await new Deno.Command("python3", {
      args: [script.pathname, String(CALLS), String(PIPELINED), String(ITEMS)],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!output.success) {
      console.error(`warning: python3 ${script.pathname} failed (exit ${output.code})`);
      return null;
    }
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    return JSON.parse(lines[lines.length - 1]) as CPython;
  } catch (error) {
    console.error(`warning: cannot run python3: ${error}`);
    return null;
  }
}

// ---- Run ------------------------------------------------------------------------------------------------------

const progress = (what: string) => console.error(`… ${what}`);

progress(`round trips, ${CALLS} sequential calls each`);
const web = await webEcho();
await roundTrips(web, Math.floor(CALLS / 10));
const rawWeb = latency(await roundTrips(web, CALLS));
const node = await nodeEcho();
await roundTrips(node, Math.floor(CALLS / 10));
const rawNode = latency(await roundTrips(node, CALLS));

const thread = await LoopThread.start({ name: "bench" });
await awaitedRoundTrips(thread, Math.floor(CALLS / 10));
const awaited = latency(await awaitedRoundTrips(thread, CALLS));
blockingRoundTrips(thread, Math.floor(CALLS / 10));
const blocking = latency(blockingRoundTrips(thread, CALLS));

progress(`${PIPELINED} pipelined calls`);
const pipeWeb = await rateOf(PIPELINED, (n) => echoPipelined(web, n));
const pipeAwaited = await rateOf(PIPELINED, (n) => oursPipelined(thread, n));
const pipeBlocking = await rateOf(PIPELINED, (n) => oursPipelinedBlocking(thread, n));
await thread.stop();
await web.close();
await node.close();

progress(`ThreadQueue, ${ITEMS} items`);
const pool1 = new WorkerPoolExecutor({ maxWorkers: 1, name: "producer" });
const q11 = await rateOf(ITEMS, (n) => queue1to1(pool1, n));
await pool1.shutdown();
const pool8 = new WorkerPoolExecutor({ maxWorkers: 8, name: "4x4" });
const q44 = await rateOf(ITEMS, (n) => queue4to4(pool8, n));
await pool8.shutdown();

progress(`fib(${FIB}) × ${JOBS}, 1 and 2 workers`);
const fib1 = await poolBest(1);
const fib2 = await poolBest(2);

progress("CPython (python3 bench/threads_compare.py)");
const py = await runCPython();

// ---- Report ---------------------------------------------------------------------------------------------------

const na = "n/a";
const check = (ok: boolean) => ok ? "yes" : "**no**";
const us = (value: number) => `${value.toFixed(1)} µs`;
const rate = (value: number) => value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(1)} k/s`;
const times = (value: number) => `${value.toFixed(2)}×`;
const seconds = (value: number) => `${value.toFixed(3)} s`;

type Row = [string, string, string, string, string, string];
const rows: Row[] = [];

/** A lower-is-better row: ratio = ours / baseline, met if ratio ≤ limit. */
function timeRow(label: string, ours: number, baseLabel: string, base: number | undefined, limit: number | null) {
  const ratio = base === undefined ? NaN : ours / base;
  rows.push([
    label,
    us(ours),
    base === undefined ? na : `${baseLabel} ${us(base)}`,
    Number.isNaN(ratio) ? na : times(ratio),
    limit === null ? "—" : limit === 1 ? "< 1× (below it)" : `≤ ${limit}×`,
    limit === null || Number.isNaN(ratio) ? "—" : check(limit === 1 ? ratio < 1 : ratio <= limit),
  ]);
}

/** A higher-is-better row: ratio = ours / baseline, met if ratio ≥ floor. */
function rateRow(label: string, ours: number, baseLabel: string, base: number | undefined, floor: number | null) {
  const ratio = base === undefined ? NaN : ours / base;
  rows.push([
    label,
    rate(ours),
    base === undefined ? na : `${baseLabel} ${rate(base)}`,
    Number.isNaN(ratio) ? na : times(ratio),
    floor === null ? "—" : `≥ ${floor}×`,
    floor === null || Number.isNaN(ratio) ? "—" : check(ratio >= floor),
  ]);
}

timeRow("runCoroutineThreadsafe round trip p50, `await cf`", awaited.p50, "raw postMessage", rawWeb.p50, 1.2);
timeRow("runCoroutineThreadsafe round trip p99, `await cf`", awaited.p99, "raw postMessage", rawWeb.p99, null);
timeRow("runCoroutineThreadsafe round trip p50, `cf.result()`", blocking.p50, "raw postMessage", rawWeb.p50, 1.2);
timeRow("runCoroutineThreadsafe round trip p99, `cf.result()`", blocking.p99, "raw postMessage", rawWeb.p99, null);
timeRow("runCoroutineThreadsafe round trip p50, `await cf`", awaited.p50, "CPython", py?.rtt_p50_us, 1);
timeRow("runCoroutineThreadsafe round trip p50, `cf.result()`", blocking.p50, "CPython", py?.rtt_p50_us, 1);
timeRow("runCoroutineThreadsafe round trip p99, `cf.result()`", blocking.p99, "CPython", py?.rtt_p99_us, null);
timeRow("raw node:worker_threads echo p50 (threads.ts's transport)", rawNode.p50, "raw postMessage", rawWeb.p50, null);
const k = `${PIPELINED / 1000}k`;
rateRow(`${k} pipelined calls, \`await Promise.all(cfs)\``, pipeAwaited.best, "raw postMessage", pipeWeb.best, null);
rateRow(`${k} pipelined calls, \`await Promise.all(cfs)\``, pipeAwaited.best, "CPython", py?.pipelined_per_s, 1);
rateRow(`${k} pipelined calls, \`cf.result()\` each`, pipeBlocking.best, "CPython", py?.pipelined_per_s, 1);
const items = `${ITEMS / 1000}k items`;
rateRow(`ThreadQueue 1 worker → main, blocking put/get, ${items}`, q11.best, "CPython", py?.queue_1to1_per_s, null);
rateRow(`ThreadQueue 4 workers → 4 workers, ${items}`, q44.best, "CPython", py?.queue_4to4_per_s, null);
rows.push([
  `WorkerPoolExecutor fib(${FIB}) × ${JOBS}, 2 workers vs 1`,
  seconds(fib2.best),
  `1 worker ${seconds(fib1.best)}`,
  `${times(fib1.best / fib2.best)} speed-up`,
  "≥ 1.8× speed-up",
  check(fib1.best / fib2.best >= 1.8),
]);

function table(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

console.log(
  `\n## Threads: asyncio for Deno vs raw postMessage and CPython ${
    py?.version ?? "(not run)"
  } — Deno ${Deno.version.deno}, ` +
    `V8 ${Deno.version.v8}, ${navigator.hardwareConcurrency} cores\n`,
);
console.log(
  `${CALLS} sequential round trips (after ${CALLS / 10} warm-up); ${PIPELINED} pipelined calls, ${ITEMS} queue items ` +
    `and fib(${FIB}) × ${JOBS} (best of ${RUNS} after a warm-up). Ratio = ours / baseline (latency and time: lower ` +
    "is better; throughput: higher is better).\n",
);
console.log(table(["workload", "ours", "baseline", "ratio", "target", "met?"], rows));

console.log("\n### Detail: latency (µs) and spread within this run\n");
const detail: string[][] = [
  ["round trip, raw Web Worker postMessage echo", us(rawWeb.p50), us(rawWeb.p99), us(rawWeb.mean)],
  ["round trip, raw node:worker_threads echo", us(rawNode.p50), us(rawNode.p99), us(rawNode.mean)],
  ["round trip, runCoroutineThreadsafe + `await cf`", us(awaited.p50), us(awaited.p99), us(awaited.mean)],
  ["round trip, runCoroutineThreadsafe + `cf.result()`", us(blocking.p50), us(blocking.p99), us(blocking.mean)],
  [
    "round trip, CPython run_coroutine_threadsafe().result()",
    py === null ? na : us(py.rtt_p50_us),
    py === null ? na : us(py.rtt_p99_us),
    py === null ? na : us(py.rtt_mean_us),
  ],
];
console.log(table(["workload", "p50", "p99", "mean"], detail));
console.log();
const spread: string[][] = [
  [`${k} pipelined, raw postMessage`, rate(pipeWeb.best), rate(pipeWeb.worst)],
  [`${k} pipelined, \`await Promise.all\``, rate(pipeAwaited.best), rate(pipeAwaited.worst)],
  [`${k} pipelined, \`cf.result()\` each`, rate(pipeBlocking.best), rate(pipeBlocking.worst)],
  ["ThreadQueue 1 → main", rate(q11.best), rate(q11.worst)],
  ["ThreadQueue 4 → 4", rate(q44.best), rate(q44.worst)],
  [`fib(${FIB}) × ${JOBS}, 1 worker`, seconds(fib1.best), seconds(fib1.worst)],
  [`fib(${FIB}) × ${JOBS}, 2 workers`, seconds(fib2.best), seconds(fib2.worst)],
];
console.log(table(["workload", "best", "worst"], spread));
