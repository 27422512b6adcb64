"""The Python side of a benchmark's twin: serves measurements one at a time on stdin/stdout, so that the
JavaScript runner can interleave them with its own contenders in the same run (bench/lib/python.mjs).

Protocol: one JSON object per line. The twin first prints {"ready": true, "python": "3.11.7"}; then for
each request {"id": 1, "method": "name", "params": {...}} it prints {"id": 1, "result": ...} or
{"id": 1, "error": "..."}. It ends when stdin closes.
"""
import json
import platform
import sys
import traceback


def serve(handlers):
    out = sys.stdout
    out.write(json.dumps({"ready": True, "python": platform.python_version()}) + "\n")
    out.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            handler = handlers[request["method"]]
            reply = {"id": request["id"], "result": handler(**request.get("params", {}))}
        except Exception:
            reply = {"id": request["id"], "error": traceback.format_exc()}
        out.write(json.dumps(reply) + "\n")
        out.flush()
