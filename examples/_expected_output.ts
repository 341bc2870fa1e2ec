/**
 * Reads the "Expected output" block of an example's header and checks a run's output against it. Used by
 * `run_all.ts` (`deno task examples`) and by `tests/examples_test.ts`, so that every header tells the truth.
 *
 * The convention, for every `examples/NN_*.ts`:
 *
 * - The first doc comment has a paragraph that starts with "Expected output" and ends with a colon (it may say
 *   more in parentheses first). The lines after it that start with ` *   ` (the comment's star, then three
 *   spaces) are the output, one line each, the text after those three spaces; the block ends at the first line
 *   that does not start so. Trailing spaces do not count; the output must have exactly these lines.
 * - Placeholders stand for what varies from run to run: `<t>` a number (a time, a rate, a size in decimals:
 *   `8.06`, `12`), `<id>` a whole number (a loop id, a port, a process id), `<*>` any text (possibly empty), and a
 *   line that is exactly `<blank>` an empty line.
 * - Lines that start with `~ ` form a group with the lines around them that start so: their order does not
 *   matter (two threads printing at the same moment). The `~ ` is not part of the line.
 *
 * Not an example itself (its name does not start with two digits).
 *
 * @module
 */

/** One expected line, or a group of lines that may come in any order. */
export type ExpectedItem = { line: string } | { anyOrder: string[] };

/**
 * The expected output written in an example's header.
 *
 * @param source The example's source text.
 * @returns The items of its "Expected output" block, or null if it has none.
 */
export function expectedOutput(source: string): ExpectedItem[] | null {
  const end: number = source.indexOf("*/");
  const header: string[] = source.slice(0, end < 0 ? source.length : end).split("\n");
  let at: number = header.findIndex((line) => /^\s*\*\s*Expected output/.test(line));
  if (at < 0) return null;
  while (at < header.length && !header[at].trimEnd().endsWith(":")) at++;
  const items: ExpectedItem[] = [];
  for (at++; at < header.length && header[at].startsWith(" *   "); at++) {
    const text: string = header[at].slice(" *   ".length).trimEnd();
    if (text.startsWith("~ ")) {
      const last: ExpectedItem | undefined = items.at(-1);
      const line: string = text.slice(2);
      if (last !== undefined && "anyOrder" in last) last.anyOrder.push(line);
      else items.push({ anyOrder: [line] });
    } else {
      items.push({ line: text });
    }
  }
  return items;
}

const placeholders: Record<string, string> = {
  "<t>": String.raw`\d+(?:\.\d+)?`,
  "<id>": String.raw`\d+`,
  "<*>": ".*",
};

/** The regular expression of one expected line. */
function linePattern(expected: string): RegExp {
  if (expected === "<blank>") return /^$/;
  const parts: string[] = expected.split(/(<t>|<id>|<\*>)/);
  const source: string = parts.map((part, i) =>
    i % 2 === 1 ? placeholders[part] : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  ).join("");
  return new RegExp(`^${source}$`);
}

/** Whether `lines` can be matched one to one with `patterns`, in some order (small groups: backtracking). */
function matchesInAnyOrder(patterns: RegExp[], lines: string[]): boolean {
  const used: boolean[] = lines.map(() => false);
  const place = (i: number): boolean => {
    if (i === patterns.length) return true;
    for (let j = 0; j < lines.length; j++) {
      if (used[j] || !patterns[i].test(lines[j])) continue;
      used[j] = true;
      if (place(i + 1)) return true;
      used[j] = false;
    }
    return false;
  };
  return place(0);
}

/**
 * Checks an example's output against its expected output.
 *
 * @param expected The items from `expectedOutput()`.
 * @param output The text the example printed on stdout.
 * @returns Null if they match; otherwise a message naming the first line that differs.
 */
export function compareOutput(expected: ExpectedItem[], output: string): string | null {
  const lines: string[] = output.split("\n").map((line) => line.trimEnd());
  while (lines.length > 0 && lines.at(-1) === "") lines.pop();
  let at = 0;
  for (const item of expected) {
    if ("line" in item) {
      if (at >= lines.length) return `line ${at + 1}: expected "${item.line}", the output ended`;
      if (!linePattern(item.line).test(lines[at])) {
        return `line ${at + 1}: expected "${item.line}", got "${lines[at]}"`;
      }
      at++;
    } else {
      const group: string[] = lines.slice(at, at + item.anyOrder.length);
      if (!matchesInAnyOrder(item.anyOrder.map(linePattern), group) || group.length < item.anyOrder.length) {
        return `lines ${at + 1}–${at + item.anyOrder.length}: expected, in any order:\n  ${
          item.anyOrder.join("\n  ")
        }\ngot:\n  ${group.join("\n  ")}`;
      }
      at += item.anyOrder.length;
    }
  }
  if (at < lines.length) return `line ${at + 1}: unexpected "${lines[at]}" after the expected output`;
  return null;
}
