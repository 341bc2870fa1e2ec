// The downloader of the tutorial's application section (examples/_downloader.ts, run by
// examples/16_image_downloader.ts), against the loopback image server of examples/_image_server.ts. No test waits
// for a state by sleeping: the server's `until()` and the downloader's progress callback say when a state is
// reached; the directory is polled (with a deadline) only where another process writes it.

import assert from "node:assert/strict";
import { CancelledError, type EventLoop, newEventLoop, type Task } from "../mod.ts";
import {
  downloadAll,
  type DownloadOutcome,
  type DownloadReport,
  fileNameOf,
  formatProgress,
  type Progress,
} from "../examples/_downloader.ts";
import { type ImageServer, type ImageServerStats, makeImage, serveImages } from "../examples/_image_server.ts";
import { parseArguments } from "../examples/16_image_downloader.ts";

/** Runs `body` with a fresh loop, a server and a temporary directory, and cleans all three up. */
async function withSetup(
  serverOptions: Parameters<typeof serveImages>[0],
  body: (loop: EventLoop, server: ImageServer, dir: string) => Promise<void>,
): Promise<void> {
  const loop: EventLoop = newEventLoop();
  const server: ImageServer = serveImages(serverOptions);
  const dir: string = await Deno.makeTempDir({ prefix: "downloader_test_" });
  try {
    await body(loop, server, dir);
  } finally {
    loop.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function filesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}

function okOutcome(outcome: DownloadOutcome): Extract<DownloadOutcome, { ok: true }> {
  assert.ok(outcome.ok, `${outcome.url} failed: ${outcome.ok ? "" : outcome.error}`);
  return outcome;
}

Deno.test("downloadAll() saves every file complete, byte for byte what the server sent, and no temporary file", async () => {
  await withSetup({ count: 6 }, async (loop, server, dir) => {
    const seen: Progress[] = [];
    const report: DownloadReport = await loop.runUntilComplete(() =>
      downloadAll(server.imageUrls, { dir, limit: 3, onProgress: (p) => seen.push(p) })
    );
    assert.equal(report.outcomes.length, 6);
    for (const [i, outcome] of report.outcomes.entries()) {
      const saved = okOutcome(outcome);
      assert.equal(saved.url, server.imageUrls[i], "outcomes come in the order of the URLs");
      assert.deepEqual(await Deno.readFile(saved.path), server.image(i + 1));
      assert.equal(saved.bytes, server.image(i + 1).length);
    }
    assert.deepEqual(filesIn(dir), ["1.bmp", "2.bmp", "3.bmp", "4.bmp", "5.bmp", "6.bmp"].sort());
    // The progress counts only grow, and end at the totals.
    const total: number = server.imageUrls.reduce((sum, _, i) => sum + server.image(i + 1).length, 0);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].bytesDone >= seen[i - 1].bytesDone);
    const last: Progress = seen.at(-1)!;
    assert.deepEqual(
      [last.filesDone, last.filesFailed, last.bytesDone, last.bytesTotal, last.sizesKnown],
      [6, 0, total, total, 6],
    );
    assert.match(formatProgress(last), /^files 6\/6 {2}bytes [\d.]+ kB\/[\d.]+ kB {2}[\d.]+ [kMG]?B\/s$/);
    assert.equal(server.stats.completed, 6);
  });
});

Deno.test("downloadAll() runs at most `limit` downloads at once: neither the server nor fetch ever sees more, and both see that many", async () => {
  const limit = 3;
  const total = 10;
  let server: ImageServer | null = null;
  // Each answer waits until `limit` requests are in flight (or all that are left), so a correct bound reaches
  // exactly `limit` on the server.
  const gate = async (): Promise<void> => {
    await server!.until((s: Readonly<ImageServerStats>) =>
      s.inFlight >= Math.min(limit, total - s.completed - s.abandoned) || s.maxInFlight > limit
    );
  };
  // On the client side, fetch calls made minus downloads ended: a missing bound issues all ten calls in the
  // same loop iteration, before any answer can come back (the server holds them), whatever the machine's speed.
  const realFetch: typeof fetch = globalThis.fetch;
  let calls = 0;
  let ended = 0;
  let maxCalling = 0;
  globalThis.fetch = (input, init) => {
    calls++;
    maxCalling = Math.max(maxCalling, calls - ended);
    return realFetch(input, init);
  };
  try {
    await withSetup({ count: total, beforeAnswer: gate }, async (loop, running, dir) => {
      server = running;
      const report: DownloadReport = await loop.runUntilComplete(() =>
        downloadAll(running.imageUrls, {
          dir,
          limit,
          timeoutMs: 20_000,
          onProgress: (p) => ended = p.filesDone + p.filesFailed,
        })
      );
      for (const outcome of report.outcomes) okOutcome(outcome);
      assert.equal(maxCalling, limit, "fetch calls in flight at once");
      assert.equal(running.stats.maxInFlight, limit, "requests the server answered at once");
      assert.equal(running.stats.requests, total);
    });
  } finally {
    globalThis.fetch = realFetch;
  }
});

Deno.test("downloadAll(): a 404, a server that never answers and one that stops mid-body are reported; the others do not wait for them", async () => {
  await withSetup({ count: 4 }, async (loop, server, dir) => {
    const urls: string[] = [
      `${server.url}missing.bmp`,
      `${server.url}slow.bmp`,
      `${server.url}stall/1.bmp`,
      ...server.imageUrls,
    ];
    let doneWhileStuck = -1;
    const report: DownloadReport = await loop.runUntilComplete(() =>
      downloadAll(urls, {
        dir,
        limit: 3,
        timeoutMs: 2_000,
        onProgress(progress: Progress): void {
          // The two stuck downloads hold two slots; the images pass through the third before either times out.
          if (progress.filesDone === 4 && doneWhileStuck < 0) doneWhileStuck = progress.filesFailed;
        },
      })
    );
    const errors: (string | null)[] = report.outcomes.map((o) => o.ok ? null : o.error);
    assert.deepEqual(errors, [
      "HTTP 404 Not Found",
      "timed out after 2000 ms",
      "timed out after 2000 ms",
      null,
      null,
      null,
      null,
    ]);
    assert.equal(doneWhileStuck, 1, "the four images were saved while only the 404 had failed");
    // The half-written file of the stalled download is gone; only the complete images have names (the stalled
    // stall/1.bmp came first in the list, so it had the name 1.bmp, and the image 1 was given 1-2.bmp).
    assert.deepEqual(filesIn(dir), ["1-2.bmp", "2.bmp", "3.bmp", "4.bmp"]);
    // The time-outs aborted the requests: the server saw the stalled response abandoned.
    await server.until((s) => s.abandoned >= 1);
  });
});

Deno.test("cancelling downloadAll() aborts the requests in flight (the server sees them end), starts no more and leaves no partial file", async () => {
  await withSetup({ count: 5 }, async (loop, server, dir) => {
    const stalled: string[] = [1, 2, 3].map((i) => `${server.url}stall/${i}.bmp`);
    const halves: number = [1, 2, 3].reduce((sum, i) => sum + Math.floor(makeImage(i).length / 2), 0);
    let task: Task<DownloadReport> | null = null;
    let partialFiles: string[] = [];
    task = loop.createTask(() =>
      downloadAll([...stalled, ...server.imageUrls.slice(3)], {
        dir,
        limit: 3,
        timeoutMs: 60_000,
        onProgress(progress: Progress): void {
          // The three stalled downloads have written their first halves: cancel now, as Ctrl+C would.
          if (progress.bytesDone === halves && partialFiles.length === 0) {
            partialFiles = filesIn(dir);
            task!.cancel();
          }
        },
      })
    );
    await assert.rejects(loop.runUntilComplete(task), CancelledError);
    assert.equal(partialFiles.length, 3, `three temporary files while in flight, saw ${partialFiles}`);
    for (const name of partialFiles) assert.match(name, /^\.\d\.bmp\.[0-9a-f]{8}\.part$/);
    await server.until((s) => s.abandoned === 3 && s.inFlight === 0);
    assert.equal(server.stats.requests, 3, "the two queued downloads never sent a request");
    assert.deepEqual(filesIn(dir), [], "no partial file left");
  });
});

Deno.test("downloadAll() names files after the URL's last path segment, made safe and unique within the run", async () => {
  assert.equal(fileNameOf("http://h/a/b/cat%20pic.jpg?x=1"), "cat_pic.jpg");
  assert.equal(fileNameOf("http://h/"), "index");
  assert.equal(fileNameOf("http://h/..hidden"), "hidden");
  await withSetup({ count: 2 }, async (loop, server, dir) => {
    const url: string = server.imageUrls[0];
    const report: DownloadReport = await loop.runUntilComplete(() => downloadAll([url, url, url], { dir }));
    assert.deepEqual(report.outcomes.map((o) => okOutcome(o).path), [
      `${dir}/1.bmp`,
      `${dir}/1-2.bmp`,
      `${dir}/1-3.bmp`,
    ]);
  });
});

Deno.test("downloadAll() and the command line refuse a limit or time-out that makes no sense, naming the value", async () => {
  const loop: EventLoop = newEventLoop();
  try {
    await assert.rejects(
      loop.runUntilComplete(() => downloadAll([], { dir: "unused", limit: 0 })),
      (e) => e instanceof RangeError && e.message.includes("received 0"),
    );
    await assert.rejects(
      loop.runUntilComplete(() => downloadAll([], { dir: "unused", timeoutMs: -5 })),
      (e) => e instanceof RangeError && e.message.includes("received -5"),
    );
  } finally {
    loop.close();
  }
  assert.throws(() => parseArguments(["--limit", "2.5"]), (e) => e instanceof RangeError && /2\.5/.test(e.message));
  assert.throws(() => parseArguments(["--timeout=abc"]), (e) => e instanceof RangeError && /abc/.test(e.message));
  assert.throws(() => parseArguments(["--dir"]), (e) => e instanceof TypeError && /--dir/.test(e.message));
  assert.throws(() => parseArguments(["--fast"]), (e) => e instanceof TypeError && /--fast/.test(e.message));
  assert.throws(() => parseArguments(["not a url"]), TypeError);
  assert.deepEqual(parseArguments(["http://h/a.jpg", "--dir=d", "--limit", "2", "--timeout", "50"]), {
    urls: ["http://h/a.jpg"],
    dir: "d",
    limit: 2,
    timeoutMs: 50,
  });
});

/** Polls `condition` until it holds; fails after `deadlineMs`. For state that another process makes. */
async function pollUntil(what: string, condition: () => boolean, deadlineMs = 20_000): Promise<void> {
  const deadline: number = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("16_image_downloader: Ctrl+C (a real SIGINT) cancels every download, leaves no partial file and exits with 130", async () => {
  const server: ImageServer = serveImages({ count: 3 });
  const dir: string = await Deno.makeTempDir({ prefix: "downloader_sigint_" });
  try {
    const urls: string[] = [1, 2, 3].map((i) => `${server.url}stall/${i}.bmp`);
    const child: Deno.ChildProcess = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../examples/16_image_downloader.ts", import.meta.url).pathname,
        ...urls,
        "--dir",
        dir,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const stdout: Promise<string> = new Response(child.stdout).text();
    const stderr: Promise<string> = new Response(child.stderr).text();
    // Each download has its temporary file, with the first half written.
    await pollUntil("three partial files", () => {
      const names: string[] = filesIn(dir);
      return names.length === 3 && names.every((name) => Deno.statSync(`${dir}/${name}`).size > 0);
    });
    child.kill("SIGINT");
    const status: Deno.CommandStatus = await child.status;
    const out: string = await stdout;
    assert.equal(status.code, 130, `exit code ${status.code}\n${out}\n${await stderr}`);
    assert.match(out, /^interrupted: every download was cancelled, no partial file left$/m);
    assert.match(await stderr, /KeyboardInterrupt/);
    assert.deepEqual(filesIn(dir), [], "no partial file left");
    await server.until((s) => s.abandoned === 3 && s.inFlight === 0);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
