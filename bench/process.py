"""Python twin of bench/process.mjs: multiprocessing Process start-up, one measurement per request.

Same method as research/PYTHON-PERF.md row d: for each start method, a Process whose target sends one
message on a Pipe (start() -> first message -> join(); "cpu" is that child's user+system time), and a
Process(noop) start()+join().
"""
import multiprocessing as mp
import resource
import time


def children_cpu_ms():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (usage.ru_utime + usage.ru_stime) * 1000.0


def hello(conn):
    conn.send(None)


def noop():
    pass


def measure(method):
    ctx = mp.get_context(method)
    reader, writer = ctx.Pipe(duplex=False)
    p = ctx.Process(target=hello, args=(writer,))
    cpu0 = children_cpu_ms()
    t0 = time.perf_counter()
    p.start()
    t1 = time.perf_counter()
    reader.recv()
    t2 = time.perf_counter()
    p.join()
    t3 = time.perf_counter()
    cpu = children_cpu_ms() - cpu0
    writer.close()
    reader.close()
    if p.exitcode != 0:
        raise RuntimeError(f"child exited with {p.exitcode}")
    q = ctx.Process(target=noop)
    t4 = time.perf_counter()
    q.start()
    q.join()
    t5 = time.perf_counter()
    ms = lambda s: s * 1000.0
    return {"start": ms(t1 - t0), "first": ms(t2 - t0), "exit": ms(t3 - t0), "noop": ms(t5 - t4), "cpu": cpu}


if __name__ == "__main__":
    import os
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
    from twin import serve

    serve({"measure": measure})
