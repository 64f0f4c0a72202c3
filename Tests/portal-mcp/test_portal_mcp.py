"""The Portal between the official MCP Python SDK's client and server, in both protocol eras.

Binaries: PORTAL_BIN and VERIFY_BIN (default: .build/debug/ of the repository); the Python
interpreter that runs this file must have the packages of requirements.txt.
"""
import asyncio
import io
import json
import os
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


def policy(now_ms, expires_in_ms):
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
        "runtime": {"reference_hash": "0" * 64, "measurement_interval_ms": 60000},
        "baseline": {"max_session_denials": 1000},
        "on_drift": "deny",
        "on_expiry": "deny",
    }


class Fixture:
    """Keys, a sealed artifact and a state directory in a temporary directory."""

    def __init__(self, testcase, expires_in_ms):
        self.tmp = tempfile.TemporaryDirectory()
        testcase.addCleanup(self.tmp.cleanup)
        d = self.tmp.name
        self.dir = d
        sh(PORTAL, "keygen", "--out", f"{d}/issuer")
        sh(PORTAL, "keygen", "--out", f"{d}/portal")
        with open(f"{d}/policy.json", "w") as f:
            json.dump(policy(int(time.time() * 1000), expires_in_ms), f)
        sh(PORTAL, "seal", f"{d}/policy.json", "--issuer-key", f"{d}/issuer.key", "--portal-key", f"{d}/portal.pub",
           "--out", f"{d}/artifact.json")
        with open(f"{d}/policy.json") as f:
            self.not_after_ms = json.load(f)["not_after_ms"]
        self.state = f"{d}/state"

    def params(self):
        return StdioServerParameters(
            command=PORTAL,
            args=["run", "--artifact", f"{self.dir}/artifact.json", "--key", f"{self.dir}/portal.key",
                  "--state", self.state, "--checkpoint-every", "5", "--",
                  sys.executable, os.path.join(HERE, "upstream_server.py")])

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
        self.assertEqual(report["counts"]["receipts"], len(seen) + 3)  # every call + 3 results of allowed calls
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
