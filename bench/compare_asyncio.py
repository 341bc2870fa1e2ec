"""CPython asyncio side of bench/compare.ts: the same workloads, printed as one JSON object on stdout.

Run by compare.ts as `python3 bench/compare_asyncio.py [N] [SLEEPS] [PARKED] [ITEMS] [GATHERED]`; runnable alone
too.
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
ITEMS = int(sys.argv[4]) if len(sys.argv) > 4 else 200_000
GATHERED = int(sys.argv[5]) if len(sys.argv) > 5 else 100_000
QUEUE_MAXSIZE = 16
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


@types.coroutine
def generator_producer(queue, n):
    for i in range(n):
        yield from queue.put(i)
    yield from queue.put(-1)


@types.coroutine
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
    asyncio.run(queue_once(producer, consumer, maxsize, n // 10))  # warm-up
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(asyncio.run(queue_once(producer, consumer, maxsize, n)))
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
    asyncio.run(gather_once(make, n // 10))  # warm-up
    times = []
    for _ in range(RUNS):
        gc.collect()
        times.append(asyncio.run(gather_once(make, n)))
    return n / min(times)


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
    result["bytes_async"] = asyncio.run(parked_bytes(async_parked))
    result["bytes_generator"] = asyncio.run(parked_bytes(generator_parked))
    tracemalloc.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
