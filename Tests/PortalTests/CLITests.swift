import EvidenceCrypto
import Foundation
import XCTest

/// Runs the built `portal` (and `verify`) binaries from the products directory.
final class CLITests: XCTestCase {
    static var products: URL {
        #if os(macOS)
        return Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent() ?? Bundle.main.bundleURL
        #else
        return Bundle.main.bundleURL
        #endif
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ tool: String, _ args: [String], stdin: Data? = nil) throws -> Result {
        let p = Process()
        p.executableURL = products.appendingPathComponent(tool)
        p.arguments = args
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    var dir = ""

    override func setUpWithError() throws {
        dir = try T.tempDir()
        for tool in ["portal", "verify"] {
            guard FileManager.default.isExecutableFile(atPath: Self.products.appendingPathComponent(tool).path) else {
                XCTFail("\(tool) is not built in \(Self.products.path)")
                throw XCTSkip("binary missing")
            }
        }
        try XCTAssertEqual(Self.run("portal", ["keygen", "--out", dir + "/issuer"]).status, 0)
        try XCTAssertEqual(Self.run("portal", ["keygen", "--out", dir + "/portal"]).status, 0)
        try T.policyJSON().write(toFile: dir + "/policy.json", atomically: true, encoding: .utf8)
    }

    func testKeygenSealSimulateVerify() throws {
        let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/issuer.key")
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let seal = try Self.run("portal", ["seal", dir + "/policy.json", "--issuer-key", dir + "/issuer.key",
                                            "--portal-key", dir + "/portal.pub", "--out", dir + "/artifact.json"])
        XCTAssertEqual(seal.status, 0, seal.stderr)
        XCTAssertTrue(seal.stdout.hasPrefix("artifact_ref "))
        let calls = (0..<20).map { #"{"time_ms":\#(T.t0 + Int64($0) * 1000),"session_id":"s\#($0 % 3)","tool":"\#($0 % 4 == 0 ? "search" : "echo")","arguments":{"text":"x","query":"q"}}"# }
        try calls.joined(separator: "\n").write(toFile: dir + "/calls.jsonl", atomically: true, encoding: .utf8)
        for tier in ["1", "2"] {
            let sim = try Self.run("portal", ["simulate", "--artifact", dir + "/artifact.json", "--key", dir + "/portal.key",
                                              "--calls", dir + "/calls.jsonl", "--out", dir + "/sim\(tier).tar", "--checkpoint-every", "7", "--tier", tier])
            XCTAssertEqual(sim.status, 0, sim.stderr)
            let v = try Self.run("verify", [dir + "/sim\(tier).tar", "--trust", dir + "/issuer.pub", "--require-trust", "--format", "json"])
            XCTAssertEqual(v.status, 0, v.stdout)
            XCTAssertTrue(v.stdout.contains(#""verdict":"PASS""#))
            XCTAssertTrue(v.stdout.contains(#""receipts":20"#))
        }
    }

    func testBadPolicyNamesTheField() throws {
        try T.policyJSON().replacingOccurrences(of: #""max_calls":2"#, with: #""max_calls":"2""#)
            .write(toFile: dir + "/bad.json", atomically: true, encoding: .utf8)
        let r = try Self.run("portal", ["seal", dir + "/bad.json", "--issuer-key", dir + "/issuer.key",
                                         "--portal-key", dir + "/portal.pub", "--out", dir + "/a.json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("PORTAL_POLICY"), r.stderr)
        XCTAssertTrue(r.stderr.contains("rate_limits[0].max_calls"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/a.json"))
    }

    func testKeygenNeverOverwrites() throws {
        let r = try Self.run("portal", ["keygen", "--out", dir + "/issuer"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("PORTAL_FILE_EXISTS"))
    }

    /// The proxy with a scripted upstream (a shell `cat`-like echo is not MCP; here the upstream is
    /// /bin/cat, so every relayed line comes back verbatim): relaying is byte for byte, refusals are
    /// produced by the Portal, and the receipts export and verify.
    func testRunRelaysBytesAndRefusesWithReceipts() throws {
        try XCTAssertEqual(Self.run("portal", ["seal", dir + "/policy.json", "--issuer-key", dir + "/issuer.key",
                                               "--portal-key", dir + "/portal.pub", "--out", dir + "/artifact.json"]).status, 0)
        // A window around now so that calls are decided inside it.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // The runtime reference is the upstream executable's SHA-256 (what run measures by default).
        let cat = try XCTUnwrap(FileManager.default.contents(atPath: "/bin/cat"))
        try T.policyJSON(notBefore: now - 60_000, notAfter: now + 3_600_000, reference: SHA256Hasher.hash(Array(cat)).hex)
            .write(toFile: dir + "/live.json", atomically: true, encoding: .utf8)
        try XCTAssertEqual(Self.run("portal", ["seal", dir + "/live.json", "--issuer-key", dir + "/issuer.key",
                                               "--portal-key", dir + "/portal.pub", "--out", dir + "/live-artifact.json"]).status, 0)
        let input = [
            #"{"jsonrpc":"2.0","id":1,"method":"ping",   "params":{}}"#,
            #"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_file","arguments":{}}}"#,
            #"{"jsonrpc":"2.0","method":"tools/call","params":{"name":"echo","arguments":{"text":"dup"},"name":"x"}}"#,
        ].joined(separator: "\n") + "\n"
        let r = try Self.run("portal", ["run", "--artifact", dir + "/live-artifact.json", "--key", dir + "/portal.key",
                                        "--state", dir + "/state", "--", "/bin/cat"], stdin: Data(input.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // ping relayed byte for byte (odd spacing kept); the allowed call reaches the upstream and
        // comes back verbatim from cat; the forbidden call is answered by the Portal; the line with a
        // duplicate member is refused as unreadable, never relayed.
        XCTAssertTrue(lines.contains(#"{"jsonrpc":"2.0","id":1,"method":"ping",   "params":{}}"#), r.stdout)
        XCTAssertTrue(lines.contains(#"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#))
        let refusal = try XCTUnwrap(lines.first { $0.contains(#""id":2"#) })
        XCTAssertTrue(refusal.contains(#""code":-31001"#) && refusal.contains(#""reason":"tool_not_allowed""#), refusal)
        XCTAssertTrue(lines.contains { $0.contains("-32700") })
        XCTAssertFalse(r.stdout.contains(#""text":"dup""#))
        let ex = try Self.run("portal", ["export", "--state", dir + "/state", "--key", dir + "/portal.key", "--out", dir + "/run.tar"])
        XCTAssertEqual(ex.status, 0, ex.stderr)
        let v = try Self.run("verify", [dir + "/run.tar", "--trust", dir + "/issuer.pub", "--require-trust", "--format", "json"])
        XCTAssertEqual(v.status, 0, v.stdout)
        XCTAssertTrue(v.stdout.contains(#""receipts":3"#), v.stdout)  // the measurement at start and the two calls
        XCTAssertTrue(r.stderr.contains("measurement of /bin/cat"), r.stderr)
        // Two Portals never share a state directory: a second export while none runs is fine and
        // reproducible.
        try XCTAssertEqual(Self.run("portal", ["export", "--state", dir + "/state", "--key", dir + "/portal.key", "--out", dir + "/run2.tar"]).status, 0)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/run.tar"), FileManager.default.contents(atPath: dir + "/run2.tar"))
    }

    /// A policy live now whose runtime reference is `reference` (default: SHA-256 of /bin/cat).
    func livePolicy(reference: String? = nil, onDrift: String = "deny") throws -> String {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let cat = try XCTUnwrap(FileManager.default.contents(atPath: "/bin/cat"))
        let path = dir + "/live-\(UUID().uuidString).json"
        try T.policyJSON(notBefore: now - 60_000, notAfter: now + 3_600_000, onDrift: onDrift,
                         reference: reference ?? SHA256Hasher.hash(Array(cat)).hex)
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A drifted runtime: the measurement at start differs, so calls are refused with runtime_drift
    /// and never reach the upstream; the evidence still verifies (it records the drift).
    func testRunRefusesCallsAfterRuntimeDrift() throws {
        try XCTAssertEqual(Self.run("portal", ["seal", try livePolicy(reference: String(repeating: "1", count: 64)), "--issuer-key", dir + "/issuer.key",
                                               "--portal-key", dir + "/portal.pub", "--out", dir + "/drift.json"]).status, 0)
        let input = #"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"# + "\n"
        let r = try Self.run("portal", ["run", "--artifact", dir + "/drift.json", "--key", dir + "/portal.key",
                                        "--state", dir + "/state", "--", "/bin/cat"], stdin: Data(input.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(#""reason":"runtime_drift""#) && r.stdout.contains(#""code":-31001"#), r.stdout)
        XCTAssertFalse(r.stdout.contains(#""method":"tools/call""#), "the call reached the upstream: \(r.stdout)")
        try XCTAssertEqual(Self.run("portal", ["export", "--state", dir + "/state", "--key", dir + "/portal.key", "--out", dir + "/drift.tar"]).status, 0)
        let v = try Self.run("verify", [dir + "/drift.tar", "--trust", dir + "/issuer.pub", "--require-trust", "--format", "json"])
        XCTAssertEqual(v.status, 0, v.stdout)
        XCTAssertTrue(v.stdout.contains(#""verdict":"PASS""#) && v.stdout.contains(#""receipts":2"#), v.stdout)
    }

    func testMixedProfileSealIsRefused() throws {
        try XCTAssertEqual(Self.run("portal", ["keygen", "--profile", "mldsa65-ed25519", "--out", dir + "/pq"]).status, 0)
        let r = try Self.run("portal", ["seal", dir + "/policy.json", "--issuer-key", dir + "/issuer.key",
                                         "--portal-key", dir + "/pq.pub", "--out", dir + "/mixed.json"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("PORTAL_PROFILE_MISMATCH") && r.stderr.contains("pq.pub"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/mixed.json"))
        let bad = try Self.run("portal", ["keygen", "--profile", "mldsa87", "--out", dir + "/x"])
        XCTAssertEqual(bad.status, 64, bad.stderr)
    }

    /// The composite profile end to end through the binaries: keygen, seal, simulate (pinned and
    /// seeded: byte-identical twice), run, export twice (byte-identical), verify --require-trust.
    func testCompositeProfileEndToEnd() throws {
        for name in ["pq-issuer", "pq-portal"] {
            let k = try Self.run("portal", ["keygen", "--profile", "mldsa65-ed25519", "--out", dir + "/" + name])
            XCTAssertEqual(k.status, 0, k.stderr)
            XCTAssertTrue(k.stdout.contains("profile mldsa65-ed25519"))
        }
        let seal = try Self.run("portal", ["seal", dir + "/policy.json", "--issuer-key", dir + "/pq-issuer.key",
                                            "--portal-key", dir + "/pq-portal.pub", "--out", dir + "/pq-artifact.json"])
        XCTAssertEqual(seal.status, 0, seal.stderr)
        let calls = #"{"time_ms":\#(T.t0 + 1),"session_id":"s","tool":"echo","arguments":{"text":"x"}}"# + "\n"
            + #"{"time_ms":\#(T.t0 + 2),"session_id":"s","measurement":"\#(String(repeating: "0", count: 64))"}"#
        try calls.write(toFile: dir + "/calls.jsonl", atomically: true, encoding: .utf8)
        var sims: [Data?] = []
        for i in 0..<2 {
            let sim = try Self.run("portal", ["simulate", "--artifact", dir + "/pq-artifact.json", "--key", dir + "/pq-portal.key",
                                              "--calls", dir + "/calls.jsonl", "--out", dir + "/pq-sim\(i).tar", "--tier", "2",
                                              "--pins", dir + "/pins.jsonl", "--seed", "fixture-1"])
            XCTAssertEqual(sim.status, 0, sim.stderr)
            sims.append(FileManager.default.contents(atPath: dir + "/pq-sim\(i).tar"))
        }
        XCTAssertNotNil(sims[0])
        XCTAssertEqual(sims[0], sims[1])
        let report = T.verify(Array(try XCTUnwrap(sims[0])), anchor: try KeyFilesHelper.pub(dir + "/pq-issuer.pub"))
        assertPass(report)
        XCTAssertEqual(report.profile, "mldsa65-ed25519")
        XCTAssertEqual(report.receipts, 2)

        // run under the composite profile with /bin/cat upstream, then two exports.
        let live = try livePolicy()
        try XCTAssertEqual(Self.run("portal", ["seal", live, "--issuer-key", dir + "/pq-issuer.key",
                                               "--portal-key", dir + "/pq-portal.pub", "--out", dir + "/pq-live.json"]).status, 0)
        let input = #"{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"# + "\n"
        let r = try Self.run("portal", ["run", "--artifact", dir + "/pq-live.json", "--key", dir + "/pq-portal.key",
                                        "--state", dir + "/pq-state", "--", "/bin/cat"], stdin: Data(input.utf8))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains(#""text":"hi""#), r.stdout)
        // An Ed25519 Portal key cannot run a composite artifact.
        let wrong = try Self.run("portal", ["run", "--artifact", dir + "/pq-live.json", "--key", dir + "/portal.key",
                                            "--state", dir + "/other-state", "--", "/bin/cat"], stdin: Data())
        XCTAssertEqual(wrong.status, 1)
        XCTAssertTrue(wrong.stderr.contains("PORTAL_PROFILE_MISMATCH"), wrong.stderr)
        for i in 0..<2 {
            let ex = try Self.run("portal", ["export", "--state", dir + "/pq-state", "--key", dir + "/pq-portal.key", "--out", dir + "/pq-run\(i).tar"])
            XCTAssertEqual(ex.status, 0, ex.stderr)
        }
        let first = try XCTUnwrap(FileManager.default.contents(atPath: dir + "/pq-run0.tar"))
        XCTAssertEqual(first, FileManager.default.contents(atPath: dir + "/pq-run1.tar"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pq-state/signatures.jsonl"))
        let v = try Self.run("verify", [dir + "/pq-run0.tar", "--trust", dir + "/pq-issuer.pub", "--require-trust", "--format", "json"])
        XCTAssertEqual(v.status, 0, v.stdout)
        XCTAssertTrue(v.stdout.contains(#""verdict":"PASS""#) && v.stdout.contains(#""profile":"mldsa65-ed25519""#), v.stdout)
        let inProcess = T.verify(Array(first), anchor: try KeyFilesHelper.pub(dir + "/pq-issuer.pub"))
        assertPass(inProcess)
        XCTAssertEqual(inProcess.profile, "mldsa65-ed25519")
        XCTAssertEqual(inProcess.receipts, 2)  // the measurement and the call (cat echoes the request: no result)
    }
}
