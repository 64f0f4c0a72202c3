import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
import Verifier
import XCTest
@testable import Portal

/// Runtime measurement: the engine's decision, the sealed receipt, simulate's measurement lines,
/// and the file hash `run` uses.
final class MeasurementTests: XCTestCase {
    static let reference = SHA256Hasher.hash(Array("upstream v1".utf8))
    static let other = SHA256Hasher.hash(Array("upstream v2".utf8))

    func artifact(onDrift: String = "deny") throws -> SealedArtifact {
        try T.artifact(T.policyJSON(onDrift: onDrift, reference: Self.reference.hex))
    }

    func testMatchingMeasurementAllowsAndLeavesCallsAlone() throws {
        let e = Engine(artifact: try artifact().artifact)
        var s = Engine.SessionState()
        XCTAssertEqual(e.measure(digest: Self.reference, state: &s), .init(.allow, .ok))
        XCTAssertFalse(s.runtimeDrifted)
        XCTAssertEqual(s.denials, 0)
        XCTAssertEqual(e.decide(tool: "echo", arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0 + 1, state: &s), .init(.allow, .ok))
    }

    func testDriftingMeasurementAppliesOnDriftToEveryLaterCall() throws {
        for (action, expected) in [("deny", Receipt.Decision.deny), ("phantom", .phantom)] {
            let e = Engine(artifact: try artifact(onDrift: action).artifact)
            var s = Engine.SessionState()
            XCTAssertEqual(e.measure(digest: Self.other, state: &s), .init(expected, .runtimeDrift))
            XCTAssertTrue(s.runtimeDrifted)
            // A later matching measurement does not clear the drift: only a restart does.
            XCTAssertEqual(e.measure(digest: Self.reference, state: &s), .init(.allow, .ok))
            for tool in ["echo", "search", "delete_file"] {
                XCTAssertEqual(e.decide(tool: tool, arguments: T.json(#"{"text":"a","query":"q"}"#), timeMS: T.t0 + 1, state: &s),
                               .init(expected, .runtimeDrift), tool)
            }
            // The validity window still comes first.
            XCTAssertEqual(e.decide(tool: "echo", arguments: nil, timeMS: T.t0 + T.hour, state: &s), .init(.deny, .artifactExpired))
            // Another session is not affected.
            var fresh = Engine.SessionState()
            XCTAssertEqual(e.decide(tool: "echo", arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0 + 1, state: &fresh).decision, .allow)
        }
    }

    func testAnUnmeasurableRuntimeIsDrift() throws {
        let e = Engine(artifact: try artifact().artifact)
        var s = Engine.SessionState()
        XCTAssertEqual(e.measure(digest: nil, state: &s), .init(.deny, .runtimeDrift))
        XCTAssertTrue(s.runtimeDrifted)
    }

    func testMeasurementReceiptCommitsToTheSaltedDigest() throws {
        let a = try artifact()
        let log = EvidenceLog(logID: SHA256Hasher.hash([9]), portal: T.portal)
        let rec = Recorder(log: log, sink: nil, checkpointEvery: 0, salt: T.fixedSalt())
        let ok = try rec.measurement(artifact: a, sessionID: "s", digest: Self.reference, timeMS: T.t0 + 1)
        XCTAssertEqual(ok.verdict, .init(.allow, .ok))
        let bad = try rec.measurement(artifact: a, sessionID: "s", digest: Self.other, timeMS: T.t0 + 2)
        XCTAssertEqual(bad.verdict, .init(.deny, .runtimeDrift))
        let call = try rec.call(artifact: a, sessionID: "s", name: .string("echo"), arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0 + 3)
        XCTAssertEqual(call.verdict, .init(.deny, .runtimeDrift))
        let m = log.entries[1]
        XCTAssertEqual(m.receipt.event, .measurement)
        XCTAssertNil(m.receipt.tool)
        XCTAssertEqual(m.payload, Self.other.bytes)
        XCTAssertEqual(m.salt.count, 32)
        XCTAssertEqual(m.receipt.payloadHash, SHA256Hasher.hash(m.salt, Self.other.bytes))
        XCTAssertNotEqual(m.receipt.payloadHash, SHA256Hasher.hash(Self.other.bytes))
        log.checkpoint(timeMS: T.t0 + 4)
        var o = Exporter.Options()
        o.tier = 2
        let bundle = try Exporter.bundle(logID: log.logID, portal: T.portal, receipts: log.entries, checkpoints: log.checkpoints,
                                         artifacts: [a], options: o).bundle
        let report = T.verify(bundle)
        assertPass(report)
        XCTAssertEqual(report.confirmedPayloads.count, 3)
    }

    func testRestartClearsTheDriftFlag() throws {
        let a = try artifact()
        let log = EvidenceLog(logID: SHA256Hasher.hash([9]), portal: T.portal)
        let rec = Recorder(log: log, sink: nil, checkpointEvery: 0, salt: T.fixedSalt())
        _ = try rec.measurement(artifact: a, sessionID: "s", digest: Self.other, timeMS: T.t0 + 1)
        _ = try rec.call(artifact: a, sessionID: "s", name: .string("echo"), arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0 + 2)
        // A restarted Portal rebuilds the session from its receipts, then measures again.
        let restored = Recorder(log: log, sink: nil, checkpointEvery: 0, artifacts: [a], salt: T.fixedSalt())
        XCTAssertEqual(try restored.measurement(artifact: a, sessionID: "s", digest: Self.reference, timeMS: T.t0 + 3).verdict, .init(.allow, .ok))
        XCTAssertEqual(try restored.call(artifact: a, sessionID: "s", name: .string("echo"), arguments: T.json(#"{"text":"a"}"#),
                                         timeMS: T.t0 + 4).verdict, .init(.allow, .ok))
    }

    func testSimulateMeasurementLines() throws {
        let calls = """
        {"time_ms":1767225601000,"session_id":"s1","measurement":"\(Self.reference.hex)"}
        {"time_ms":1767225602000,"session_id":"s1","tool":"echo","arguments":{"text":"hi"}}
        {"time_ms":1767225603000,"session_id":"s2","measurement":"\(Self.other.hex)"}
        {"time_ms":1767225604000,"session_id":"s2","tool":"echo","arguments":{"text":"hi"}}
        """
        let list = try Simulator.parseCalls(Array(calls.utf8))
        XCTAssertEqual(list.map(\.measurement), [Self.reference, nil, Self.other, nil])
        let (bundle, summary) = try Simulator.run(calls: list, artifact: try artifact(onDrift: "phantom"), parents: [], portal: T.portal,
                                                  logID: SHA256Hasher.hash([4]), checkpointEvery: 10, tier: 2, salt: T.fixedSalt())
        XCTAssertEqual(summary.calls, 2)
        XCTAssertEqual(summary.measurements, 2)
        XCTAssertEqual(summary.decisions["measurement:allow/ok"], 1)
        XCTAssertEqual(summary.decisions["measurement:phantom/runtime_drift"], 1)
        XCTAssertEqual(summary.decisions["phantom/runtime_drift"], 1)
        XCTAssertEqual(summary.decisions["allow/ok"], 1)
        let report = T.verify(bundle)
        assertPass(report)
        var reader = try BundleArchiveReader(bundle)
        let receipts = try reader.receipts()
        XCTAssertEqual(receipts.map(\.event), [.measurement, .toolCall, .measurement, .toolCall])
        XCTAssertEqual(receipts.map(\.reason), [.ok, .ok, .runtimeDrift, .runtimeDrift])
    }

    func testSimulateMeasurementLineErrors() {
        let h = Self.reference.hex
        for (line, location) in [
            (#"{"time_ms":1,"session_id":"s","measurement":"\#(h.uppercased())"}"#, "calls:1: measurement"),
            (#"{"time_ms":1,"session_id":"s","measurement":"\#(h.dropLast(2))"}"#, "calls:1: measurement"),
            (#"{"time_ms":1,"session_id":"s","measurement":7}"#, "calls:1: measurement"),
            (#"{"time_ms":1,"session_id":"s","measurement":"\#(h)","tool":"echo"}"#, "calls:1: tool"),
            (#"{"time_ms":1,"session_id":"s","measurement":"\#(h)","arguments":{}}"#, "calls:1: arguments"),
            (#"{"session_id":"s","measurement":"\#(h)"}"#, "calls:1: time_ms"),
        ] {
            do {
                _ = try Simulator.parseCalls(Array(line.utf8))
                XCTFail("accepted \(line)")
            } catch {
                XCTAssertEqual(error.code, .calls, line)
                XCTAssertEqual(error.location, location, line)
            }
        }
    }

    func testFileMeasurement() throws {
        let dir = try T.tempDir()
        try Data("#!/bin/sh\necho hi\n".utf8).write(to: URL(fileURLWithPath: dir + "/server"))
        XCTAssertEqual(try RuntimeMeasurement.sha256(file: dir + "/server"), SHA256Hasher.hash(Array("#!/bin/sh\necho hi\n".utf8)))
        // Through a symlink: the target's bytes.
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/server")
        XCTAssertEqual(try RuntimeMeasurement.sha256(file: dir + "/link"), try RuntimeMeasurement.sha256(file: dir + "/server"))
        // Larger than one read buffer.
        let big = [UInt8](repeating: 7, count: 200_000)
        try Data(big).write(to: URL(fileURLWithPath: dir + "/big"))
        XCTAssertEqual(try RuntimeMeasurement.sha256(file: dir + "/big"), SHA256Hasher.hash(big))
        assertCode(.io) { try RuntimeMeasurement.sha256(file: dir + "/missing") }
        assertCode(.io) { try RuntimeMeasurement.sha256(file: dir) }
        XCTAssertEqual(mkfifo(dir + "/fifo", 0o600), 0)
        assertCode(.io) { try RuntimeMeasurement.sha256(file: dir + "/fifo") }
    }
}
