"""The Portal between the official MCP Python SDK's client and server, in both protocol eras.

Binaries: PORTAL_BIN and VERIFY_BIN (default: .build/debug/ of the repository); the Python
interpreter that runs this file must have the packages of requirements.txt.
"""
import asyncio
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REQUIREMENTS = os.path.join(HERE, "requirements.txt")
PINNED = "2.3.0"

try:
    import mcp  # noqa: F401
    from importlib.metadata import version as _version
    from mcp import Client, StdioServerParameters
    from mcp.shared.exceptions import MCPError

    MCP_PROBLEM = None if _version("mcp") == PINNED else f"mcp {_version('mcp')} is installed, {PINNED} is pinned"
except ImportError as e:  # the test must fail, not skip
    MCP_PROBLEM = f"the MCP SDK is not importable ({e})"

PORTAL = os.environ.get("PORTAL_BIN", os.path.join(REPO, ".build", "debug", "portal"))
VERIFY = os.environ.get("VERIFY_BIN", os.path.join(REPO, ".build", "debug", "verify"))
REFUSAL = -31001


def sh(*args, check=True):
    p = subprocess.run(list(args), capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def policy(now_ms, expires_in_ms, reference, interval_ms=60000, on_drift="deny"):
    return {
        "artifact_id": "portal-mcp-test",
        "issued_at_ms": now_ms - 2000,
        "not_before_ms": now_ms - 2000,
        "not_after_ms": now_ms + expires_in_ms,
        "subject": {"id_hash": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
                    "metadata_hash": "fcde2b2edba56bf408601fb721fe9b5c338d10ee429ea04fae5511b68fbf8fb9"},
        "tools": [{"name": "echo", "required_params": ["text"]}, {"name": "search", "required_params": ["query"]}],
        "rate_limits": [{"id": "search-burst", "tool": "search", "max_calls": 2, "window_ms": 600000}],
        "upstream": {"url": "stdio:upstream_server.py", "tls_spki_sha256": None, "mesh_identity": None},
        "runtime": {"reference_hash": reference, "measurement_interval_ms": interval_ms},
        "baseline": {"max_session_denials": 1000},
        "on_drift": on_drift,
        "on_expiry": "deny",
    }


class Fixture:
    """Keys, a sealed artifact and a state directory in a temporary directory. The upstream is a
    copy of upstream_server.py in that directory, run by this interpreter; the Portal measures the
    script (`--measure`), and the artifact's runtime reference is the script's SHA-256 unless
    `reference` says otherwise."""

    def __init__(self, testcase, expires_in_ms, reference=None, interval_ms=60000, on_drift="deny", profile="ed25519"):
        self.tmp = tempfile.TemporaryDirectory()
        testcase.addCleanup(self.tmp.cleanup)
        d = self.tmp.name
        self.dir = d
        self.server = f"{d}/upstream_server.py"
        shutil.copyfile(os.path.join(HERE, "upstream_server.py"), self.server)
        sh(PORTAL, "keygen", "--profile", profile, "--out", f"{d}/issuer")
        sh(PORTAL, "keygen", "--profile", profile, "--out", f"{d}/portal")
        with open(f"{d}/policy.json", "w") as f:
            json.dump(policy(int(time.time() * 1000), expires_in_ms, reference or sha256_file(self.server),
                             interval_ms, on_drift), f)
        sh(PORTAL, "seal", f"{d}/policy.json", "--issuer-key", f"{d}/issuer.key", "--portal-key", f"{d}/portal.pub",
           "--out", f"{d}/artifact.json")
        with open(f"{d}/policy.json") as f:
            self.not_after_ms = json.load(f)["not_after_ms"]
        self.state = f"{d}/state"

    def params(self):
        return StdioServerParameters(
            command=PORTAL,
            args=["run", "--artifact", f"{self.dir}/artifact.json", "--key", f"{self.dir}/portal.key",
                  "--state", self.state, "--checkpoint-every", "5", "--measure", self.server, "--",
                  sys.executable, self.server])

    def export_and_verify(self, testcase, tier="2"):
        bundle = f"{self.dir}/bundle-{tier}.tar"
        sh(PORTAL, "export", "--state", self.state, "--key", f"{self.dir}/portal.key", "--out", bundle, "--tier", tier)
        p = sh(VERIFY, bundle, "--trust", f"{self.dir}/issuer.pub", "--require-trust", "--format", "json", check=False)
        report = json.loads(p.stdout)
        testcase.assertEqual(p.returncode, 0, p.stdout)
        testcase.assertEqual(report["verdict"], "PASS", p.stdout)
        with tarfile.open(bundle) as t:
            lines = t.extractfile("receipts.jsonl").read().decode().splitlines()
        return report, [json.loads(line) for line in lines]


async def call(client, name, args):
    """What the client saw: ("ok", text) or ("refused", reason, receipt, limit)."""
    try:
        r = await client.call_tool(name, args)
        return ("ok", r.content[0].text if r.content else "")
    except MCPError as e:
        if e.code != REFUSAL:
            return ("error", e.code, e.message)
        return ("refused", e.error.data["reason"], e.error.data["receipt"], e.error.data.get("limit"))


async def scenario(fx, mode):
    seen = []
    async with Client(fx.params(), mode=mode, read_timeout_seconds=30) as client:
        version = client.protocol_version
        tools = sorted(t.name for t in (await client.list_tools()).tools)
        for name, args in [("echo", {"text": "hello"}), ("delete_file", {"path": "/etc/passwd"}), ("echo", {}),
                           ("search", {"query": "a"}), ("search", {"query": "b"}), ("search", {"query": "c"})]:
            seen.append((name, await call(client, name, args)))
        # Keep calling after expiry: everything is refused.
        delay = fx.not_after_ms / 1000 - time.time() + 0.3
        if delay > 0:
            await asyncio.sleep(delay)
        for name, args in [("echo", {"text": "late"}), ("search", {"query": "late"})]:
            seen.append((name, await call(client, name, args)))
    return version, tools, seen


class PortalMCPTests(unittest.TestCase):
    def setUp(self):
        if MCP_PROBLEM:
            self.fail(f"{MCP_PROBLEM}: install the pinned packages with "
                      f"`python3 -m pip install -r {REQUIREMENTS}`")
        for b in (PORTAL, VERIFY):
            self.assertTrue(os.access(b, os.X_OK), f"{b} is not built")

    def run_era(self, mode, expected_version):
        fx = Fixture(self, expires_in_ms=9000)
        version, tools, seen = asyncio.run(scenario(fx, mode))
        self.assertEqual(version, expected_version)
        self.assertEqual(tools, ["echo", "search"])  # delete_file filtered out of tools/list
        outcomes = [s[1][0] if s[1][0] == "ok" else s[1][1] for s in seen]
        self.assertEqual(outcomes, ["ok", "tool_not_allowed", "missing_parameter", "ok", "ok", "rate_limited",
                                    "artifact_expired", "artifact_expired"])
        self.assertEqual(seen[5][1][3], "search-burst")
        report, receipts = fx.export_and_verify(self)
        calls = [r for r in receipts if r["event"] == "tool_call"]
        results = [r for r in receipts if r["event"] == "tool_result"]
        # The runtime was measured before anything was relayed, and matched the reference.
        self.assertEqual((receipts[0]["event"], receipts[0]["decision"], receipts[0]["reason"]), ("measurement", "allow", "ok"))
        self.assertEqual(len([r for r in receipts if r["event"] == "measurement"]), 1)
        self.assertEqual(report["counts"]["receipts"], len(seen) + 4)  # measurement + every call + 3 results of allowed calls
        self.assertEqual(len(results), 3)
        self.assertEqual([r["tool"] for r in calls], [s[0] for s in seen])
        self.assertEqual([(r["decision"], r["reason"]) for r in calls],
                         [("allow", "ok") if o == "ok" else ("deny", o) for o in outcomes])
        # The receipt each refusal named is in the bundle (receipt_hash = SHA-256 of its line).
        import hashlib
        with tarfile.open(f"{fx.dir}/bundle-2.tar") as t:
            hashes = {hashlib.sha256(line).hexdigest() for line in t.extractfile("receipts.jsonl").read().splitlines()}
        for _, s in seen:
            if s[0] == "refused":
                self.assertIn(s[2], hashes)
        self.assertEqual(report["counts"]["payloads_confirmed"], report["counts"]["receipts"])

    def test_handshake_era_2025_11_25(self):
        self.run_era("legacy", "2025-11-25")

    def test_stateless_era_2026_07_28(self):
        self.run_era("auto", "2026-07-28")  # auto sends server/discover through the Portal

    def test_runtime_drift_at_start_refuses_every_call(self):
        fx = Fixture(self, expires_in_ms=3_600_000, reference="1" * 64)

        async def go():
            async with Client(fx.params(), mode="legacy", read_timeout_seconds=30) as client:
                return [await call(client, "echo", {"text": "a"}), await call(client, "search", {"query": "b"})]
        seen = asyncio.run(go())
        self.assertEqual([s[:2] for s in seen], [("refused", "runtime_drift")] * 2)
        report, receipts = fx.export_and_verify(self)  # the evidence is valid: it records the drift
        self.assertEqual([(r["event"], r["decision"], r["reason"]) for r in receipts],
                         [("measurement", "deny", "runtime_drift"), ("tool_call", "deny", "runtime_drift"),
                          ("tool_call", "deny", "runtime_drift")])
        # Tier 2 discloses the measured digest (salted): the script's SHA-256, 32 bytes.
        import base64
        with tarfile.open(f"{fx.dir}/bundle-2.tar") as t:
            first = t.extractfile("receipts.jsonl").read().splitlines()[0]
            disclosed = json.loads(t.extractfile(f"payloads/{hashlib.sha256(first).hexdigest()}.json").read())
        payload = base64.urlsafe_b64decode(disclosed["payload"] + "=" * (-len(disclosed["payload"]) % 4))
        self.assertEqual(payload.hex(), sha256_file(fx.server))
        self.assertEqual(hashlib.sha256(base64.urlsafe_b64decode(disclosed["salt"] + "=" * (-len(disclosed["salt"]) % 4)) + payload)
                         .hexdigest(), receipts[0]["payload_hash"])

    def test_runtime_drift_mid_run_is_caught_by_the_periodic_measurement(self):
        fx = Fixture(self, expires_in_ms=3_600_000, interval_ms=200, on_drift="deny")

        async def go():
            async with Client(fx.params(), mode="legacy", read_timeout_seconds=30) as client:
                before = await call(client, "echo", {"text": "before"})
                with open(fx.server, "a") as f:
                    f.write("# changed on disk while running\n")
                await asyncio.sleep(1.0)
                after = await call(client, "echo", {"text": "after"})
                return before, after
        before, after = asyncio.run(go())
        self.assertEqual(before, ("ok", "before"))
        self.assertEqual(after[:2], ("refused", "runtime_drift"))
        report, receipts = fx.export_and_verify(self)
        measurements = [(r["decision"], r["reason"]) for r in receipts if r["event"] == "measurement"]
        self.assertGreaterEqual(len(measurements), 3)
        self.assertEqual(measurements[0], ("allow", "ok"))
        self.assertIn(("deny", "runtime_drift"), measurements)
        calls = [(r["decision"], r["reason"]) for r in receipts if r["event"] == "tool_call"]
        self.assertEqual(calls, [("allow", "ok"), ("deny", "runtime_drift")])

    def test_composite_profile_stateless_era(self):
        fx = Fixture(self, expires_in_ms=3_600_000, profile="mldsa65-ed25519")

        async def go():
            async with Client(fx.params(), mode="auto", read_timeout_seconds=30) as client:
                return client.protocol_version, [await call(client, "echo", {"text": "pq"}),
                                                 await call(client, "delete_file", {"path": "x"})]
        version, seen = asyncio.run(go())
        self.assertEqual(version, "2026-07-28")
        self.assertEqual(seen[0], ("ok", "pq"))
        self.assertEqual(seen[1][:2], ("refused", "tool_not_allowed"))
        report, receipts = fx.export_and_verify(self)
        self.assertEqual(report["profile"], "mldsa65-ed25519")
        self.assertEqual([r["event"] for r in receipts], ["measurement", "tool_call", "tool_result", "tool_call"])
        self.assertEqual(receipts[0]["signature"]["alg"], "mldsa65-ed25519")
        # Exported again: byte-identical (the manifest signature is pinned in the state directory).
        first = open(f"{fx.dir}/bundle-2.tar", "rb").read()
        fx.export_and_verify(self)
        self.assertEqual(open(f"{fx.dir}/bundle-2.tar", "rb").read(), first)

    def test_kill_9_mid_traffic_loses_nothing_acknowledged(self):
        fx = Fixture(self, expires_in_ms=3_600_000)
        acknowledged = []

        def portal_pids():
            pids = []
            for entry in os.listdir("/proc"):
                if not entry.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        stat = f.read()
                    with open(f"/proc/{entry}/cmdline", "rb") as f:
                        cmd = f.read().split(b"\0")
                except OSError:
                    continue
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                if ppid == os.getpid() and cmd and cmd[0].decode(errors="replace") == PORTAL and fx.state.encode() in cmd:
                    pids.append(int(entry))
            return pids

        async def traffic():
            async with Client(fx.params(), mode="legacy", read_timeout_seconds=10) as client:
                (pid,) = portal_pids()
                for i in range(40):
                    name, args = [("echo", {"text": f"m{i}"}), ("delete_file", {"path": "x"})][i % 2]
                    acknowledged.append((name, await call(client, name, args)))

                # Then calls in flight, concurrently, while the Portal is killed.
                async def one(i):
                    name, args = [("echo", {"text": f"f{i}"}), ("delete_file", {"path": "y"})][i % 2]
                    try:
                        acknowledged.append((name, await call(client, name, args)))
                    except Exception:
                        pass  # never answered: the Portal is gone

                tasks = [asyncio.create_task(one(i)) for i in range(20)]
                await asyncio.sleep(0.01)
                os.kill(pid, signal.SIGKILL)
                await asyncio.wait(tasks, timeout=15)
        try:
            asyncio.run(traffic())
        except BaseException:
            pass  # the SDK reports the dead transport when the session closes
        self.assertGreaterEqual(len(acknowledged), 40)
        # Restart on the same state directory and keep going.
        after = []

        async def more():
            async with Client(fx.params(), mode="auto", read_timeout_seconds=10) as client:
                for i in range(6):
                    after.append(await call(client, "echo", {"text": f"after{i}"}))
        asyncio.run(more())
        self.assertEqual([a[0] for a in after], ["ok"] * 6)
        report, receipts = fx.export_and_verify(self)
        first = receipts[0]["session_id"]
        s1 = [r for r in receipts if r["session_id"] == first]
        ok_calls = sum(1 for _, a in acknowledged if a[0] == "ok")
        refused = {a[2] for _, a in acknowledged if a[0] == "refused"}
        allow_calls = [r for r in s1 if r["event"] == "tool_call" and r["decision"] == "allow"]
        results = [r for r in s1 if r["event"] == "tool_result"]
        # Every acknowledged call has its receipt (and every answered one its result receipt).
        self.assertGreaterEqual(len(allow_calls), ok_calls)
        self.assertGreaterEqual(len(results), ok_calls)
        import hashlib
        with tarfile.open(f"{fx.dir}/bundle-2.tar") as t:
            hashes = {hashlib.sha256(line).hexdigest() for line in t.extractfile("receipts.jsonl").read().splitlines()}
        self.assertTrue(refused <= hashes)
        self.assertEqual(report["counts"]["sessions"], 2)


if __name__ == "__main__":
    unittest.main()
