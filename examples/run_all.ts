/**
 * Runs every tutorial example (`examples/NN_*.ts`) in order, each in its own `deno run -A` subprocess, shows its
 * output, and ends with one summary line per example. Exits with 1 if any example failed.
 *
 * Run: `deno task examples` (or `deno run -A examples/run_all.ts`).
 */

interface Outcome {
  name: string;
  ok: boolean;
  code: number;
  seconds: number;
}

const dir: URL = new URL("./", import.meta.url);

function listExamples(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isFile && /^\d\d_.*\.ts$/.test(entry.name)) names.push(entry.name);
  }
  return names.sort();
}

async function runExample(name: string): Promise<Outcome> {
  const path: string = new URL(name, dir).pathname;
  console.log(`\n━━ ${name} ━━`);
  const start: number = performance.now();
  // stdout and stderr inherited: the example's output appears as it is printed.
  const child: Deno.ChildProcess = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const status: Deno.CommandStatus = await child.status;
  const seconds: number = (performance.now() - start) / 1000;
  return { name, ok: status.success, code: status.code, seconds };
}

async function main(): Promise<number> {
  const names: string[] = listExamples();
  const outcomes: Outcome[] = [];
  for (const name of names) outcomes.push(await runExample(name));

  console.log("\n━━ summary ━━");
  const width: number = Math.max(...names.map((n) => n.length));
  for (const { name, ok, code, seconds } of outcomes) {
    const mark: string = ok ? "✓" : "✗";
    const note: string = ok ? "" : `  (exit code ${code})`;
    console.log(`${mark} ${name.padEnd(width)}  ${seconds.toFixed(2)} s${note}`);
  }
  const failed: number = outcomes.filter((o) => !o.ok).length;
  console.log(`${outcomes.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
