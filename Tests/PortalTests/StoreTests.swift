import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import XCTest
@testable import Portal

final class StoreTests: XCTestCase {
    /// Opens the store, restores the log, seals `calls` echo calls with results, checkpoints.
    func session(_ dir: String, calls: Int, checkpoint: Bool = true, session: String = "s1",
                 at t: Int64 = T.t0 + 1000) throws -> (StateStore, Recorder) {
        let a = try T.artifact()
        let store = try StateStore(directory: dir, portal: T.portal.publicKey, newLogID: { SHA256Hasher.hash([1]) })
        try store.add(artifact: a)
        let c = try store.load(withPayloads: false)
        let log = try EvidenceLog(logID: store.logID, portal: T.portal, restoring: c.receipts, checkpoints: c.checkpoints)
        let rec = Recorder(log: log, sink: store, checkpointEvery: 0, artifacts: c.artifacts)
        for i in 0..<calls {
            let o = try rec.call(artifact: a, sessionID: session, name: .string("echo"), arguments: T.json(#"{"text":"\#(i)"}"#), timeMS: t + Int64(i))
            XCTAssertEqual(o.verdict.decision, .allow)
            _ = try rec.result(artifact: a, sessionID: session, tool: "echo", payload: Array("r\(i)".utf8), isError: false, timeMS: t + Int64(i))
        }
        if checkpoint { try rec.checkpoint(nowMS: t + 10_000) }
        return (store, rec)
    }

    func export(_ dir: String, tier: Int64 = 2, session: String? = nil) throws -> Exporter.Result {
        let store = try StateStore(directory: dir, portal: T.portal.publicKey, newLogID: { SHA256Hasher.hash([9]) })
        let c = try store.load(withPayloads: true)
        let log = try EvidenceLog(logID: store.logID, portal: T.portal, restoring: c.receipts, checkpoints: c.checkpoints)
        try Recorder(log: log, sink: store, checkpointEvery: 0).checkpoint(nowMS: T.t0 + 20_000)
        var o = Exporter.Options()
        o.tier = tier
        o.session = session
        return try Exporter.bundle(logID: store.logID, portal: T.portal, receipts: log.entries, checkpoints: log.checkpoints,
                                   artifacts: c.artifacts, options: o)
    }

    func testRecordsSurviveReopenAndContinueTheChain() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 3)
        do {
            let (_, rec) = try session(dir, calls: 2, at: T.t0 + 5000)
            XCTAssertEqual(rec.log.entries.count, 10)
            XCTAssertEqual(rec.log.entries.last?.receipt.seq, 9)  // the same session continues its chain
        }
        let r = try export(dir)
        XCTAssertEqual(r.receipts, 10)
        let report = T.verify(r.bundle)
        assertPass(report)
        XCTAssertEqual(report.confirmedPayloads.count, 10)
    }

    func testLockKeepsASecondPortalOut() throws {
        let dir = try T.tempDir()
        let (store, _) = try session(dir, calls: 1)
        assertCode(.stateLocked) { try StateStore(directory: dir, portal: T.portal.publicKey, newLogID: { SHA256Hasher.hash([]) }) }
        // An exporter may read while it is held, read-only.
        let ro = try StateStore(directory: dir, portal: T.portal.publicKey, mode: .readOnlyIfLocked, newLogID: { SHA256Hasher.hash([]) })
        XCTAssertTrue(ro.readOnly)
        XCTAssertEqual(try ro.load(withPayloads: false).receipts.count, 2)
        withExtendedLifetime(store) {}
    }

    func testAnotherPortalKeyIsRefused() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 1)
        assertCode(.stateCorrupt) { try StateStore(directory: dir, portal: T.issuer.publicKey, newLogID: { SHA256Hasher.hash([]) }) }
    }

    func appendRaw(_ dir: String, _ name: String, _ bytes: [UInt8]) throws {
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/" + name))
        h.seekToEndOfFile()
        h.write(Data(bytes))
        h.closeFile()
    }

    func testTornLastRecordIsCutAndTheLogContinues() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2, checkpoint: false)
        let before = try FileIO.read(dir + "/receipts.jsonl", limit: 1 << 20)
        // A receipt cut mid-write (no newline), and half a payload record.
        try appendRaw(dir, "receipts.jsonl", Array(#"{"artifact_ref":"ab"#.utf8))
        try appendRaw(dir, "payloads.jsonl", Array(#"{"payload":"#.utf8))
        do {
            let (store, rec) = try session(dir, calls: 1, at: T.t0 + 3000)
            XCTAssertEqual(store.repairs.count, 2)
            XCTAssertEqual(rec.log.entries.count, 6)
            let after = try FileIO.read(dir + "/receipts.jsonl", limit: 1 << 20)
            XCTAssertEqual(Array(after.prefix(before.count)), before)
        }
        assertPass(T.verify(try export(dir).bundle))
    }

    func testUnparsableLastLineWithNewlineIsCut() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 1, checkpoint: false)
        try appendRaw(dir, "receipts.jsonl", Array("\0\0\0\0\n".utf8))
        let (store, rec) = try session(dir, calls: 0)
        XCTAssertEqual(store.repairs, ["receipts.jsonl: cut a torn last record of 5 bytes"])
        XCTAssertEqual(rec.log.entries.count, 2)
        withExtendedLifetime(store) {}
    }

    func testTruncatedFileRecoversAfterUncheckpointedReceipts() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 3, checkpoint: false)
        // Cut the file in the middle of the last receipt: as if the machine died mid-append.
        let bytes = try FileIO.read(dir + "/receipts.jsonl", limit: 1 << 20)
        XCTAssertEqual(truncate(dir + "/receipts.jsonl", off_t(bytes.count - 40)), 0)
        let r = try export(dir)
        XCTAssertEqual(r.receipts, 5)
        assertPass(T.verify(r.bundle))
    }

    func testCorruptionBeforeTheLastLineStopsThePortal() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        var bytes = try FileIO.read(dir + "/receipts.jsonl", limit: 1 << 20)
        bytes[10] = UInt8(ascii: "X")
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/receipts.jsonl"))
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
    }

    func testCheckpointBeyondTheReceiptsIsCorruption() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        let bytes = try FileIO.read(dir + "/receipts.jsonl", limit: 1 << 20)
        let firstLine = bytes.prefix(through: try XCTUnwrap(bytes.firstIndex(of: 0x0a)))
        try Data(firstLine).write(to: URL(fileURLWithPath: dir + "/receipts.jsonl"))
        XCTAssertThrowsError(try session(dir, calls: 0))
    }

    final class FailingSink: ReceiptSink {
        func append(receipt: LoggedReceipt) throws(PortalError) { throw PortalError(.io, "disk", "full") }
        func append(checkpoint: SealedDocument) throws(PortalError) { throw PortalError(.io, "disk", "full") }
    }

    func testFailClosedWhenTheReceiptCannotBeWritten() throws {
        let a = try T.artifact()
        let rec = Recorder(log: EvidenceLog(logID: SHA256Hasher.hash([]), portal: T.portal), sink: FailingSink(), checkpointEvery: 0)
        assertCode(.io) { try rec.call(artifact: a, sessionID: "s", name: .string("echo"), arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0) }
        XCTAssertNotNil(rec.failed)
        // Every later call is refused too, without sealing anything.
        assertCode(.io) { try rec.call(artifact: a, sessionID: "s", name: .string("echo"), arguments: T.json(#"{"text":"a"}"#), timeMS: T.t0) }
        XCTAssertEqual(rec.log.entries.count, 1)
    }

    func testPayloadsAreSaltedAndNeverInReceipts() throws {
        let dir = try T.tempDir()
        let (store, rec) = try session(dir, calls: 2)
        let salts = rec.log.entries.map(\.salt)
        XCTAssertEqual(Set(salts.map { $0 }).count, 4)
        XCTAssertTrue(salts.allSatisfy { $0.count == 32 })
        let receipts = String(decoding: try FileIO.read(dir + "/receipts.jsonl", limit: 1 << 20), as: UTF8.self)
        XCTAssertFalse(receipts.contains("text"))
        for e in rec.log.entries {
            XCTAssertEqual(e.receipt.payloadHash, SHA256Hasher.hash(e.salt, e.payload))
        }
        withExtendedLifetime(store) {}
    }
}
