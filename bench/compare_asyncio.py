"""CPython asyncio side of bench/compare.ts: the same workloads, printed as one JSON object on stdout.

Run by compare.ts as `python3 bench/compare_asyncio.py [N] [SLEEPS] [PARKED]`; runnable alone too.
"""

import asyncio
import gc
import json
import random
import sys
import time
import tracemalloc
import types

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SLEEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
PARKED = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
BATCH = 1000
RUNS = 3


async def async_worker():
    await asyncio.sleep(0)


@types.coroutine
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
    asyncio.run(shape(worker, n // 10))  # warm-up
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(asyncio.run(shape(worker, n)))
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


@types.coroutine
def generator_parked(future):
    yield from future


def main():
    result = {
        "version": sys.version.split()[0],
        "n": N,
        "batch": BATCH,
        "async_all": tasks_per_second(all_at_once, async_worker, N),
        "async_batched": tasks_per_second(batched, async_worker, N),
        "generator_all": tasks_per_second(all_at_once, generator_worker, N),
        "generator_batched": tasks_per_second(batched, generator_worker, N),
    }
    result["sleeps_n"] = SLEEPS
    result["sleeps_seconds"] = min(asyncio.run(sleeps(SLEEPS)) for _ in range(2))
    tracemalloc.start()
    result["parked_n"] = PARKED
    result["bytes_async"] = asyncio.run(parked_bytes(async_parked))
    result["bytes_generator"] = asyncio.run(parked_bytes(generator_parked))
    tracemalloc.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
