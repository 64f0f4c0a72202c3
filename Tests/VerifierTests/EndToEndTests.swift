import BundleKit
import EvidenceFormat
import Foundation
import StrictJSON
import TarForge
import XCTest

/// Runs the built `verify` over the sample and over mutations of it, asserting exit status,
/// stdout and the exact multiset of failure codes of the JSON report.
final class EndToEndTests: XCTestCase {
    var scratch: Scratch!
    var trust: String!

    override func setUpWithError() throws {
        scratch = try Scratch()
        trust = try scratch.write("issuer.trust", sample.trustFile)
    }

    /// Verifies `bundle` with `--format json` and the sample trust anchor unless `args` says otherwise.
    func verify(_ bundle: [UInt8], _ args: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> VerifyRun {
        let path = try scratch.write("bundle-\(UUID().uuidString).tar", bundle)
        return try Tool.verify([path, "--format", "json"] + (args ?? ["--trust", trust]))
    }

    func assertFails(_ run: VerifyRun, _ expected: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, "exit status; stderr: \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.codes.sorted(), expected.sorted(), "failure codes", file: file, line: line)
        XCTAssertEqual(run.report?["verdict"]?.stringValue, "FAIL", file: file, line: line)
    }

    // MARK: the valid sample

    func testSampleFixturePassesWithTextReport() throws {
        let fixture = try scratch.write("sample.tar", try sampleEntries().tar())
        let run = try Tool.verify([fixture, "--trust", trust])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.hasPrefix("verify: PASS"), run.stdout)
        XCTAssertTrue(run.stdout.contains("origin: pinned"), run.stdout)
        XCTAssertTrue(run.stdout.contains("12 receipts, 2 sessions, 2 artifacts, 3 checkpoints, 4 payloads confirmed"), run.stdout)
        XCTAssertFalse(run.stdout.contains("failures:"))
        XCTAssertEqual(run.stderr, "")
    }

    func testCommittedFixtureIsTheGeneratedOne() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try Data(contentsOf: root.appendingPathComponent("Fixtures/sample.tar"))
        XCTAssertEqual([UInt8](committed), try BundleWriter.bundle(sample.fullRequest()))
        let run = try Tool.verify([root.appendingPathComponent("Fixtures/sample.tar").path,
                                   "--trust", root.appendingPathComponent("Fixtures/sample.trust").path])
        XCTAssertEqual(run.status, 0, run.stdout)
    }

    func testCommittedPostQuantumFixtureVerifies() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let fixture = root.appendingPathComponent("Fixtures/sample-pq.tar").path
        let run = try Tool.verify([fixture, "--trust", root.appendingPathComponent("Fixtures/sample-pq.trust").path, "--require-trust"])
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertTrue(run.stdout.contains("profile: mldsa65-ed25519"), run.stdout)
        // The Ed25519 issuer is not this bundle's issuer.
        let wrong = try Tool.verify([fixture, "--trust", root.appendingPathComponent("Fixtures/sample.trust").path])
        XCTAssertEqual(wrong.status, 1, wrong.stdout)
        XCTAssertTrue(wrong.stdout.contains("TRUST_ISSUER_UNTRUSTED"), wrong.stdout)
    }

    func testJSONReportIsCanonicalAndComplete() throws {
        let run = try verify(try sampleEntries().tar())
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertEqual(run.codes, [])
        let report = try XCTUnwrap(run.report)
        guard case .object(let counts)? = report["counts"], case .object(let origin)? = report["origin"] else {
            return XCTFail("counts and origin are objects")
        }
        XCTAssertEqual(counts["receipts"]?.integerValue, 12)
        XCTAssertEqual(counts["sessions"]?.integerValue, 2)
        XCTAssertEqual(counts["checkpoints"]?.integerValue, 3)
        XCTAssertEqual(counts["payloads_confirmed"]?.integerValue, 4)
        XCTAssertEqual(origin["pinned"]?.boolValue, true)
        // The report is JCS: re-canonicalizing it changes nothing.
        let bytes = Array(run.stdout.utf8.dropLast())
        XCTAssertEqual(JCS.canonicalize(try JSONParser.parse(bytes, options: .general)), bytes)
    }

    func testReportsAreByteIdenticalAcrossRuns() throws {
        let path = try scratch.write("same.tar", try sampleEntries().tar())
        for format in ["text", "json"] {
            let a = try Tool.verify([path, "--trust", trust, "--format", format])
            let b = try Tool.verify([path, "--trust", trust, "--format", format])
            XCTAssertEqual(a.stdout, b.stdout)
            XCTAssertFalse(a.stdout.isEmpty)
        }
    }

    func testSelectiveSessionBundlePasses() throws {
        let run = try verify(try BundleWriter.bundle(sample.sessionRequest()))
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertEqual(run.codes, [])
    }

    // MARK: tampering with evidence

    func testFlippedByteInReceipt() throws {
        let entries = try sampleEntries().editingLines(of: "receipts.jsonl") { lines in
            replaceFirst(&lines[2], "delete_file", "delete_filf")
        }
        // The altered receipt's signature, the next receipt's link, every checkpoint covering it,
        // and the manifest's hash of receipts.jsonl.
        assertFails(try verify(try entries.tar()), [
            "SIG_INVALID", "CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
            "CHECKPOINT_ROOT_MISMATCH", "MANIFEST_FILE_MISMATCH",
        ])
    }

    func testFlippedByteInReceiptSignature() throws {
        let entries = try sampleEntries().editingLines(of: "receipts.jsonl") { lines in
            guard let r = sigRange(lines[2]) else { return XCTFail("no sig") }
            let i = r.lowerBound + 10
            lines[2][i] = lines[2][i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        }
        assertFails(try verify(try entries.tar()), [
            "SIG_INVALID", "CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
            "CHECKPOINT_ROOT_MISMATCH", "MANIFEST_FILE_MISMATCH",
        ])
    }

    func testFlippedByteInCheckpoint() throws {
        let entries = try sampleEntries().editingLines(of: "checkpoints.jsonl") { lines in
            replaceFirst(&lines[1], #""root_hash":""#, #""root_hash":"0"#)
            // keep the hash 64 characters long: drop the character after the inserted one
            let key = Array(#""root_hash":"0"#.utf8)
            if let s = (0...(lines[1].count - key.count)).first(where: { Array(lines[1][$0..<($0 + key.count)]) == key }) {
                lines[1].remove(at: s + key.count)
            }
        }
        assertFails(try verify(try entries.tar()), ["SIG_INVALID", "CHECKPOINT_ROOT_MISMATCH", "MANIFEST_FILE_MISMATCH"])
    }

    func testDroppedReceipt() throws {
        let entries = try sampleEntries().editingLines(of: "receipts.jsonl") { $0.remove(at: 2) }
        // Every later leaf moves down one place: the checkpoints at 5 and 10 now cover a receipt
        // sealed after them (and their roots differ), and the one at 12 is beyond the 11 leaves.
        assertFails(try verify(try entries.tar()), [
            "CHAIN_SEQ", "CHAIN_PREV_MISMATCH", "MANIFEST_FILE_MISMATCH", "MANIFEST_RECEIPT_COUNT",
            "MANIFEST_SESSION_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
            "CHECKPOINT_TIME_BEFORE_RECEIPT", "CHECKPOINT_TIME_BEFORE_RECEIPT", "CHECKPOINT_BEYOND_LOG",
        ])
    }

    func testDuplicatedReceipt() throws {
        let entries = try sampleEntries().editingLines(of: "receipts.jsonl") { $0.insert($0[2], at: 3) }
        assertFails(try verify(try entries.tar()), [
            "CHAIN_SEQ", "CHAIN_PREV_MISMATCH", "MANIFEST_FILE_MISMATCH", "MANIFEST_RECEIPT_COUNT",
            "MANIFEST_SESSION_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
        ])
    }

    func testReorderedReceipts() throws {
        let entries = try sampleEntries().editingLines(of: "receipts.jsonl") { $0.swapAt(2, 3) }
        // Three links break (1→3, 3→2, 2→4); seq goes wrong twice; time goes backwards once.
        assertFails(try verify(try entries.tar()), [
            "CHAIN_SEQ", "CHAIN_SEQ", "CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH", "CHAIN_PREV_MISMATCH",
            "CHAIN_TIME_REGRESSION",
            "MANIFEST_FILE_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH", "CHECKPOINT_ROOT_MISMATCH",
        ])
    }

    func testDisclosedPayloadThatDoesNotMatch() throws {
        let target = sample.log.entries[0].receiptHash
        let path = BundlePath.payload(target).path
        let forged = PayloadDisclosure(receiptHash: target, salt: sample.log.entries[0].salt, payload: Array("{}".utf8))
        let entries = try sampleEntries().map { $0.path == path ? BundleEntry(path: path, bytes: JCS.canonicalize(forged.json)) : $0 }
        assertFails(try verify(try entries.tar()), ["PAYLOAD_MISMATCH", "MANIFEST_FILE_MISMATCH"])
    }

    func testPayloadDirectoryBesideTheBundle() throws {
        let dir = scratch.url.appendingPathComponent("disclosed").path
        let e = sample.log.entries[9]
        let good = PayloadDisclosure(receiptHash: e.receiptHash, salt: e.salt, payload: e.payload)
        _ = try scratch.write("disclosed/\(e.receiptHash.hex).json", JCS.canonicalize(good.json))
        let tier1 = try BundleWriter.bundle(sample.fullRequest(tier: 1))
        let ok = try verify(tier1, ["--trust", trust, "--payloads", dir])
        XCTAssertEqual(ok.status, 0, ok.stdout)
        XCTAssertTrue(ok.stdout.contains(#""payloads_confirmed":1"#), ok.stdout)

        let bad = PayloadDisclosure(receiptHash: e.receiptHash, salt: e.salt, payload: e.payload + [0x20])
        _ = try scratch.write("disclosed/\(e.receiptHash.hex).json", JCS.canonicalize(bad.json))
        assertFails(try verify(tier1, ["--trust", trust, "--payloads", dir]), ["PAYLOAD_MISMATCH"])
    }

    // MARK: the archive

    func testTruncatedArchive() throws {
        let bytes = try sampleEntries().tar()
        assertFails(try verify(Array(bytes.prefix(bytes.count / 2))), ["ARCHIVE_TRUNCATED"])
    }

    func testAddedFile() throws {
        let entries = try sampleEntries() + [BundleEntry(path: "notes.txt", bytes: Array("hello".utf8))]
        assertFails(try verify(try entries.tar()), ["BUNDLE_UNEXPECTED_FILE", "MANIFEST_FILE_UNLISTED"])
    }

    func testDotDotPath() throws {
        let bytes = forgedTar(try sampleEntries()) { forge in
            forge.file("../receipts.jsonl", contents: Array("x".utf8))
            forge.endOfArchive()
        }
        assertFails(try verify(bytes), ["ARCHIVE_PATH_TRAVERSAL"])
    }

    func testSymlink() throws {
        let bytes = forgedTar(try sampleEntries()) { forge in
            forge.symlink("keys/link.json", target: "/etc/passwd")
            forge.endOfArchive()
        }
        assertFails(try verify(bytes), ["ARCHIVE_LINK"])
    }

    func testDuplicateEntry() throws {
        let entries = try sampleEntries()
        let receipts = try XCTUnwrap(entries.first { $0.path == "receipts.jsonl" })
        let bytes = forgedTar(entries) { forge in
            forge.file(receipts.path, contents: receipts.bytes)
            forge.endOfArchive()
        }
        assertFails(try verify(bytes), ["ARCHIVE_DUPLICATE"])
    }

    func testTrailingGarbage() throws {
        let bytes = try sampleEntries().tar() + Array("garbage after the end of the archive".utf8)
        assertFails(try verify(bytes), ["ARCHIVE_TRAILING_DATA"])
    }

    // MARK: trust

    func testIssuerThatIsNotTheTrustAnchor() throws {
        let other = SigningIdentity.derived(label: "someone else")
        let otherTrust = try scratch.write("other.trust", SealedDocument(other.publicKey.json).bytes + [0x0a])
        let run = try verify(try sampleEntries().tar(), ["--trust", otherTrust])
        assertFails(run, ["TRUST_ISSUER_UNTRUSTED", "TRUST_ISSUER_UNTRUSTED"])
    }

    func testNoTrustAnchorSaysOriginUnverified() throws {
        let path = try scratch.write("s.tar", try sampleEntries().tar())
        let text = try Tool.verify([path])
        XCTAssertEqual(text.status, 0, text.stdout)
        XCTAssertTrue(text.stdout.hasPrefix("verify: PASS"))
        XCTAssertTrue(text.stdout.contains("origin: UNVERIFIED"), text.stdout)
        let json = try Tool.verify([path, "--format", "json"])
        XCTAssertTrue(json.stdout.contains(#""origin":{"issuer_keys":["#), json.stdout)
        XCTAssertTrue(json.stdout.contains(#""pinned":false"#), json.stdout)
    }

    func testNoTrustAnchorWithRequireTrustFails() throws {
        assertFails(try verify(try sampleEntries().tar(), ["--require-trust"]), ["TRUST_NO_ANCHOR"])
    }

    // MARK: could not evaluate

    func testMissingBundleExitsTwo() throws {
        let run = try Tool.verify([scratch.url.appendingPathComponent("absent.tar").path, "--trust", trust])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.contains("IO_BUNDLE_UNREADABLE"), run.stderr)
    }

    func testMalformedTrustFileExitsTwo() throws {
        let bad = try scratch.write("bad.trust", Array(#"{"public":"x","alg":"ed25519"}"#.utf8))
        let path = try scratch.write("s.tar", try sampleEntries().tar())
        let run = try Tool.verify([path, "--trust", bad])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("TRUST_FILE_INVALID"), run.stderr)
    }

    func testTrustDirectory() throws {
        let dir = scratch.url.appendingPathComponent("anchors")
        _ = try scratch.write("anchors/issuer.pub", sample.trustFile)
        _ = try scratch.write("anchors/notes.txt", Array("not a key".utf8))
        let path = try scratch.write("s.tar", try sampleEntries().tar())
        let run = try Tool.verify([path, "--trust-dir", dir.path, "--require-trust"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("origin: pinned"), run.stdout)

        let empty = scratch.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let none = try Tool.verify([path, "--trust-dir", empty.path])
        XCTAssertEqual(none.status, 2, "an empty trust directory must not silently unpin the origin")
        XCTAssertTrue(none.stderr.contains("IO_TRUST_FILE_UNREADABLE"), none.stderr)
    }

    func testUsageErrorExitsWithArgumentParserStatus() throws {
        let run = try Tool.verify(["--format", "yaml", "x.tar"])
        XCTAssertEqual(run.status, 64)
        XCTAssertTrue(run.stderr.contains("format"), run.stderr)
    }
}
