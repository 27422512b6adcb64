"""Python twin of bench/pool.mjs: multiprocessing.Pool doing the same work, one measurement per request.

Every measurement but `first_result` starts its pool first and times the work only: the pool runs one
tiny task per worker before the clock starts. Methods as research/PYTHON-PERF.md rows (a)-(c). The task
functions live at the top level (workers find them by name); the top level stays light.
"""
import multiprocessing as mp
import time


def inc(x):
    return x + 1


def spin(iterations):
    """The busy loop of bench/fixtures/pool-work.mjs."""
    x = 0
    for i in range(iterations):
        x = (x + i * i) % 1000003
    return x


def echo(payload):
    return payload


def _started(workers, start):
    pool = mp.get_context(start).Pool(workers)
    pool.map(inc, range(workers), chunksize=1)
    return pool


def _ended(pool):
    pool.terminate()
    pool.join()


def _ms(t0):
    return (time.perf_counter() - t0) * 1000.0


def first_result(workers, start="fork"):
    """Pool(workers) then its first apply() result (row d); the pool ends after the clock stops."""
    t0 = time.perf_counter()
    pool = mp.get_context(start).Pool(workers)
    pool.apply(inc, (1,))
    ms = _ms(t0)
    _ended(pool)
    return {"first": ms}


def tiny(n, how, workers, start="fork"):
    """`n` tasks x -> x + 1: map with its default chunksize ("map"), map chunksize=1 ("map1"), or
    apply_async for every item at once then get() them all ("apply_async")."""
    items = range(n)
    pool = _started(workers, start)
    try:
        t0 = time.perf_counter()
        if how == "map":
            out = pool.map(inc, items)
        elif how == "map1":
            out = pool.map(inc, items, chunksize=1)
        elif how == "apply_async":
            pending = [pool.apply_async(inc, (x,)) for x in items]
            out = [r.get() for r in pending]
        else:
            raise ValueError(f"unknown way {how!r}")
        ms = _ms(t0)
    finally:
        _ended(pool)
    if sum(out) != n * (n + 1) // 2:
        raise RuntimeError("wrong results")
    return {"ms": ms}


def round_trips(n, warmup, workers, start="fork"):
    """Sequential apply() round trips; every sample in ms (the caller summarizes them)."""
    pool = _started(workers, start)
    try:
        samples = []
        for i in range(warmup + n):
            t0 = time.perf_counter()
            if pool.apply(inc, (i,)) != i + 1:
                raise RuntimeError("wrong result")
            if i >= warmup:
                samples.append(_ms(t0))
    finally:
        _ended(pool)
    return {"samples": samples}


def calibrate(ms):
    """How many spin() steps take `ms` here (the median of 5 timings)."""
    n = 10000
    while True:
        t0 = time.perf_counter()
        spin(n)
        if _ms(t0) >= 5:
            break
        n *= 2
    rates = []
    for _ in range(5):
        t0 = time.perf_counter()
        spin(n)
        rates.append(n / _ms(t0))
    rates.sort()
    return {"iterations": int(rates[2] * ms)}


def cpu(k, iterations, workers, start="fork"):
    """`k` spin(iterations) tasks by map() (default chunksize) on `workers` workers."""
    pool = _started(workers, start)
    try:
        t0 = time.perf_counter()
        pool.map(spin, [iterations] * k)
        ms = _ms(t0)
    finally:
        _ended(pool)
    return {"ms": ms}


def echo_bytes(k, size, workers, start="fork"):
    """`k` sequential apply(echo, (payload,)) of `size` bytes (pickled both ways)."""
    payload = bytes(size)
    pool = _started(workers, start)
    try:
        t0 = time.perf_counter()
        for _ in range(k):
            payload = pool.apply(echo, (payload,))
        ms = _ms(t0)
    finally:
        _ended(pool)
    if len(payload) != size:
        raise RuntimeError("wrong size")
    return {"ms": ms}


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    from twin import serve

    serve({
        "first_result": first_result,
        "tiny": tiny,
        "round_trips": round_trips,
        "calibrate": calibrate,
        "cpu": cpu,
        "echo_bytes": echo_bytes,
    })
