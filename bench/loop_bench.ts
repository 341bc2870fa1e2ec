/**
 * `loop.callSoon` throughput: schedule 10k callbacks and run them in one loop iteration.
 *
 * Run with `deno bench --allow-all bench/loop_bench.ts` (or `deno task bench`).
 *
 * @module
 */

import { newEventLoop } from "../loop.ts";

const CALLBACKS = 10_000;

let sink = 0;
function count(): void {
  sink++;
}
function add(a: number, b: number): void {
  sink += a + b;
}

Deno.bench({
  name: "callSoon: 10k callbacks, no args",
  group: "callSoon 10k",
  baseline: true,
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    for (let i = 0; i < CALLBACKS; i++) loop.callSoon(count);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "callSoon: 10k callbacks, 2 args",
  group: "callSoon 10k",
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    for (let i = 0; i < CALLBACKS; i++) loop.callSoon(add, i, 1);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "callSoon: 10k callbacks, 100 of them cancelled",
  group: "callSoon 10k",
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    for (let i = 0; i < CALLBACKS; i++) {
      const handle = loop.callSoon(count);
      if (i % 100 === 0) handle.cancel();
    }
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "reference: 10k queueMicrotask (no loop)",
  group: "callSoon 10k",
  async fn(b) {
    b.start();
    await new Promise<void>((resolve) => {
      for (let i = 0; i < CALLBACKS; i++) queueMicrotask(count);
      queueMicrotask(resolve);
    });
    b.end();
  },
});

Deno.bench({
  name: "callLater: 10k timers due now",
  group: "callLater 10k",
  baseline: true,
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    for (let i = 0; i < CALLBACKS; i++) loop.callLater(0, count);
    loop.callLater(0, () => loop.stop());
    await loop.runForever();
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "loop iterations: 1k chained callSoon (one callback per iteration)",
  group: "iterations",
  async fn(b) {
    const loop = newEventLoop();
    let left = 1_000;
    const step = (): void => {
      if (--left === 0) loop.stop();
      else loop.callSoon(step);
    };
    b.start();
    loop.callSoon(step);
    await loop.runForever();
    b.end();
    loop.close();
  },
});

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink);
});
