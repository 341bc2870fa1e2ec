// The README tells the truth: its TypeScript samples run as a user would run them (outside the clone, importing
// "@aio/asyncio" through an import map, here mapped to this checkout), and its table from CPython's asyncio to
// this library has a row for every public name of `asyncio`.

import assert from "node:assert/strict";

const root: URL = new URL("../", import.meta.url);
const readme: string = Deno.readTextFileSync(new URL("README.md", root));

/** The ```ts blocks of the README that import the package. */
function samples(): string[] {
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]).filter((code) =>
    code.includes('from "@aio/asyncio"')
  );
}

async function runSample(code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir: string = await Deno.makeTempDir({ prefix: "readme_sample_" });
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: { "@aio/asyncio": `${root.href}mod.ts` } }));
    // The thread sample's jobs.ts: the example's functions, importing the package as a user's module would.
    const jobs: string = Deno.readTextFileSync(new URL("examples/thread_jobs.ts", root));
    await Deno.writeTextFile(`${dir}/jobs.ts`, jobs.replace('from "../mod.ts"', 'from "@aio/asyncio"'));
    await Deno.writeTextFile(`${dir}/main.ts`, code);
    const output: Deno.CommandOutput = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--quiet", "main.ts"],
      cwd: dir,
      stdin: "null",
      env: { NO_COLOR: "1" },
    }).output();
    const decoder = new TextDecoder();
    return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("README: the first program runs outside the clone and prints what its comments say", async () => {
  const [first] = samples();
  assert.ok(first !== undefined, "no sample imports @aio/asyncio");
  const run = await runSample(first);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, "");
  const lines: string[] = run.stdout.trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 4), [
    "Waiting: 1",
    "Waiting: 5",
    "Waiting: 8",
    '[ "slept 1 units", "slept 5 units", "slept 8 units" ]',
  ]);
  assert.match(lines[4], /^TIME: \d+\.\d units$/);
  assert.deepEqual(lines.slice(5), ["cleaned up", "timed out after 2 units"]);
});

Deno.test("README: the threads sample runs: a plain callback blocks the thread's loop, then the coroutine runs", async () => {
  const sample: string | undefined = samples().find((code) => code.includes("LoopThread"));
  assert.ok(sample !== undefined, "no threads sample");
  const run = await runSample(sample);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.equal(run.stderr, "");
  assert.equal(run.stdout, "first second\n");
});

/** CPython 3.12's `asyncio.__all__` beyond 3.11's, and the names only Windows exports. */
const beyondPython311: string[] = [
  "TaskGroup", // in asyncio.__all__ from 3.12 (3.11 exported it, but left it out of __all__)
  "eager_task_factory",
  "create_eager_task_factory",
  "ProactorEventLoop",
  "IocpProactor",
  "WindowsSelectorEventLoopPolicy",
  "WindowsProactorEventLoopPolicy",
];

async function python311Names(): Promise<string[] | null> {
  try {
    const output: Deno.CommandOutput = await new Deno.Command("python3", {
      args: ["-c", "import asyncio; print('\\n'.join(asyncio.__all__))"],
      stdin: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim().split("\n") : null;
  } catch {
    return null;
  }
}

Deno.test("README: the table from CPython's asyncio names every public name of asyncio.__all__", async (t) => {
  const names: string[] | null = await python311Names();
  if (names === null) {
    await t.step({ name: "python3 is not installed: skipped", ignore: true, fn: () => {} });
    return;
  }
  const start: number = readme.indexOf("## CPython `asyncio` → this library");
  const end: number = readme.indexOf("\n## ", start + 1);
  assert.ok(start >= 0, "no table section");
  const table: string = readme.slice(start, end);
  const missing: string[] = [...new Set([...names, ...beyondPython311])].filter((name) =>
    !new RegExp("`" + name + "`").test(table)
  );
  assert.deepEqual(missing, [], `names missing from the table: ${missing.join(", ")}`);
});
