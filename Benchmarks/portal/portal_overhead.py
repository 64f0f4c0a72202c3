#!/usr/bin/env python3
"""Issue #6, the two Portal budget items:

(a) `portal run` adds at most 1 ms at the median per `tools/call` over a direct connection to the
    same upstream, with durable receipts;
(b) `portal simulate` signs >= 20,000 receipts a second into a bundle.

(a) The official MCP Python SDK's stdio client (`mcp.Client` over `mcp.client.stdio.stdio_client`)
    calls the `echo` tool of Tests/portal-mcp/upstream_server.py (the SDK's MCPServer over stdio)
    twice over: connected directly to one copy of the server, and through
    `portal run ... -- python3 upstream_server.py` to another copy. Both connections stay open for
    the whole run; the calls alternate in blocks (ABBA order), one call at a time, each timed with
    time.perf_counter_ns around `await client.call_tool(...)` (the client's garbage collector is
    stopped while calls are timed). Afterwards the Portal's state directory is counted (every call
    must have its tool_call and tool_result receipt), exported (tier 2) and checked with
    `verify BUNDLE --trust issuer.pub --require-trust`, which must PASS. A small loop times the
    disk's fsync in the same directory, the way the Portal appends a receipt (a payload line and a
    receipt line, then fsync of each file). Controls (not the budget figure): one run with the state
    directory on tmpfs (/dev/shm, where fsync is a no-op: the share of durability), one in the other
    protocol era.
(b) `portal simulate` runs a deterministic calls file (echo calls with results, 16 sessions: two
    receipts per call) into a tier-1 bundle; wall time from perf_counter_ns around the child,
    CPU and peak RSS from wait4(2); the bundle must PASS `verify --require-trust`. Control: one run
    with `--seed` (salts from SHA-256 instead of the system CSPRNG).

Writes JSON with sorted keys (machine facts, settings, every run, and a summary over runs).

    python3 Benchmarks/portal/portal_overhead.py --portal .build/release/portal \
        --verify .build/release/verify --out Benchmarks/results-portal.json
"""
import argparse
import asyncio
import gc
import hashlib
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
UPSTREAM = os.path.join(REPO, "Tests", "portal-mcp", "upstream_server.py")
PINNED_MCP = "2.3.0"


# ---------------------------------------------------------------------------------------------
# small helpers


def sh(*args, check=True):
    p = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"{args} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def pct(sorted_values, q):
    """Nearest-rank percentile of an already sorted list (q in [0, 1])."""
    if not sorted_values:
        return None
    k = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[k - 1]


def summary_us(values_ns):
    s = sorted(values_ns)
    return {
        "n": len(s),
        "median_us": round(statistics.median(s) / 1000, 1),
        "p90_us": round(pct(s, 0.90) / 1000, 1),
        "p99_us": round(pct(s, 0.99) / 1000, 1),
        "min_us": round(s[0] / 1000, 1),
        "max_us": round(s[-1] / 1000, 1),
        "mean_us": round(statistics.fmean(s) / 1000, 1),
    }


def first_line(*cmd):
    try:
        return subprocess.run(list(cmd), capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
    except Exception as e:  # a fact we could not read is recorded as such
        return f"unavailable ({e.__class__.__name__})"


def machine_facts(tmp_root):
    facts = {
        "cores": os.cpu_count(),
        "kernel": f"{platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "python_executable": sys.executable,
    }
    try:
        from importlib.metadata import version
        facts["mcp"] = version("mcp")
    except Exception as e:
        facts["mcp"] = f"unavailable ({e})"
    try:
        with open("/proc/cpuinfo") as f:
            facts["cpu_model"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
        with open("/proc/meminfo") as f:
            facts["memory_bytes"] = int(next(l.split()[1] for l in f if l.startswith("MemTotal"))) * 1024
    except Exception:
        pass
    # Where the receipts are fsynced: the temporary directory's filesystem and its block device.
    fs = {"dir": tmp_root,
          "stat_f_type": first_line("stat", "-f", "-c", "%T", tmp_root),
          "findmnt": first_line("findmnt", "-n", "-T", tmp_root, "-o", "SOURCE,FSTYPE,OPTIONS")}
    source = fs["findmnt"].split()[0] if fs["findmnt"] and not fs["findmnt"].startswith("unavailable") else ""
    dev = os.path.basename(source) if source.startswith("/dev/") else ""
    if dev:
        q = f"/sys/block/{dev}/queue"
        for name in ("rotational", "write_cache", "scheduler"):
            try:
                with open(f"{q}/{name}") as f:
                    fs[f"block_{name}"] = f.read().strip()
            except OSError:
                pass
        for name, path in (("block_vendor", f"/sys/block/{dev}/device/vendor"),
                           ("block_driver", f"/sys/block/{dev}/device/driver")):
            try:
                fs[name] = os.path.basename(os.readlink(path)) if name == "block_driver" else open(path).read().strip()
            except OSError:
                pass
    facts["tmp_filesystem"] = fs
    return facts


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return None


def block_device(path):
    src = first_line("findmnt", "-n", "-T", path, "-o", "SOURCE")
    return os.path.basename(src) if src.startswith("/dev/") else None


def disk_io(dev):
    """(sectors written, write requests completed, flushes completed) of a block device, from
    /proc/diskstats: the whole machine's I/O, not only ours."""
    if not dev:
        return None
    try:
        with open("/proc/diskstats") as f:
            for line in f:
                x = line.split()
                if x[2] == dev:
                    return (int(x[9]), int(x[7]), int(x[18]) if len(x) > 18 else None)
    except (OSError, IndexError, ValueError):
        return None
    return None


def children_of(ppid):
    """(pid, argv) of the live children of ppid."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == ppid:
            out.append((int(entry), argv))
    return out


def cpu_seconds(pid):
    """user + system CPU seconds of a live process (from /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# set-up: keys, a sealed artifact allowing echo and search, a copy of the upstream


def policy(now_ms, reference):
    return {
        "artifact_id": "portal-bench",
        "issued_at_ms": now_ms - 2000,
        "not_before_ms": now_ms - 2000,
        "not_after_ms": now_ms + 86_400_000,
        "subject": {"id_hash": hashlib.sha256(b"portal-bench").hexdigest(),
                    "metadata_hash": hashlib.sha256(b"{}").hexdigest()},
        "tools": [{"name": "echo", "required_params": ["text"]}, {"name": "search", "required_params": ["query"]}],
        "rate_limits": [{"id": "search-burst", "tool": "search", "max_calls": 2, "window_ms": 600000}],
        "upstream": {"url": "stdio:upstream_server.py", "tls_spki_sha256": None, "mesh_identity": None},
        "runtime": {"reference_hash": reference, "measurement_interval_ms": 60000},
        "baseline": {"max_session_denials": 1000},
        "on_drift": "deny",
        "on_expiry": "deny",
    }


class Setup:
    def __init__(self, portal, tmp_root):
        self.portal = portal
        self.dir = tempfile.mkdtemp(prefix="portal-bench-", dir=tmp_root)
        d = self.dir
        self.server = f"{d}/upstream_server.py"
        shutil.copyfile(UPSTREAM, self.server)
        sh(portal, "keygen", "--out", f"{d}/issuer")
        sh(portal, "keygen", "--out", f"{d}/portal")
        self.policy = policy(int(time.time() * 1000), sha256_file(self.server))
        with open(f"{d}/policy.json", "w") as f:
            json.dump(self.policy, f)
        sh(portal, "seal", f"{d}/policy.json", "--issuer-key", f"{d}/issuer.key", "--portal-key", f"{d}/portal.pub",
           "--out", f"{d}/artifact.json")
        self.state = f"{d}/state"

    def run_args(self, checkpoint_every):
        extra = ["--checkpoint-every", str(checkpoint_every)] if checkpoint_every else []
        return ["run", "--artifact", f"{self.dir}/artifact.json", "--key", f"{self.dir}/portal.key",
                "--state", self.state, *extra, "--measure", self.server, "--", sys.executable, self.server]

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# (a) per-call latency, direct and through `portal run`


async def overhead_run(args, setup, mode):
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    errlog = open(f"{setup.dir}/stderr.log", "w")
    direct_params = StdioServerParameters(command=sys.executable, args=[setup.server])
    portal_params = StdioServerParameters(command=setup.portal, args=setup.run_args(args.checkpoint_every))
    latencies = {"direct": [], "portal": []}
    block_medians = []  # (direct median, portal median) per pair of blocks
    counter = [0]
    cpu = {}

    async def one(client, path, record):
        counter[0] += 1
        text = f"bench-{counter[0]:07d}"
        t0 = time.perf_counter_ns()
        r = await client.call_tool("echo", {"text": text})
        dt = time.perf_counter_ns() - t0
        got = r.content[0].text if r.content else None
        if got != text or r.is_error:
            raise SystemExit(f"{path}: echo returned {got!r} (is_error {r.is_error}) for {text!r}")
        if record:
            latencies[path].append(dt)
        return dt

    async with Client(stdio_client(direct_params, errlog=errlog), mode=mode, read_timeout_seconds=30) as direct, \
            Client(stdio_client(portal_params, errlog=errlog), mode=mode, read_timeout_seconds=30) as through:
        clients = {"direct": direct, "portal": through}
        versions = {p: c.protocol_version for p, c in clients.items()}
        tools = {p: sorted(t.name for t in (await c.list_tools()).tools) for p, c in clients.items()}
        kids = children_of(os.getpid())
        portal_pid = next(pid for pid, argv in kids if argv and argv[0] == setup.portal)
        direct_pid = next(pid for pid, argv in kids if argv[:2] == [sys.executable, setup.server])
        upstream_pid = next(pid for pid, argv in children_of(portal_pid) if setup.server in argv)

        for i in range(args.warmup):  # warm both, interleaved
            for p in ("direct", "portal") if i % 2 == 0 else ("portal", "direct"):
                await one(clients[p], p, False)

        # The client's garbage collector is stopped while the calls are timed (its pauses, tens of
        # milliseconds in this process, would land on whichever path happens to be calling).
        gc.collect()
        gc.freeze()
        gc.disable()
        cpu_before = {"portal": cpu_seconds(portal_pid), "upstream_behind_portal": cpu_seconds(upstream_pid),
                      "upstream_direct": cpu_seconds(direct_pid)}
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        dev = block_device(setup.dir)
        io_before = disk_io(dev)
        t_start = time.perf_counter_ns()
        load_start = loadavg()
        done = 0
        k = 0
        while done < args.calls:
            n = min(args.block, args.calls - done)
            order = ("direct", "portal") if k % 2 == 0 else ("portal", "direct")
            meds = {}
            for p in order:
                meds[p] = statistics.median([await one(clients[p], p, True) for _ in range(n)])
            block_medians.append((meds["direct"], meds["portal"]))
            done += n
            k += 1
        elapsed = (time.perf_counter_ns() - t_start) / 1e9
        io_after = disk_io(dev)
        gc.enable()
        gc.unfreeze()
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_after = {"portal": cpu_seconds(portal_pid), "upstream_behind_portal": cpu_seconds(upstream_pid),
                     "upstream_direct": cpu_seconds(direct_pid)}
        for name in cpu_before:
            cpu[name] = round((cpu_after[name] - cpu_before[name]) / args.calls * 1e6, 1)
        cpu["client_python"] = round(((self_after.ru_utime + self_after.ru_stime)
                                      - (self_before.ru_utime + self_before.ru_stime)) / (2 * args.calls) * 1e6, 1)
        load_end = loadavg()
    errlog.close()
    return {
        "protocol_version": versions,
        "tools_listed": tools,
        "latency": {p: summary_us(v) for p, v in latencies.items()},
        "block_medians_us": [[round(a / 1000, 1), round(b / 1000, 1)] for a, b in block_medians],
        "cpu_us_per_call": cpu,
        "elapsed_seconds": round(elapsed, 3),
        # Everything written to the device while the calls were timed (all processes: the machine
        # is shared), next to what this run's Portal wrote (receipts and payload lines).
        "disk_during_timed_calls": None if not (io_before and io_after) else {
            "device": dev,
            "mib_written_by_all": round((io_after[0] - io_before[0]) * 512 / 2**20, 1),
            "write_requests_by_all": io_after[1] - io_before[1],
            "flushes_by_all": None if io_after[2] is None else io_after[2] - io_before[2],
        },
        "loadavg_start": load_start,
        "loadavg_end": load_end,
        "_raw": latencies,
    }


def count_state(setup, expected_calls):
    """Counts the Portal's records (journal.jsonl: a payload record before each receipt, and the
    checkpoints) and checks that every call has its two receipts."""
    events = {}
    checkpoints = payloads = 0
    lines = []
    with open(f"{setup.state}/journal.jsonl", "rb") as f:
        records = f.read().splitlines()
    for line in records:
        r = json.loads(line)
        if r["type"] == "receipt":
            lines.append(line)
            key = f"{r['event']}:{r['decision']}/{r['reason']}"
            events[key] = events.get(key, 0) + 1
        elif r["type"] == "checkpoint":
            checkpoints += 1
        elif r["type"] == "portal_payload":
            payloads += 1
    problems = []
    if events.get("tool_call:allow/ok", 0) != expected_calls:
        problems.append(f"{events.get('tool_call:allow/ok', 0)} tool_call allow receipts for {expected_calls} calls")
    if events.get("tool_result:record/ok", 0) != expected_calls:  # a result is recorded, not decided
        problems.append(f"{events.get('tool_result:record/ok', 0)} tool_result record receipts for {expected_calls} calls")
    if payloads != len(lines):
        problems.append(f"{payloads} payload records for {len(lines)} receipts")
    # The Portal's own account of its exit (stderr): it must have exited by itself, with a checkpoint.
    exit_note = None
    with open(f"{setup.dir}/stderr.log", errors="replace") as f:
        for line in f:
            if "receipts," in line and "checkpoints" in line and ("exited" in line or "signal" in line or "did not exit" in line):
                exit_note = line.strip()
    if exit_note is None:
        problems.append("no exit note from the Portal in its stderr (killed?)")
    return {"receipts": len(lines), "events": events, "checkpoints": checkpoints, "payload_records": payloads,
            "expected_call_receipts": 2 * expected_calls, "portal_exit_note": exit_note, "problems": problems}


def export_and_verify(portal, verify, setup, tier="2"):
    bundle = f"{setup.dir}/bundle.tar"
    t0 = time.perf_counter_ns()
    sh(portal, "export", "--state", setup.state, "--key", f"{setup.dir}/portal.key", "--out", bundle, "--tier", tier)
    t1 = time.perf_counter_ns()
    p = sh(verify, bundle, "--trust", f"{setup.dir}/issuer.pub", "--require-trust", "--format", "json", check=False)
    t2 = time.perf_counter_ns()
    try:
        report = json.loads(p.stdout)
    except ValueError:
        report = {}
    return {"tier": int(tier), "exit_status": p.returncode, "verdict": report.get("verdict"),
            "counts": report.get("counts"), "bundle_bytes": os.path.getsize(bundle),
            "export_seconds": round((t1 - t0) / 1e9, 3), "verify_seconds": round((t2 - t1) / 1e9, 3),
            "failures": report.get("failures") if p.returncode != 0 else None}


# ---------------------------------------------------------------------------------------------
# fsync latency of the same directory, the way the Portal appends one receipt


def fsync_probe(directory, n):
    """The Portal's append of one receipt (StateStore.append): one write of its payload record and
    the receipt line to journal.jsonl, then fdatasync. Timed back to back, and paced (1 ms idle
    before each append, as between the calls of a client: an idle device and CPU answer more
    slowly). For comparison, format 1's append: a line to each of two files and fsync of each."""
    payload_line = b"x" * 280 + b"\n"  # about a payload record of an echo call
    receipt_line = b"y" * 700 + b"\n"  # about a receipt line
    paths = [f"{directory}/probe-journal.jsonl", f"{directory}/probe-receipts.jsonl"]
    fds = [os.open(p, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600) for p in paths]
    single, pair, paced = [], [], []
    try:
        for _ in range(20):  # warm-up
            os.write(fds[0], payload_line + receipt_line)
            os.fdatasync(fds[0])
        for _ in range(n):
            t0 = time.perf_counter_ns()
            os.write(fds[0], payload_line + receipt_line)
            os.fdatasync(fds[0])
            single.append(time.perf_counter_ns() - t0)
            t0 = time.perf_counter_ns()
            os.write(fds[0], payload_line)
            os.write(fds[1], receipt_line)
            os.fsync(fds[0])
            os.fsync(fds[1])
            pair.append(time.perf_counter_ns() - t0)
        for _ in range(n):
            time.sleep(0.001)
            t0 = time.perf_counter_ns()
            os.write(fds[0], payload_line + receipt_line)
            os.fdatasync(fds[0])
            paced.append(time.perf_counter_ns() - t0)
    finally:
        for fd in fds:
            os.close(fd)
        for p in paths:
            os.unlink(p)
    return {"receipt_append_one_fdatasync": summary_us(single),
            "receipt_append_one_fdatasync_paced_1ms": summary_us(paced),
            "format1_receipt_append_two_fsyncs": summary_us(pair)}


# ---------------------------------------------------------------------------------------------
# (b) portal simulate


def write_calls(path, receipts, start_ms, sessions=16):
    """receipts/2 echo calls with results (two receipts each), round-robin over `sessions`
    sessions, one call per millisecond: the same bytes for the same arguments."""
    calls = receipts // 2
    with open(path, "w") as f:
        for i in range(calls):
            text = f"m{i:08d}"
            f.write(json.dumps({
                "arguments": {"text": text},
                "result": {"content": [{"text": text, "type": "text"}], "isError": False},
                "session_id": f"sim-{i % sessions:02d}",
                "time_ms": start_ms + i,
                "tool": "echo",
            }, sort_keys=True, separators=(",", ":")) + "\n")
    return calls


def timed_child(argv):
    """Runs argv; wall seconds, CPU seconds and ru_maxrss (bytes) from wait4(2)."""
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Read the pipes fully first, then reap with wait4 for the rusage.
    out, err = p.stdout.read(), p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = (time.perf_counter_ns() - t0) / 1e9
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"exit_status": p.returncode, "wall": wall, "user": ru.ru_utime, "sys": ru.ru_stime,
            "maxrss_bytes": ru.ru_maxrss * 1024, "stdout": out.decode(errors="replace"),
            "stderr": err.decode(errors="replace")}


def simulate_run(args, setup, receipts, seed, runs):
    calls_path = f"{setup.dir}/calls-{receipts}.jsonl"
    calls = write_calls(calls_path, receipts, setup.policy["not_before_ms"] + 1000)
    calls_sha = sha256_file(calls_path)
    bundle = f"{setup.dir}/sim-{receipts}.tar"
    argv = [setup.portal, "simulate", "--artifact", f"{setup.dir}/artifact.json", "--key", f"{setup.dir}/portal.key",
            "--calls", calls_path, "--out", bundle] + (["--seed", seed] if seed else [])
    out = []
    for _ in range(runs):
        if os.path.exists(bundle):
            os.unlink(bundle)
        r = timed_child(argv)
        if r["exit_status"] != 0:
            raise SystemExit(f"portal simulate exited {r['exit_status']}:\n{r['stderr']}")
        v = sh(args.verify, bundle, "--trust", f"{setup.dir}/issuer.pub", "--require-trust", "--format", "json", check=False)
        report = json.loads(v.stdout)
        got = report.get("counts", {}).get("receipts")
        cpu = r["user"] + r["sys"]
        out.append({
            "wall_seconds": round(r["wall"], 3),
            "cpu_seconds": round(cpu, 3),
            "user_seconds": round(r["user"], 3),
            "system_seconds": round(r["sys"], 3),
            "receipts_per_second_wall": round(got / r["wall"]) if got else None,
            "receipts_per_second_cpu": round(got / cpu) if got and cpu else None,
            "maxrss_bytes": r["maxrss_bytes"],
            "bundle_bytes": os.path.getsize(bundle),
            "summary": r["stdout"].strip().splitlines(),
            "verify_exit_status": v.returncode,
            "verdict": report.get("verdict"),
            "verified_receipts": got,
            "checkpoints": report.get("counts", {}).get("checkpoints"),
            "loadavg": loadavg(),
        })
        if v.returncode != 0 or report.get("verdict") != "PASS" or got != 2 * calls:
            raise SystemExit(f"simulated bundle did not verify as expected: {v.stdout}\n{v.stderr}")
    walls = sorted(o["wall_seconds"] for o in out)
    return {
        "receipts": 2 * calls,
        "calls": calls,
        "sessions": 16,
        "calls_file_bytes": os.path.getsize(calls_path),
        "calls_file_sha256": calls_sha,
        "tier": 1,
        "checkpoint_every": 1000,
        "seed": seed,
        "runs": out,
        "median_wall_seconds": statistics.median(walls),
        "median_receipts_per_second_wall": round(2 * calls / statistics.median(walls)),
        "best_receipts_per_second_wall": round(2 * calls / walls[0]),
        "python_launcher_maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


# ---------------------------------------------------------------------------------------------


def overhead_series(args, tmp_root, runs, mode, label):
    """`runs` independent runs of (a): fresh keys, state directory and processes each time."""
    out = []
    pooled_raw = {"direct": [], "portal": []}
    problems = []
    for i in range(runs):
        setup = Setup(args.portal, tmp_root)
        try:
            r = asyncio.run(overhead_run(args, setup, mode))
            raw = r.pop("_raw")
            for p in pooled_raw:
                pooled_raw[p].extend(raw[p])
            r["overhead_median_us"] = round(r["latency"]["portal"]["median_us"] - r["latency"]["direct"]["median_us"], 1)
            diffs = sorted(b - a for a, b in r["block_medians_us"])
            r["overhead_median_of_block_pairs_us"] = round(statistics.median(diffs), 1)
            r["state"] = count_state(setup, args.warmup + args.calls)
            r["bundle"] = export_and_verify(args.portal, args.verify, setup)
            if args.fsync_probe:
                r["fsync_probe"] = fsync_probe(setup.dir, args.fsync_probe)
            out.append(r)
            print(f"{label} run {i + 1}: direct {r['latency']['direct']['median_us']} us, portal "
                  f"{r['latency']['portal']['median_us']} us, overhead {r['overhead_median_us']} us; "
                  f"{r['state']['receipts']} receipts, verify {r['bundle']['verdict']}"
                  + (f"; receipt append {r['fsync_probe']['receipt_append_one_fdatasync']['median_us']} us, paced "
                     f"{r['fsync_probe']['receipt_append_one_fdatasync_paced_1ms']['median_us']} us" if args.fsync_probe else "")
                  + f"; load {r['loadavg_start']}", file=sys.stderr)
            if r["state"]["problems"] or r["bundle"]["verdict"] != "PASS" or r["bundle"]["exit_status"] != 0:
                problems.append({"series": label, "run": i + 1, "state": r["state"]["problems"], "verify": r["bundle"]})
        finally:
            if args.keep:
                print(f"kept {setup.dir}", file=sys.stderr)
            else:
                setup.cleanup()
    pooled = {p: summary_us(v) for p, v in pooled_raw.items()}
    series = {
        "tmp_dir": tmp_root,
        "client_mode": mode,
        "runs": out,
        "pooled": pooled,
        "pooled_overhead_median_us": round(pooled["portal"]["median_us"] - pooled["direct"]["median_us"], 1),
        "pooled_overhead_p90_us": round(pooled["portal"]["p90_us"] - pooled["direct"]["p90_us"], 1),
        "pooled_overhead_p99_us": round(pooled["portal"]["p99_us"] - pooled["direct"]["p99_us"], 1),
        "per_run_overhead_median_us": [r["overhead_median_us"] for r in out],
        "median_of_run_overheads_us": round(statistics.median(r["overhead_median_us"] for r in out), 1) if out else None,
    }
    if args.fsync_probe and out:
        series["fsync_probe_median_us"] = {
            k: statistics.median(r["fsync_probe"][k]["median_us"] for r in out)
            for k in ("receipt_append_one_fdatasync", "receipt_append_one_fdatasync_paced_1ms",
                      "format1_receipt_append_two_fsyncs")
        }
    return series, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--portal", default=os.path.join(REPO, ".build", "release", "portal"),
                    help="the portal binary (default: .build/release/portal of the repository)")
    ap.add_argument("--verify", default=None, help="default: the verify next to --portal")
    ap.add_argument("--calls", type=int, default=2000, help="timed calls per path and run (0: skip (a))")
    ap.add_argument("--warmup", type=int, default=200, help="untimed calls per path before each run")
    ap.add_argument("--block", type=int, default=25, help="calls per block; blocks of the two paths alternate ABBA")
    ap.add_argument("--runs", type=int, default=5, help="independent runs (fresh keys, state, processes)")
    ap.add_argument("--mode", default="legacy", help="the SDK client's mode: legacy (2025-11-25) or auto (2026-07-28)")
    ap.add_argument("--checkpoint-every", type=int, default=None, help="passed to portal run (default: the Portal's, 100)")
    ap.add_argument("--fsync-probe", type=int, default=1000, help="iterations of the fsync probe per run (0: skip)")
    ap.add_argument("--simulate", default="10000,100000", help="receipts per simulate bundle, comma-separated (0: skip (b))")
    ap.add_argument("--no-controls", action="store_true",
                    help="skip the controls: (a) once with the state on tmpfs (fsync a no-op) and once in the other "
                         "protocol era; (b) once with --seed (salts from SHA-256, not getrandom)")
    ap.add_argument("--tmpdir", default=None, help="where the state directories go (default: Python's tempfile default)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directories")
    ap.add_argument("--out", default=None, help="write the JSON here (default: stdout)")
    args = ap.parse_args()
    args.portal = os.path.abspath(args.portal)
    args.verify = os.path.abspath(args.verify or os.path.join(os.path.dirname(args.portal), "verify"))
    for b in (args.portal, args.verify):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"{b} is not an executable (build it: swift build -c release)")
    try:
        from importlib.metadata import version
        if version("mcp") != PINNED_MCP:
            raise SystemExit(f"mcp {version('mcp')} is installed, {PINNED_MCP} is pinned (Tests/portal-mcp/requirements.txt)")
    except ImportError:
        raise SystemExit("the MCP SDK is not installed: python3 -m pip install -r Tests/portal-mcp/requirements.txt")
    tmp_root = os.path.realpath(args.tmpdir or tempfile.gettempdir())

    result = {
        "machine": machine_facts(tmp_root),
        "settings": {
            "portal": args.portal, "verify": args.verify, "calls_per_path_per_run": args.calls, "warmup": args.warmup,
            "block": args.block, "runs": args.runs, "client_mode": args.mode,
            "checkpoint_every": args.checkpoint_every or 100, "fsync_probe_iterations": args.fsync_probe,
            "tool": "echo {\"text\": \"bench-NNNNNNN\"}",
            "client": "mcp.Client(mcp.client.stdio.stdio_client(StdioServerParameters(...)))",
            "upstream": "Tests/portal-mcp/upstream_server.py (MCPServer over stdio), a copy per run, measured with --measure",
            "timer": "time.perf_counter_ns around await client.call_tool",
            "percentiles": "nearest rank",
            "simulate_sizes": args.simulate,
            "controls": not args.no_controls,
            "git_head": first_line("git", "-C", REPO, "rev-parse", "HEAD"),
        },
        "started_unix": int(time.time()),
    }
    problems = []

    if args.calls > 0:
        series, p = overhead_series(args, tmp_root, args.runs, args.mode, "overhead")
        problems += p
        series["budget_us"] = 1000
        series["budget_met"] = series["pooled_overhead_median_us"] <= 1000
        result["overhead"] = series
        if not args.no_controls:
            controls = {}
            if os.path.isdir("/dev/shm") and first_line("stat", "-f", "-c", "%T", "/dev/shm") == "tmpfs":
                controls["state_on_tmpfs"], p = overhead_series(args, "/dev/shm", 1, args.mode, "control tmpfs")
                controls["state_on_tmpfs"]["note"] = "not durable: fsync on tmpfs is a no-op; shows the share of the fsyncs"
                problems += p
            other = "auto" if args.mode == "legacy" else "legacy"
            controls[f"client_mode_{other}"], p = overhead_series(args, tmp_root, 1, other, f"control {other}")
            problems += p
            result["overhead_controls"] = controls

    sizes = [int(s) for s in args.simulate.split(",") if s.strip() and int(s) > 0]
    if sizes:
        setup = Setup(args.portal, tmp_root)
        try:
            sims = []
            for n in sizes:
                s = simulate_run(args, setup, n, None, args.runs)
                if not args.no_controls:
                    s["control_seeded"] = simulate_run(args, setup, n, "portal-bench", 1)
                sims.append(s)
                print(f"simulate {s['receipts']}: median {s['median_wall_seconds']} s wall, "
                      f"{s['median_receipts_per_second_wall']} receipts/s"
                      + (f" (with --seed: {s['control_seeded']['median_receipts_per_second_wall']}/s)"
                         if not args.no_controls else ""), file=sys.stderr)
            result["simulate"] = {"sizes": sims, "budget_receipts_per_second": 20000,
                                  "budget_met_at_largest": sims[-1]["median_receipts_per_second_wall"] >= 20000}
        finally:
            if args.keep:
                print(f"kept {setup.dir}", file=sys.stderr)
            else:
                setup.cleanup()

    if problems:
        result["problems"] = problems
    result["finished_unix"] = int(time.time())
    text = json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if problems:
        print(f"PROBLEMS: {json.dumps(problems)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
