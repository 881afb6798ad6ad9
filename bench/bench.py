#!/usr/bin/env python3
"""The benchmark: our server against nginx and the original Flask app, side by side.

Run it with bench/run.sh (which builds the jar first). Python 3 stdlib only.

  * Load: wrk, keep-alive, 16/64/256 connections, --duration s per point,
    --rounds rounds; within a round every contender runs each connection count
    once, and the contenders' order rotates from round to round, so slow phases
    of this shared machine hit everyone alike. Medians over the rounds.
  * Start-up: process start to the first 200 on /hello, median of --starts
    starts, for the server with and without its class-data/AOT archive.
  * Memory: peak RSS (VmHWM from /proc/<pid>/status; for nginx and gunicorn the
    sum over the master and its workers) after the load, which ends at 256
    connections, plus the largest VmRSS sampled during the 256-connection points.
  * CPU per request: the contender's user + system CPU time (/proc/<pid>/stat,
    summed likewise) during a load point, over the requests wrk completed in it.

Writes bench/target/bench-results.json and bench/target/bench-table.md. The last
line printed is the throughput ratio to nginx (geometric mean over the three
connection counts).
"""
import argparse
import hashlib
import json
import math
import platform
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import benchlib as bl

CONNECTIONS = (16, 64, 256)


def archive_flags(java, feature, archive):
    """Flags that use (mode 'use') or create (mode 'create') the archive for this JDK."""
    if feature >= 25:
        return {"create": [f"-XX:AOTCacheOutput={archive}"], "use": [f"-XX:AOTCache={archive}"]}
    return {"create": [f"-XX:ArchiveClassesAtExit={archive}"], "use": [f"-XX:SharedArchiveFile={archive}"]}


def build_archive(java, feature, jar=None):
    """Training run: start the server with the create flag, send the requests the
    service sees, stop it with SIGTERM; the JVM writes the archive at exit. The
    archive belongs to one jar, JDK and set of flags, hence its name."""
    jar = Path(jar or bl.JAR)
    kind = "aot" if feature >= 25 else "jsa"
    key = hashlib.sha256(" ".join([java, str(jar), *bl.server_cmd(java, jar=jar)]).encode()).hexdigest()[:10]
    archive = bl.TARGET / f"hello-server-jdk{feature}-{key}.{kind}"
    if archive.exists() and archive.stat().st_mtime > jar.stat().st_mtime:
        return archive
    archive.unlink(missing_ok=True)
    flags = archive_flags(java, feature, archive)
    proc = bl.start_server(java=java, archive_flags=flags["create"], name=f"archive-training-jdk{feature}",
                           jar=jar)
    proc.wait_ready(timeout=120)
    for _ in range(200):
        for path in ("/hello", "/", "/health", "/nope"):
            bl.http_get(proc.port, path)
    code = proc.stop(timeout=120)
    if not archive.exists():
        bl.fail(f"archive training run for JDK {feature} exited {code} without writing {archive}" + proc.tail())
    if code != 0:
        bl.log(f"warning: the archive training run exited {code} (expected 0 on SIGTERM)")
    return archive


def measure_startup(starter, starts):
    times = []
    for _ in range(starts):
        t0 = time.monotonic()
        proc = starter()
        try:
            proc.wait_ready(timeout=120, interval=0.002)
            times.append(time.monotonic() - t0)
        finally:
            proc.stop()
    return times


class RssSampler:
    """Samples the summed VmRSS of a contender every 0.5 s while running."""

    def __init__(self, proc):
        self.proc = proc
        self.samples = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.samples.append(self.proc.status_kib("VmRSS"))
            self._stop.wait(0.5)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def main():
    # SIGTERM ends the run like Ctrl-C, so the contenders started so far are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=10, help="seconds per load point (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over all contenders (default 3)")
    ap.add_argument("--starts", type=int, default=5, help="starts per start-up variant (default 5)")
    ap.add_argument("--warmup", type=int, default=10, help="seconds of unmeasured load per contender first")
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 s points, 1 round, 2 starts")
    ap.add_argument("--java-home", action="append", default=[],
                    help="JDK for the server (repeatable; the first one runs the load test; "
                         "start-up is measured on each). Default: $JAVA_HOME or java on PATH")
    ap.add_argument("--baseline", action="store_true",
                    help="also load-test bench/MinimalVertx.java (Vert.x with no production features)")
    ap.add_argument("--variant", action="append", default=[], metavar="NAME:SETTINGS",
                    help="also load-test the server with other settings, e.g. 'serial:-XX:+UseSerialGC' or "
                         "'loops1:EVENT_LOOPS=1 -XX:+UseSerialGC' (JVM flags start with -, the rest are "
                         "environment variables, except jar=PATH: another build of the server); repeatable")
    ap.add_argument("--skip-startup", action="store_true", help="skip the start-up measurements")
    ap.add_argument("--skip-flask", action="store_true", help="leave the Flask app out of the load test")
    ap.add_argument("--no-archive", action="store_true", help="run the load test without the archive")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.rounds, args.starts, args.warmup = 3, 1, 2, 3
    if not bl.JAR.exists():
        bl.fail(f"{bl.JAR} missing; run bench/run.sh, which builds it")
    bl.TARGET.mkdir(parents=True, exist_ok=True)

    javas = [bl.java_bin(h) for h in args.java_home] or bl.default_javas()
    jdks = []
    bl.log(f"==> JVM flags from {bl.CONTAINER_JVM_OPTIONS.relative_to(bl.ROOT)}: {' '.join(bl.jvm_flags())} "
           f"(+ -XX:MaxRAM={bl.TASK_MEMORY}: the task's memory)")
    for java in javas:
        feature = bl.java_feature_version(java)
        bl.log(f"==> JDK {feature} ({java}): building the {'AOT cache' if feature >= 25 else 'AppCDS archive'}")
        archive = build_archive(java, feature)
        jdks.append((java, feature, archive))
    load_java, load_feature, load_archive = jdks[0]
    load_archive_flags = [] if args.no_archive else archive_flags(load_java, load_feature, load_archive)["use"]
    server_label = (f"hello-server (JDK {load_feature}"
                    + (", no archive)" if args.no_archive else ", archive)"))

    results = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": bl.os.cpu_count(), "kernel": platform.release(),
                    "load_avg_at_start": list(bl.os.getloadavg())},
        "settings": {"duration_s": args.duration, "rounds": args.rounds, "starts": args.starts,
                     "warmup_s": args.warmup, "connections": CONNECTIONS,
                     "wrk_threads": min(bl.os.cpu_count() or 1, 16),
                     "server_cmd": bl.server_cmd(load_java, load_archive_flags),
                     "gunicorn_workers": bl.gunicorn_workers(), "task_memory": bl.TASK_MEMORY},
        "startup_s": {}, "load": {}, "memory_kib": {},
    }

    variants = []
    for spec in args.variant:
        name, _, settings = spec.partition(":")
        flags = [w for w in settings.split() if w.startswith("-")]
        env = dict(w.split("=", 1) for w in settings.split() if not w.startswith("-"))
        jar = env.pop("jar", None)  # another build of the server, e.g. the previous commit's
        variants.append({"name": name, "settings": settings, "flags": flags, "env": env, "jar": jar})

    # --- Start-up -----------------------------------------------------------
    # Every build of the server (this one, and each variant's jar=) on every JDK, with and without
    # its archive, started by turns (start 1 of each, then start 2 of each, ...), so that a slow
    # phase of this shared machine hits them all alike; the order rotates from round to round, so
    # that none always goes first.
    startups = []
    for java, feature, archive in ([] if args.skip_startup else jdks):
        kind = "AOT cache" if feature >= 25 else "AppCDS"
        builds = [("hello-server", None, archive)] + [
            (f"{v['name']}: {Path(v['jar']).parents[2].name.removeprefix('ref-')}", v["jar"],
             build_archive(java, feature, v["jar"])) for v in variants if v["jar"]]
        for build, jar, build_archive_file in builds:
            startups.append((f"{build} JDK {feature}, no archive", java, jar, []))
            startups.append((f"{build} JDK {feature}, {kind}", java, jar,
                             archive_flags(java, feature, build_archive_file)["use"]))
    for start in range(args.starts if startups else 0):
        bl.log(f"==> start-up, round {start + 1}/{args.starts}: {len(startups)} variants by turns")
        for label, java, jar, flags in startups[start % len(startups):] + startups[:start % len(startups)]:
            results["startup_s"].setdefault(label, []).extend(measure_startup(
                lambda j=java, f=flags, b=jar: bl.start_server(java=j, archive_flags=f, name="startup", jar=b), 1))
    for label, starter in (() if args.skip_startup else (("nginx", bl.start_nginx),
                                                           ("flask-gunicorn", bl.start_flask))):
        bl.log(f"==> start-up: {label} x{args.starts}")
        results["startup_s"][label] = measure_startup(starter, args.starts)

    # --- Load ---------------------------------------------------------------
    procs = [bl.start_server(java=load_java, archive_flags=load_archive_flags, name="hello-server"),
             bl.start_nginx()] + ([] if args.skip_flask else [bl.start_flask()])
    if args.baseline:
        procs.append(bl.start_minimal_vertx(java=load_java))
    variant_labels = {}
    for v in variants:
        name, settings, jar = v["name"], v["settings"], v["jar"]
        # A class-data archive belongs to one jar: another jar gets its own, built the same way.
        variant_archive_flags = load_archive_flags
        if jar and not args.no_archive:
            bl.log(f"==> variant {name}: building the archive for {jar}")
            variant_archive_flags = archive_flags(load_java, load_feature,
                                                  build_archive(load_java, load_feature, jar))["use"]
        procs.append(bl.start_server(java=load_java, archive_flags=variant_archive_flags,
                                     extra_flags=v["flags"], env=v["env"], name=f"variant-{name}", jar=jar))
        variant_labels[f"variant-{name}"] = f"{name}: " + (
            f"the server built from {Path(jar).parents[2].name.removeprefix('ref-')}" if jar and Path(jar).parents[2].name.startswith("ref-")
            else f"hello-server + {settings}" if settings else "hello-server again (A/A)")
    labels = {procs[0].name: server_label, "nginx": "nginx", "flask-gunicorn": "flask-gunicorn",
              "minimal-vertx": f"minimal Vert.x (JDK {load_feature}, no archive)", **variant_labels}
    peak_rss_256 = {p.name: 0 for p in procs}
    try:
        for p in procs:
            p.wait_ready(timeout=120)
        for p in procs:
            bl.log(f"==> warm-up {p.name}: {args.warmup} s at 64 connections (not counted)")
            bl.wrk(p.port, 64, args.warmup)
        for rnd in range(args.rounds):
            order = procs[rnd % len(procs):] + procs[:rnd % len(procs)]
            for conns in CONNECTIONS:
                for p in order:
                    cpu_before = p.cpu_seconds()
                    with RssSampler(p) as sampler:
                        r = bl.wrk(p.port, conns, args.duration)
                    r["cpu_us_per_request"] = (p.cpu_seconds() - cpu_before) * 1e6 / max(r["requests"], 1)
                    if conns == 256:
                        peak_rss_256[p.name] = max(peak_rss_256[p.name], max(sampler.samples, default=0))
                    results["load"].setdefault(p.name, {}).setdefault(str(conns), []).append(r)
                    bl.log(f"round {rnd + 1}/{args.rounds} c={conns:<3} {p.name:<15} "
                           f"{r['rps']:>9.0f} req/s p50 {r['p50_us'] / 1000:7.2f} ms "
                           f"p99 {r['p99_us'] / 1000:7.2f} ms cpu {r['cpu_us_per_request']:5.1f} us/req "
                           f"errors {r['socket_errors'] + r['status']}")
        for p in procs:
            results["memory_kib"][p.name] = {"vmhwm": p.status_kib("VmHWM"),
                                             "max_vmrss_256": peak_rss_256[p.name],
                                             "processes": len(p.pids())}
    finally:
        for p in procs:
            p.stop()
    results["machine"]["load_avg_at_end"] = list(bl.os.getloadavg())

    # --- Summary ------------------------------------------------------------
    summary = {}
    for name, per_conn in results["load"].items():
        for conns, runs in per_conn.items():
            summary.setdefault(name, {})[conns] = {
                "rps": statistics.median(r["rps"] for r in runs),
                "p50_ms": statistics.median(r["p50_us"] for r in runs) / 1000,
                "p99_ms": statistics.median(r["p99_us"] for r in runs) / 1000,
                "cpu_us_per_request": statistics.median(r["cpu_us_per_request"] for r in runs),
                "errors": sum(r["socket_errors"] + r["status"] for r in runs),
                "rps_spread": (min(r["rps"] for r in runs), max(r["rps"] for r in runs)),
            }
    results["summary"] = summary
    nginx_rps = [summary["nginx"][str(c)]["rps"] for c in CONNECTIONS]
    ratios = {name: geomean([summary[name][str(c)]["rps"] / n for c, n in zip(CONNECTIONS, nginx_rps)])
              for name in summary}
    results["ratio_to_nginx"] = ratios
    # The same ratio from each round's own measurements (paired in time), a check on the noise.
    per_round = {name: [geomean([runs[str(c)][i]["rps"] / results["load"]["nginx"][str(c)][i]["rps"]
                                 for c in CONNECTIONS]) for i in range(args.rounds)]
                 for name, runs in results["load"].items()}
    results["ratio_to_nginx_per_round"] = per_round

    lines = [f"| contender | conns | req/s (median) | p50 ms | p99 ms | CPU us/request | errors | req/s range |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for p in procs:
        for c in CONNECTIONS:
            s = summary[p.name][str(c)]
            lines.append(f"| {labels[p.name]} | {c} | {s['rps']:.0f} | {s['p50_ms']:.2f} | {s['p99_ms']:.2f} | "
                         f"{s['cpu_us_per_request']:.1f} | {s['errors']} | "
                         f"{s['rps_spread'][0]:.0f}-{s['rps_spread'][1]:.0f} |")
    lines += ["", "| contender | peak RSS (VmHWM) MiB | max VmRSS at 256 conns MiB | processes | "
                  "throughput / nginx (geomean) |", "|---|---:|---:|---:|---:|"]
    for p in procs:
        m = results["memory_kib"][p.name]
        lines.append(f"| {labels[p.name]} | {m['vmhwm'] / 1024:.1f} | {m['max_vmrss_256'] / 1024:.1f} | "
                     f"{m['processes']} | {ratios[p.name]:.3f} |")
    lines += ["", "| start-up to first 200 on /hello | median ms | all starts ms |", "|---|---:|---|"]
    for label, times in results["startup_s"].items():
        lines.append(f"| {label} | {statistics.median(times) * 1000:.0f} | "
                     f"{', '.join(f'{t * 1000:.0f}' for t in times)} |")
    nginx64, ours64 = summary["nginx"]["64"]["p99_ms"], summary["hello-server"]["64"]["p99_ms"]
    lines += ["", f"p99 at 64 connections: hello-server {ours64:.2f} ms = {ours64 / nginx64:.2f} x nginx "
                  f"({nginx64:.2f} ms). {args.rounds} rounds x {args.duration} s per point, wrk "
                  f"-t{results['settings']['wrk_threads']}, load average {results['machine']['load_avg_at_start'][0]:.1f} "
                  f"at start, {results['machine']['load_avg_at_end'][0]:.1f} at end."]
    lines.append("Throughput / nginx within each round (paired in time): "
                 + ", ".join(f"{r:.3f}" for r in per_round["hello-server"]) + ".")
    # Each variant against the server itself, round by round (paired in time): a variant that is the
    # same build (an A/A pair) shows the run's noise; another build shows its cost beyond that noise.
    versus = {}
    for p in procs[1:]:
        if p.name.startswith("variant-") or p.name == "minimal-vertx":
            versus[p.name] = [geomean([results["load"][p.name][str(c)][i]["rps"]
                                       / results["load"]["hello-server"][str(c)][i]["rps"] for c in CONNECTIONS])
                              for i in range(args.rounds)]
            lines.append(f"{labels[p.name]} / hello-server within each round: "
                         + ", ".join(f"{r:.3f}" for r in versus[p.name])
                         + f" (median {statistics.median(versus[p.name]):.3f}).")
    results["ratio_to_server_per_round"] = versus
    table = "\n".join(lines)
    (bl.TARGET / "bench-results.json").write_text(json.dumps(results, indent=2) + "\n")
    (bl.TARGET / "bench-table.md").write_text(table + "\n")
    print()
    print(table)
    print(f"raw numbers: {bl.TARGET / 'bench-results.json'}")
    print("the same ratio within each round (paired in time): "
          + ", ".join(f"{r:.3f}" for r in per_round["hello-server"])
          + f" (median {statistics.median(per_round['hello-server']):.3f})")
    print(f"throughput ratio to nginx (geometric mean over {'/'.join(map(str, CONNECTIONS))} connections): "
          f"{ratios['hello-server']:.3f}")


if __name__ == "__main__":
    sys.exit(main())
