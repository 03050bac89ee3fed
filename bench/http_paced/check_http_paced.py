#!/usr/bin/env python3
"""Checks http_paced against a scripted HTTP/1.1 server whose answers are known.

    python3 bench/http_paced/check_http_paced.py build/release/bench/http_paced/http_paced

The server (asyncio, on 127.0.0.1, port chosen by the kernel) acts on the
request's path, so each case is one http_paced run with its own --path:

  /ok                   200 at once
  /delay/MS             200 after MS milliseconds
  /stall/AT/FOR         200 at once, except that whatever arrives between AT
                        and AT+FOR seconds after the case's first request is
                        held until AT+FOR (a server that stops for FOR s)
  /status/N             every Nth request gets 503, the others 200
  /chunked              200 with a chunked body
  /close                200 with "Connection: close", then the server closes
  /split                200 written in three pieces 2 ms apart
  /extra                200 followed by bytes nobody asked for

Each case states what a correct client must report; the figures that depend
on the machine have wide margins, the ones that tell a paced client from a
closed-loop one (the stall case) do not need tight ones. Exit 0 when every
case passed. Needs nothing but Python 3.
"""
import asyncio
import json
import subprocess
import sys
import threading
import time

BODY = b'{"sipUri":"sip:alice@example.com"}'


def response(status=200, extra_headers=b"", body=BODY):
    reason = b"OK" if status == 200 else b"Service Unavailable"
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (status, reason, len(body), extra_headers)) + body


class Server:
    def __init__(self):
        self.first = None  # monotonic time of a case's first request
        self.count = 0

    def reset(self):
        self.first = None
        self.count = 0

    async def handle(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                now = time.monotonic()
                if self.first is None:
                    self.first = now
                self.count += 1
                path = head.split(b" ", 2)[1].decode()
                parts = path.strip("/").split("/")
                kind = parts[0]
                if kind == "delay":
                    await asyncio.sleep(int(parts[1]) / 1000)
                    writer.write(response())
                elif kind == "stall":
                    at, hold = float(parts[1]), float(parts[2])
                    since = now - self.first
                    if at <= since < at + hold:
                        await asyncio.sleep(at + hold - since)
                    writer.write(response())
                elif kind == "status":
                    writer.write(response(503 if self.count % int(parts[1]) == 0 else 200))
                elif kind == "chunked":
                    half = len(BODY) // 2
                    writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
                                 % (half, BODY[:half], len(BODY) - half, BODY[half:]))
                elif kind == "close":
                    writer.write(response(extra_headers=b"Connection: close\r\n"))
                    await writer.drain()
                    writer.close()
                    return
                elif kind == "split":
                    data = response()
                    for piece in (data[:20], data[20:60], data[60:]):
                        writer.write(piece)
                        await writer.drain()
                        await asyncio.sleep(0.002)
                elif kind == "extra":
                    writer.write(response() + b"HTTP/1.1 200 OK\r\n")
                else:
                    writer.write(response())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def start_server():
    """Runs the server on its own thread; returns (server, port)."""
    server = Server()
    ready = threading.Event()
    box = {}

    def run():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        srv = loop.run_until_complete(asyncio.start_server(server.handle, "127.0.0.1", 0, backlog=1024))
        box["port"] = srv.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()

    threading.Thread(target=run, daemon=True).start()
    ready.wait()
    return server, box["port"]


def run_client(binary, port, path, rate, duration, connections=20, warmup=0.5, timeout=2.0, extra=()):
    args = [binary, f"--port={port}", f"--path={path}", f"--rate={rate}", f"--duration={duration}",
            f"--warmup={warmup}", f"--connections={connections}", f"--timeout={timeout}", "--json", *extra]
    done = subprocess.run(args, capture_output=True, text=True, timeout=duration + warmup + timeout + 30)
    result = json.loads(done.stdout) if done.stdout.strip().startswith("{") else {}
    return done.returncode, result, done.stderr


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    server, port = start_server()
    failures = 0

    def case(name, path, checks, **kw):
        nonlocal failures
        server.reset()
        code, r, err = run_client(binary, port, path, **kw)
        lat = r.get("latency_us", {})
        svc = r.get("service_us", {})
        print(f"-- {name}: exit {code}, ok {r.get('ok')}, failed {r.get('failed')} "
              f"(non-200 {r.get('non_200')}, errors {r.get('errors')}, timeouts {r.get('timeouts')}), "
              f"rate {r.get('rate_achieved')}/{r.get('rate_asked')}, latency p50/p90/p99/max {lat.get('p50')}/"
              f"{lat.get('p90')}/{lat.get('p99')}/{lat.get('max')} us, from write p90 {svc.get('p90')} us, "
              f"reconnects {r.get('reconnects')}" + (f", first error: {r.get('first_error')}" if r.get("first_error") else ""))
        if err.strip():
            print("   stderr: " + err.strip())
        for text, ok in checks(code, r):
            if not ok:
                failures += 1
            print(f"   {'ok  ' if ok else 'FAIL'} {text}")

    def accounted(r):
        return r.get("ok", 0) + r.get("failed", 0) == r.get("requests", -1)

    case("plain 200s", "/ok", lambda code, r: [
        ("exit 0", code == 0),
        ("every request of the window accounted for, all ok", accounted(r) and r["failed"] == 0),
        ("1,500 requests asked (500/s for 3 s)", r.get("requests") == 1500),
        ("rate held", r.get("rate_achieved", 0) >= 0.95 * 500),
    ], rate=500, duration=3)

    case("2 ms per response", "/delay/2", lambda code, r: [
        ("exit 0", code == 0),
        ("p50 at least the server's 2 ms", r["latency_us"]["p50"] >= 2000),
        ("p50 under 20 ms (the server's 2 ms plus this machine's jitter)", r["latency_us"]["p50"] < 20000),
    ], rate=500, duration=3)

    # The server stops for 1 s in the middle of a 4 s window (1.5 s after
    # the first request, warm-up 0.5 s). Every request due in that second
    # waits for its end: about a quarter of the window, with latencies
    # spread evenly from ~1 s down to 0, so p90 is about 0.6 s. A
    # closed-loop count (from the write) sees only the 20 requests that were
    # on the wire: under 2 % of the 2,000, so its p90 stays small.
    case("server stalls 1 s (coordinated omission)", "/stall/1.5/1", lambda code, r: [
        ("exit 0 (slow is not failed: the timeout is 5 s)", code == 0),
        ("p90 from due time >= 400 ms", r["latency_us"]["p90"] >= 400_000),
        ("max from due time >= 900 ms", r["latency_us"]["max"] >= 900_000),
        ("p90 from write < 100 ms (what wrk would have shown)", r["service_us"]["p90"] < 100_000),
        ("requests waited for a free connection", r.get("most_waiting", 0) > 100),
    ], rate=500, duration=4, timeout=5)

    case("server stalls 3 s, timeout 1 s", "/stall/1/3", lambda code, r: [
        ("exit 1", code == 1),
        ("timeouts counted", r.get("timeouts", 0) > 0),
        ("every request of the window accounted for", accounted(r)),
    ], rate=500, duration=4, timeout=1)

    case("every 100th response is 503", "/status/100", lambda code, r: [
        ("exit 1", code == 1),
        ("about 1 % non-200 (15 of 1,500, +-5)", 10 <= r.get("non_200", 0) <= 20),
        ("first bad status 503", r.get("first_bad_status") == 503),
        ("every request of the window accounted for", accounted(r)),
    ], rate=500, duration=3)

    case("chunked bodies", "/chunked", lambda code, r: [
        ("exit 0", code == 0),
        ("all ok", r.get("ok") == r.get("requests")),
    ], rate=500, duration=2)

    case("Connection: close on every response", "/close", lambda code, r: [
        ("exit 0", code == 0),
        ("all ok", r.get("ok") == r.get("requests")),
        ("a reconnect per response", r.get("reconnects", 0) >= r.get("requests", 1)),
    ], rate=200, duration=2)

    case("responses in three pieces", "/split", lambda code, r: [
        ("exit 0", code == 0),
        ("p50 at least the 4 ms the pieces take", r["latency_us"]["p50"] >= 4000),
    ], rate=200, duration=2)

    case("bytes after the response", "/extra", lambda code, r: [
        ("exit 1", code == 1),
        ("counted as errors", r.get("errors", 0) > 0),
        ("every request of the window accounted for", accounted(r)),
    ], rate=200, duration=2)

    # 2 connections, 10 ms a response: at most 200 responses/s, asked 1,000.
    case("rate out of reach (2 connections x 10 ms)", "/delay/10", lambda code, r: [
        ("exit 1", code == 1),
        ("achieved under 95 % of 1,000/s", r.get("rate_achieved", 1e9) < 950),
        ("achieved at most ~200/s", r.get("rate_achieved", 1e9) <= 210),
        ("latency from due time grows past 1 s", r["latency_us"]["max"] >= 1_000_000),
    ], rate=1000, duration=3, connections=2, timeout=5)

    code, _, err = run_client(binary, port, "/ok", 100, 1, extra=("--address=192.0.2.1",))
    ok = code == 2 and "loopback" in err
    failures += not ok
    print(f"-- a non-loopback address: exit {code}: {err.strip().splitlines()[0] if err.strip() else ''}\n   {'ok  ' if ok else 'FAIL'} refused, exit 2")

    print("all cases passed" if failures == 0 else f"{failures} check(s) FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
