import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import StrictJSON
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
        let log = try store.restoredLog(c, portal: T.portal)
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
        let log = try store.restoredLog(c, portal: T.portal)
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

    var journal: String { StateStore.journalName }

    func appendRaw(_ dir: String, _ name: String, _ bytes: [UInt8]) throws {
        let h = try XCTUnwrap(FileHandle(forWritingAtPath: dir + "/" + name))
        h.seekToEndOfFile()
        h.write(Data(bytes))
        h.closeFile()
    }

    /// The journal's lines, without their newlines.
    func journalLines(_ dir: String) throws -> [[UInt8]] {
        try FileIO.read(dir + "/" + journal, limit: 1 << 24).split(separator: 0x0a, omittingEmptySubsequences: false).dropLast().map(Array.init)
    }

    func writeLines(_ dir: String, _ name: String, _ lines: [[UInt8]]) throws {
        try Data(lines.flatMap { $0 + [0x0a] }).write(to: URL(fileURLWithPath: dir + "/" + name))
    }

    func type(_ line: [UInt8]) -> String? {
        guard case .object(let o)? = try? JSONParser.parse(line, options: StateStore.journalOptions),
              case .string(let t)? = o["type"] else { return nil }
        return t
    }

    func testEachReceiptFollowsItsPayloadRecordInOneJournal() throws {
        let dir = try T.tempDir()
        let (store, rec) = try session(dir, calls: 2)
        let lines = try journalLines(dir)
        XCTAssertEqual(lines.map { type($0) ?? "?" },
                       ["portal_payload", "receipt", "portal_payload", "receipt", "portal_payload", "receipt",
                        "portal_payload", "receipt", "checkpoint"])
        for (k, e) in rec.log.entries.enumerated() {
            XCTAssertEqual(lines[2 * k + 1], e.document.bytes)  // the receipt's exported bytes
            XCTAssertEqual(lines[2 * k], StateStore.payloadLine(receiptHash: e.receiptHash, salt: e.salt, payload: e.payload).dropLast().map { $0 })
        }
        XCTAssertEqual(try String(contentsOfFile: dir + "/portal.json", encoding: .utf8).contains(#""version":2"#), true)
        for old in ["receipts.jsonl", "payloads.jsonl", "checkpoints.jsonl"] { XCTAssertFalse(FileIO.exists(dir + "/" + old)) }
        withExtendedLifetime(store) {}
    }

    func testTornLastRecordIsCutAndTheLogContinues() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2, checkpoint: false)
        let before = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
        let lines = try journalLines(dir)
        // A payload record written whole, and its receipt cut mid-write (no newline).
        try appendRaw(dir, journal, lines[0] + [0x0a] + Array(#"{"artifact_ref":"ab"#.utf8))
        do {
            let (store, rec) = try session(dir, calls: 1, at: T.t0 + 3000)
            XCTAssertEqual(store.repairs, ["journal.jsonl: cut a torn end of \(lines[0].count + 1 + 19) bytes"])
            XCTAssertEqual(rec.log.entries.count, 6)
            let after = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
            XCTAssertEqual(Array(after.prefix(before.count)), before)
        }
        assertPass(T.verify(try export(dir).bundle))
    }

    func testPayloadRecordWithoutItsReceiptIsCut() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 1, checkpoint: false)
        let lines = try journalLines(dir)
        try appendRaw(dir, journal, lines[2] + [0x0a])  // whole, newline included, but no receipt after it
        let (store, rec) = try session(dir, calls: 0)
        XCTAssertEqual(store.repairs, ["journal.jsonl: cut a torn end of \(lines[2].count + 1) bytes"])
        XCTAssertEqual(rec.log.entries.count, 2)
        XCTAssertEqual(try journalLines(dir).count, 5)  // 2 × (payload, receipt), the checkpoint
    }

    func testUnparsableLastLineWithNewlineIsCut() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 1, checkpoint: false)
        try appendRaw(dir, journal, Array("\0\0\0\0\n".utf8))
        let (store, rec) = try session(dir, calls: 0)
        XCTAssertEqual(store.repairs, ["journal.jsonl: cut a torn end of 5 bytes"])
        XCTAssertEqual(rec.log.entries.count, 2)
        withExtendedLifetime(store) {}
    }

    func testReadOnlyOpenRepairsNothing() throws {
        let dir = try T.tempDir()
        let (store, _) = try session(dir, calls: 1, checkpoint: false)
        let lines = try journalLines(dir)
        try appendRaw(dir, journal, lines[0] + [0x0a] + Array("{".utf8))
        let size = try FileIO.read(dir + "/" + journal, limit: 1 << 20).count
        let ro = try StateStore(directory: dir, portal: T.portal.publicKey, mode: .readOnlyIfLocked, newLogID: { SHA256Hasher.hash([]) })
        XCTAssertEqual(try ro.load(withPayloads: true).receipts.count, 2)
        XCTAssertEqual(ro.repairs, [])
        XCTAssertEqual(try FileIO.read(dir + "/" + journal, limit: 1 << 20).count, size)
        withExtendedLifetime(store) {}
    }

    func testTruncatedFileRecoversAfterUncheckpointedReceipts() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 3, checkpoint: false)
        // Cut the file in the middle of the last receipt: as if the machine died mid-append.
        let bytes = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
        XCTAssertEqual(truncate(dir + "/" + journal, off_t(bytes.count - 40)), 0)
        let r = try export(dir)
        XCTAssertEqual(r.receipts, 5)
        assertPass(T.verify(r.bundle))
    }

    func testCorruptionBeforeTheLastLineStopsThePortal() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        var bytes = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
        bytes[10] = UInt8(ascii: "X")
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + journal))
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
    }

    func testReceiptWithoutItsPayloadRecordIsCorruption() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        let lines = try journalLines(dir)
        try writeLines(dir, journal, Array(lines.dropFirst()))  // the first payload record is gone
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
        try writeLines(dir, journal, [lines[2]] + Array(lines.dropFirst()))  // another receipt's payload record
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
        try writeLines(dir, journal, [lines[0]] + lines)  // two payload records in a row
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
        try writeLines(dir, journal, [lines[0], lines[8], lines[1]] + lines.dropFirst(2))  // a checkpoint in between
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
        try writeLines(dir, journal, lines)
        XCTAssertEqual(try session(dir, calls: 0).1.log.entries.count, 4)
    }

    func testCheckpointBeyondTheReceiptsIsCorruption() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        let lines = try journalLines(dir)
        XCTAssertEqual(type(lines[8]), "checkpoint")
        try writeLines(dir, journal, [lines[0], lines[1], lines[8]])  // a checkpoint over 4 receipts after 1
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
        assertCode(.stateCorrupt) { try self.export(dir) }
    }

    /// Rewrites portal.json's format version.
    func setStateVersion(_ dir: String, _ from: Int, _ to: Int) throws {
        let meta = try String(contentsOfFile: dir + "/portal.json", encoding: .utf8)
        XCTAssertTrue(meta.contains(#""version":\#(from)"#))
        try meta.replacingOccurrences(of: #""version":\#(from)"#, with: #""version":\#(to)"#)
            .write(toFile: dir + "/portal.json", atomically: true, encoding: .utf8)
    }

    /// Writes the version-1 layout of the records in `dir`'s journal: three files, payload records
    /// without a type, portal.json version 1.
    func downgradeToVersion1(_ dir: String, dropPayloadOf: Int? = nil) throws {
        var receipts: [[UInt8]] = [], payloads: [[UInt8]] = [], checkpoints: [[UInt8]] = []
        for line in try journalLines(dir) {
            switch type(line) {
            case "receipt": receipts.append(line)
            case "checkpoint": checkpoints.append(line)
            default: payloads.append(Array(line.dropLast(#","type":"portal_payload"}"#.utf8.count)) + [UInt8(ascii: "}")])
            }
        }
        if let k = dropPayloadOf { payloads.remove(at: k) }
        try writeLines(dir, "receipts.jsonl", receipts)
        try writeLines(dir, "payloads.jsonl", payloads)
        try writeLines(dir, "checkpoints.jsonl", checkpoints)
        XCTAssertEqual(unlink(dir + "/" + journal), 0)
        try setStateVersion(dir, 2, 1)
    }

    func testVersion1DirectoryIsMigratedToTheJournal() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 3)
        _ = try session(dir, calls: 1, at: T.t0 + 5000)  // a second checkpoint, after 8 receipts
        let original = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
        try downgradeToVersion1(dir)
        // Read-only (a running version-1 Portal holds the lock): read in place, nothing written.
        let lock = open(dir + "/lock", O_RDWR)
        XCTAssertEqual(flock(lock, LOCK_EX | LOCK_NB), 0)
        let ro = try StateStore(directory: dir, portal: T.portal.publicKey, mode: .readOnlyIfLocked, newLogID: { SHA256Hasher.hash([]) })
        let c = try ro.load(withPayloads: true)
        XCTAssertEqual(c.receipts.count, 8)
        XCTAssertEqual(c.checkpoints.count, 2)
        XCTAssertFalse(FileIO.exists(dir + "/" + journal))
        close(lock)
        do {
            let (store, rec) = try session(dir, calls: 1, at: T.t0 + 9000)
            XCTAssertEqual(store.repairs, ["migrated the state directory from format 1 (three files) to format 2 (journal.jsonl)"])
            XCTAssertEqual(rec.log.entries.count, 10)
        }
        let migrated = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
        XCTAssertEqual(Array(migrated.prefix(original.count)), original)  // the same records, byte for byte
        for old in ["receipts.jsonl", "payloads.jsonl", "checkpoints.jsonl"] { XCTAssertFalse(FileIO.exists(dir + "/" + old)) }
        let r = try export(dir)
        let report = T.verify(r.bundle)
        assertPass(report)
        XCTAssertEqual(report.confirmedPayloads.count, 10)
    }

    func testMigrationStoppedAfterPortalJSONIsFinished() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        let journalBytes = try FileIO.read(dir + "/" + journal, limit: 1 << 20)
        try downgradeToVersion1(dir)
        // As if the Portal died after writing the journal and portal.json, before removing the old files.
        try Data(journalBytes).write(to: URL(fileURLWithPath: dir + "/" + journal))
        try setStateVersion(dir, 1, 2)
        let (store, rec) = try session(dir, calls: 0)
        XCTAssertEqual(rec.log.entries.count, 4)
        XCTAssertEqual(store.repairs, [])
        for old in ["receipts.jsonl", "payloads.jsonl", "checkpoints.jsonl"] { XCTAssertFalse(FileIO.exists(dir + "/" + old)) }
        XCTAssertEqual(try FileIO.read(dir + "/" + journal, limit: 1 << 20), journalBytes)
    }

    func testVersion1ReceiptWhosePayloadWasLostIsKeptUndisclosed() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 2)
        try downgradeToVersion1(dir, dropPayloadOf: 1)
        let r = try export(dir)
        XCTAssertEqual(r.receipts, 4)
        let report = T.verify(r.bundle)
        assertPass(report)
        XCTAssertEqual(report.confirmedPayloads.count, 3)
    }

    func testNewerStateFormatIsRefused() throws {
        let dir = try T.tempDir()
        _ = try session(dir, calls: 1)
        try setStateVersion(dir, 2, 3)
        assertCode(.stateCorrupt) { try self.session(dir, calls: 0) }
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
        let receipts = try journalLines(dir).filter { type($0) == "receipt" }
        XCTAssertEqual(receipts.count, 4)
        XCTAssertFalse(receipts.contains { String(decoding: $0, as: UTF8.self).contains("text") })
        for e in rec.log.entries {
            XCTAssertEqual(e.receipt.payloadHash, SHA256Hasher.hash(e.salt, e.payload))
        }
        withExtendedLifetime(store) {}
    }
}
