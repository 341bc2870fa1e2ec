/**
 * Runs every tutorial example (`examples/NN_*.ts`) in order, each in its own `deno run -A` subprocess, shows its
 * output as it comes, checks it against the "Expected output" block of the example's header (the convention is in
 * `_expected_output.ts`: `<t>` a number, `<id>` a whole number, `<*>` any text, `~ ` lines in any order), and
 * ends with one line per example: ✓ when it exited with 0 and printed what its header says. Exits with 1 if any
 * example failed.
 *
 * Run: `deno task examples` (or `deno run -A examples/run_all.ts`).
 */

import { compareOutput, type ExpectedItem, expectedOutput } from "./_expected_output.ts";

interface Outcome {
  name: string;
  ok: boolean;
  seconds: number;
  problem: string;
}

const dir: URL = new URL("./", import.meta.url);

/** The examples, in order: the files named `NN_*.ts`. */
export function listExamples(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && /^\d\d_.*\.ts$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
}

async function runExample(name: string): Promise<Outcome> {
  const url: URL = new URL(name, dir);
  console.log(`\n━━ ${name} ━━`);
  const start: number = performance.now();
  // stdout is piped (to be checked) and copied to ours as it comes; stderr is inherited, so a progress line drawn
  // on a terminal still shows.
  const child: Deno.ChildProcess = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", url.pathname],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const decoder = new TextDecoder();
  let output = "";
  for await (const chunk of child.stdout) {
    await Deno.stdout.write(chunk);
    output += decoder.decode(chunk, { stream: true });
  }
  const status: Deno.CommandStatus = await child.status;
  const seconds: number = (performance.now() - start) / 1000;
  if (!status.success) return { name, ok: false, seconds, problem: `exit code ${status.code}` };
  const expected: ExpectedItem[] | null = expectedOutput(await Deno.readTextFile(url));
  if (expected === null) return { name, ok: false, seconds, problem: "no Expected output block in its header" };
  const mismatch: string | null = compareOutput(expected, output);
  if (mismatch !== null) return { name, ok: false, seconds, problem: `output differs from its header, ${mismatch}` };
  return { name, ok: true, seconds, problem: "" };
}

async function main(): Promise<number> {
  const names: string[] = listExamples();
  const outcomes: Outcome[] = [];
  for (const name of names) outcomes.push(await runExample(name));

  const failed: number = outcomes.filter((o) => !o.ok).length;
  console.log(`\n━━ ${outcomes.length - failed} of ${outcomes.length} examples as their headers say ━━`);
  const width: number = Math.max(...names.map((n) => n.length));
  for (const { name, ok, seconds, problem } of outcomes) {
    const note: string = ok ? "" : `  ${problem.split("\n")[0]}`;
    console.log(`${ok ? "✓" : "✗"} ${name.padEnd(width)} ${seconds.toFixed(2).padStart(6)} s${note}`);
  }
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
