import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON
import Verifier
import XCTest
@testable import Portal

final class SimulateTests: XCTestCase {
    let calls = """
    {"time_ms":1767225601000,"session_id":"s1","tool":"echo","arguments":{"text":"hi"},"result":{"content":[]}}
    {"time_ms":1767225602000,"session_id":"s1","tool":"rm","arguments":{}}
    {"time_ms":1767225603000,"session_id":"s1","tool":"echo","arguments":{}}
    {"time_ms":1767225604000,"session_id":"s2","tool":"search","arguments":{"query":"a"}}
    {"time_ms":1767225605000,"session_id":"s2","tool":"search","arguments":{"query":"b"}}
    {"time_ms":1767225606000,"session_id":"s2","tool":"search","arguments":{"query":"c"}}
    {"time_ms":1767229300000,"session_id":"s1","tool":"echo","arguments":{"text":"late"}}
    """

    func simulate(tier: Int64 = 1, every: Int = 3) throws -> (bundle: [UInt8], summary: Simulator.Summary) {
        try Simulator.run(calls: try Simulator.parseCalls(Array(calls.utf8)), artifact: try T.artifact(), parents: [],
                          portal: T.portal, logID: SHA256Hasher.hash([2]), checkpointEvery: every, tier: tier, salt: T.fixedSalt())
    }

    func receipts(_ bundle: [UInt8]) throws -> [Receipt] {
        var reader = try BundleArchiveReader(bundle)
        return try reader.receipts()
    }

    func testSimulatedBundleVerifiesWithTheExpectedDecisions() throws {
        let (bundle, summary) = try simulate()
        XCTAssertEqual(summary.calls, 7)
        XCTAssertEqual(summary.receipts, 8)
        let report = T.verify(bundle)
        assertPass(report)
        XCTAssertEqual(report.receipts, 8)
        XCTAssertEqual(report.sessions, 2)
        XCTAssertEqual(report.checkpoints, 3)
        let calls = try receipts(bundle).filter { $0.event == .toolCall }
        XCTAssertEqual(calls.map(\.reason), [.ok, .toolNotAllowed, .missingParameter, .ok, .ok, .rateLimited, .artifactExpired])
        XCTAssertEqual(calls[5].limit, "search-burst")
    }

    func testTier2DisclosesEveryPayload() throws {
        let report = T.verify(try simulate(tier: 2).bundle)
        assertPass(report)
        XCTAssertEqual(report.confirmedPayloads.count, 8)
    }

    func testBundlesAreReproducible() throws {
        XCTAssertEqual(try simulate().bundle, try simulate().bundle)
    }

    func testPerSessionExportHasInclusionProofsAndVerifies() throws {
        let c = try Simulator.parseCalls(Array(calls.utf8))
        let log = EvidenceLog(logID: SHA256Hasher.hash([3]), portal: T.portal)
        let rec = Recorder(log: log, sink: nil, checkpointEvery: 2, salt: T.fixedSalt())
        let a = try T.artifact()
        for call in c {
            _ = try rec.call(artifact: a, sessionID: call.sessionID, name: .string(call.tool), arguments: call.arguments, timeMS: call.timeMS)
            try rec.checkpointIfDue(nowMS: call.timeMS)
        }
        try rec.checkpoint(nowMS: 0)
        for tier in [Int64(1), 2] {
            var o = Exporter.Options()
            o.session = "s2"
            o.tier = tier
            let r = try Exporter.bundle(logID: log.logID, portal: T.portal, receipts: log.entries, checkpoints: log.checkpoints,
                                        artifacts: [a], options: o)
            let report = T.verify(r.bundle)
            assertPass(report)
            XCTAssertEqual(report.scope, "selective")
            XCTAssertEqual(report.receipts, 3)
            XCTAssertEqual(report.sessions, 1)
            XCTAssertEqual(report.confirmedPayloads.count, tier == 2 ? 3 : 0)
            XCTAssertTrue(try receipts(r.bundle).allSatisfy { $0.sessionID == "s2" })
        }
        var o = Exporter.Options()
        o.session = "nope"
        assertCode(.nothingToExport) {
            try Exporter.bundle(logID: log.logID, portal: T.portal, receipts: log.entries, checkpoints: log.checkpoints, artifacts: [a], options: o)
        }
    }

    func testSubMandateBundleCarriesTheParent() throws {
        let parent = try T.artifact()
        let narrow = T.policyJSON(tools: #"[{"name":"echo","required_params":["text"]},{"name":"search","required_params":["query"]}]"#,
                                  limits: #"[{"id":"search-burst","tool":"search","max_calls":1,"window_ms":60000}]"#)
        let child = try SealedArtifact.parse(try Derivation.derive(policy: Array(narrow.utf8), parent: parent, portalKeys: nil, issuer: T.issuer).bytes)
        let (bundle, _) = try Simulator.run(calls: try Simulator.parseCalls(Array(calls.utf8)), artifact: child, parents: [parent],
                                            portal: T.portal, logID: SHA256Hasher.hash([4]), checkpointEvery: 100, tier: 1)
        let report = T.verify(bundle)
        assertPass(report)
        XCTAssertEqual(report.artifacts, 2)
        XCTAssertEqual(try receipts(bundle).filter { $0.reason == .rateLimited }.count, 2)
    }

    func testManyReceiptsInManySessions() throws {
        var lines: [String] = []
        for i in 0..<3000 {
            lines.append(#"{"time_ms":\#(T.t0 + Int64(i)),"session_id":"s\#(i % 7)","tool":"echo","arguments":{"text":"\#(i)"}}"#)
        }
        let (bundle, summary) = try Simulator.run(calls: try Simulator.parseCalls(Array(lines.joined(separator: "\n").utf8)),
                                                  artifact: try T.artifact(), parents: [], portal: T.portal,
                                                  logID: SHA256Hasher.hash([5]), checkpointEvery: 1000, tier: 1)
        XCTAssertEqual(summary.receipts, 3000)
        let report = T.verify(bundle)
        assertPass(report)
        XCTAssertEqual(report.checkpoints, 3)
        XCTAssertEqual(report.sessions, 7)
    }

    func testCallsFileErrors() {
        func code(_ s: String) -> (PortalError.Code, String)? {
            do { _ = try Simulator.parseCalls(Array(s.utf8), file: "c"); return nil } catch { return (error.code, error.location) }
        }
        XCTAssertEqual(code(#"{"time_ms":1,"session_id":"s","tool":"t"}"#)?.0, nil)
        XCTAssertEqual(code(#"{"time_ms":-1,"session_id":"s","tool":"t"}"#)?.1, "c:1: time_ms")
        XCTAssertEqual(code(#"{"time_ms":1.5,"session_id":"s","tool":"t"}"#)?.1, "c:1: time_ms")
        XCTAssertEqual(code(#"{"time_ms":1,"session_id":"a b","tool":"t"}"#)?.1, "c:1: session_id")
        XCTAssertEqual(code(#"{"time_ms":1,"session_id":"s"}"#)?.1, "c:1: tool")
        XCTAssertEqual(code(#"{"time_ms":1,"session_id":"s","tool":"t","extra":1}"#)?.1, "c:1: extra")
        XCTAssertEqual(code("{\"time_ms\":1,\"session_id\":\"s\",\"tool\":\"t\"}\n\n")?.1, "c:2")
        XCTAssertEqual(code("{\"time_ms\":5,\"session_id\":\"s\",\"tool\":\"t\"}\n{\"time_ms\":4,\"session_id\":\"s\",\"tool\":\"t\"}")?.0,
                       .callsTimeRegression)
        XCTAssertEqual(code("[1]")?.0, .calls)
    }
}

/// Reads receipts.jsonl out of a bundle held in memory (tests only).
struct BundleArchiveReader {
    let files: [String: [UInt8]]

    init(_ bundle: [UInt8]) throws {
        // ustar: 512-byte headers, name at 0..<100, octal size at 124..<136.
        var files: [String: [UInt8]] = [:]
        var off = 0
        while off + 512 <= bundle.count {
            let header = bundle[off..<off + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            let name = String(decoding: header.prefix(100).prefix { $0 != 0 }, as: UTF8.self)
            let sizeText = String(decoding: bundle[off + 124..<off + 136].prefix { $0 != 0 && $0 != 0x20 }, as: UTF8.self)
            let size = Int(sizeText, radix: 8) ?? 0
            files[name] = Array(bundle[off + 512..<off + 512 + size])
            off += 512 + (size + 511) / 512 * 512
        }
        self.files = files
    }

    mutating func receipts() throws -> [Receipt] {
        let bytes = try XCTUnwrap(files["receipts.jsonl"])
        return try bytes.split(separator: 0x0a).map { try Receipt(try JSONParser.parse(Array($0))) }
    }
}
