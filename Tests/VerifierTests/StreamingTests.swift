import BundleArchive
import BundleKit
import Conformance
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
import Verifier
import XCTest

/// The receipt stream: one pass when receipts.jsonl comes last, two otherwise, with the same
/// report either way; batches, the bounded queue, line and chunk boundaries, the failure cap.
final class StreamingTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Entries of a tar, in archive order.
    func entries(of tar: [UInt8]) throws -> [BundleEntry] {
        let reader = try TarReader(bytes: tar)
        var out: [BundleEntry] = []
        while let e = try reader.nextEntry() { out.append(BundleEntry(path: e.path, bytes: try reader.readAll(limit: 1 << 30))) }
        return out
    }

    func tar(_ entries: [BundleEntry]) throws -> [UInt8] {
        var w = TarWriter()
        for e in entries { try w.add(path: e.path, contents: e.bytes) }
        return try w.finish()
    }

    func receiptsFirst(_ entries: [BundleEntry]) -> [BundleEntry] {
        entries.filter { $0.path == BundlePath.receiptsName } + entries.filter { $0.path != BundlePath.receiptsName }
    }

    /// Every conformance vector whose archive is sound, re-archived with receipts.jsonl first and
    /// in reverse order (both need the second read), gives a byte-identical report.
    func testEveryVectorReportsTheSameInAnyEntryOrder() throws {
        let root = Self.root + "/TestVectors"
        let index = try VectorRunner.index(root: root)
        var compared = 0
        for vector in index.vectors {
            guard case .success(let v) = VectorRunner.prepare(root: root, vector) else {
                XCTFail("\(vector.name) does not load")
                continue
            }
            // Archive failures and unexpected files are reported in archive order, by design.
            if v.expect.codes.contains(where: { $0.hasPrefix("ARCHIVE_") || $0 == "BUNDLE_UNEXPECTED_FILE" }) { continue }
            let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: v.bundlePath)))
            let files = try entries(of: original)
            let expected = BundleVerifier.verify(bundle: original, options: v.options).json()
            for order in [receiptsFirst(files), files.reversed()] {
                let reordered = try tar(order)
                let got = BundleVerifier.verify(bundle: reordered, options: v.options).json()
                XCTAssertEqual(String(decoding: got, as: UTF8.self), String(decoding: expected, as: UTF8.self), vector.name)
            }
            compared += 1
        }
        // Most of the suite, not a vacuous loop.
        XCTAssertGreaterThan(compared, 450)
    }

    // MARK: Many batches

    static let synthetic = SyntheticEvidence(sessions: 7, checkpointEvery: 100)
    /// 3,001 receipts: twelve batches of 256 and a partial one, 31 checkpoints.
    nonisolated(unsafe) static let log = synthetic.seal(count: 3001)  // read-only after creation

    func options(cap: Int = 200, maxSessions: Int = Manifest.maxSessions) -> VerifyOptions {
        VerifyOptions(trustAnchors: [Self.synthetic.issuer.publicKey], maxListedFailures: cap, maxSessions: maxSessions)
    }

    func testThousandsOfReceiptsVerifyInEitherOrder() throws {
        let files = try Self.synthetic.entries(Self.log)
        XCTAssertEqual(files.last?.path, BundlePath.receiptsName)
        let one = BundleVerifier.verify(bundle: try files.tar(), options: options())
        XCTAssertEqual(one.verdict, .pass, "\(one.failureCodes)")
        XCTAssertEqual(one.receipts, 3001)
        XCTAssertEqual(one.sessions, 7)
        XCTAssertEqual(one.checkpoints, 31)
        let two = BundleVerifier.verify(bundle: try tar(receiptsFirst(files)), options: options())
        XCTAssertEqual(two.json(), one.json())
    }

    func testOneBadSignatureDeepInTheStreamIsReportedAtItsLine() throws {
        let files = try Self.synthetic.entries(Self.log).editingLines(of: BundlePath.receiptsName) { lines in
            guard let r = sigRange(lines[1999]) else { return XCTFail("no sig") }
            // Swap two base64url characters of the signature: same length, still canonical.
            let a = lines[1999][r.lowerBound + 10], b = lines[1999][r.lowerBound + 11]
            XCTAssertNotEqual(a, b)
            lines[1999][r.lowerBound + 10] = b
            lines[1999][r.lowerBound + 11] = a
        }
        let report = BundleVerifier.verify(bundle: try files.tar(), options: options())
        let sig = report.failures.filter { $0.stage == .signature }
        XCTAssertEqual(sig.map(\.code), ["SIG_INVALID"])
        XCTAssertEqual(sig.first?.line, 2000)
        // The line's hash changed: the manifest, its session's next receipt and the checkpoints
        // from the 2,000th leaf on notice; nothing else does.
        XCTAssertEqual(Set(report.failureCodes), ["SIG_INVALID", "MANIFEST_FILE_MISMATCH", "CHAIN_PREV_MISMATCH", "CHECKPOINT_ROOT_MISMATCH"])
        XCTAssertEqual(report.failures.filter { $0.code == "CHAIN_PREV_MISMATCH" }.map(\.line), [2007])
        XCTAssertEqual(report.failures.filter { $0.code == "CHECKPOINT_ROOT_MISMATCH" }.count, 12)  // sizes 2000, 2100 … 3000 and 3001
    }

    func testTheFailureCapKeepsTheFirstFailuresInOrderAndCountsAll() throws {
        let files = try Self.synthetic.entries(Self.log).editingLines(of: BundlePath.receiptsName) { lines in
            for i in lines.indices {
                guard let r = sigRange(lines[i]) else { return XCTFail("no sig") }
                lines[i][r.lowerBound] = lines[i][r.lowerBound] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            }
        }
        let tar = try files.tar()
        let all = BundleVerifier.verify(bundle: tar, options: options(cap: 100_000))
        let capped = BundleVerifier.verify(bundle: tar, options: options(cap: 5))
        XCTAssertEqual(capped.failureCount, all.failureCount)
        XCTAssertEqual(all.failures.count, all.failureCount)
        XCTAssertGreaterThan(all.failureCount, 3001)
        XCTAssertEqual(capped.failures, Array(all.failures.prefix(5)))
        XCTAssertEqual(capped.failures.map(\.line), [1, 2, 3, 4, 5])
        XCTAssertEqual(all.failures.filter { $0.code == "SIG_INVALID" }.count, 3001)
    }

    func testSessionsBeyondTheLimitFailOnceAndAreNotFollowed() throws {
        let tar = try Self.synthetic.entries(Self.log).tar()
        let report = BundleVerifier.verify(bundle: tar, options: options(maxSessions: 4))
        XCTAssertEqual(report.failureCodes, ["CHAIN_TOO_MANY_SESSIONS"])
        XCTAssertEqual(report.failures.first?.line, 5)  // the fifth session's first receipt
        XCTAssertEqual(report.sessions, 4)
    }

    /// Composite signatures are hedged: the evidence must seal its artifact once, or the receipts
    /// name an artifact the bundle does not hold (the bench found this).
    func testSyntheticCompositeEvidenceVerifies() throws {
        let pq = SyntheticEvidence(profile: .mldsa65Ed25519, sessions: 2, checkpointEvery: 3)
        let report = BundleVerifier.verify(bundle: try pq.entries(pq.seal(count: 5)).tar(),
                                           options: VerifyOptions(trustAnchors: [pq.issuer.publicKey]))
        XCTAssertEqual(report.verdict, .pass, "\(report.failureCodes)")
        XCTAssertEqual(report.profile, "mldsa65-ed25519")
        XCTAssertEqual(report.receipts, 5)
    }

    // MARK: Lines and chunks

    func testALineLongerThanTheLimitAcrossChunksKeepsItsPlaceUnparsed() throws {
        // 200,000 bytes: the archive delivers it in several 64 KiB chunks.
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 200_000)
        let files = try sampleEntries().editingLines(of: BundlePath.receiptsName) { $0.insert(long, at: 1) }
        let report = BundleVerifier.verify(bundle: try files.tar(), options: VerifyOptions(trustAnchors: [sample.issuer.publicKey]))
        let parse = report.failures.filter { $0.stage == .parse }
        XCTAssertEqual(parse.map(\.code), ["JSONL_LINE_TOO_LONG"])
        XCTAssertEqual(parse.first?.line, 2)
        XCTAssertEqual(report.receipts, 13)  // 12 receipts and the long line: 13 leaves
        XCTAssertTrue(report.failureCodes.contains("CHECKPOINT_ROOT_MISMATCH"))
    }

    func testAnUnterminatedLongLastLineIsReportedTwiceInOrder() throws {
        let files = try sampleEntries().editing(BundlePath.receiptsName) { $0 += [UInt8](repeating: UInt8(ascii: "b"), count: 70_000) }
        let report = BundleVerifier.verify(bundle: try files.tar(), options: VerifyOptions(trustAnchors: [sample.issuer.publicKey]))
        XCTAssertEqual(report.failures.filter { $0.stage == .parse }.map(\.code), ["JSONL_NO_FINAL_NEWLINE", "JSONL_LINE_TOO_LONG"])
        XCTAssertEqual(report.failures.filter { $0.stage == .parse }.map(\.line), [13, 13])
    }

    // MARK: The second read

    /// With receipts.jsonl before other files the receipts are read again; if the second read
    /// differs from the first, nothing is concluded from either.
    func testASecondReadThatDiffersIsAnIOFailure() throws {
        let files = receiptsFirst(try sampleEntries())
        let first = try tar(files)
        let changed = try tar(files.editingLines(of: BundlePath.receiptsName) { $0.removeLast() })
        let (report, io) = BundleVerifier.run(reader: try TarReader(bytes: first), reopen: { () throws(ArchiveError) -> TarReader in
            try TarReader(bytes: changed)
        }, options: VerifyOptions(trustAnchors: [sample.issuer.publicKey]))
        XCTAssertNotNil(io)
        XCTAssertEqual(report.verdict, .fail)
        XCTAssertEqual(report.failureCodes, ["ARCHIVE_IO"])

        let (same, noIO) = BundleVerifier.run(reader: try TarReader(bytes: first), reopen: { () throws(ArchiveError) -> TarReader in
            try TarReader(bytes: first)
        }, options: VerifyOptions(trustAnchors: [sample.issuer.publicKey]))
        XCTAssertNil(noIO)
        XCTAssertEqual(same.verdict, .pass, "\(same.failureCodes)")
    }
}
