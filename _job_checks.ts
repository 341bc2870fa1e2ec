// Argument checks and the error text shared by the job queues (`MemoryJobQueue`, `RedisQueue`) and `consume`.

import { describe } from "./_describe.ts";
import type { ConsumeOptions } from "./job_queue.ts";

/** Returns `value` if it is a whole number ≥ `min`, `fallback` if undefined; else throws naming the option. */
export function checkWholeNumber(
  value: unknown,
  fallback: number,
  min: number,
  what: string,
  operation: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number") {
    throw new TypeError(`${operation}: ${what} must be a number, received ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${operation}: ${what} must be a whole number ≥ ${min}, received ${value}`);
  }
  return value;
}

/** Checks `consume()`'s arguments and returns the concurrency (default 1). */
export function checkConsumeArguments(
  handler: unknown,
  options: ConsumeOptions | undefined,
  operation: string,
): number {
  if (typeof handler !== "function") {
    throw new TypeError(`${operation}: the handler must be a function, received ${describe(handler)}`);
  }
  return checkWholeNumber(options?.concurrency, 1, 1, "concurrency", operation);
}

/** How a failure is recorded in a dead letter: `name: message` for an Error, else the value as text. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
