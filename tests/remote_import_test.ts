// The package as users get it without a clone: the repository served over loopback HTTP (TypeScript with its
// media type), examples run by URL (`deno run http://…/examples/…`), one of them starting a worker thread, and a
// program of its own that imports the package through an import map (`"@aio/asyncio": "http://…/mod.ts"`), as a
// dependency would — with a worker function of its own, run on a thread of the library.
//
// Each program runs in an empty directory (no deno.json of ours around it) with a fresh DENO_DIR (nothing cached).

import assert from "node:assert/strict";
import { compareOutput, type ExpectedItem, expectedOutput } from "../examples/_expected_output.ts";

const root: URL = new URL("../", import.meta.url);

const mediaTypes: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

/** Serves the repository's files read-only on a free loopback port. */
function serveRepository(): { base: string; requested: Set<string>; close: () => Promise<void> } {
  const requested = new Set<string>();
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request: Request): Promise<Response> => {
      const path: string = decodeURIComponent(new URL(request.url).pathname);
      const ext: string = path.slice(path.lastIndexOf("."));
      if (path.split("/").includes("..") || !(ext in mediaTypes)) return new Response("not found", { status: 404 });
      try {
        const body: Uint8Array<ArrayBuffer> = await Deno.readFile(new URL(`.${path}`, root));
        requested.add(path);
        return new Response(body, { headers: { "content-type": mediaTypes[ext] } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    requested,
    close: () => server.shutdown(),
  };
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno run -A <args>` in `cwd` with an empty DENO_DIR. */
async function denoRun(cwd: string, args: string[]): Promise<Result> {
  const cache: string = await Deno.makeTempDir({ prefix: "remote_import_cache_" });
  try {
    const output: Deno.CommandOutput = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--quiet", ...args],
      cwd,
      stdin: "null",
      env: { NO_COLOR: "1", DENO_DIR: cache },
    }).output();
    const decoder = new TextDecoder();
    return { code: output.code, stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

async function withServerAndDirectory(body: (base: string, dir: string, requested: Set<string>) => Promise<void>) {
  const server = serveRepository();
  const dir: string = await Deno.makeTempDir({ prefix: "remote_import_" });
  try {
    await body(server.base, dir, server.requested);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function assertExampleByUrl(name: string, mustLoad: string[]): Promise<void> {
  await withServerAndDirectory(async (base, dir, requested) => {
    const result: Result = await denoRun(dir, [`${base}/examples/${name}`]);
    assert.equal(result.code, 0, `exit code ${result.code}\n${result.stdout}\n${result.stderr}`);
    assert.equal(result.stderr, "", result.stderr);
    const expected: ExpectedItem[] | null = expectedOutput(await Deno.readTextFile(new URL(`examples/${name}`, root)));
    assert.ok(expected !== null);
    assert.equal(compareOutput(expected, result.stdout), null, result.stdout);
    for (const path of mustLoad) assert.ok(requested.has(path), `${path} was not loaded over HTTP`);
  });
}

Deno.test("an example runs by URL: deno run http://…/examples/03_concurrent_sleeps.ts prints its header's output", async () => {
  await assertExampleByUrl("03_concurrent_sleeps.ts", ["/examples/03_concurrent_sleeps.ts", "/mod.ts", "/task.ts"]);
});

Deno.test("an example that starts a worker thread runs by URL: the worker loads its bootstrap and the jobs over HTTP", async () => {
  await assertExampleByUrl("13_thread_coroutines.ts", [
    "/examples/13_thread_coroutines.ts",
    "/examples/thread_jobs.ts",
    "/_worker_bootstrap.ts",
  ]);
});

Deno.test("a program imports the package through an import map, as a dependency: @aio/asyncio → http://…/mod.ts", async () => {
  await withServerAndDirectory(async (base, dir, requested) => {
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ imports: { "@aio/asyncio": `${base}/mod.ts` } }));
    await Deno.writeTextFile(
      `${dir}/jobs.ts`,
      "export function square(x: number): number {\n  return x * x;\n}\n",
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { gather, run, sleep, toThread, workerModule } from "@aio/asyncio";
const jobs = workerModule<typeof import("./jobs.ts")>(new URL("./jobs.ts", import.meta.url));
const results = await run(async () => {
  const slept = await gather(sleep(20, "a"), sleep(10, "b"));
  return [...slept, await toThread(jobs.square, 7)];
});
console.log(JSON.stringify(results));
`,
    );
    const result: Result = await denoRun(dir, ["main.ts"]);
    assert.equal(result.code, 0, `exit code ${result.code}\n${result.stdout}\n${result.stderr}`);
    assert.equal(result.stdout, '["a","b",49]\n');
    assert.equal(result.stderr, "", result.stderr);
    assert.ok(requested.has("/mod.ts") && requested.has("/_worker_bootstrap.ts"), [...requested].join(", "));
  });
});
