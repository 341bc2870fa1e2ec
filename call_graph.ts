/**
 * The await call graph (CPython 3.14's `asyncio.capture_call_graph`, `format_call_graph`, `print_call_graph`): for a
 * task or future, the chain of tasks and futures awaiting it — through `gather`, `taskGroup`, `shield`, `waitFor`,
 * `wait`, `timeout` scopes and plain awaits, in both coroutine kinds — each task with the frames where it is
 * suspended. A user sees what a hung program waits on: `run(main, { debug: true })` prints the graph of every
 * live task on the first Ctrl+C.
 *
 * Who awaits whom is read off the futures' done-callbacks (a task waiting on a future is one of them; a
 * combinator's callback is marked, once per call, with the future or task that waits through it), so keeping the
 * graph costs nothing on the hot path.
 *
 * Where the frames come from — JavaScript cannot walk a suspended coroutine's frames, so:
 * - the **current task** (no argument, or the task running now): the live stack at the call, with the `async`
 *   frames of its callers;
 * - **another task**, in debug mode (`loop.setDebug(true)` or `run(main, { debug: true })`): the stack it recorded
 *   where it last suspended — an async function at its await (with its callers' `async` frames), a generator at
 *   its `yield*` of a future (the whole `yield*` chain);
 * - outside debug mode, another task's entry names its coroutine with no location (`fileName` null); the formatted
 *   text says to use debug mode. A plain future has no frames (as in CPython).
 *
 * The library's own frames are left out.
 *
 * @example What a worker waits on, and who waits on it
 * ```ts
 * import { captureCallGraph, formatCallGraph } from "./call_graph.ts";
 * import { gather } from "./gather.ts";
 * import { newEventLoop } from "./loop.ts";
 * import { sleep } from "./sleep.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * loop.setDebug(true);
 * const worker = loop.createTask(async function fetchOne() {
 *   await sleep(10);
 * }, { name: "worker" });
 * const main = loop.createTask(async () => await gather(worker), { name: "main" });
 * loop.callLater(5, () => {
 *   const graph = captureCallGraph(worker)!;
 *   assert.equal(graph.future, worker);
 *   assert.equal(graph.callStack[0].functionName, "fetchOne");
 *   const [gathering] = graph.awaitedBy; // the gather's future…
 *   assert.equal(gathering.awaitedBy[0].future, main); // …awaited by main
 *   assert.match(formatCallGraph(worker), /^\* Task\(name='worker', id=0x[0-9a-f]+\)/);
 * });
 * await loop.runUntilComplete(main);
 * loop.close();
 * ```
 *
 * @module
 */

import { markedAwaiter } from "./_awaited_by.ts";
import { describe } from "./_describe.ts";
import { Future } from "./future.ts";
import { currentTask, Task } from "./task.ts";

/** One frame of a call stack: where a coroutine runs or is suspended (CPython's `FrameCallGraphEntry`). */
export interface FrameCallGraphEntry {
  /** The function's name (`<anonymous>` when it has none). */
  readonly functionName: string;
  /** The module's URL, or null when the location is not known (another task outside debug mode). */
  readonly fileName: string | null;
  /** The line, 1-based, or null. */
  readonly lineNumber: number | null;
  /** The column, 1-based, or null. */
  readonly columnNumber: number | null;
}

/** A future or task, where it is suspended, and who awaits it (CPython's `FutureCallGraph`). */
export interface FutureCallGraph {
  /** The future or task. */
  readonly future: Future<unknown>;
  /** Its frames, innermost first (empty for a plain future or a done task). */
  readonly callStack: readonly FrameCallGraphEntry[];
  /** The graphs of the futures and tasks awaiting it. */
  readonly awaitedBy: readonly FutureCallGraph[];
}

/** Options of `captureCallGraph`, `formatCallGraph` and `printCallGraph` (CPython's keyword arguments). */
export interface CallGraphOptions {
  /**
   * For the current task: how many frames to leave out, counting the caller of `captureCallGraph` as 1 (default
   * 1: the stack starts at the caller).
   */
  depth?: number;
  /** Keep the innermost `limit` frames of each call stack; a negative limit keeps the outermost `-limit`. */
  limit?: number;
}

/**
 * The call graph of `future` (default: the current task): its frames and, recursively, who awaits it (Python
 * 3.14's `asyncio.capture_call_graph`).
 *
 * @param future A future or task (default: the current task).
 * @param options `depth`, `limit`.
 * @returns The graph, or null when no future is given and no task is running.
 * @throws {TypeError} If `future` is not a Future, or an option is not an integer.
 *
 * @example The current task's own stack
 * ```ts
 * import { captureCallGraph } from "./call_graph.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const graph = await loop.runUntilComplete(async function main() {
 *   return captureCallGraph();
 * });
 * assert.equal(graph!.callStack[0].functionName, "main");
 * assert.match(graph!.callStack[0].fileName!, /^file:/);
 * assert.equal(captureCallGraph(), null); // no task runs now
 * loop.close();
 * ```
 */
export function captureCallGraph(future?: Future<unknown>, options?: CallGraphOptions): FutureCallGraph | null {
  const depth = integerOption(options?.depth, "depth", 1);
  const limit = options?.limit === undefined ? undefined : integerOption(options.limit, "limit", 0);
  if (future !== undefined && !(future instanceof Future)) {
    throw new TypeError(`captureCallGraph() needs a Future or Task, received ${describe(future)}`);
  }
  const current = currentTask();
  const target = future ?? current;
  if (target === null) return null;
  // The live stack, read here: for the current task, the frames below this call.
  const live = target === current ? userFrames(new Error().stack ?? "").slice(Math.max(0, depth - 1)) : null;
  return build(target, live, limit, new Set());
}

/**
 * The call graph of `future` (default: the current task) as text, in CPython's layout (Python 3.14's
 * `asyncio.format_call_graph`).
 *
 * @param future A future or task (default: the current task).
 * @param options `depth`, `limit`.
 * @returns The text, or `""` when no future is given and no task is running.
 * @throws {TypeError} If `future` is not a Future, or an option is not an integer.
 *
 * @example A future awaited by a task
 * ```ts
 * import { formatCallGraph } from "./call_graph.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const never = loop.createFuture();
 * const task = loop.createTask(function* waiter() {
 *   yield* never;
 * }(), { name: "waiter" });
 * loop.callSoon(() => {
 *   const text = formatCallGraph(never).replace(/0x[0-9a-f]+/g, "0x…");
 *   assert.equal(text.split("\n")[0], "* Future(id=0x…)");
 *   assert.equal(text.split("\n")[2], "    * Task(name='waiter', id=0x…)");
 *   task.cancel();
 * });
 * await loop.runUntilComplete(task).catch(() => {});
 * loop.close();
 * ```
 */
export function formatCallGraph(future?: Future<unknown>, options?: CallGraphOptions): string {
  // (This module's own frames are left out of every stack, so `depth` passes through unchanged.)
  const graph = captureCallGraph(future, options);
  if (graph === null) return "";
  const lines: string[] = [];
  render(graph, 0, lines);
  return lines.join("\n");
}

/**
 * Prints the call graph of `future` (default: the current task) to the console (Python 3.14's
 * `asyncio.print_call_graph`).
 *
 * @param future A future or task (default: the current task).
 * @param options `depth`, `limit`.
 * @throws {TypeError} If `future` is not a Future, or an option is not an integer.
 *
 * @example Print what the current task is
 * ```ts
 * import { printCallGraph } from "./call_graph.ts";
 * import { newEventLoop } from "./loop.ts";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const printed: string[] = [];
 * const log = console.log;
 * console.log = (text: string) => void printed.push(text);
 * try {
 *   await loop.runUntilComplete(loop.createTask(async () => printCallGraph(), { name: "main" }));
 * } finally {
 *   console.log = log;
 * }
 * assert.match(printed[0], /^\* Task\(name='main', id=0x[0-9a-f]+\)/);
 * loop.close();
 * ```
 */
export function printCallGraph(future?: Future<unknown>, options?: CallGraphOptions): void {
  const text = formatCallGraph(future, options);
  if (text !== "") console.log(text);
}

function build(
  future: Future<unknown>,
  live: FrameCallGraphEntry[] | null,
  limit: number | undefined,
  seen: Set<Future<unknown>>,
): FutureCallGraph {
  seen.add(future);
  let callStack = live ?? suspendedFrames(future);
  if (limit !== undefined) callStack = limit >= 0 ? callStack.slice(0, limit) : callStack.slice(limit);
  const awaitedBy: FutureCallGraph[] = [];
  for (const awaiter of awaitersOf(future)) {
    if (!seen.has(awaiter)) awaitedBy.push(build(awaiter, null, limit, seen));
  }
  return { future, callStack, awaitedBy };
}

/** The futures and tasks waiting on `future`, read off its done-callbacks. */
function awaitersOf(future: Future<unknown>): Future<unknown>[] {
  const pairs = future._callbackPairs();
  const awaiters: Future<unknown>[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    let awaiter = markedAwaiter(pairs[i], pairs[i + 1]);
    // A task's own callbacks (its step, its wake-up) carry the task: it waits on the future.
    if (awaiter === undefined && pairs[i + 1] instanceof Task) awaiter = pairs[i + 1] as Task<unknown>;
    if (awaiter instanceof Future && awaiter !== future && !awaiters.includes(awaiter)) awaiters.push(awaiter);
  }
  return awaiters;
}

// Another task's frames: what it recorded where it suspended (debug mode), else its coroutine's name alone.
function suspendedFrames(future: Future<unknown>): FrameCallGraphEntry[] {
  if (!(future instanceof Task) || future.done()) return [];
  const recorded = userFrames(future.getStack().join("\n"));
  if (recorded.length > 0) return recorded;
  const coro = future.getCoro() as { name?: string };
  const name = typeof coro === "function" ? coro.name || "<anonymous>" : "<generator>";
  return [{ functionName: name, fileName: null, lineNumber: null, columnNumber: null }];
}

// The library's root modules, whose frames are left out (tests and examples in subfolders are kept).
const LIBRARY_ROOT = new URL("./", import.meta.url).href;
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

/** The frames of a V8 stack text that are the user's: no library module, no runtime internals. */
function userFrames(stack: string): FrameCallGraphEntry[] {
  const frames: FrameCallGraphEntry[] = [];
  for (const line of stack.split("\n")) {
    const match = FRAME.exec(line);
    if (match === null) continue;
    const [, name, file, lineText, columnText] = match;
    if (!/^(file|https?):/.test(file)) continue; // ext:, node:, <anonymous>
    if (file.startsWith(LIBRARY_ROOT) && /^[\w.-]+\.ts$/.test(file.slice(LIBRARY_ROOT.length))) continue;
    frames.push({
      functionName: (name ?? "").replace(/^(?:Task|Object|Generator)\./, "") || "<anonymous>",
      fileName: file,
      lineNumber: Number(lineText),
      columnNumber: Number(columnText),
    });
  }
  return frames;
}

const ids = new WeakMap<object, number>();
let nextId = 1;

function idOf(future: Future<unknown>): string {
  let id = ids.get(future);
  if (id === undefined) ids.set(future, id = nextId++);
  return `0x${id.toString(16)}`;
}

function render(graph: FutureCallGraph, level: number, lines: string[]): void {
  const indent = "    ".repeat(level);
  const future = graph.future;
  lines.push(
    future instanceof Task
      ? `${indent}* Task(name=${quote(future.getName())}, id=${idOf(future)})`
      : `${indent}* Future(id=${idOf(future)})`,
  );
  if (graph.callStack.length > 0) {
    lines.push(`${indent}  + Call stack:`);
    for (const frame of graph.callStack) {
      lines.push(
        frame.fileName === null
          ? `${indent}  |   ${frame.functionName}() — location unknown: run in debug mode to see where it waits`
          : `${indent}  |   File ${quote(frame.fileName)}, line ${frame.lineNumber}, in ${frame.functionName}()`,
      );
    }
  }
  if (graph.awaitedBy.length > 0) {
    lines.push(`${indent}  + Awaited by:`);
    for (const awaiter of graph.awaitedBy) render(awaiter, level + 1, lines);
  }
}

// Python's repr of a string: single quotes unless the text has one.
function quote(text: string): string {
  return text.includes("'") && !text.includes('"') ? JSON.stringify(text) : `'${text.replaceAll("\\", "\\\\")}'`;
}

function integerOption(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value)) {
    throw new TypeError(`The call graph's ${name} must be an integer, received ${describe(value)}`);
  }
  return value;
}
