// What the thread tests share: the fixture functions the workers run, a generous limit for waits that must succeed,
// and a test wrapper that checks no worker is left running.

import assert from "node:assert/strict";
import { liveWorkers } from "../_worker_link.ts";
import { type WorkerFn, workerModule } from "../worker_module.ts";

/** The URL of the functions the workers run. */
export const JOBS_URL: URL = new URL("./fixtures/thread_jobs.ts", import.meta.url);

/** References to them. */
export const jobs = workerModule<typeof import("./fixtures/thread_jobs.ts")>(JOBS_URL);

/** A generous limit for waits that must succeed: a hang fails the test instead of stalling the run. */
export const LONG = 10_000;

/** A reference with its types erased, to pass what TypeScript would refuse. */
// deno-lint-ignore no-explicit-any
export const untyped = (fn: WorkerFn<any>): WorkerFn<(...args: any[]) => any> => fn;

/**
 * A test that checks that the workers it started have all exited: they are unref'd while idle, so the op sanitizer
 * would not notice one left running.
 */
export function threadTest(name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void {
  Deno.test(name, async (t) => {
    await fn(t);
    assert.equal(liveWorkers(), 0, "a worker started by this test is still running");
  });
}

/** Runs `source` as a program of its own; its exit code, and its stdout followed by its stderr. */
export async function runProgram(source: string, env?: Record<string, string>): Promise<{ code: number; out: string }> {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${directory}/main.ts`, source);
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "--quiet", `${directory}/main.ts`],
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return { code: output.code, out: decode(output.stdout) + decode(output.stderr) };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}
