#!/usr/bin/env python3
"""Abuse tests: the server held under load, faults and hostile input.

Run them with bench/abuse.sh (which builds the jar and raises the open-file
limit). Each test starts its own server with the container's JVM flags, is
bounded in time, prints what it tried and its result as numbers, and fails the
run when its condition does not hold. Python 3 stdlib only.

  soak     --soak-seconds (60) at 256 connections: zero socket errors, zero
           non-2xx, RSS stable (median VmRSS of the last 10 s within 10 % or
           16 MiB of the first 10 s, after a 10 s warm-up).
  fuzz     bench/Fuzz.java: >= 10,000 mutated requests over raw sockets, a valid
           one after every 100; the server never crashes or hangs.
  exhaust  5,000 idle connections held open; valid requests still succeed; the
           idle ones are closed at the idle timeout (IDLE_TIMEOUT_SECONDS=10 here).
  stop     SIGTERM during load (wrk, plus keep-alive clients that check every
           answer): no answer that had started fails, exit 0 within the
           shutdown timeout (SHUTDOWN_TIMEOUT_SECONDS=10 here).
"""
import argparse
import json
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

import benchlib as bl

RESULTS = {}


def check(ok, what):
    print(f"  {'PASS' if ok else 'FAIL'}: {what}", flush=True)
    return ok


def rss_mib(proc):
    return proc.status_kib("VmRSS") / 1024


# ---------------------------------------------------------------------------- soak

def soak(args):
    seconds = args.soak_seconds
    print(f"== soak: {seconds} s of wrk at 256 keep-alive connections on /hello, VmRSS sampled every second")
    proc = bl.start_server(name="abuse-soak")
    try:
        proc.wait_ready(timeout=120)
        bl.wrk(proc.port, 256, 10)  # warm-up: JIT and heap sizing settle first (not counted)
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.wait(1.0):
                samples.append(rss_mib(proc))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        r = bl.wrk(proc.port, 256, seconds)
        stop.set()
        sampler.join()
        alive = proc.popen.poll() is None
    finally:
        code = proc.stop()
    first, last = statistics.median(samples[:10]), statistics.median(samples[-10:])
    print(f"  requests {r['requests']} ({r['rps']:.0f}/s), socket errors {r['socket_errors']} "
          f"(connect {r['connect']}, read {r['read']}, write {r['write']}, timeout {r['timeout']}), "
          f"non-2xx {r['status']}, p99 {r['p99_us'] / 1000:.2f} ms")
    print(f"  VmRSS MiB: first 10 s median {first:.1f}, last 10 s median {last:.1f}, "
          f"min {min(samples):.1f}, max {max(samples):.1f} ({len(samples)} samples); exit code {code}")
    RESULTS["soak"] = {"wrk": r, "rss_mib": samples, "exit_code": code}
    ok = check(r["socket_errors"] == 0, "zero socket errors")
    ok &= check(r["status"] == 0, "zero non-2xx answers")
    ok &= check(last <= max(first * 1.10, first + 16), "RSS stable (last 10 s within 10 % or 16 MiB of first 10 s)")
    ok &= check(alive and code == 0, "server alive at the end, exit 0 on SIGTERM")
    return ok


# ---------------------------------------------------------------------------- fuzz

def fuzz(args):
    print(f"== fuzz: bench/Fuzz.java --seed {args.seed} --count {args.fuzz_count}")
    proc = bl.start_server(name="abuse-fuzz")
    try:
        proc.wait_ready(timeout=120)
        start_rss = rss_mib(proc)
        res = subprocess.run([bl.java_bin(), str(bl.BENCH_DIR / "Fuzz.java"), "--port", str(proc.port),
                              "--seed", str(args.seed), "--count", str(args.fuzz_count)],
                             capture_output=True, text=True, timeout=900)
        print("\n".join("  " + line for line in res.stdout.splitlines()))
        if res.stderr.strip():
            print("  stderr: " + res.stderr.strip()[-2000:])
        alive = proc.popen.poll() is None
        status, body = bl.http_get(proc.port) if alive else (0, b"")
        end_rss = rss_mib(proc)
    finally:
        code = proc.stop()
    print(f"  after the fuzzer: server alive {alive}, GET /hello -> {status} {body!r}, "
          f"VmRSS {start_rss:.1f} -> {end_rss:.1f} MiB, exit code {code}")
    RESULTS["fuzz"] = {"exit": res.returncode, "alive": alive, "exit_code": code,
                       "last_line": res.stdout.strip().splitlines()[-1] if res.stdout.strip() else ""}
    ok = check(res.returncode == 0, "fuzzer: no failure, no hang, every valid request answered 'Hello world'")
    ok &= check(alive and status == 200 and body == b"Hello world", "server alive and serving (crashes: 0)")
    ok &= check(code == 0, "exit 0 on SIGTERM")
    return ok


# ---------------------------------------------------------------------------- exhaust

def exhaust(args):
    n, idle = args.idle_connections, args.idle_timeout
    print(f"== exhaust: {n} idle connections (no bytes sent) held open, IDLE_TIMEOUT_SECONDS={idle}")
    proc = bl.start_server(name="abuse-exhaust", env={"IDLE_TIMEOUT_SECONDS": str(idle)})
    socks = []
    try:
        proc.wait_ready(timeout=120)
        t_open = time.monotonic()
        refused = 0
        for _ in range(n):
            s = socket.socket()
            s.setblocking(True)
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", proc.port))
                socks.append(s)
            except OSError:
                refused += 1
                s.close()
        opened_at = time.monotonic()
        print(f"  opened {len(socks)} connections in {opened_at - t_open:.2f} s ({refused} failed to connect)")
        # A watcher records when the server closes each one, from now until the deadline,
        # while this thread sends valid requests.
        closed_after, early = [], []
        deadline = opened_at + idle + args.idle_slack

        def watch():
            sel = selectors.DefaultSelector()
            for s in socks:
                s.setblocking(False)
                sel.register(s, selectors.EVENT_READ)
            while len(closed_after) < len(socks) and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=0.1):
                    try:
                        data = key.fileobj.recv(4096)
                    except OSError:
                        data = b""
                    if data:
                        continue  # an answer would be odd for a silent connection; wait for the close
                    now = time.monotonic()
                    if now - t_open < idle - 0.5:
                        early.append(now - t_open)
                    closed_after.append(now - opened_at)
                    sel.unregister(key.fileobj)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        valid_ok, valid_lat = 0, []
        for _ in range(args.valid_during):
            t0 = time.monotonic()
            try:
                status, body = bl.http_get(proc.port, timeout=5)
                valid_ok += status == 200 and body == b"Hello world"
            except OSError:
                pass
            valid_lat.append(time.monotonic() - t0)
        r = bl.wrk(proc.port, 64, 3)
        print(f"  with them open: {valid_ok}/{args.valid_during} valid GET /hello answered 'Hello world' "
              f"(slowest {max(valid_lat) * 1000:.1f} ms); wrk 64 conns 3 s: {r['requests']} requests, "
              f"errors {r['socket_errors'] + r['status']} (done {time.monotonic() - opened_at:.1f} s after opening)")
        watcher.join(idle + args.idle_slack + 5)
        early = len(early)
        still_open = len(socks) - len(closed_after)
        alive = proc.popen.poll() is None
        status, body = bl.http_get(proc.port) if alive else (0, b"")
    finally:
        for s in socks:
            s.close()
        code = proc.stop()
    closed_after.sort()
    if closed_after:
        print(f"  closed by the server: {len(closed_after)}/{len(socks)}; seconds after the last one was opened: "
              f"first {closed_after[0]:.2f}, median {statistics.median(closed_after):.2f}, "
              f"last {closed_after[-1]:.2f} (idle timeout {idle} s); closed too early: {early}; still open "
              f"{idle + args.idle_slack} s later: {still_open}")
    else:
        print(f"  closed by the server: 0/{len(socks)}")
    print(f"  afterwards GET /hello -> {status}; exit code {code}")
    RESULTS["exhaust"] = {"opened": len(socks), "refused": refused, "valid_ok": valid_ok,
                          "valid_sent": args.valid_during, "wrk": r, "closed": len(closed_after),
                          "closed_after_s": closed_after[:1] + closed_after[-1:], "early": early,
                          "still_open": still_open, "exit_code": code}
    ok = check(len(socks) == n, f"all {n} connections accepted")
    ok &= check(valid_ok == args.valid_during and r["socket_errors"] + r["status"] == 0,
                "valid requests succeed while they are held")
    ok &= check(still_open == 0 and early == 0, f"every idle connection closed at the idle timeout (not before, "
                                                f"not later than {args.idle_slack} s after)")
    ok &= check(alive and status == 200 and code == 0, "server alive afterwards, exit 0 on SIGTERM")
    return ok


# ---------------------------------------------------------------------------- stop

class CheckingClient(threading.Thread):
    """A keep-alive client that sends GET /hello in a loop and classifies every answer:
    ok (200 'Hello world'), not-started (connection closed or refused before any byte
    of an answer: the server never took the request, a client may retry it), or
    broken (a partial answer, a non-200, a reset after answer bytes)."""

    def __init__(self, port, stop_event):
        super().__init__(daemon=True)
        self.port, self.stop_event = port, stop_event
        self.ok = self.not_started = self.refused = self.broken = 0
        self.problems = []

    def run(self):
        req = b"GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        while not self.stop_event.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            except OSError:
                self.refused += 1
                time.sleep(0.01)
                continue
            with s:
                f = s.makefile("rb")
                while not self.stop_event.is_set():
                    try:
                        s.sendall(req)
                    except OSError:
                        self.not_started += 1
                        break
                    got_bytes = False
                    try:
                        line = f.readline()
                        if not line:
                            self.not_started += 1
                            break
                        got_bytes = True
                        status = int(line.split()[1])
                        length, close = None, False
                        while True:
                            h = f.readline()
                            if h in (b"\r\n", b""):
                                break
                            name, _, value = h.decode("latin-1").partition(":")
                            if name.strip().lower() == "content-length":
                                length = int(value.strip())
                            if name.strip().lower() == "connection" and "close" in value.lower():
                                close = True
                        body = f.read(length) if length is not None else b""
                        if status == 200 and body == b"Hello world":
                            self.ok += 1
                        else:
                            self.broken += 1
                            self.problems.append(f"{status} {body[:40]!r}")
                        if close:
                            break
                    except (OSError, ValueError, IndexError) as e:
                        if got_bytes:
                            self.broken += 1
                            self.problems.append(repr(e))
                        else:
                            self.not_started += 1
                        break


def stop(args):
    timeout = args.shutdown_timeout
    print(f"== stop: SIGTERM after {args.stop_after} s of load (wrk 256 connections + {args.checking_clients} "
          f"checking keep-alive clients), SHUTDOWN_TIMEOUT_SECONDS={timeout}")
    proc = bl.start_server(name="abuse-stop", env={"SHUTDOWN_TIMEOUT_SECONDS": str(timeout)})
    proc.wait_ready(timeout=120)
    stop_event = threading.Event()
    clients = [CheckingClient(proc.port, stop_event) for _ in range(args.checking_clients)]
    wrk_result = {}

    def run_wrk():
        wrk_result.update(bl.wrk(proc.port, 256, args.stop_after + timeout + 2))

    wrk_thread = threading.Thread(target=run_wrk, daemon=True)
    wrk_thread.start()
    for c in clients:
        c.start()
    time.sleep(args.stop_after)
    before = sum(c.ok for c in clients)
    t0 = time.monotonic()
    proc.popen.send_signal(signal.SIGTERM)
    try:
        code = proc.popen.wait(timeout + 5)
    except subprocess.TimeoutExpired:
        code = None
    exit_s = time.monotonic() - t0
    time.sleep(0.5)
    stop_event.set()
    for c in clients:
        c.join(10)
    wrk_thread.join(timeout + 10)
    if code is None:
        proc.popen.kill()
        proc.popen.wait(10)
    log_lines = proc.logfile.read_text(errors="replace").splitlines()
    ok_total = sum(c.ok for c in clients)
    broken = sum(c.broken for c in clients)
    not_started = sum(c.not_started for c in clients)
    refused = sum(c.refused for c in clients)
    problems = [p for c in clients for p in c.problems][:10]
    w = wrk_result
    print(f"  exit code {code} after {exit_s:.2f} s (shutdown timeout {timeout} s)")
    print(f"  checking clients: {ok_total} answered 200 'Hello world' ({ok_total - before} after SIGTERM), "
          f"{broken} broken answers, {not_started} closed before any answer byte (not started; retryable), "
          f"{refused} connections refused after the listener closed")
    if problems:
        print(f"  broken: {problems}")
    if w:
        print(f"  wrk: {w['requests']} requests, non-2xx {w['status']}, socket errors: connect {w['connect']} "
              f"(listener closed), read {w['read']}, write {w['write']}, timeout {w['timeout']}")
    print(f"  last log lines: {log_lines[-3:]}")
    RESULTS["stop"] = {"exit_code": code, "exit_s": exit_s, "ok": ok_total, "ok_after_sigterm": ok_total - before,
                       "broken": broken, "not_started": not_started, "refused": refused, "wrk": w}
    ok = check(code == 0 and exit_s <= timeout, f"exit 0 within the {timeout} s shutdown timeout")
    ok &= check(broken == 0 and w.get("status", 1) == 0 and w.get("timeout", 1) == 0,
                "no answer that had started failed (no partial or non-200 answer, no wrk timeout or non-2xx)")
    return ok


TESTS = {"soak": soak, "fuzz": fuzz, "exhaust": exhaust, "stop": stop}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tests", nargs="*", help="any of: " + " ".join(TESTS) + " (default: all, in this order)")
    ap.add_argument("--soak-seconds", type=int, default=60)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--fuzz-count", type=int, default=10_000)
    ap.add_argument("--idle-connections", type=int, default=5000)
    ap.add_argument("--idle-timeout", type=int, default=10)
    ap.add_argument("--idle-slack", type=float, default=3.0,
                    help="seconds after the idle timeout by which every idle connection must be closed")
    ap.add_argument("--valid-during", type=int, default=100)
    ap.add_argument("--shutdown-timeout", type=int, default=10)
    ap.add_argument("--stop-after", type=int, default=5)
    ap.add_argument("--checking-clients", type=int, default=8)
    args = ap.parse_args()
    if not bl.JAR.exists():
        bl.fail(f"{bl.JAR} missing; run bench/abuse.sh, which builds it")
    tests = args.tests or list(TESTS)
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        bl.fail(f"unknown test {' '.join(unknown)}; allowed: {' '.join(TESTS)}")
    results = {}
    for name in tests:
        t0 = time.monotonic()
        results[name] = TESTS[name](args)
        print(f"  ({time.monotonic() - t0:.0f} s)\n", flush=True)
    bl.TARGET.mkdir(parents=True, exist_ok=True)
    (bl.TARGET / "abuse-results.json").write_text(json.dumps(RESULTS, indent=2, default=str) + "\n")
    failed = [n for n, ok in results.items() if not ok]
    print(f"abuse tests: {len(results) - len(failed)}/{len(results)} passed"
          + (f"; failed: {' '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
