// A second raw baseline of bench/threads_compare.ts: a node:worker_threads Worker (what threads.ts uses) that
// posts every message straight back on its parent port.

import { parentPort } from "node:worker_threads";

parentPort?.on("message", (message: unknown) => parentPort?.postMessage(message));
