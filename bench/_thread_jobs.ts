// Worker-side functions of bench/threads_compare.ts (named by module and export, as threads.ts requires). Not a
// `deno bench` file: its name does not end in `_bench.ts`.

import type { ThreadQueue } from "../thread_queue.ts";

/** The trivial coroutine of the round-trip benchmarks. */
// deno-lint-ignore require-await
export async function noop(x: number): Promise<number> {
  return x;
}

/** Puts 0 … n-1, then the sentinel -1 (blocking puts). */
export function produce(queue: ThreadQueue<number>, n: number): void {
  for (let i = 0; i < n; i++) queue.put(i);
  queue.put(-1);
}

/** Gets items until the sentinel -1 (blocking gets); returns their sum. */
export function consume(queue: ThreadQueue<number>): number {
  let total = 0;
  for (;;) {
    const item = queue.get();
    if (item < 0) return total;
    total += item;
  }
}

/** The CPU-bound job. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
