/**
 * The project's checks, in the order a reviewer would run them; `deno task test` runs this script. It needs only
 * Deno (no shell), so it runs the same on every system Deno supports.
 *
 * Steps: formatting, lint, type check, doc lint (all entry points together), value-import cycles among the root
 * modules, the module rules (size, titled examples, re-exports: .ci/module_rules.ts), the tests with the
 * documentation examples, the tests again without Deno's async-context hooks (the `AsyncLocalStorage` fallback of
 * `_task_context.ts` must hold too), and a publish dry run.
 *
 * Every step's output is captured: a passing step prints one line (what it counted, how long it took), so the
 * expected noise of the tests (a worker that crashes on purpose, a warning a test provokes) is not shown. A failing
 * step's output is printed in full after the step lines — for the tests, deno's own list of the failures with
 * their errors. The last line is always `N passed, N failed`: the tests of both test passes.
 *
 * Run: `deno task test` (or `deno run -A .ci/check.ts`). Exits with 1 if any step failed.
 */

const root: URL = new URL("../", import.meta.url);

/**
 * Publish warnings that cannot be fixed in our code, each with the reason. Any other warning fails the step. None
 * today: the worker's dynamic import of a `WorkerFn`'s module no longer warns (see _worker_bootstrap.ts).
 */
const knownPublishWarnings: { code: string; file: string }[] = [];

interface Outcome {
  ok: boolean;
  /** What the step counted, for its line. */
  summary: string;
  /** What to show when the step failed. */
  details: string;
  passed?: number;
  failed?: number;
}

interface Step {
  title: string;
  run: () => Promise<Outcome>;
}

interface Run {
  success: boolean;
  stdout: string;
  stderr: string;
  /** stdout, then stderr. */
  output: string;
}

/** Runs deno with `args` in the repository root and captures what it prints. */
async function deno(args: string[]): Promise<Run> {
  const result: Deno.CommandOutput = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  const stdout: string = decoder.decode(result.stdout);
  const stderr: string = decoder.decode(result.stderr);
  const output: string = stdout + (stdout !== "" && stderr !== "" ? "\n" : "") + stderr;
  return { success: result.success, stdout, stderr, output };
}

/** The entry points listed in deno.json's `exports`. */
function packageExports(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root))) as { exports: Record<string, string> };
  return Object.values(config.exports);
}

/** The root modules (`./*.ts`), as a shell would expand the pattern. */
function rootModules(): string[] {
  return [...Deno.readDirSync(root)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".ts"))
    .map((entry) => entry.name)
    .sort();
}

/** The test files (`tests/*_test.ts`) but those whose subjects run in subprocesses only. */
function inProcessTests(): string[] {
  const subprocessOnly = new Set(["examples_test.ts", "remote_import_test.ts"]);
  return [...Deno.readDirSync(new URL("tests/", root))]
    .filter((entry) => entry.isFile && entry.name.endsWith("_test.ts") && !subprocessOnly.has(entry.name))
    .map((entry) => `tests/${entry.name}`)
    .sort();
}

/** A step whose output only matters when it fails; `count` turns the output into the step's summary. */
function simple(args: string[], count: (output: string) => string): () => Promise<Outcome> {
  return async () => {
    const { success, output } = await deno(args);
    return { ok: success, summary: success ? count(output) : "failed", details: output };
  };
}

const checkedFiles = (output: string): string => output.match(/Checked (\d+ files?)/)?.[1] ?? "checked";

/** A `deno test` pass: counts from its summary line, and deno's list of the failures when there are any. */
function testPass(args: string[]): () => Promise<Outcome> {
  return async () => {
    // The report (and the ERRORS section) is on stdout; stderr has the type-check lines and what tests and
    // workers print there on purpose.
    const { success, stdout, output } = await deno(["test", ...args]);
    const line: string | undefined = stdout.match(/^(ok|FAILED) \| .*$/gm)?.at(-1);
    if (line === undefined) {
      // No summary: the run itself broke (a module that does not load, a crash). Everything is worth seeing.
      return { ok: false, summary: "did not finish", details: output, passed: 0, failed: 1 };
    }
    const number = (label: string): number => Number(line.match(new RegExp(`(\\d+) ${label}`))?.[1] ?? 0);
    const passed: number = number("passed");
    const failed: number = number("failed");
    const ignored: number = number("ignored");
    const steps: string = line.match(/passed \((\d+ steps?)\)/)?.[1] ?? "";
    const summary = `${passed} passed${steps === "" ? "" : ` (${steps})`}, ${failed} failed` +
      (ignored > 0 ? `, ${ignored} ignored` : "");
    const errorsAt: number = stdout.search(/^ ERRORS $/m);
    const details: string = errorsAt >= 0 ? stdout.slice(errorsAt) : output;
    return { ok: success && line.startsWith("ok"), summary, details, passed, failed };
  };
}

async function publishDryRun(): Promise<Outcome> {
  const { success, output } = await deno(["publish", "--dry-run", "--allow-dirty"]);
  const files: number = output.split("\n").filter((line) => /^\s+file:\/\//.test(line)).length;
  const warnings: { code: string; file: string; text: string }[] = [];
  const blocks: string[] = output.split(/^(?=warning\[)/m).slice(1);
  for (const block of blocks) {
    const code: string = block.match(/^warning\[([\w-]+)\]/)?.[1] ?? "";
    const file: string = block.match(/-->\s+(\S+?):\d+/)?.[1] ?? "";
    const text: string = block.split(/^Simulating publish/m)[0].trimEnd();
    warnings.push({ code, file: file.slice(file.lastIndexOf("/") + 1), text });
  }
  const unexpected = warnings.filter((w) =>
    !knownPublishWarnings.some((known) => known.code === w.code && known.file === w.file)
  );
  const known: number = warnings.length - unexpected.length;
  const note: string = known === 0 ? "" : `, ${known} known warning${known === 1 ? "" : "s"} (see .ci/check.ts)`;
  if (!success || unexpected.length > 0) {
    const details: string = success ? unexpected.map((w) => w.text).join("\n\n") : output;
    return { ok: false, summary: `${unexpected.length} unexpected warning(s)`, details };
  }
  return { ok: true, summary: `${files} files${note}`, details: output };
}

const steps: Step[] = [
  { title: "format (deno fmt --check)", run: simple(["fmt", "--check"], checkedFiles) },
  { title: "lint (deno lint)", run: simple(["lint"], checkedFiles) },
  {
    title: "type check (deno check)",
    run: simple(
      ["check", ...rootModules(), "tests/", "examples/", "bench/", ".ci/"],
      (output) => `${output.split("\n").filter((line) => line.startsWith("Check ")).length} modules`,
    ),
  },
  {
    // All the package's entry points together, as JSR documents them: a type one subpath uses may be exported
    // by another (the job queues' `Job` by `./job-queue`).
    title: "doc lint (deno doc --lint, every export)",
    run: simple(["doc", "--lint", ...packageExports()], () => `clean, ${packageExports().length} entry points`),
  },
  {
    title: "import cycles (.ci/import_cycles.ts)",
    run: simple(["run", "-A", ".ci/import_cycles.ts"], (output) => output.trim().split("\n").at(-1) ?? ""),
  },
  {
    title: "module rules (.ci/module_rules.ts)",
    run: simple(["run", "-A", ".ci/module_rules.ts"], (output) => output.trim().split("\n").at(-1) ?? ""),
  },
  {
    title: "tests and doc examples",
    run: testPass(["--allow-all", "--doc", "--parallel", "tests/", ...rootModules()]),
  },
  {
    // The test files whose subjects run in subprocesses (the examples, a remote import) are left out: the preload
    // does not reach a subprocess, so running them again would test nothing new.
    title: "tests without async-context hooks",
    run: testPass([
      "--allow-all",
      "--parallel",
      "--preload",
      "tests/fixtures/without_context_hooks.ts",
      ...inProcessTests(),
    ]),
  },
  { title: "publish dry run (deno publish --dry-run)", run: publishDryRun },
];

async function main(): Promise<number> {
  const width: number = Math.max(...steps.map((step) => step.title.length));
  const failures: { title: string; details: string }[] = [];
  let passed = 0;
  let failed = 0;
  for (const step of steps) {
    const start: number = performance.now();
    let outcome: Outcome;
    try {
      outcome = await step.run();
    } catch (error) {
      outcome = { ok: false, summary: "could not run", details: String((error as Error)?.stack ?? error) };
    }
    const seconds: string = ((performance.now() - start) / 1000).toFixed(1).padStart(5);
    console.log(`${outcome.ok ? "✓" : "✗"} ${step.title.padEnd(width)}  ${seconds} s  ${outcome.summary}`);
    passed += outcome.passed ?? 0;
    failed += outcome.failed ?? 0;
    if (!outcome.ok) failures.push({ title: step.title, details: outcome.details });
  }
  for (const { title, details } of failures) {
    console.log(`\n━━ ${title}: failed ━━\n${details.trimEnd()}`);
  }
  if (failures.length > 0) console.log(`\nfailed: ${failures.map((f) => f.title).join("; ")}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main());
}
