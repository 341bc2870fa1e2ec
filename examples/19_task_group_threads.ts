/**
 * Beyond the tutorial: a task group whose children run on other threads — something neither CPython nor any
 * JavaScript peer offers. `group.createTask(call(jobs.fn, …args), { thread })` runs a child as a task on a
 * `LoopThread`; the task returned here stands in for it. A CPU-bound job runs on a "cpu" thread, a download that hangs
 * on an "io" thread, and a resize on the cpu thread fails: the failure cancels every child on every thread — the
 * download's `finally` runs on the io thread before the group ends — and the group's `AggregateError` carries the
 * remote error with its stack from the other thread. The job that had already finished keeps its result.
 *
 * Run: `deno run -A examples/19_task_group_threads.ts`
 *
 * Expected output:
 *   started threads "io" and "cpu"
 *   ~ io thread: downloading https://example.com/big.iso…
 *   ~ cpu thread: fib(25) = 75025
 *   io thread: download cancelled, partial file removed (its finally ran here)
 *   group failed: RangeError: bad pixel at (3, 4) (raised on the cpu thread, in group_jobs.ts)
 *   fib's result was kept: 75025
 *   the download was cancelled: true
 */

import { call, LoopThread, run, sleep, type Task, taskGroup, workerModule } from "../mod.ts";

const jobs = workerModule<typeof import("./group_jobs.ts")>(new URL("./group_jobs.ts", import.meta.url));

await run(async () => {
  const [io, cpu] = await Promise.all([LoopThread.start({ name: "io" }), LoopThread.start({ name: "cpu" })]);
  console.log(`started threads "${io.name}" and "${cpu.name}"`);
  let fib: Task<number> | null = null;
  let download: Task<never> | null = null;
  try {
    await taskGroup(async (group) => {
      fib = group.createTask(call(jobs.fib, 25), { thread: cpu, name: "fib" });
      download = group.createTask(call(jobs.hangingDownload, "https://example.com/big.iso"), { thread: io });
      await fib; // the resize is started once fib is done, so that the output reads the same every run
      await sleep(20);
      group.createTask(call(jobs.resize, 5), { thread: cpu, name: "resize" });
    });
  } catch (error) {
    const [cause] = (error as AggregateError).errors as Error[];
    const where = /group_jobs\.ts/.test(cause.stack ?? "") ? "group_jobs.ts" : "?";
    console.log(`group failed: ${cause.name}: ${cause.message} (raised on the cpu thread, in ${where})`);
  }
  console.log(`fib's result was kept: ${fib!.result()}`);
  console.log(`the download was cancelled: ${download!.cancelled()}`);
});
