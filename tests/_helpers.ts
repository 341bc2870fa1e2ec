// What many test files share: both kinds of coroutine, loops on virtual time, running a loop until tasks settle,
// reading outcomes, and a seeded random generator.

import type { Awaitable } from "../future.ts";
import { type EventLoop, newEventLoop } from "../loop.ts";
import type { Coroutine, Task } from "../task.ts";
import { VirtualClock } from "../virtual_clock.ts";

/** The two kinds of coroutine every behaviour is tested with. */
export const KINDS = ["generator", "async function"] as const;

/** One kind of coroutine. */
export type Kind = (typeof KINDS)[number];

/** The other kind of coroutine. */
export function otherKind(kind: Kind): Kind {
  return kind === "generator" ? "async function" : "generator";
}

/** A loop on a virtual clock (starting at `start` ms): time jumps to the next timer whenever the loop is idle. */
export function virtualLoop(start = 0): EventLoop {
  return newEventLoop({ clock: new VirtualClock(start) });
}

/** Runs `main` with a loop on virtual time, and closes the loop afterwards. */
export async function inVirtualTime<T>(main: (loop: EventLoop) => Promise<T>): Promise<T> {
  const loop = virtualLoop();
  try {
    return await main(loop);
  } finally {
    loop.close();
  }
}

/** The same coroutine body in the spelling of `kind`: a generator object, or the async function itself. */
export function coroutine<T>(
  kind: Kind,
  generatorFunction: () => Generator<unknown, T, unknown>,
  asyncFunction: () => Promise<T>,
): Coroutine<T> {
  return kind === "generator" ? generatorFunction() : asyncFunction;
}

/** A coroutine of `kind` that awaits what `operation` returns (`yield*` or `await`). */
export function awaiting<T>(kind: Kind, operation: () => Awaitable<T>): Coroutine<T> {
  return coroutine(kind, function* () {
    return yield* operation();
  }, async () => await operation());
}

/**
 * Runs `loop` until every one of `tasks` is done, whatever its outcome (the test looks at it itself); a task still
 * pending after 1 s of loop time is cancelled, so that a test that would hang fails instead.
 */
export async function settle(loop: EventLoop, tasks: Task<unknown>[]): Promise<void> {
  const deadline = loop.callLater(1000, () => tasks.forEach((task) => task.cancel("deadline")));
  await loop.runUntilComplete(async () => {
    for (const task of tasks) {
      try {
        await task;
      } catch {
        // The test looks at the task's outcome itself.
      }
    }
  });
  deadline.cancel();
}

/**
 * Runs a loop that is not running for a few milliseconds of host time — long enough for a loop on virtual time to
 * run out of work — and returns its time then.
 */
export async function timeOnceIdle(loop: EventLoop): Promise<number> {
  const stopper = setTimeout(() => loop.callSoonThreadsafe(() => loop.stop()), 5);
  try {
    await loop.runForever();
  } finally {
    clearTimeout(stopper);
  }
  return loop.time();
}

/** A host turn: a host timer of `ms` (default 0) ms, outside any loop. */
export function hostTick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** An error's name (or the thrown value as text), for assertions. */
export function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

/** A small seeded generator (mulberry32) of numbers in [0, 1), so that the randomised tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a subprocess ended. */
export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tests/fixtures/<fixture>` with `args`, sends it SIGINT once it printed "started", and returns how it ended. */
export async function interruptFixture(fixture: string, ...args: string[]): Promise<Outcome> {
  const path = new URL(`./fixtures/${fixture}`, import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let exited = false;
  const status = child.status.then((status) => {
    exited = true;
    return status;
  });
  // A guard against a hung child, not a duration assertion: the test fails on the output, not the time.
  const guard = setTimeout(() => !exited && child.kill("SIGKILL"), 10_000);
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let stdout = "";
  try {
    let interrupted = false;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
      if (!interrupted && stdout.includes("started\n")) {
        interrupted = true;
        child.kill("SIGINT");
      }
    }
    return { code: (await status).code, stdout, stderr: await stderr };
  } finally {
    clearTimeout(guard);
    if (!exited) child.kill("SIGKILL");
    await status;
    await stderr.catch(() => {});
    reader.releaseLock();
  }
}
