// A task's number — the `n` of its default name `Task-<n>`, counting up over the process as CPython's — is kept in
// the task's flags word, above the flag bits: one field less per task than a name field of its own (8 bytes of each
// of the hundreds of thousands of tasks a server parks). A name given or set, and a number too large for those bits
// (past 2^27 - 1 tasks), live in the task's extras instead.

/** How many low bits of a task's flags word are flags; the task's number sits above them. */
export const NUMBER_SHIFT = 4;
const LARGEST_INLINE_NUMBER = 2 ** (31 - NUMBER_SHIFT) - 1;

let nextTaskNumber = 1;

/**
 * Takes the next task number, shifted into place above the flag bits; 0 when it is too large for them (the task
 * must then keep `numberedTaskName()` as its name).
 */
export function takeTaskNumberBits(): number {
  const number = nextTaskNumber++;
  return number <= LARGEST_INLINE_NUMBER ? number << NUMBER_SHIFT : 0;
}

/** `Task-<n>` for the number `takeTaskNumberBits()` took last (the name of a task whose number did not fit). */
export function numberedTaskName(): string {
  return `Task-${nextTaskNumber - 1}`;
}

/** The default name of a task whose flags word holds its number. */
export function defaultTaskName(flags: number): string {
  return `Task-${flags >>> NUMBER_SHIFT}`;
}

/** @ignore For tests of the numbers past the inline range: where the count goes on from; returns where it was. */
export function _continueTaskNumbersFrom(number: number): number {
  const was = nextTaskNumber;
  nextTaskNumber = number;
  return was;
}

/** @ignore For tests: the largest number kept in a task's flags word. */
export const _LARGEST_INLINE_TASK_NUMBER: number = LARGEST_INLINE_NUMBER;
