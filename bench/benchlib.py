"""Shared helpers for bench.py and abuse.py: starting the contenders, waiting
for them, reading their memory from /proc, and running wrk. Python 3 stdlib only.

Everything listens on 127.0.0.1 and every wait is bounded.
"""
import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
TARGET = BENCH_DIR / "target"
# BENCH_JAR measures another build of the server (e.g. a proposed change) with the same harness.
JAR = Path(os.environ.get("BENCH_JAR", ROOT / "server" / "target" / "hello-server.jar"))
DEFAULT_JAVA_HOME = os.environ.get("JAVA_HOME", "")

# The container image's task size (the ECS task definition's default memory,
# 512 MiB). There is no container here, so the JVM is told the machine's memory
# with -XX:MaxRAM: its percentage-based heap sizing then behaves as in the task.
TASK_MEMORY = os.environ.get("BENCH_TASK_MEMORY", "512m")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The container's JVM options: the image's ENTRYPOINT reads the same file, so the benchmark
# measures the flags that ship.
CONTAINER_JVM_OPTIONS = ROOT / "scripts" / "container" / "jvm.options"


def jvm_flags():
    """The container's JVM flags (java @argfile syntax: white-space separated, '#' comments)."""
    flags = []
    for line in CONTAINER_JVM_OPTIONS.read_text().splitlines():
        flags += line.split("#", 1)[0].split()
    return flags


def java_bin(java_home=None):
    home = java_home or DEFAULT_JAVA_HOME
    if home:
        return str(Path(home) / "bin" / "java")
    return shutil.which("java") or "java"


@functools.lru_cache(maxsize=None)
def default_javas():
    """The container runs Java 25 with an AOT cache: when the default java is older and a JDK 25+
    is installed under /usr/lib/jvm, the load test uses that one; start-up is measured on both."""
    default = java_bin()
    if java_feature_version(default) >= 25:
        return [default]
    newer = [str(p) for p in sorted(Path("/usr/lib/jvm").glob("*/bin/java"))
             if not p.parent.parent.is_symlink() and java_feature_version(str(p)) >= 25]
    return newer[:1] + [default]


@functools.lru_cache(maxsize=None)
def java_feature_version(java):
    out = subprocess.run([java, "-XshowSettings:properties", "-version"],
                         capture_output=True, text=True, timeout=60).stderr
    for line in out.splitlines():
        if "java.specification.version" in line:
            return int(line.split("=")[1].strip())
    raise RuntimeError(f"cannot tell the Java version of {java}")


def http_get(port, path="/hello", timeout=2.0):
    """One GET on a fresh connection; returns (status, body) or raises OSError."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    if not head:
        raise OSError("empty response")
    status = int(head.split(b" ", 2)[1])
    return status, body


class Proc:
    """A started contender: its process, port and the pids whose memory counts."""

    def __init__(self, name, popen, port, workdir=None, logfile=None):
        self.name = name
        self.popen = popen
        self.port = port
        self.workdir = workdir
        self.logfile = logfile

    def pids(self):
        """The main process and its direct children (nginx and gunicorn workers)."""
        pids = [self.popen.pid]
        try:
            for task in Path(f"/proc/{self.popen.pid}/task").iterdir():
                pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
        return pids

    def status_kib(self, field):
        """Sum of a /proc/<pid>/status field (VmRSS, VmHWM) over pids(), in KiB."""
        total = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def cpu_seconds(self):
        """User + system CPU time used so far, summed over pids(), in seconds (from /proc/<pid>/stat)."""
        ticks = 0
        for pid in self.pids():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            ticks += int(fields[11]) + int(fields[12])  # fields 14 and 15: utime, stime
        return ticks / CLOCK_TICKS

    def wait_ready(self, timeout=60.0, interval=0.002):
        """Poll GET /hello until 200; returns the time it took from now."""
        start = time.monotonic()
        deadline = start + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode} before answering"
                                   + self.tail())
            try:
                status, _ = http_get(self.port, timeout=1.0)
                if status == 200:
                    return time.monotonic() - start
            except OSError:
                pass
            time.sleep(interval)
        raise RuntimeError(f"{self.name} did not answer 200 on /hello within {timeout:.0f} s" + self.tail())

    def tail(self):
        if self.logfile and Path(self.logfile).exists():
            lines = Path(self.logfile).read_text(errors="replace").splitlines()[-15:]
            return "\n  " + "\n  ".join(lines)
        return ""

    def stop(self, timeout=30.0):
        """SIGTERM, wait; SIGKILL if it does not stop. Returns the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return self.popen.returncode


def server_cmd(java=None, archive_flags=(), extra_flags=(), jar=None):
    return ([java or default_javas()[0], *jvm_flags(), f"-XX:MaxRAM={TASK_MEMORY}", *archive_flags,
             *extra_flags, "-jar", str(jar or JAR)])


def start_server(port=None, java=None, archive_flags=(), extra_flags=(), env=None, name="hello-server",
                 logname=None, jar=None):
    port = port or free_port()
    TARGET.mkdir(parents=True, exist_ok=True)
    logfile = TARGET / (logname or f"{name}.log")
    environment = dict(os.environ, PORT=str(port), HOST="127.0.0.1")
    environment.update(env or {})
    with open(logfile, "w") as out:
        popen = subprocess.Popen(server_cmd(java, archive_flags, extra_flags, jar), env=environment,
                                 stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Proc(name, popen, port, logfile=logfile)


def start_minimal_vertx(port=None, java=None):
    """bench/MinimalVertx.java, compiled against the server's shaded jar, with the same JVM flags."""
    port = port or free_port()
    classes = TARGET / "minimal-classes"
    source = BENCH_DIR / "MinimalVertx.java"
    compiled = classes / "MinimalVertx.class"
    if not compiled.exists() or compiled.stat().st_mtime < max(source.stat().st_mtime, JAR.stat().st_mtime):
        java = java or default_javas()[0]
        javac = str(Path(java).with_name("javac"))
        subprocess.run([javac, "-cp", str(JAR), "-d", str(classes), str(source)], check=True, timeout=300)
    logfile = TARGET / "minimal-vertx.log"
    cmd = [java, *jvm_flags(), f"-XX:MaxRAM={TASK_MEMORY}", "-cp", f"{JAR}:{classes}", "MinimalVertx"]
    with open(logfile, "w") as out:
        popen = subprocess.Popen(cmd, env=dict(os.environ, PORT=str(port), HOST="127.0.0.1"), stdout=out,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Proc("minimal-vertx", popen, port, logfile=logfile)


def start_nginx(port=None):
    port = port or free_port()
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    (prefix / "tmp").mkdir()
    conf = (BENCH_DIR / "nginx.conf").read_text().replace("@PORT@", str(port))
    (prefix / "nginx.conf").write_text(conf)
    logfile = prefix / "error.log"
    popen = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Proc("nginx", popen, port, workdir=prefix, logfile=logfile)


def gunicorn_workers():
    return 2 * (os.cpu_count() or 1) + 1


def start_flask(port=None):
    """Flask under gunicorn: default sync workers, (2 x cores) + 1 of them."""
    port = port or free_port()
    TARGET.mkdir(parents=True, exist_ok=True)
    logfile = TARGET / "flask-gunicorn.log"
    with open(logfile, "w") as out:
        popen = subprocess.Popen(
            ["gunicorn", "--workers", str(gunicorn_workers()), "--bind", f"127.0.0.1:{port}",
             "--chdir", str(BENCH_DIR), "app:app"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return Proc("flask-gunicorn", popen, port, logfile=logfile)


def wrk(port, connections, duration, threads=None, path="/hello", timeout_s=5):
    """Run wrk (keep-alive) and return the dict printed by report.lua."""
    threads = threads or min(os.cpu_count() or 1, connections)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
           "--timeout", f"{timeout_s}s", "-s", str(BENCH_DIR / "report.lua"),
           f"http://127.0.0.1:{port}{path}"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    for line in reversed(res.stdout.splitlines()):
        if line.startswith("{"):
            data = json.loads(line)
            data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
            data["socket_errors"] = data["connect"] + data["read"] + data["write"] + data["timeout"]
            return data
    raise RuntimeError(f"wrk printed no report (exit {res.returncode}): {res.stdout}{res.stderr}")


def fail(msg):
    print(f"error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)
