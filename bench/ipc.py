"""Python twin of bench/ipc.mjs: the same measurements with multiprocessing, one per request.

Every measurement starts its children first and times the work only: children say "ready" on a control
queue and wait for an Event `go`; the clock starts at go.set() and stops when the parent has every
consumer's "done" (or the last reply). Method as research/PYTHON-PERF.md rows e, f, g, h.
"""
import multiprocessing as mp
import time

SENTINEL = -1


def _ctx(start):
    return mp.get_context(start)


# --- Queue (row e) ---------------------------------------------------------------------------------

def _queue_producer(q, control, go, n):
    control.put("ready")
    go.wait()
    for i in range(n):
        q.put(i)
    q.put(SENTINEL)


def _queue_consumer(q, control):
    control.put("ready")
    count = 0
    while True:
        item = q.get()
        if item == SENTINEL:
            break
        count += 1
    control.put(("done", count))


def queue(producers, consumers, n, start="fork"):
    ctx = _ctx(start)
    q, control, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    per = n // producers
    children = [ctx.Process(target=_queue_producer, args=(q, control, go, per)) for _ in range(producers)]
    children += [ctx.Process(target=_queue_consumer, args=(q, control)) for _ in range(consumers)]
    for p in children:
        p.start()
    for _ in children:
        control.get()
    t0 = time.perf_counter()
    go.set()
    got = sum(control.get()[1] for _ in range(consumers))
    t1 = time.perf_counter()
    for p in children:
        p.join()
    if got != per * producers:
        raise RuntimeError(f"consumers got {got} items, expected {per * producers}")
    return {"ms": (t1 - t0) * 1000.0}


# --- Pipe (row f) ----------------------------------------------------------------------------------

def _pipe_echo(conn):
    while True:
        message = conn.recv()
        if message is None:
            break
        conn.send(message)


def pipe_rtt(n, warmup, start="fork"):
    """Round trips of a small message with send()/recv() to an echoing child: median and p99 in ms."""
    ctx = _ctx(start)
    a, b = ctx.Pipe()
    p = ctx.Process(target=_pipe_echo, args=(b,))
    p.start()
    samples = []
    for i in range(warmup + n):
        t0 = time.perf_counter()
        a.send(i)
        a.recv()
        if i >= warmup:
            samples.append((time.perf_counter() - t0) * 1000.0)
    a.send(None)
    p.join()
    samples.sort()
    mid = len(samples) // 2
    median = samples[mid] if len(samples) % 2 else (samples[mid - 1] + samples[mid]) / 2
    p99 = samples[min(len(samples), max(1, -(-99 * len(samples) // 100))) - 1]
    return {"median": median, "p99": p99}


def _pipe_bytes_writer(conn, k, size):
    payload = bytearray(size)
    for i in range(0, size, 4096):
        payload[i] = i & 0xFF
    conn.send("ready")
    conn.recv()
    for _ in range(k):
        conn.send_bytes(payload)


def pipe_bytes(k, size, start="fork"):
    """A child sends `k` messages of `size` bytes with send_bytes() on a duplex Pipe; the parent reads them."""
    ctx = _ctx(start)
    a, b = ctx.Pipe()
    p = ctx.Process(target=_pipe_bytes_writer, args=(b, k, size))
    p.start()
    a.recv()
    t0 = time.perf_counter()
    a.send("go")
    total = 0
    for _ in range(k):
        total += len(a.recv_bytes())
    t1 = time.perf_counter()
    p.join()
    if total != k * size:
        raise RuntimeError(f"got {total} bytes, expected {k * size}")
    return {"ms": (t1 - t0) * 1000.0}


# --- Lock, Manager lock, Value (rows g, h) ---------------------------------------------------------

def _lock_contender(lock, control, go, m):
    control.put("ready")
    go.wait()
    acquire, release = lock.acquire, lock.release
    for _ in range(m):
        acquire()
        release()
    control.put(("done", m))


def _value_incrementer(value, lock, control, go, m):
    control.put("ready")
    go.wait()
    for _ in range(m):
        with lock:
            value.value += 1
    control.put(("done", m))


def _contend(ctx, target, args_of, contenders):
    control, go = ctx.Queue(), ctx.Event()
    children = [ctx.Process(target=target, args=args_of(control, go)) for _ in range(contenders)]
    for p in children:
        p.start()
    for _ in children:
        control.get()
    t0 = time.perf_counter()
    go.set()
    for _ in children:
        control.get()
    t1 = time.perf_counter()
    for p in children:
        p.join()
    return (t1 - t0) * 1000.0


def lock(m, contenders=2, start="fork"):
    """mp.Lock (a semaphore in OS shared memory): `contenders` processes doing `m` pairs each."""
    ctx = _ctx(start)
    lk = ctx.Lock()
    return {"ms": _contend(ctx, _lock_contender, lambda c, g: (lk, c, g, m), contenders)}


def manager_lock(m, contenders=2, start="fork"):
    """Manager().Lock(): every acquire and release is a request to the manager process."""
    ctx = _ctx(start)
    with ctx.Manager() as manager:
        lk = manager.Lock()
        return {"ms": _contend(ctx, _lock_contender, lambda c, g: (lk, c, g, m), contenders)}


def value(m, contenders=2, start="fork"):
    """mp.Value('i') incremented under its own lock (shared memory)."""
    ctx = _ctx(start)
    v = ctx.Value("i", 0)
    ms = _contend(ctx, _value_incrementer, lambda c, g: (v, v.get_lock(), c, g, m), contenders)
    if v.value != m * contenders:
        raise RuntimeError(f"value is {v.value}, expected {m * contenders}")
    return {"ms": ms}


def manager_value(m, contenders=2, start="fork"):
    """Manager().Value('i') under a Manager().Lock(): acquire, get, set, release are 4 requests."""
    ctx = _ctx(start)
    with ctx.Manager() as manager:
        v, lk = manager.Value("i", 0), manager.Lock()
        ms = _contend(ctx, _value_incrementer, lambda c, g: (v, lk, c, g, m), contenders)
        if v.value != m * contenders:
            raise RuntimeError(f"value is {v.value}, expected {m * contenders}")
        return {"ms": ms}


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    from twin import serve

    serve({
        "queue": queue,
        "pipe_rtt": pipe_rtt,
        "pipe_bytes": pipe_bytes,
        "lock": lock,
        "manager_lock": manager_lock,
        "value": value,
        "manager_value": manager_value,
    })
