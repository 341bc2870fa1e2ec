/**
 * Our loop against the floor (raw promises, no loop) and against CPython asyncio, in one run:
 *
 *   deno run -A --v8-flags=--expose-gc bench/compare.ts [--n=100000] [--sleeps=200000] [--parked=100000] \
 *     [--items=200000] [--gather=100000] [--anchors=1] [--anchor-runs=2]
 *
 * a. N tasks that each yield once (`await sleep(0)` / `yield* sleep(0)`), spawned all at once then awaited, and
 *    spawned in batches of 1000 awaited per batch — tasks/s, best of 3 after a warm-up;
 * b. the same with raw async functions (`await null`, no loop): the floor no cancellable design reaches;
 * c. the same in CPython asyncio (bench/compare_asyncio.py, run with `python3`: the baseline the targets use), and
 *    in the strongest Python anchors found on this machine (bench/_python.ts looks at every `python3.N` on PATH
 *    and in /usr/bin, retrying a failing pyenv shim with `PYENV_VERSION`): the newest CPython ≥ 3.12 with
 *    `asyncio.eager_task_factory`, uvloop on the newest interpreter that imports it, and uvloop with eager tasks
 *    where one interpreter has both — each a column beside python3's with our ratio against it; a missing anchor
 *    is skipped with a one-line note. They take the best of `--anchor-runs` (2) to keep the run short;
 *    `--anchors=0` runs python3 only;
 * d. 200k concurrent sleeps with random deadlines below 500 ms on a real-clock loop (wall time; the floor is
 *    ~0.5 s), beside one `setTimeout` per sleep and CPython;
 * e. bytes per task parked on one pending future (heap delta after gc / N), ours and CPython's (tracemalloc); for
 *    async functions also with one coroutine function shared by all tasks, without the closure per task that
 *    passes the future;
 * f. a `Queue` from 1 producer task to 1 consumer task, `--items` items then a sentinel, maxsize 16 and unbounded —
 *    items/s, best of 3 after a warm-up, ours (both coroutine kinds) and CPython's `asyncio.Queue`;
 * g. `gather` of `--gather` tasks, each a trivial coroutine that returns at once, awaited by a main task of the
 *    same kind — tasks/s, best of 3 after a warm-up; raw `Promise.all` of async functions as the floor; CPython
 *    (with eager tasks, CPython's trivial coroutines finish inside `create_task`: no loop round each); and ours
 *    with `loop.setTaskFactory(eagerTaskFactory)`, where a trivial coroutine is done inside `createTask` too.
 *
 * Prints markdown tables. It is not a `deno bench` file (those are `*_bench.ts`).
 *
 * @module
 */

import type { Future } from "../future.ts";
import { eagerTaskFactory } from "../eager_tasks.ts";
import { gather } from "../gather.ts";
import { newEventLoop } from "../loop.ts";
import { Queue } from "../queue.ts";
import { sleep } from "../sleep.ts";
import type { Task } from "../task.ts";
import { option } from "./_options.ts";
import { describe, findInterpreters, type Interpreter, newest } from "./_python.ts";

// ---- Parameters ---------------------------------------------------------------------------------------------

const N = option("n", 100_000);
const SLEEPS = option("sleeps", 200_000);
const PARKED = option("parked", 100_000);
const ITEMS = option("items", 200_000);
const GATHERED = option("gather", 100_000);
const QUEUE_MAXSIZE = 16;
const BATCH = 1000;
const RUNS = 3;
const SLEEP_MAX_MS = 500;
/** 0: only python3, no stronger anchors. */
const ANCHORS = option("anchors", 1) !== 0;
/** Timed runs per throughput in the stronger anchors (python3 and ours take RUNS). */
const ANCHOR_RUNS = option("anchor-runs", 2);

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("warning: gc() is not exposed; run with --v8-flags=--expose-gc for the memory figures");
}
function collect(): void {
  gc?.();
  gc?.();
}

// ---- Workers --------------------------------------------------------------------------------------------------

async function asyncWorker(): Promise<void> {
  await sleep(0);
}

function* generatorWorker(): Generator<unknown, void, unknown> {
  yield* sleep(0);
}

async function rawWorker(): Promise<void> {
  await null;
}

// ---- a/b: task throughput ---------------------------------------------------------------------------------

type Shape = "all" | "batched";
type Kind = "async" | "generator" | "raw";

/** One run: spawn `n` workers (all at once, or in batches awaited per batch) and await them; seconds. */
async function runOnce(kind: Kind, shape: Shape, n: number): Promise<number> {
  const size = shape === "all" ? n : BATCH;
  const rounds = shape === "all" ? 1 : Math.floor(n / BATCH);
  if (kind === "raw") {
    const start = performance.now();
    for (let r = 0; r < rounds; r++) {
      const promises: Promise<void>[] = [];
      for (let i = 0; i < size; i++) promises.push(rawWorker());
      for (const promise of promises) await promise;
    }
    return (performance.now() - start) / 1000;
  }
  const loop = newEventLoop();
  try {
    if (kind === "async") {
      return await loop.runUntilComplete(async () => {
        const start = performance.now();
        for (let r = 0; r < rounds; r++) {
          const tasks: Task<void>[] = [];
          for (let i = 0; i < size; i++) tasks.push(loop.createTask(asyncWorker));
          for (const task of tasks) await task;
        }
        return (performance.now() - start) / 1000;
      });
    }
    return await loop.runUntilComplete(function* () {
      const start = performance.now();
      for (let r = 0; r < rounds; r++) {
        const tasks: Task<void>[] = [];
        for (let i = 0; i < size; i++) tasks.push(loop.createTask(generatorWorker()));
        for (const task of tasks) yield* task;
      }
      return (performance.now() - start) / 1000;
    }());
  } finally {
    loop.close();
  }
}

interface Rate {
  best: number;
  worst: number;
}

async function tasksPerSecond(kind: Kind, shape: Shape): Promise<Rate> {
  await runOnce(kind, shape, Math.floor(N / 10)); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    collect();
    times.push(await runOnce(kind, shape, N));
  }
  return { best: N / Math.min(...times), worst: N / Math.max(...times) };
}

// ---- d: many concurrent sleeps on the real clock --------------------------------------------------------------

async function sleepsOurs(kind: "async" | "generator"): Promise<number> {
  const loop = newEventLoop();
  try {
    const start = performance.now();
    if (kind === "async") {
      const sleeper = async (ms: number): Promise<void> => await sleep(ms);
      await loop.runUntilComplete(async () => {
        const tasks: Task<void>[] = [];
        for (let i = 0; i < SLEEPS; i++) {
          const ms = Math.random() * SLEEP_MAX_MS;
          tasks.push(loop.createTask(() => sleeper(ms)));
        }
        for (const task of tasks) await task;
      });
    } else {
      const sleeper = function* (ms: number): Generator<unknown, void, unknown> {
        yield* sleep(ms);
      };
      await loop.runUntilComplete(function* () {
        const tasks: Task<void>[] = [];
        for (let i = 0; i < SLEEPS; i++) tasks.push(loop.createTask(sleeper(Math.random() * SLEEP_MAX_MS)));
        for (const task of tasks) yield* task;
      }());
    }
    return (performance.now() - start) / 1000;
  } finally {
    loop.close();
  }
}

async function sleepsRaw(): Promise<number> {
  const start = performance.now();
  const promises: Promise<void>[] = [];
  for (let i = 0; i < SLEEPS; i++) {
    const ms = Math.random() * SLEEP_MAX_MS;
    promises.push(new Promise<void>((resolve) => setTimeout(resolve, ms)));
  }
  for (const promise of promises) await promise;
  return (performance.now() - start) / 1000;
}

async function bestOf2(run: () => Promise<number>): Promise<Rate> {
  const times: number[] = [];
  for (let i = 0; i < 2; i++) {
    collect();
    times.push(await run());
  }
  return { best: Math.min(...times), worst: Math.max(...times) };
}

// ---- e: bytes per parked task -----------------------------------------------------------------------------

async function parkAsync(future: Future<void>): Promise<void> {
  await future;
}

function* parkGenerator(future: Future<void>): Generator<unknown, void, unknown> {
  yield* future;
}

async function parkedBytes(kind: "async" | "async-shared" | "generator"): Promise<number> {
  const loop = newEventLoop();
  try {
    const future = loop.createFuture<void>();
    const tasks: Task<void>[] = [];
    collect();
    const before = Deno.memoryUsage().heapUsed;
    // (The shared form needs no closure per task to pass the future: what a task costs beyond its coroutine.)
    const parkShared = async (): Promise<void> => await future;
    for (let i = 0; i < PARKED; i++) {
      tasks.push(
        kind === "async"
          ? loop.createTask(() => parkAsync(future))
          : kind === "async-shared"
          ? loop.createTask(parkShared)
          : loop.createTask(parkGenerator(future)),
      );
    }
    // One loop iteration: every task takes its first step and parks on the future.
    await loop.runUntilComplete(sleep(0));
    collect();
    const after = Deno.memoryUsage().heapUsed;
    if (future.done() || tasks.some((task) => task.done())) throw new Error("a parked task finished early");
    future.setResult();
    await loop.runUntilComplete(async () => {
      for (const task of tasks) await task;
    });
    return (after - before) / PARKED;
  } finally {
    loop.close();
  }
}

async function parkedBytesRaw(): Promise<number> {
  let release!: () => void;
  const pending = new Promise<void>((resolve) => release = resolve);
  const rawPark = async (promise: Promise<void>): Promise<void> => {
    await promise;
  };
  const promises: Promise<void>[] = [];
  collect();
  const before = Deno.memoryUsage().heapUsed;
  for (let i = 0; i < PARKED; i++) promises.push(rawPark(pending));
  await null;
  collect();
  const after = Deno.memoryUsage().heapUsed;
  release();
  for (const promise of promises) await promise;
  return (after - before) / PARKED;
}

async function bestBytes(run: () => Promise<number>): Promise<number> {
  await run(); // warm-up: the first run also pays for code and hidden classes
  return Math.min(await run(), await run());
}

// ---- f: Queue, 1 producer -> 1 consumer -----------------------------------------------------------------------

/** One run: a producer task puts `n` items then the sentinel -1, a consumer task gets them; seconds. */
async function queueOnce(kind: "async" | "generator", maxsize: number, n: number): Promise<number> {
  const loop = newEventLoop();
  try {
    const queue = new Queue<number>({ maxsize });
    let sum = 0;
    const start = performance.now();
    if (kind === "async") {
      const producer = loop.createTask(async () => {
        for (let i = 0; i < n; i++) await queue.put(i);
        await queue.put(-1);
      });
      const consumer = loop.createTask(async () => {
        for (;;) {
          const item = await queue.get();
          if (item < 0) break;
          sum += item;
        }
      });
      await loop.runUntilComplete(async () => {
        await producer;
        await consumer;
      });
    } else {
      const producer = loop.createTask(function* () {
        for (let i = 0; i < n; i++) yield* queue.put(i);
        yield* queue.put(-1);
      }());
      const consumer = loop.createTask(function* () {
        for (;;) {
          const item = yield* queue.get();
          if (item < 0) break;
          sum += item;
        }
      }());
      await loop.runUntilComplete(function* () {
        yield* producer;
        yield* consumer;
      }());
    }
    const elapsed = (performance.now() - start) / 1000;
    if (sum !== n * (n - 1) / 2) throw new Error("the consumer lost an item");
    return elapsed;
  } finally {
    loop.close();
  }
}

async function itemsPerSecond(kind: "async" | "generator", maxsize: number): Promise<Rate> {
  await queueOnce(kind, maxsize, Math.floor(ITEMS / 10)); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    collect();
    times.push(await queueOnce(kind, maxsize, ITEMS));
  }
  return { best: ITEMS / Math.min(...times), worst: ITEMS / Math.max(...times) };
}

// ---- g: gather of many trivial tasks ---------------------------------------------------------------------------

// deno-lint-ignore require-await
async function trivialAsync(): Promise<number> {
  return 1;
}

// deno-lint-ignore require-yield
function* trivialGenerator(): Generator<unknown, number, unknown> {
  return 1;
}

/**
 * One run: gather `n` trivial coroutines (each becomes a task) from a main task; seconds. `eager`: the loop's task
 * factory is `eagerTaskFactory` first.
 */
async function gatherOnce(kind: Kind, n: number, eager = false): Promise<number> {
  if (kind === "raw") {
    const start = performance.now();
    const promises: Promise<number>[] = [];
    for (let i = 0; i < n; i++) promises.push(trivialAsync());
    const results = await Promise.all(promises);
    const elapsed = (performance.now() - start) / 1000;
    if (results.length !== n) throw new Error("lost a promise");
    return elapsed;
  }
  const loop = newEventLoop();
  try {
    if (eager) loop.setTaskFactory(eagerTaskFactory);
    let results: number[];
    const start = performance.now();
    if (kind === "async") {
      results = await loop.runUntilComplete(async () => {
        // A fresh `() => …` each: gather runs an awaitable given twice only once (CPython's arg_to_fut).
        const coroutines: (() => Promise<number>)[] = [];
        for (let i = 0; i < n; i++) coroutines.push(() => trivialAsync());
        return await gather(coroutines);
      });
    } else {
      results = await loop.runUntilComplete(function* () {
        const coroutines: Generator<unknown, number, unknown>[] = [];
        for (let i = 0; i < n; i++) coroutines.push(trivialGenerator());
        return yield* gather(coroutines);
      }());
    }
    const elapsed = (performance.now() - start) / 1000;
    if (results.length !== n) throw new Error("lost a task");
    return elapsed;
  } finally {
    loop.close();
  }
}

async function gatheredPerSecond(kind: Kind, eager = false): Promise<Rate> {
  await gatherOnce(kind, Math.floor(GATHERED / 10), eager); // warm-up
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    collect();
    times.push(await gatherOnce(kind, GATHERED, eager));
  }
  return { best: GATHERED / Math.min(...times), worst: GATHERED / Math.max(...times) };
}

// ---- c: CPython and the stronger Python anchors --------------------------------------------------------------

/** What bench/compare_asyncio.py prints. */
interface CPython {
  version: string;
  executable: string;
  loop: string;
  eager: boolean;
  runs: number;
  generator_tasks_wrapped: boolean;
  async_all: number;
  async_batched: number;
  generator_all: number;
  generator_batched: number;
  sleeps_seconds: number;
  bytes_async: number;
  bytes_generator: number;
  queue_async_bounded: number;
  queue_async_unbounded: number;
  queue_generator_bounded: number;
  queue_generator_unbounded: number;
  gather_async: number;
  gather_generator: number;
}

/** One column of Python numbers: an interpreter, the script's options, and (once run) its answer. */
interface PythonRun {
  title: string;
  interpreter: Interpreter;
  args: string[];
  runs: number;
  result: CPython | null;
  /** Wall seconds the run took. */
  took: number;
}

async function runCPython(run: PythonRun): Promise<CPython | null> {
  const script = new URL("./compare_asyncio.py", import.meta.url).pathname;
  const sizes = [N, SLEEPS, PARKED, ITEMS, GATHERED].map(String);
  const { command, env } = run.interpreter;
  try {
    const output = await new Deno.Command(command, {
      args: [script, ...sizes, ...run.args, `--runs=${run.runs}`],
      env,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!output.success) {
      console.error(
        `warning: ${command} ${script} ${run.args.join(" ")} failed (exit ${output.code}); ${run.title}: n/a`,
      );
      return null;
    }
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    return JSON.parse(lines[lines.length - 1]) as CPython;
  } catch (error) {
    console.error(`warning: cannot run ${command}: ${error}; ${run.title}: n/a`);
    return null;
  }
}

// ---- Report ---------------------------------------------------------------------------------------------------

function rate(value: number): string {
  return value >= 1e6 ? `${(value / 1e6).toFixed(2)} M/s` : `${(value / 1e3).toFixed(0)} k/s`;
}
function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}
function bytes(value: number): string {
  return `${value.toFixed(0)} B`;
}
function times(value: number): string {
  return `${value.toFixed(2)}×`;
}

const started = performance.now();
const progress = (what: string) => console.error(`… ${what} (at ${seconds((performance.now() - started) / 1000)})`);

progress(`tasks/s, N=${N}`);
const ours = {
  asyncAll: await tasksPerSecond("async", "all"),
  asyncBatched: await tasksPerSecond("async", "batched"),
  generatorAll: await tasksPerSecond("generator", "all"),
  generatorBatched: await tasksPerSecond("generator", "batched"),
  rawAll: await tasksPerSecond("raw", "all"),
  rawBatched: await tasksPerSecond("raw", "batched"),
};
progress(`${SLEEPS} sleeps`);
const sleepAsync = await bestOf2(() => sleepsOurs("async"));
const sleepGenerator = await bestOf2(() => sleepsOurs("generator"));
const sleepRaw = await bestOf2(sleepsRaw);
progress(`bytes per parked task, ${PARKED} tasks`);
const bytesAsync = await bestBytes(() => parkedBytes("async"));
const bytesAsyncShared = await bestBytes(() => parkedBytes("async-shared"));
const bytesGenerator = await bestBytes(() => parkedBytes("generator"));
const bytesRaw = await bestBytes(parkedBytesRaw);
progress(`queue items/s, ${ITEMS} items`);
const queueRates = {
  asyncBounded: await itemsPerSecond("async", QUEUE_MAXSIZE),
  asyncUnbounded: await itemsPerSecond("async", 0),
  generatorBounded: await itemsPerSecond("generator", QUEUE_MAXSIZE),
  generatorUnbounded: await itemsPerSecond("generator", 0),
};
progress(`gather of ${GATHERED} tasks`);
const gatherRates = {
  async: await gatheredPerSecond("async"),
  generator: await gatheredPerSecond("generator"),
  raw: await gatheredPerSecond("raw"),
};
// Ours with the loop's task factory set to `eagerTaskFactory` (CPython 3.12's eager tasks).
const gatherEager = {
  async: await gatheredPerSecond("async", true),
  generator: await gatheredPerSecond("generator", true),
};

// The Python columns. python3 is the baseline (its ratios are the ones the targets check), best of RUNS like ours;
// the stronger anchors take the best of ANCHOR_RUNS (their 200k sleeps, seconds each, the best of ANCHOR_RUNS - 1)
// to keep the whole script's run time reasonable.
const oursTook = (performance.now() - started) / 1000;
progress("finding Python interpreters");
const interpreters = await findInterpreters();
const python3 = interpreters.find((interpreter) => interpreter.command === "python3");
const pythonRuns: PythonRun[] = [];
const skipped: string[] = [];
function addRun(title: string, interpreter: Interpreter, args: string[], runs: number): void {
  pythonRuns.push({ title, interpreter, args, runs, result: null, took: 0 });
}
if (python3 === undefined) skipped.push("CPython (python3): `python3` is not on PATH or does not run");
else addRun(`CPython ${python3.version} (python3)`, python3, [], RUNS);
if (ANCHORS) {
  const eager = newest(interpreters, (found) => found.implementation === "cpython" && found.eager);
  if (eager === undefined) skipped.push("CPython ≥ 3.12 eager: no python3.x on PATH has asyncio.eager_task_factory");
  else addRun(`CPython ${eager.version} eager`, eager, ["--eager"], ANCHOR_RUNS);
  const uvloop = newest(interpreters, (found) => found.uvloop !== null);
  if (uvloop === undefined) skipped.push("uvloop: no Python interpreter found can `import uvloop`");
  else addRun(`uvloop ${uvloop.uvloop} (CPython ${uvloop.version})`, uvloop, ["--loop=uvloop"], ANCHOR_RUNS);
  const both = newest(interpreters, (found) => found.uvloop !== null && found.eager);
  const uvloopEager = ["--loop=uvloop", "--eager"];
  if (both === undefined) skipped.push("uvloop + eager: no interpreter has both uvloop and 3.12+");
  else addRun(`uvloop ${both.uvloop} + eager (CPython ${both.version})`, both, uvloopEager, ANCHOR_RUNS);
} else {
  skipped.push("the stronger Python anchors (CPython ≥ 3.12 eager, uvloop): --anchors=0");
}
for (const run of pythonRuns) {
  progress(`${run.title}: ${[run.interpreter.command, "bench/compare_asyncio.py", ...run.args].join(" ")}`);
  const start = performance.now();
  run.result = await runCPython(run);
  run.took = (performance.now() - start) / 1000;
}
const baseline = pythonRuns[0]?.interpreter === python3 ? pythonRuns[0] : undefined;

const na = "n/a";
const check = (ok: boolean) => ok ? "yes" : "**no**";
type Pick = (py: CPython) => number;

/**
 * One row: ours, then each Python column with our ratio against it (ours / theirs), then the target, checked
 * against the python3 column. `value` null: ours is not measurable yet (n/a throughout).
 */
function row(
  label: string,
  value: number | null,
  pick: Pick,
  format: (value: number) => string,
  target: Target | null,
): string[] {
  const cells = [label, value === null ? na : format(value)];
  for (const run of pythonRuns) {
    const theirs = run.result === null ? undefined : pick(run.result);
    cells.push(theirs === undefined ? na : format(theirs));
    cells.push(theirs === undefined || value === null ? na : times(value / theirs));
  }
  const theirs = baseline?.result ? pick(baseline.result) : undefined;
  const met = target === null || value === null ? undefined : target.met(value, theirs && value / theirs);
  cells.push(target === null ? "—" : target.text, met === undefined ? "—" : check(met));
  return cells;
}

/** A target's text, and whether ours meets it (undefined: cannot tell, e.g. python3 did not run). */
interface Target {
  text: string;
  met: (value: number, ratio: number | undefined) => boolean | undefined;
}

function throughputRow(label: string, value: Rate | null, pick: Pick, target: number | null): string[] {
  const goal: Target = target === null
    ? { text: "— (floor)", met: () => undefined }
    : { text: `≥ ${target}× CPython`, met: (_, ratio) => ratio === undefined ? undefined : ratio >= target };
  return row(label, value === null ? null : value.best, pick, rate, goal);
}

const rows: string[][] = [];
rows.push(throughputRow("async-fn tasks `await sleep(0)`, all at once", ours.asyncAll, (py) => py.async_all, 5));
rows.push(
  throughputRow(
    `async-fn tasks \`await sleep(0)\`, batches of ${BATCH}`,
    ours.asyncBatched,
    (py) => py.async_batched,
    5,
  ),
);
rows.push(
  throughputRow("generator tasks `yield* sleep(0)`, all at once", ours.generatorAll, (py) => py.generator_all, 8),
);
rows.push(
  throughputRow(
    `generator tasks \`yield* sleep(0)\`, batches of ${BATCH}`,
    ours.generatorBatched,
    (py) => py.generator_batched,
    8,
  ),
);
rows.push(throughputRow("raw async fns `await null` (no loop), all at once", ours.rawAll, (py) => py.async_all, null));
rows.push(
  throughputRow(
    `raw async fns \`await null\` (no loop), batches of ${BATCH}`,
    ours.rawBatched,
    (py) => py.async_batched,
    null,
  ),
);

const sleepTarget: Target = { text: "≤ 1.0 s (floor 0.5 s)", met: (value) => value <= 1.0 };
const sleepsLabel = `${SLEEPS / 1000}k sleeps < ${SLEEP_MAX_MS} ms`;
rows.push(
  row(`${sleepsLabel}, async-fn tasks (wall)`, sleepAsync.best, (py) => py.sleeps_seconds, seconds, sleepTarget),
);
rows.push(
  row(`${sleepsLabel}, generator tasks (wall)`, sleepGenerator.best, (py) => py.sleeps_seconds, seconds, sleepTarget),
);
rows.push(row(`${sleepsLabel}, one setTimeout each (raw)`, sleepRaw.best, (py) => py.sleeps_seconds, seconds, null));

const bytesTarget: Target = { text: "≤ 800 B", met: (value) => value <= 800 };
rows.push(row("bytes per parked async-fn task", bytesAsync, (py) => py.bytes_async, bytes, bytesTarget));
rows.push(
  row(
    "bytes per parked async-fn task, one shared coroutine function (no closure per task)",
    bytesAsyncShared,
    (py) => py.bytes_async,
    bytes,
    null,
  ),
);
rows.push(row("bytes per parked generator task", bytesGenerator, (py) => py.bytes_generator, bytes, bytesTarget));
rows.push(row("bytes per parked raw async fn (no task)", bytesRaw, (py) => py.bytes_async, bytes, null));

const items = `${ITEMS / 1000}k items`;
rows.push(
  throughputRow(
    `Queue(maxsize ${QUEUE_MAXSIZE}) 1→1, async-fn \`await put/get\`, ${items}`,
    queueRates.asyncBounded,
    (py) => py.queue_async_bounded,
    5,
  ),
);
rows.push(
  throughputRow(
    `Queue(unbounded) 1→1, async-fn \`await put/get\`, ${items}`,
    queueRates.asyncUnbounded,
    (py) => py.queue_async_unbounded,
    5,
  ),
);
rows.push(
  throughputRow(
    `Queue(maxsize ${QUEUE_MAXSIZE}) 1→1, generator \`yield* put/get\`, ${items}`,
    queueRates.generatorBounded,
    (py) => py.queue_generator_bounded,
    5,
  ),
);
rows.push(
  throughputRow(
    `Queue(unbounded) 1→1, generator \`yield* put/get\`, ${items}`,
    queueRates.generatorUnbounded,
    (py) => py.queue_generator_unbounded,
    5,
  ),
);
const gathered = `${GATHERED / 1000}k`;
rows.push(throughputRow(`gather of ${gathered} trivial async-fn tasks`, gatherRates.async, (py) => py.gather_async, 5));
rows.push(
  throughputRow(`gather of ${gathered} trivial generator tasks`, gatherRates.generator, (py) => py.gather_generator, 5),
);
rows.push(
  row(
    `gather of ${gathered} trivial async-fn tasks, ours eager (eagerTaskFactory)`,
    gatherEager.async.best,
    (py) => py.gather_async,
    rate,
    null,
  ),
);
rows.push(
  row(
    `gather of ${gathered} trivial generator tasks, ours eager (eagerTaskFactory)`,
    gatherEager.generator.best,
    (py) => py.gather_generator,
    rate,
    null,
  ),
);
rows.push(
  throughputRow(`Promise.all of ${gathered} raw async fns (no loop)`, gatherRates.raw, (py) => py.gather_async, null),
);

function table(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

const against = pythonRuns.filter((run) => run.result !== null).map((run) => run.title).join(", ") ||
  "(Python not run)";
console.log(`\n## asyncio for Deno vs ${against} — Deno ${Deno.version.deno}, V8 ${Deno.version.v8}\n`);
console.log(
  `N = ${N} tasks (best of ${RUNS} after a warm-up); ${SLEEPS} sleeps (best of 2); ${PARKED} parked tasks; ` +
    `${ITEMS} queue items and gathers of ${GATHERED} tasks (best of ${RUNS} after a warm-up; queue and gather ` +
    "throughputs are items/s and tasks/s). Each Python column is followed by our ratio against it = ours / theirs " +
    "(throughput: higher is better; time and bytes: lower is better); the targets are checked against the python3 " +
    `column. The stronger anchors take the best of ${ANCHOR_RUNS} runs` +
    ` (their sleeps: best of ${Math.max(1, ANCHOR_RUNS - 1)}).\n`,
);
const header = ["workload", "ours"];
for (const run of pythonRuns) header.push(run.title, "ratio");
header.push("target (vs python3)", "met?");
console.log(table(header, rows));

console.log("\nPython runs (each a separate `bench/compare_asyncio.py` process after ours):\n");
for (const run of pythonRuns) {
  const how = run.args.length === 0 ? "" : ` \`${run.args.join(" ")}\`,`;
  const status = run.result === null ? " — **failed, n/a**" : "";
  console.log(`- ${run.title}:${how} best of ${run.runs}, ${seconds(run.took)}: ${describe(run.interpreter)}${status}`);
}
for (const note of skipped) console.log(`- skipped: ${note}`);
if (pythonRuns.some((run) => run.result?.generator_tasks_wrapped)) {
  console.log(
    "- CPython 3.12+ `create_task` refuses generator-based coroutines, so there the generator rows (tasks, queue, " +
      "parked bytes) wrap each in a coroutine (one frame more, as `ensure_future` does); `gather` wraps them itself.",
  );
}
console.log("- ours, eager: measured with loop.setTaskFactory(eagerTaskFactory)");

console.log("\n### Spread within this run (best and worst sample), and how far each is from the raw floor\n");
const spread: string[][] = [
  [
    "async-fn, all at once",
    rate(ours.asyncAll.best),
    rate(ours.asyncAll.worst),
    times(ours.rawAll.best / ours.asyncAll.best),
  ],
  [
    "async-fn, batched",
    rate(ours.asyncBatched.best),
    rate(ours.asyncBatched.worst),
    times(ours.rawBatched.best / ours.asyncBatched.best),
  ],
  [
    "generator, all at once",
    rate(ours.generatorAll.best),
    rate(ours.generatorAll.worst),
    times(ours.rawAll.best / ours.generatorAll.best),
  ],
  [
    "generator, batched",
    rate(ours.generatorBatched.best),
    rate(ours.generatorBatched.worst),
    times(ours.rawBatched.best / ours.generatorBatched.best),
  ],
  ["raw, all at once", rate(ours.rawAll.best), rate(ours.rawAll.worst), "1.00×"],
  ["raw, batched", rate(ours.rawBatched.best), rate(ours.rawBatched.worst), "1.00×"],
  ["sleeps, async-fn", seconds(sleepAsync.best), seconds(sleepAsync.worst), times(sleepAsync.best / sleepRaw.best)],
  [
    "sleeps, generator",
    seconds(sleepGenerator.best),
    seconds(sleepGenerator.worst),
    times(sleepGenerator.best / sleepRaw.best),
  ],
  ["sleeps, raw setTimeout", seconds(sleepRaw.best), seconds(sleepRaw.worst), "1.00×"],
  ["queue 1→1 maxsize 16, async-fn", rate(queueRates.asyncBounded.best), rate(queueRates.asyncBounded.worst), "—"],
  ["queue 1→1 unbounded, async-fn", rate(queueRates.asyncUnbounded.best), rate(queueRates.asyncUnbounded.worst), "—"],
  [
    "queue 1→1 maxsize 16, generator",
    rate(queueRates.generatorBounded.best),
    rate(queueRates.generatorBounded.worst),
    "—",
  ],
  [
    "queue 1→1 unbounded, generator",
    rate(queueRates.generatorUnbounded.best),
    rate(queueRates.generatorUnbounded.worst),
    "—",
  ],
  [
    "gather, async-fn",
    rate(gatherRates.async.best),
    rate(gatherRates.async.worst),
    times(gatherRates.raw.best / gatherRates.async.best),
  ],
  [
    "gather, generator",
    rate(gatherRates.generator.best),
    rate(gatherRates.generator.worst),
    times(gatherRates.raw.best / gatherRates.generator.best),
  ],
  ["Promise.all, raw", rate(gatherRates.raw.best), rate(gatherRates.raw.worst), "1.00×"],
];
if (gatherEager !== null) {
  spread.push(
    [
      "gather, async-fn, ours eager",
      rate(gatherEager.async.best),
      rate(gatherEager.async.worst),
      times(gatherRates.raw.best / gatherEager.async.best),
    ],
    [
      "gather, generator, ours eager",
      rate(gatherEager.generator.best),
      rate(gatherEager.generator.worst),
      times(gatherRates.raw.best / gatherEager.generator.best),
    ],
  );
}
console.log(table(["workload", "best", "worst", "slowdown vs raw floor"], spread));
console.log(`\nWhole run: ${seconds((performance.now() - started) / 1000)} (ours: ${seconds(oursTook)}).`);
