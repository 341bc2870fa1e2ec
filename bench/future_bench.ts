/**
 * Future resolve + await inside a task: a task awaits 1000 futures one after the other, each resolved by a
 * callback of the next loop iteration (or already done), in both coroutine kinds; promises as the reference.
 *
 * @module
 */

import type { Future } from "../future.ts";
import { type EventLoop, newEventLoop } from "../loop.ts";

const ROUNDS = 1_000;

function resolveLater(loop: EventLoop): Future<number> {
  const future = loop.createFuture<number>();
  loop.callSoon(() => future.setResult(1));
  return future;
}

Deno.bench({
  name: "async-function task: await 1k futures resolved by callSoon",
  group: "await pending future",
  baseline: true,
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    await loop.runUntilComplete(async () => {
      let total = 0;
      for (let i = 0; i < ROUNDS; i++) total += await resolveLater(loop);
      return total;
    });
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "generator task: yield* 1k futures resolved by callSoon",
  group: "await pending future",
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    await loop.runUntilComplete(function* () {
      let total = 0;
      for (let i = 0; i < ROUNDS; i++) total += yield* resolveLater(loop);
      return total;
    }());
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "reference: async function awaits 1k promises resolved by queueMicrotask (no loop)",
  group: "await pending future",
  async fn() {
    let total = 0;
    for (let i = 0; i < ROUNDS; i++) {
      total += await new Promise<number>((resolve) => queueMicrotask(() => resolve(1)));
    }
    if (total !== ROUNDS) throw new Error("lost a round");
  },
});

Deno.bench({
  name: "async-function task: await 1k futures already done",
  group: "await done future",
  baseline: true,
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    await loop.runUntilComplete(async () => {
      let total = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const future = loop.createFuture<number>();
        future.setResult(1);
        total += await future;
      }
      return total;
    });
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "generator task: yield* 1k futures already done",
  group: "await done future",
  async fn(b) {
    const loop = newEventLoop();
    b.start();
    await loop.runUntilComplete(function* () {
      let total = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const future = loop.createFuture<number>();
        future.setResult(1);
        total += yield* future;
      }
      return total;
    }());
    b.end();
    loop.close();
  },
});

Deno.bench({
  name: "setResult: 1k futures with one done-callback each",
  group: "resolve",
  async fn(b) {
    const loop = newEventLoop();
    let seen = 0;
    const onDone = (): void => {
      seen++;
    };
    b.start();
    for (let i = 0; i < ROUNDS; i++) {
      const future = loop.createFuture<number>();
      future.addDoneCallback(onDone);
      future.setResult(i);
    }
    await loop.runUntilComplete(async () => {});
    b.end();
    loop.close();
    if (seen !== ROUNDS) throw new Error("lost a callback");
  },
});
