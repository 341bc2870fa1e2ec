// The host side of one worker: spawning it, sending calls, receiving outcomes, and keeping the process alive only
// while something waits for the worker.
//
// Channels. Calls go to the worker over a MessageChannel. Outcomes come back on the same channel, but this side
// never listens to it asynchronously: every message is taken with `receiveMessageOnPort`. After each message the
// worker (1) bumps a counter in shared memory and `Atomics.notify`s it — the doorbell a blocked `result()` sleeps
// on — and (2) pokes the host through the worker's own message channel, unless a poke is already on its way (a
// shared flag), so an idle host drains asynchronously. A blocked thread cannot receive events, and an event
// listener on the outcome port could take a message into a promise the blocked code can never see; with the
// outcome port drained only synchronously, no message is ever out of reach.
//
// Lifetime. A node:worker_threads Worker is used because it can be unref'd (Deno's web Worker cannot): the worker
// keeps the process alive only while a call is pending or someone waits for it (start, stop, join), so a
// program that forgets a LoopThread or a pool still exits, as with Python's daemon threads.

import { receiveMessageOnPort, type TransferListItem, Worker } from "node:worker_threads";
import { BrokenThreadError, type ConcurrentFuture } from "./concurrent_future.ts";
import { describe } from "./_describe.ts";
import { InvalidStateError } from "./errors.ts";
import { cloneFailure, deserializeError, type SerializedError } from "./_thread_errors.ts";
import { newReplyRingBuffer, ReplyRing } from "./_reply_ring.ts";
import { takeTransfers } from "./_transfer.ts";
import { fromWire, toWire } from "./_wire.ts";

/** How the worker runs a call: a plain callback (`callSoon`), a coroutine (a task), or an executor job. */
export type CallMode = "soon" | "coroutine" | "job";

/** A function named by module URL and export name (what `workerModule()` hands out). */
export interface CallTarget {
  readonly moduleUrl: string;
  readonly exportName: string;
}

/**
 * Checks that `fn` names a function by module and export, as `workerModule()` hands out; `method` is the function
 * the user called, for the message.
 */
export function checkTarget(fn: unknown, method: string): asserts fn is CallTarget {
  const target = fn as Partial<CallTarget> | null;
  if (
    target !== null && typeof target === "object" && typeof target.moduleUrl === "string" &&
    typeof target.exportName === "string"
  ) return;
  const hint = typeof fn === "function"
    ? " (a function cannot be sent to another thread: export it from a module and pass its workerModule() reference)"
    : "";
  throw new TypeError(
    `Cannot ${method}(): expected a function reference from workerModule(), received ${describe(fn)}${hint}`,
  );
}

/** How messages name a worker function: its module's file name and the export, `thread_jobs.fib`. */
export function labelOf(target: CallTarget): string {
  const url = target.moduleUrl;
  const file = url.slice(url.lastIndexOf("/") + 1).replace(/\.[cm]?[jt]sx?$/, "");
  return file === "" || url.startsWith("data:") ? target.exportName : `${file}.${target.exportName}`;
}

/** Host → worker. */
export type HostMessage =
  | { kind: "call"; id: number; mode: CallMode; module: string; name: string; args: unknown[] }
  | { kind: "cancel"; id: number }
  | { kind: "stop" };

/** Worker → host. */
export type WorkerMessage =
  | { kind: "ready"; loopId: number }
  | { kind: "ran"; id: number }
  | { kind: "result"; id: number; value: unknown }
  | { kind: "error"; id: number; error: SerializedError }
  | { kind: "cancelled"; id: number }
  | { kind: "stopped" }
  | { kind: "uncaught"; error: SerializedError }
  | { kind: "exiting"; code: number };

/** A message with the worker's sequence number (every reply has one: the host handles them in that order). */
export type Sequenced<M> = M & { seq: number };

/** What the bootstrap receives as `workerData`. */
export interface WorkerSetup {
  aioWorker: 1;
  port: MessagePort;
  bell: Int32Array;
  poke: Int32Array;
  /** The shared memory of the reply ring (_reply_ring.ts). */
  replies: SharedArrayBuffer;
  description: string;
  debug: boolean;
}

/** Arguments ready to post: wire-encoded, with the buffers to move. */
export interface PreparedArgs {
  args: unknown[];
  transfer: Transferable[];
}

/** Options of a link. */
export interface LinkOptions {
  /** The worker's name (`globalThis.name` there). */
  name: string;
  /** How messages name it: `LoopThread "io"`, `WorkerPoolExecutor "default" worker 2`. */
  description: string;
  /** The doorbell (a pool's workers share one). */
  bell: Int32Array;
  /** Debug mode for the worker's loop. */
  debug: boolean;
  /** Called after a call of this link finished (a pool hands the worker its next job). */
  onCallDone?: (link: WorkerLink) => void;
  /** Called once the worker has exited. */
  onExit?: (link: WorkerLink) => void;
  /** Called once the worker is known to be gone without a stop (crashed, closed, terminated). */
  onBroken?: (link: WorkerLink) => void;
}

interface PendingCall {
  future: ConcurrentFuture<unknown> | null;
  // Named in messages only (labelOf), so the label is made when one is needed.
  target: CallTarget;
}

const BOOTSTRAP = new URL("./_worker_bootstrap.ts", import.meta.url);
// node:worker_threads only starts file: and data: modules; a library imported over http(s) starts its bootstrap
// through a one-line data: module that imports it.
const WORKER_ENTRY = BOOTSTRAP.protocol === "file:" || BOOTSTRAP.protocol === "data:"
  ? BOOTSTRAP
  : new URL(`data:text/javascript,${encodeURIComponent(`import ${JSON.stringify(BOOTSTRAP.href)};`)}`);

// The workers this thread started that have not exited yet.
const liveLinks = new Set<WorkerLink>();

/** How many workers started by this thread are still running (the tests check that none is left behind). */
export function liveWorkers(): number {
  return liveLinks.size;
}

/** Makes a doorbell: one shared counter. */
export function newBell(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** Encodes arguments for postMessage (`toWire`) and collects the buffers marked with `transfer()`. */
export function prepareArgs(args: readonly unknown[]): PreparedArgs {
  return { args: args.length === 0 ? [] : args.map(toWire), transfer: takeTransfers(args) };
}

/**
 * Copies prepared arguments now (moving the marked buffers), for a job that waits in a queue: the caller's values
 * are snapshotted and its buffers detached at submit time, as when the job is posted at once. `context` starts the
 * message of a refused value ("Cannot submit() to <WorkerPoolExecutor …>").
 */
export function snapshotArgs(prepared: PreparedArgs, label: string, context: string): PreparedArgs {
  try {
    return structuredClone(prepared, { transfer: prepared.transfer });
  } catch (error) {
    throw cloneFailure(prepared.args, argumentLabels(prepared.args, label), context, error);
  }
}

/**
 * Blocks this thread until `isDone()` or `deadline` (a `performance.now()` time), draining replies whenever the
 * doorbell rings. The counter is read before draining, so a reply that lands after the drain changes it and the
 * wait returns at once: no wake-up is lost.
 */
export function blockUntil(bell: Int32Array, drain: () => void, isDone: () => boolean, deadline: number): void {
  for (;;) {
    const seen = Atomics.load(bell, 0);
    drain();
    if (isDone()) return;
    const now = performance.now();
    const remaining = deadline - now;
    if (remaining <= 0) return;
    // Spin a little before sleeping: a reply usually comes within tens of microseconds, and waking a thread from
    // Atomics.wait costs about as much again. The spin reads shared memory only (no op call but the clock).
    const spinEnd = Math.min(deadline, now + SPIN_BEFORE_WAIT_MS);
    let rang = false;
    for (let spins = 0; !rang; spins++) {
      if (Atomics.load(bell, 0) !== seen) rang = true;
      else if ((spins & 255) === 255 && performance.now() >= spinEnd) break;
    }
    if (!rang) Atomics.wait(bell, 0, seen, deadline - performance.now());
  }
}

// How long a blocked result() polls the doorbell before it sleeps on it.
const SPIN_BEFORE_WAIT_MS = 0.2;

/** The host's end of one worker. */
export class WorkerLink {
  /** How messages name the worker. */
  readonly description: string;
  /** Resolves once the worker's loop runs; rejects if the worker ends first. */
  readonly ready: Promise<void>;
  /** Resolves once the worker has exited. */
  readonly exited: Promise<void>;

  #worker: Worker;
  #port: MessagePort;
  #poke = new Int32Array(new SharedArrayBuffer(4));
  #options: LinkOptions;
  #calls = new Map<number, PendingCall>();
  #nextId = 1;
  #holds = 0;
  #referenced = true;
  #isReady = false;
  #loopId = 0;
  #ring = new ReplyRing(newReplyRingBuffer());
  // The sequence number of the next reply to handle, and the port messages that arrived before their turn.
  #expected = 0;
  #held: Sequenced<WorkerMessage>[] = [];
  #watchingRing = false;
  #stopping = false;
  #stopped = false;
  #terminating = false;
  #ended = false;
  #uncaught: unknown = undefined;
  #resolveReady!: () => void;
  #rejectReady!: (error: unknown) => void;
  #resolveExited!: () => void;

  constructor(options: LinkOptions) {
    this.#options = options;
    this.description = options.description;
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve;
      this.#rejectReady = reject;
    });
    // Nobody may await `ready` (a pool posts at once); its rejection is then reported through the futures.
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => this.#resolveExited = resolve);
    const channel = new MessageChannel();
    this.#port = channel.port1;
    const setup: WorkerSetup = {
      aioWorker: 1,
      port: channel.port2,
      bell: options.bell,
      poke: this.#poke,
      replies: this.#ring.words.buffer as SharedArrayBuffer,
      description: options.description,
      debug: options.debug,
    };
    this.#worker = new Worker(WORKER_ENTRY, {
      name: options.name,
      workerData: setup,
      transferList: [channel.port2 as unknown as TransferListItem],
    });
    this.#worker.on("message", this.#onPoke);
    this.#worker.on("error", (error: unknown) => {
      this.#uncaught ??= error;
    });
    this.#worker.on("exit", (code: number) => this.#onExit(code));
    liveLinks.add(this);
    this.#updateRef();
  }

  /** Whether the worker can take calls (not stopping, not ended). */
  isOpen(): boolean {
    return !this.#stopping && !this.#ended;
  }

  /** Whether the worker has exited (or is known to be exiting). */
  isEnded(): boolean {
    return this.#ended;
  }

  /** The id of the worker's event loop (0 until it is ready). */
  loopId(): number {
    return this.#loopId;
  }

  /** How many calls are still pending. */
  pendingCalls(): number {
    return this.#calls.size;
  }

  /**
   * Posts a call; its outcome settles `future` (null for a plain callback). `caller` is the method the user called
   * (`submit`, `runCoroutineThreadsafe`), for messages.
   *
   * @returns The call's id (to cancel it).
   * @throws {InvalidStateError} If the worker is stopping or ended.
   * @throws {TypeError} If an argument cannot be cloned (naming it).
   */
  call(
    mode: CallMode,
    target: CallTarget,
    prepared: PreparedArgs,
    future: ConcurrentFuture<unknown> | null,
    caller: string,
  ): number {
    if (!this.isOpen()) {
      throw new InvalidStateError(
        `Cannot ${caller}(${labelOf(target)}): ${this.description} is ${this.#ended ? "ended" : "stopping"}`,
      );
    }
    const id = this.#nextId++;
    const message: HostMessage = {
      kind: "call",
      id,
      mode,
      module: target.moduleUrl,
      name: target.exportName,
      args: prepared.args,
    };
    try {
      this.#port.postMessage(message, prepared.transfer);
    } catch (error) {
      throw cloneFailure(
        prepared.args,
        argumentLabels(prepared.args, labelOf(target)),
        `Cannot ${caller}() on ${this.description}`,
        error,
      );
    }
    this.#calls.set(id, { future, target });
    this.#updateRef();
    this.#watchRing();
    return id;
  }

  /** Asks the worker to cancel call `id` (a task is cancelled there; a callback not yet run is dropped). */
  cancel(id: number): void {
    if (this.#ended || !this.#calls.has(id)) return;
    const message: HostMessage = { kind: "cancel", id };
    this.#port.postMessage(message);
  }

  /** Asks the worker's loop to stop: it cancels its tasks, waits for them, closes, and the worker ends. */
  stop(): void {
    if (this.#stopping || this.#ended) return;
    this.#stopping = true;
    const message: HostMessage = { kind: "stop" };
    this.#port.postMessage(message);
  }

  /** Ends the worker at once; pending futures fail with BrokenThreadError. */
  terminate(): Promise<void> {
    if (!this.#ended) {
      this.#terminating = true;
      this.#worker.terminate();
    }
    return this.exited;
  }

  /** Keeps the process alive (until `release`) although no call is pending: someone waits for the worker. */
  hold(): void {
    this.#holds++;
    this.#updateRef();
  }

  /** Undoes one `hold`. */
  release(): void {
    this.#holds--;
    this.#updateRef();
  }

  /**
   * Takes and handles every reply that has arrived, from the ring and the port, in the worker's order (each reply
   * carries its sequence number; a port message that arrives ahead of a ring reply waits for it).
   */
  drain(): void {
    for (;;) {
      if (this.#ended) return;
      if (this.#takeInOrder()) continue;
      const received = receiveMessageOnPort(this.#port as unknown as Parameters<typeof receiveMessageOnPort>[0]);
      if (received === undefined) break;
      this.#held.push(received.message as Sequenced<WorkerMessage>);
    }
    if (this.#calls.size > 0) this.#watchRing();
  }

  // Handles the next reply in order if it has arrived (in the ring, or held from the port); false if it has not.
  #takeInOrder(): boolean {
    const expected = this.#expected;
    const ring = this.#ring;
    if (ring.nextSeq() === expected) {
      this.#expected = expected + 1;
      const value = ring.take();
      this.#settle(ring.takenId, value);
      return true;
    }
    const held = this.#held;
    if (held.length > 0 && held[0].seq === expected) {
      this.#expected = expected + 1;
      this.#dispatch(held.shift()!);
      return true;
    }
    return false;
  }

  #onPoke = (): void => {
    // Cleared before draining: a reply posted after this point pokes again.
    Atomics.store(this.#poke, 0, 0);
    this.drain();
  };

  // While calls are pending, one Atomics.waitAsync on the ring's tail wakes this thread for the ring's replies. It
  // takes only those (and port messages already held): the port is read when the worker pokes, or by a blocked
  // result() — never from this continuation.
  #watchRing(): void {
    if (this.#watchingRing || this.#ended) return;
    this.#watchingRing = true;
    // Waits while the tail is where this thread has read up to: a reply written meanwhile ends the wait at once.
    const wait = Atomics.waitAsync(this.#ring.words, ReplyRing.TAIL, this.#ring.readCount());
    if (wait.async) wait.value.then(this.#onRing);
    else queueMicrotask(this.#onRing);
  }

  #onRing = (): void => {
    this.#watchingRing = false;
    for (;;) {
      while (!this.#ended && this.#takeInOrder());
      if (this.#ended || this.#calls.size === 0) return;
      // One read decides (the worker writes on meanwhile): a reply that arrived since the last take is taken now —
      // not watching for it would lose its wake-up, as the tail already moved past it.
      const next = this.#ring.nextSeq();
      if (next === this.#expected) continue;
      // An empty ring is watched. A ring reply left over waits for a port message before it, which the worker's
      // poke brings: the drain that follows it watches the ring again (watching now would wake at once, again and
      // again).
      if (next === -1) this.#watchRing();
      return;
    }
  };

  #dispatch(message: WorkerMessage): void {
    switch (message.kind) {
      case "ready":
        this.#isReady = true;
        this.#loopId = message.loopId;
        this.#resolveReady();
        return;
      case "ran":
        if (this.#take(message.id) !== undefined) this.#callFinished();
        return;
      case "result": {
        let value: unknown;
        try {
          value = fromWire(message.value);
        } catch (error) {
          const call = this.#take(message.id);
          if (call === undefined) return;
          if (call.future !== null && !call.future.done()) call.future.setException(error);
          this.#callFinished();
          return;
        }
        this.#settle(message.id, value);
        return;
      }
      case "error": {
        const call = this.#take(message.id);
        if (call === undefined) return;
        if (call.future !== null && !call.future.done()) call.future.setException(deserializeError(message.error));
        this.#callFinished();
        return;
      }
      case "cancelled": {
        const call = this.#take(message.id);
        if (call === undefined) return;
        call.future?._remoteCancelled();
        this.#callFinished();
        return;
      }
      case "stopped":
        this.#stopped = true;
        // The worker settled every call before saying so; what is left (callbacks that never ran) is dropped.
        for (const [, call] of this.#calls) call.future?._remoteCancelled();
        this.#calls.clear();
        this.#updateRef();
        // Ended from here: timers or servers its code left behind must not keep it alive.
        this.#worker.terminate();
        return;
      case "uncaught":
        this.#uncaught = deserializeError(message.error);
        return;
      case "exiting":
        // Said by the worker just before it ends (a crash, process.exit(), close()): a thread blocked in
        // result() learns it here, as it cannot receive the exit event.
        this.#breakCalls(message.code === 0 ? "closed itself" : `exited with code ${message.code}`);
        return;
    }
  }

  // Call `id` returned `value`.
  #settle(id: number, value: unknown): void {
    const call = this.#take(id);
    if (call === undefined) return;
    const future = call.future;
    if (future !== null && !future.done()) future.setResult(value);
    this.#callFinished();
  }

  #take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (call !== undefined) this.#calls.delete(id);
    return call;
  }

  // After the call's future is settled: the worker may be free for the next job.
  #callFinished(): void {
    this.#updateRef();
    this.#options.onCallDone?.(this);
  }

  #breakCalls(how: string): void {
    if (this.#ended) return;
    this.#ended = true;
    const cause = this.#uncaught;
    const crashed = cause !== undefined ? "crashed" : how;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const call of calls) {
      if (call.future === null || call.future.done()) continue;
      const message = `${this.description} ${crashed} before ${labelOf(call.target)}() finished`;
      call.future.setException(new BrokenThreadError(message, cause === undefined ? undefined : { cause }));
    }
    if (!this.#isReady) {
      const message = `${this.description} ${crashed} before it was ready`;
      this.#rejectReady(new BrokenThreadError(message, cause === undefined ? undefined : { cause }));
    }
    this.#options.onBroken?.(this);
  }

  #onExit(code: number): void {
    // Replies sent just before the end are still in the ring and the port: they count, even past a gap a message
    // lost in the worker's end would leave in the numbering.
    this.drain();
    while (!this.#ended && (this.#ring.nextSeq() !== -1 || this.#held.length > 0)) {
      const ringSeq = this.#ring.nextSeq();
      this.#expected = ringSeq !== -1 && (this.#held.length === 0 || ringSeq < this.#held[0].seq)
        ? ringSeq
        : this.#held[0].seq;
      this.#takeInOrder();
    }
    // Ends the wait on the ring's tail (nothing will write there any more).
    Atomics.notify(this.#ring.words, ReplyRing.TAIL);
    if (!this.#stopped) {
      this.#breakCalls(
        this.#terminating ? "was terminated" : code === 0 ? "closed itself" : `exited with code ${code}`,
      );
    }
    this.#ended = true;
    liveLinks.delete(this);
    this.#port.close();
    this.#worker.off("message", this.#onPoke);
    this.#resolveExited();
    this.#options.onExit?.(this);
  }

  #updateRef(): void {
    if (this.#ended) return;
    const wanted = this.#calls.size > 0 || this.#holds > 0;
    if (wanted === this.#referenced) return;
    this.#referenced = wanted;
    if (wanted) this.#worker.ref();
    else this.#worker.unref();
  }
}

function argumentLabels(args: readonly unknown[], label: string): string[] {
  return args.map((_, index) => `argument ${index + 1} of ${label}`);
}
