// Worker functions of example 19 (a task group across threads). Each runs as a task on a LoopThread's loop.

import { sleep } from "../sleep.ts";

/** A CPU-bound job: the n-th Fibonacci number, computed the slow way. */
export async function fib(n: number): Promise<number> {
  await sleep(0);
  const slow = (k: number): number => (k < 2 ? k : slow(k - 1) + slow(k - 2));
  const value = slow(n);
  console.log(`cpu thread: fib(${n}) = ${value}`);
  return value;
}

/** A download that hangs; its finally block cleans up where it runs. */
export async function hangingDownload(url: string): Promise<never> {
  console.log(`io thread: downloading ${url}…`);
  try {
    await sleep(1e9);
    throw new Error("unreachable");
  } finally {
    await sleep(10); // the clean-up takes a moment: the group waits for it
    console.log("io thread: download cancelled, partial file removed (its finally ran here)");
  }
}

/** A resize that fails after `ms`. */
export async function resize(ms: number): Promise<never> {
  await sleep(ms);
  throw new RangeError("bad pixel at (3, 4)");
}
