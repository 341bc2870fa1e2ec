// The worker side of loop_thread.ts and worker_pool.ts: the program every LoopThread and pool worker runs.
//
// It makes the thread's event loop (`newEventLoop()` + `setEventLoop()`), says "ready", and runs the loop until
// told to stop. Each call names a module URL and an export: the module is imported on first use, in order —
// calls run in the order they were sent even when an earlier one waits for its import. A plain callback runs
// with `loop.callSoon` (one after another, blocking the loop while it runs); a coroutine runs as a task
// (concurrently); a pool job runs as a task that also accepts plain functions. Outcomes go back to the host on
// the channel of `_worker_link.ts` (see there for the doorbell and the pokes).
//
// Stop: the loop stops, the calls still waiting for their module are dropped, leftover tasks are cancelled and
// awaited (their `finally` blocks run), thread pools and loop threads this loop started are shut down, the loop
// closes, and the host ends the worker.
//
// Loaded by `deno test` as an ordinary module too (it sits beside the library's modules): outside a worker
// started by _worker_link.ts it does nothing.

import process from "node:process";
import { isMainThread, parentPort, threadId, workerData } from "node:worker_threads";
import { setLoopIdBase } from "./_current.ts";
import { isGeneratorObject, isThenable } from "./_coroutine_kind.ts";
import { runLoopShutdownHooks } from "./_loop_shutdown.ts";
import { describe } from "./_describe.ts";
import { cloneFailure, serializeError } from "./_thread_errors.ts";
import { takeTransfers } from "./_transfer.ts";
import { ReplyRing } from "./_reply_ring.ts";
import { type HostMessage, labelOf, type Sequenced, type WorkerMessage, type WorkerSetup } from "./_worker_link.ts";
import { fromWire, toWire } from "./_wire.ts";
import { type EventLoop, newEventLoop, setEventLoop } from "./loop.ts";
import { allTasks, ensureFuture, type Task } from "./task.ts";
// Registers ThreadQueue's wire type, so that a queue passed as an argument arrives as a ThreadQueue.
import "./thread_queue.ts";

type AnyFunction = (...args: unknown[]) => unknown;

// The modules a worker runs are known only at run time, by their absolute URL (workerModule() requires one, made
// with `new URL("./jobs.ts", import.meta.url)`), so no import map or package.json rewriting could apply to them. A
// plain `import(url)` here is what `deno publish` warns about ("unable to analyze dynamic import"), and there is no
// directive to tell it the import is meant (denoland/deno#22594); the same import made from a function body it does
// not parse loads the module the same way, over file:, data: and http(s):.
const importByUrl = new Function("url", "return import(url);") as (url: string) => Promise<Record<string, unknown>>;
type CallMessage = Extract<HostMessage, { kind: "call" }>;

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;

const setup = isMainThread ? null : workerData as WorkerSetup | null;
if (setup !== null && setup?.aioWorker === 1) serve(setup);

function serve({ port, bell, poke, replies, description, debug }: WorkerSetup): void {
  setLoopIdBase(threadId * 1_000_000);
  const loop = newEventLoop({ debug });
  const ring = new ReplyRing(replies);
  setEventLoop(loop);

  // Loaded modules by URL (a promise while importing), and the calls waiting for an import, in order.
  const modules = new Map<string, Record<string, unknown> | Promise<Record<string, unknown>>>();
  const backlog: CallMessage[] = [];
  let pumping = false;
  const tasks = new Map<number, Task<unknown>>();
  const callbacks = new Map<number, { cancel(): void }>();
  let stopping = false;

  // Every reply, on the port or in the ring, is numbered: the host handles them in this order.
  let sequence = 0;

  function send(message: WorkerMessage, transfer?: Transferable[]): void {
    (message as Sequenced<WorkerMessage>).seq = sequence;
    port.postMessage(message, transfer ?? []);
    // Counted once posted: a message that could not be cloned is not sent, and its number goes to the next one.
    sequence++;
    Atomics.add(bell, 0, 1);
    Atomics.notify(bell, 0);
    if (Atomics.exchange(poke, 0, 1) === 0) parentPort?.postMessage(0);
  }

  // A small result goes through shared memory, waking a host blocked in result() (the doorbell) or idle (the
  // ring's tail, which it watches); false when it must go on the port.
  function sendInRing(id: number, value: unknown): boolean {
    if (!ring.tryWrite(sequence, id, value)) return false;
    sequence++;
    Atomics.add(bell, 0, 1);
    Atomics.notify(bell, 0);
    Atomics.notify(ring.words, ReplyRing.TAIL);
    return true;
  }

  // A worker about to die says so: the host may be blocked in result() and unable to see the exit event.
  globalThis.addEventListener("error", (event) => {
    send({ kind: "uncaught", error: serializeError((event as ErrorEvent).error ?? (event as ErrorEvent).message) });
  });
  // A promise rejected with nobody to handle it is a bug of the thread's code, not a reason to end the thread: as
  // CPython logs a failed callback or a never-retrieved task exception and goes on, it goes to the loop's exception
  // handler (the default one prints it; one set in the thread sees it) and the loop keeps running.
  globalThis.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    loop.callExceptionHandler({
      message: `Unhandled promise rejection in ${description}`,
      exception: (event as PromiseRejectionEvent).reason,
    });
  });
  process.on("exit", (code: number) => {
    if (!stopping) send({ kind: "exiting", code: code ?? 0 });
  });
  const scope = globalThis as unknown as { close?: () => void };
  const close = scope.close;
  if (typeof close === "function") {
    scope.close = () => {
      send({ kind: "exiting", code: 0 });
      close.call(globalThis);
    };
  }

  port.onmessage = (event: MessageEvent<HostMessage>) => {
    const message = event.data;
    if (message.kind === "call") receive(message);
    else if (message.kind === "cancel") cancel(message.id);
    else stop();
    // A message handler is a host callback: what it scheduled may run at once, as Python 3.12's eager tasks
    // start, instead of after a host turn.
    loop._iterateFromHostCallback();
  };

  function receive(call: CallMessage): void {
    if (stopping) {
      drop(call);
      return;
    }
    if (backlog.length === 0) {
      const module = modules.get(call.module);
      if (module !== undefined && !(module instanceof Promise)) {
        start(call, lookup(call, module));
        return;
      }
    }
    backlog.push(call);
    if (!pumping) pump();
  }

  async function pump(): Promise<void> {
    pumping = true;
    while (backlog.length > 0 && !stopping) {
      const call = backlog[0];
      let found: AnyFunction | Error;
      try {
        found = lookup(call, await load(call));
      } catch (error) {
        found = error as Error;
      }
      if (backlog[0] !== call) continue; // cancelled (or dropped) while its module loaded
      backlog.shift();
      start(call, found);
    }
    pumping = false;
  }

  function load(call: CallMessage): Promise<Record<string, unknown>> | Record<string, unknown> {
    let module = modules.get(call.module);
    if (module === undefined) {
      const loading = importByUrl(call.module).then(
        (namespace: Record<string, unknown>) => {
          modules.set(call.module, namespace);
          return namespace;
        },
        (error: unknown) => {
          // Not cached: a module that failed to load may be fixed (or served) by the next call.
          modules.delete(call.module);
          throw new TypeError(
            `Cannot import ${call.module} in ${description}: ${(error as Error)?.message ?? error}`,
            { cause: error },
          );
        },
      );
      modules.set(call.module, loading);
      module = loading;
    }
    return module;
  }

  function lookup(call: CallMessage, module: Record<string, unknown>): AnyFunction | Error {
    if (!(call.name in module)) {
      const exported = Object.keys(module).filter((key) => typeof module[key] === "function");
      return new TypeError(
        `Cannot call ${call.name}() in ${description}: ${call.module} has no export named "${call.name}"` +
          ` (its exported functions: ${exported.length === 0 ? "none" : exported.join(", ")})`,
      );
    }
    const fn = module[call.name];
    if (typeof fn !== "function") {
      return new TypeError(
        `Cannot call ${call.name}() in ${description}: the export "${call.name}" of ${call.module} is not a ` +
          `function (it is ${typeof fn})`,
      );
    }
    return fn as AnyFunction;
  }

  function start(call: CallMessage, found: AnyFunction | Error): void {
    if (found instanceof Error) {
      fail(call, found);
      return;
    }
    let args: unknown[];
    try {
      args = call.args.map(fromWire);
    } catch (error) {
      fail(call, error);
      return;
    }
    if (call.mode === "soon") {
      // The callback itself goes through callSoon, so that the loop reports its errors (and, in debug mode,
      // its slowness) under its own name; the acknowledgement follows it in the same iteration.
      callbacks.set(call.id, loop.callSoon(found, ...args));
      loop.callSoon(acknowledge, call.id);
      return;
    }
    const coro = call.mode === "coroutine" && found instanceof GeneratorFunction
      ? found(...args) as Generator<unknown, unknown, unknown>
      : () => callCoroutine(found, args, call);
    // An idle loop would run the task's first step next, before anything else: it runs now, eagerly, in this
    // message's host callback, which saves the round trip a loop iteration (a trivial coroutine replies before
    // this callback's microtasks end). A busy loop schedules it behind what is ready, as CPython does.
    // (Through createTask, so that a task factory the thread's code set still makes the task.)
    const task = loop.createTask(coro, { name: call.name, eagerStart: loop._isIdle() });
    // The reply leaves in the step that ends the task, not a loop iteration later: the round trip is what a
    // caller blocked in result() waits for. (An eager task may have ended already.)
    if (task.done()) {
      report(call, task);
      return;
    }
    tasks.set(call.id, task);
    task._onFinished(() => report(call, task));
  }

  function acknowledge(id: number): void {
    callbacks.delete(id);
    send({ kind: "ran", id });
  }

  function report(call: CallMessage, task: Task<unknown>): void {
    tasks.delete(call.id);
    if (task.cancelled()) {
      send({ kind: "cancelled", id: call.id });
      return;
    }
    let result: unknown;
    try {
      result = task.result();
    } catch (error) {
      fail(call, error);
      return;
    }
    if (sendInRing(call.id, result)) return;
    const value = toWire(result);
    try {
      send({ kind: "result", id: call.id, value }, takeTransfers([result]));
    } catch (error) {
      const label = labelOf({ moduleUrl: call.module, exportName: call.name });
      fail(call, cloneFailure([value], [""], `Cannot send the result of ${label}() back from ${description}`, error));
    }
  }

  function fail(call: CallMessage, error: unknown): void {
    if (call.mode === "soon") {
      // A callback has nobody to tell: as any failing callback, it goes to the loop's exception handler.
      loop.callExceptionHandler({
        message: `Exception in callback ${call.name}() in ${description}`,
        exception: error,
      });
      send({ kind: "ran", id: call.id });
      return;
    }
    send({ kind: "error", id: call.id, error: serializeError(error) });
  }

  function drop(call: CallMessage): void {
    send(call.mode === "soon" ? { kind: "ran", id: call.id } : { kind: "cancelled", id: call.id });
  }

  function cancel(id: number): void {
    const task = tasks.get(id);
    if (task !== undefined) {
      task.cancel();
      return;
    }
    const callback = callbacks.get(id);
    if (callback !== undefined) {
      callback.cancel();
      return;
    }
    const index = backlog.findIndex((call) => call.id === id);
    if (index >= 0) drop(backlog.splice(index, 1)[0]);
  }

  function stop(): void {
    if (stopping) return;
    stopping = true;
    loop.stop();
  }

  // The thread's life: announce, run until stopped, then wind down as asyncio.run() does.
  send({ kind: "ready", loopId: loop.id });
  loop.runForever().then(() => windDown(loop)).finally(() => {
    for (const call of backlog.splice(0)) drop(call);
    send({ kind: "stopped" });
    port.close();
  });

  async function windDown(loop: EventLoop): Promise<void> {
    for (const call of backlog.splice(0)) drop(call);
    const leftovers = [...allTasks(loop)];
    for (const task of leftovers) task.cancel();
    if (leftovers.length > 0) {
      const allDone = loop.createFuture<void>();
      let remaining = leftovers.length;
      for (const task of leftovers) {
        task.addDoneCallback(() => --remaining === 0 && !allDone.done() && allDone.setResult(undefined));
      }
      await loop.runUntilComplete(allDone);
    }
    try {
      await runLoopShutdownHooks(loop);
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    } finally {
      setEventLoop(null);
      loop.close();
    }
  }
}

// Runs a coroutine function (or, for a pool job, any function) inside its task: a generator object it returns runs
// as a task awaited here, a promise is awaited; a plain value is a pool job's result, and a mistake for a coroutine.
async function callCoroutine(fn: AnyFunction, args: unknown[], call: CallMessage): Promise<unknown> {
  const outcome = fn(...args);
  if (isGeneratorObject(outcome)) return await ensureFuture(outcome);
  if (isThenable(outcome)) return await outcome;
  if (call.mode === "job") return outcome;
  const label = `${labelOf({ moduleUrl: call.module, exportName: call.name })}()`;
  throw new TypeError(
    `runCoroutineThreadsafe() needs a coroutine function: ${label} returned ${
      describe(outcome)
    } (an async function or a generator function is expected; use callSoonThreadsafe or a WorkerPoolExecutor for ` +
      `plain functions)`,
  );
}
