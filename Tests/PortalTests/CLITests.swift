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
        try T.policyJSON(notBefore: now - 60_000, notAfter: now + 3_600_000).write(toFile: dir + "/live.json", atomically: true, encoding: .utf8)
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
        XCTAssertTrue(v.stdout.contains(#""receipts":2"#), v.stdout)
        // Two Portals never share a state directory: a second export while none runs is fine and
        // reproducible.
        try XCTAssertEqual(Self.run("portal", ["export", "--state", dir + "/state", "--key", dir + "/portal.key", "--out", dir + "/run2.tar"]).status, 0)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/run.tar"), FileManager.default.contents(atPath: dir + "/run2.tar"))
    }
}
