"""CPython asyncio side of bench/compare.ts: the same workloads, printed as one JSON object on stdout.

Run by compare.ts as

    python3 bench/compare_asyncio.py [N] [SLEEPS] [PARKED] [ITEMS] [GATHERED] [--loop=asyncio|uvloop] [--eager]
        [--runs=3]

and runnable alone too. `--loop=uvloop` runs every workload on uvloop's event loop; `--eager` (CPython 3.12+)
installs `asyncio.eager_task_factory` on each loop before its main task is created, so every task — the main
one, those of `create_task` and those `gather` wraps around coroutines — starts eagerly. `--runs` is how many
timed runs each throughput takes the best of (the 200k sleeps, seconds each, take the best of `runs - 1`, at
least 1).
"""

import argparse
import asyncio
import gc
import json
import random
import sys
import time
import tracemalloc
import types

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("n", type=int, nargs="?", default=100_000)
parser.add_argument("sleeps", type=int, nargs="?", default=200_000)
parser.add_argument("parked", type=int, nargs="?", default=100_000)
parser.add_argument("items", type=int, nargs="?", default=200_000)
parser.add_argument("gathered", type=int, nargs="?", default=100_000)
parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
parser.add_argument("--eager", action="store_true")
parser.add_argument("--runs", type=int, default=3)
ARGS = parser.parse_args()

N = ARGS.n
SLEEPS = ARGS.sleeps
PARKED = ARGS.parked
ITEMS = ARGS.items
GATHERED = ARGS.gathered
QUEUE_MAXSIZE = 16
BATCH = 1000
RUNS = max(1, ARGS.runs)

if ARGS.eager and not hasattr(asyncio, "eager_task_factory"):
    sys.exit(f"--eager needs CPython 3.12 or later (asyncio.eager_task_factory); this is {sys.version.split()[0]}")
if ARGS.loop == "uvloop":
    import uvloop

    new_loop = uvloop.new_event_loop
    LOOP_NAME = f"uvloop {uvloop.__version__}"
else:
    new_loop = asyncio.new_event_loop
    LOOP_NAME = "asyncio"


def loop_factory():
    loop = new_loop()
    if ARGS.eager:
        # On the loop before the runner creates the main task: the main task is eager too, as with
        # `asyncio.run(main(), loop_factory=...)` in 3.12.
        loop.set_task_factory(asyncio.eager_task_factory)
    return loop


def run(coro):
    """`asyncio.run(coro)` on a fresh loop of the chosen kind (with the eager factory when asked)."""
    if hasattr(asyncio, "Runner"):  # 3.11+
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            return runner.run(coro)
    # Before 3.11 (no Runner, so no eager tasks either): a policy picks the loop.
    if ARGS.loop == "uvloop":
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return asyncio.run(coro)


@types.coroutine
def _probe():
    yield


_probe_generator = _probe()
# CPython 3.12 stopped taking generator-based coroutines as tasks (`asyncio.iscoroutine` is False for them and
# `create_task` raises TypeError); `ensure_future` still wraps one in a coroutine, as `gather` does.
GENERATOR_TASKS = asyncio.iscoroutine(_probe_generator)
_probe_generator.close()


def task_coroutine(generator_function):
    """The generator-based coroutine function itself where `create_task` takes it (before 3.12), else a coroutine
    function awaiting it: one frame more, what `ensure_future` adds (its `_wrap_awaitable`)."""
    generator_function = types.coroutine(generator_function)
    if GENERATOR_TASKS:
        return generator_function

    async def wrapped(*args):
        return await generator_function(*args)

    return wrapped


async def async_worker():
    await asyncio.sleep(0)


@task_coroutine
def generator_worker():
    # A generator-based coroutine (Python's own image of `yield* sleep(0)`): `types.coroutine` is what
    # `@asyncio.coroutine` was before 3.11.
    yield from asyncio.sleep(0)


async def all_at_once(worker, n):
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    tasks = [loop.create_task(worker()) for _ in range(n)]
    for task in tasks:
        await task
    return time.perf_counter() - start


async def batched(worker, n):
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    for _ in range(n // BATCH):
        tasks = [loop.create_task(worker()) for _ in range(BATCH)]
        for task in tasks:
            await task
    return time.perf_counter() - start


def tasks_per_second(shape, worker, n):
    run(shape(worker, n // 10))  # warm-up
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(run(shape(worker, n)))
    return n / min(times)


async def sleeps(n):
    rng = random.Random(1)
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    tasks = [loop.create_task(asyncio.sleep(rng.random() * 0.5)) for _ in range(n)]
    for task in tasks:
        await task
    return time.perf_counter() - start


async def parked_bytes(make):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    tasks = []
    gc.collect()
    before, _ = tracemalloc.get_traced_memory()
    for _ in range(PARKED):
        tasks.append(loop.create_task(make(future)))
    await asyncio.sleep(0)  # every task takes its first step and parks on the future
    await asyncio.sleep(0)
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    future.set_result(None)
    for task in tasks:
        await task
    return (after - before) / PARKED


async def async_parked(future):
    await future


@task_coroutine
def generator_parked(future):
    yield from future


async def async_producer(queue, n):
    for i in range(n):
        await queue.put(i)
    await queue.put(-1)


async def async_consumer(queue):
    total = 0
    while True:
        item = await queue.get()
        if item < 0:
            return total
        total += item


@task_coroutine
def generator_producer(queue, n):
    for i in range(n):
        yield from queue.put(i)
    yield from queue.put(-1)


@task_coroutine
def generator_consumer(queue):
    total = 0
    while True:
        item = yield from queue.get()
        if item < 0:
            return total
        total += item


async def queue_once(producer, consumer, maxsize, n):
    # A producer task and a consumer task, awaited in turn by the main task (as compare.ts).
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue(maxsize)
    start = time.perf_counter()
    produced = loop.create_task(producer(queue, n))
    consumed = loop.create_task(consumer(queue))
    await produced
    total = await consumed
    elapsed = time.perf_counter() - start
    assert total == n * (n - 1) // 2, "the consumer lost an item"
    return elapsed


def items_per_second(producer, consumer, maxsize, n):
    run(queue_once(producer, consumer, maxsize, n // 10))  # warm-up
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(run(queue_once(producer, consumer, maxsize, n)))
    return n / min(times)


async def trivial_async():
    return 1


@types.coroutine
def trivial_generator():
    return 1
    yield  # a generator that returns at once


async def gather_once(make, n):
    start = time.perf_counter()
    results = await asyncio.gather(*[make() for _ in range(n)])
    elapsed = time.perf_counter() - start
    assert len(results) == n, "lost a task"
    return elapsed


def gathered_per_second(make, n):
    run(gather_once(make, n // 10))  # warm-up
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(run(gather_once(make, n)))
    return n / min(times)


def main():
    result = {
        "version": sys.version.split()[0],
        "executable": sys.executable,
        "loop": LOOP_NAME,
        "eager": ARGS.eager,
        "runs": RUNS,
        "generator_tasks_wrapped": not GENERATOR_TASKS,
        "n": N,
        "batch": BATCH,
        "async_all": tasks_per_second(all_at_once, async_worker, N),
        "async_batched": tasks_per_second(batched, async_worker, N),
        "generator_all": tasks_per_second(all_at_once, generator_worker, N),
        "generator_batched": tasks_per_second(batched, generator_worker, N),
    }
    result["sleeps_n"] = SLEEPS
    result["sleeps_seconds"] = min(run(sleeps(SLEEPS)) for _ in range(max(1, RUNS - 1)))
    result["items_n"] = ITEMS
    result["queue_maxsize"] = QUEUE_MAXSIZE
    result["queue_async_bounded"] = items_per_second(async_producer, async_consumer, QUEUE_MAXSIZE, ITEMS)
    result["queue_async_unbounded"] = items_per_second(async_producer, async_consumer, 0, ITEMS)
    result["queue_generator_bounded"] = items_per_second(generator_producer, generator_consumer, QUEUE_MAXSIZE, ITEMS)
    result["queue_generator_unbounded"] = items_per_second(generator_producer, generator_consumer, 0, ITEMS)
    result["gather_n"] = GATHERED
    result["gather_async"] = gathered_per_second(trivial_async, GATHERED)
    result["gather_generator"] = gathered_per_second(trivial_generator, GATHERED)
    tracemalloc.start()
    result["parked_n"] = PARKED
    result["bytes_async"] = run(parked_bytes(async_parked))
    result["bytes_generator"] = run(parked_bytes(generator_parked))
    tracemalloc.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
