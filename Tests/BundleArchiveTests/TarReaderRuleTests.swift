import XCTest
@testable import BundleArchive
import TarForge

/// One test per reader rule, each asserting the exact code. Archives are built with TarForge.
final class TarReaderRuleTests: XCTestCase {
    // MARK: Entry types

    func testSymlinkIsLink() {
        assertRejects(forged { $0.file("a", contents: hello); $0.symlink("b", target: "a") }, .link)
    }

    func testHardLinkIsLink() {
        assertRejects(forged { $0.file("a", contents: hello); $0.hardLink("b", target: "a") }, .link)
    }

    func testRegularFileWithLinkNameIsLink() {
        var header = TarForge.Header("a", size: 6)
        header.linkname = Array("b".utf8)
        assertRejects(forged { $0.header(header); $0.data(hello) }, .link)
    }

    func testDevicesAndFIFOAreSpecialFiles() {
        assertRejects(forged { $0.device("c", block: false) }, .specialFile)
        assertRejects(forged { $0.device("b", block: true) }, .specialFile)
        assertRejects(forged { $0.fifo("f") }, .specialFile)
    }

    func testDirectoryEntry() {
        assertRejects(forged { $0.directory("dir/"); $0.file("dir/a", contents: hello) }, .directory)
        assertRejects(forged { $0.directory("dir") }, .directory)
    }

    func testGNUSparse() {
        let sparse = forged { $0.gnuSparse("s", map: [(0, 6), (4096, 0)], realSize: 4096, contents: hello) }
        assertRejects(sparse, .sparse)
        // Also with POSIX magic, so the type flag alone decides.
        assertRejects(forged { $0.gnuSparse("s", map: [(0, 6)], realSize: 6, contents: hello, magic: TarForge.posixMagic) }, .sparse)
    }

    func testPaxSparseKeywordsAreRejected() {
        for keyword in ["GNU.sparse.major", "GNU.sparse.map", "GNU.sparse.realsize", "GNU.sparse.name"] {
            assertRejects(forged { $0.paxFile("s", records: [(keyword, Array("1".utf8))], contents: hello) }, .paxKeyword, keyword)
        }
    }

    func testGNULongName() {
        let long = Array(String(repeating: "n", count: 150).utf8)
        assertRejects(forged { $0.gnuLongName(long); $0.file("n", contents: hello) }, .gnuLongName)
        assertRejects(forged { $0.gnuLongName(long, magic: TarForge.posixMagic); $0.file("n", contents: hello) }, .gnuLongName)
        var link = TarForge.Header("././@LongLink", size: 4, typeflag: .gnuLongLink)
        link.magic = TarForge.gnuMagic
        assertRejects(forged { $0.header(link); $0.data(Array("abc\0".utf8)); $0.file("n", contents: hello) }, .gnuLongName)
    }

    func testGNUFormatRegularFileIsFormat() {
        var header = TarForge.Header("a", size: 6)
        header.magic = TarForge.gnuMagic
        assertRejects(forged { $0.header(header); $0.data(hello) }, .format)
    }

    func testOtherTypeFlags() {
        for flag in [TarForge.TypeFlag.contiguous, .gnuVolumeLabel, TarForge.TypeFlag("D"), TarForge.TypeFlag("X"), TarForge.TypeFlag("A")] {
            assertRejects(forged { $0.file(name: Array("a".utf8), contents: hello, typeflag: flag) }, .entryType, "flag \(flag.rawValue)")
        }
    }

    func testNULTypeFlagIsRegular() throws {
        let bytes = forged { $0.file(name: Array("a".utf8), contents: hello, typeflag: .regularNUL) }
        XCTAssertEqual(try readEverything(bytes).map(\.0.path), ["a"])
    }

    // MARK: pax

    func testAllowedPaxKeywords() throws {
        let records: [(String, [UInt8])] = [
            ("path", Array("real/name.json".utf8)), ("size", Array("6".utf8)), ("mtime", Array("1700000000.5".utf8)),
            ("atime", Array("-12".utf8)), ("ctime", Array("0".utf8)), ("uid", Array("1000".utf8)), ("gid", Array("0".utf8)),
            ("uname", Array("zoë".utf8)), ("gname", []),
        ]
        let entries = try readEverything(forged { $0.paxFile("ustar-name", records: records, contents: hello) })
        XCTAssertEqual(entries.map(\.0.path), ["real/name.json"])
        XCTAssertEqual(entries.first?.1, hello)
    }

    func testPaxSizeOverridesUstarSize() throws {
        let bytes = forged {
            $0.paxHeader(records: TarForge.paxRecord("size", "6"))
            $0.header(TarForge.Header("a", size: 0))
            $0.data(hello)
        }
        XCTAssertEqual(try readEverything(bytes).map(\.1), [hello])
    }

    func testRejectedPaxKeywords() {
        let keywords = [
            "linkpath", "hdrcharset", "charset", "comment", "SCHILY.xattr.user.x", "SCHILY.fflags", "SCHILY.acl.access",
            "SCHILY.dev", "LIBARCHIVE.xattr.user.x", "LIBARCHIVE.creationtime", "SUN.holesdata", "realtime.x",
            "security.selinux", "GNU.sparse.size", "unknown", "PATH", "path ",
        ]
        for keyword in keywords {
            assertRejects(forged { $0.paxFile("a", records: [(keyword, Array("1".utf8))], contents: hello) }, .paxKeyword, keyword)
        }
    }

    func testGlobalPaxHeader() {
        assertRejects(forged { $0.paxHeader(records: TarForge.paxRecord("mtime", "0"), global: true); $0.file("a", contents: hello) }, .paxGlobal)
    }

    func testMalformedPaxRecords() {
        let bodies: [(String, [UInt8])] = [
            ("length too long", Array("99 path=a\n".utf8)),
            ("length too short", Array("5 path=a\n".utf8)),
            ("no newline", Array("9 path=ab".utf8)),
            ("leading zero", Array("010 path=a\n".utf8)),
            ("no length", Array(" path=a\n".utf8)),
            ("no equals", Array("9 pathab\n".utf8)),
            ("empty keyword", Array("6 =abc\n".utf8)),
            ("duplicate keyword", TarForge.paxRecord("path", "a") + TarForge.paxRecord("path", "b")),
            ("empty path", TarForge.paxRecord("path", "")),
            ("bad size", TarForge.paxRecord("size", "6x")),
            ("negative size", TarForge.paxRecord("size", "-6")),
            ("empty size", TarForge.paxRecord("size", "")),
            ("bad mtime", TarForge.paxRecord("mtime", "1.2.3")),
            ("bad uid", TarForge.paxRecord("uid", "abc")),
            ("trailing bytes", TarForge.paxRecord("path", "a") + Array("junk".utf8)),
        ]
        for (label, body) in bodies {
            assertRejects(forged { $0.paxHeader(records: body); $0.file("a", contents: hello) }, .paxMalformed, label)
        }
        assertRejects(forged { $0.paxHeader(records: TarForge.paxRecord("mtime", "0")); $0.paxHeader(records: TarForge.paxRecord("mtime", "0")); $0.file("a", contents: hello) }, .paxMalformed, "two x headers")
        assertRejects(forged { $0.paxHeader(records: TarForge.paxRecord("mtime", "0")) }, .paxMalformed, "x then end marker")
        var huge = TarForge()
        huge.header(TarForge.Header(name: Array("PaxHeader/a".utf8), size: 70_000, typeflag: .paxExtended))
        assertRejects(huge.bytes, .paxMalformed, "oversized x header")
    }

    func testPaxPathIsSubjectToNameRules() {
        assertRejects(forged { $0.paxFile("a", records: [("path", Array("../etc/passwd".utf8))], contents: hello) }, .pathTraversal)
        assertRejects(forged { $0.paxFile("a", records: [("path", Array("a\0b".utf8))], contents: hello) }, .pathControl)
    }

    // MARK: Names

    private func assertName(_ name: [UInt8], _ code: ArchiveError.Code, file: StaticString = #filePath, line: UInt = #line) {
        assertRejects(forged { $0.file(name: name, contents: hello) }, code, "ustar name \(name)", file: file, line: line)
        assertRejects(forged { $0.paxFile("x", records: [("path", name)], contents: hello) }, code, "pax name \(name)", file: file, line: line)
    }

    func testAbsolutePath() { assertName(Array("/etc/passwd".utf8), .pathAbsolute) }
    func testTraversal() {
        assertName(Array("../a".utf8), .pathTraversal)
        assertName(Array("a/../b".utf8), .pathTraversal)
        assertName(Array("a/..".utf8), .pathTraversal)
        assertName(Array("..".utf8), .pathTraversal)
    }
    func testDotComponent() {
        assertName(Array("./a".utf8), .pathDotComponent)
        assertName(Array("a/./b".utf8), .pathDotComponent)
        assertName(Array(".".utf8), .pathDotComponent)
    }
    func testEmptyComponent() { assertName(Array("a//b".utf8), .pathEmptyComponent) }
    func testTrailingSlash() { assertName(Array("a/".utf8), .pathTrailingSlash) }
    func testBackslash() { assertName(Array("a\\b".utf8), .pathBackslash) }
    func testNonUTF8() {
        assertName([0x61, 0xFF], .pathEncoding)
        assertName([0xC0, 0xAF], .pathEncoding)           // overlong '/'
        assertName([0xED, 0xA0, 0x80], .pathEncoding)     // surrogate
    }
    func testEmptyName() {
        assertRejects(forged { $0.file(name: [], contents: hello) }, .pathEmpty)
    }
    func testTooLong() {
        let name = Array(String(repeating: "a/", count: 100).utf8) + Array("bcdefg".utf8)  // 206 bytes
        assertRejects(forged { $0.paxFile("x", records: [("path", name)], contents: hello) }, .pathTooLong, limits: ArchiveLimits(maxPathBytes: 200))
        XCTAssertNoThrow(try readEverything(forged { $0.paxFile("x", records: [("path", name)], contents: hello) }))
        let longest = Array(String(repeating: "z", count: 256).utf8)
        assertRejects(forged { $0.paxFile("x", records: [("path", longest)], contents: hello) }, .pathTooLong)
    }
    func testUstarPrefixJoinsWithSlash() throws {
        let entries = try readEverything(forged { $0.file(prefix: Array("dir/sub".utf8), name: Array("file".utf8), contents: hello) })
        XCTAssertEqual(entries.map(\.0.path), ["dir/sub/file"])
        assertRejects(forged { $0.file(prefix: Array("dir".utf8), name: [], contents: hello) }, .pathTrailingSlash)
    }

    /// Every byte value in a name: control bytes and DEL are refused with PATH_CONTROL, '\\' with
    /// PATH_BACKSLASH, bytes >= 0x80 alone are invalid UTF-8, everything else is accepted.
    func testEveryByteInAName() throws {
        for byte in UInt8.min...UInt8.max {
            let name: [UInt8] = [0x61, byte, 0x62]
            let bytes = forged { $0.paxFile("x", records: [("path", name)], contents: hello) }
            switch byte {
            case 0x00...0x1F, 0x7F: assertRejects(bytes, .pathControl, "byte \(byte)")
            case UInt8(ascii: "\\"): assertRejects(bytes, .pathBackslash, "byte \(byte)")
            case 0x80...0xFF: assertRejects(bytes, .pathEncoding, "byte \(byte)")
            case UInt8(ascii: "/"), UInt8(ascii: "."): XCTAssertNoThrow(try readEverything(bytes), "byte \(byte)")
            default: XCTAssertEqual(try readEverything(bytes).first?.0.path.utf8.map { $0 }, name, "byte \(byte)")
            }
        }
        assertName(Array("a\u{85}b".utf8), .pathControl)  // C1 control NEL
    }

    func testDuplicate() {
        assertRejects(forged { $0.file("a", contents: hello); $0.file("a", contents: hello) }, .duplicate)
        // The same name once through ustar fields and once through pax.
        assertRejects(forged { $0.file("dir/a", contents: hello); $0.paxFile("b", records: [("path", Array("dir/a".utf8))], contents: hello) }, .duplicate)
        assertRejects(forged { $0.file("dir/a", contents: hello); $0.file(prefix: Array("dir".utf8), name: Array("a".utf8), contents: hello) }, .duplicate)
    }

    func testCaseCollision() {
        assertRejects(forged { $0.file("Manifest.json", contents: hello); $0.file("manifest.JSON", contents: hello) }, .nameCollision)
        assertRejects(forged { $0.file("straße", contents: hello); $0.file("STRASSE", contents: hello) }, .nameCollision)
    }

    func testNormalizationCollision() {
        let nfc = Array("caf\u{E9}".utf8)
        let nfd = Array("cafe\u{301}".utf8)
        XCTAssertNotEqual(nfc, nfd)
        assertRejects(forged { $0.file(name: nfc, contents: hello); $0.file(name: nfd, contents: hello) }, .nameCollision)
        assertRejects(forged { $0.file(name: Array("CAFE\u{301}".utf8), contents: hello); $0.file(name: nfc, contents: hello) }, .nameCollision)
    }

    func testDistinctNamesAreAccepted() throws {
        let bytes = forged { $0.file("a", contents: hello); $0.file("b", contents: hello); $0.file("a.b", contents: hello); $0.file("dir/a", contents: hello) }
        XCTAssertEqual(try readEverything(bytes).count, 4)
    }

    // MARK: Header fields

    func testBadChecksum() {
        for checksum in [TarForge.Checksum.offBy(1), .offBy(-1), .value(0), .raw(Array("garbage!".utf8)), .raw([0, 0, 0, 0, 0, 0, 0, 0])] {
            var header = TarForge.Header("a", size: 6)
            header.checksum = checksum
            assertRejects(forged { $0.header(header); $0.data(hello) }, .checksum, "\(checksum)")
            // Not only in the first header, where libarchive's format detection would also fail.
            assertRejects(forged { $0.file("z", contents: hello); $0.header(header); $0.data(hello) }, .checksum, "second \(checksum)")
        }
    }

    func testSignedByteChecksumIsRejected() {
        var header = TarForge.Header(name: [0x61, 0xE9], size: 6)  // a byte >= 0x80 makes signed and unsigned sums differ
        var signed = 0
        for (index, byte) in header.encoded().enumerated() { signed += (148..<156).contains(index) ? 0x20 : Int(Int8(bitPattern: byte)) }
        header.checksum = .value(signed)
        assertRejects(forged { $0.header(header); $0.data(hello) }, .checksum)
    }

    func testMalformedNumericFields() {
        let patches: [(String, TarForge.Header.Patch)] = [
            ("size not octal", .init(offset: 124, bytes: Array("0000000000x ".utf8))),
            ("size digit 8", .init(offset: 124, bytes: Array("00000000008 ".utf8))),
            ("size empty", .init(offset: 124, bytes: [UInt8](repeating: 0, count: 12))),
            ("size base-256", .init(offset: 124, bytes: [0x80] + [UInt8](repeating: 0, count: 10) + [6])),
            ("mode junk after", .init(offset: 100, bytes: Array("0644\0x\0\0".utf8))),
            ("mtime text", .init(offset: 136, bytes: Array("yesterday\0\0\0".utf8))),
            ("uid empty", .init(offset: 108, bytes: [UInt8](repeating: 0, count: 8))),
            ("devmajor junk", .init(offset: 329, bytes: Array("zz".utf8))),
            ("name bytes after NUL", .init(offset: 50, bytes: Array("hidden".utf8))),
            ("uname bytes after NUL", .init(offset: 266, bytes: Array("x".utf8))),
            ("bytes 500-511", .init(offset: 505, bytes: [1])),
        ]
        for (label, patch) in patches {
            var header = TarForge.Header("a", size: 6)
            header.patches = [patch]
            assertRejects(forged { $0.header(header); $0.data(hello) }, .header, label)
        }
    }

    func testNumericFieldSpellingsAccepted() throws {
        // Leading spaces, space or NUL terminators, full-width octal: as real writers emit them.
        var header = TarForge.Header("a", size: 6)
        header.patches = [
            .init(offset: 124, bytes: Array("          6 ".utf8)),
            .init(offset: 100, bytes: Array("0000644 ".utf8)),
            .init(offset: 136, bytes: Array("000000000000".utf8)),
        ]
        XCTAssertEqual(try readEverything(forged { $0.header(header); $0.data(hello) }).map(\.1), [hello])
    }

    func testNonZeroDataPadding() {
        var forge = TarForge()
        forge.header(TarForge.Header("a", size: 6))
        forge.data(hello + [0x41], pad: true)
        forge.endOfArchive()
        assertRejects(forge.bytes, .header)
    }

    func testNotATar() {
        assertRejects(Array(String(repeating: "just some text\n", count: 100).utf8), .format)
        var v7 = TarForge.Header("a", size: 6)
        v7.magic = [UInt8](repeating: 0, count: 8)  // pre-POSIX tar
        assertRejects(forged { $0.header(v7); $0.data(hello) }, .format)
        assertRejects(forged { $0.file("a", contents: hello); $0.raw([UInt8](repeating: 0x55, count: 512)) }, .format, "garbage header mid-archive")
    }

    // MARK: End of archive, truncation, trailing data

    func testEmptyInputIsTruncated() {
        assertRejects([], .truncated)
        assertRejects(Array("short".utf8), .truncated, "too short to tell")
        assertRejects(Array(String(repeating: "x", count: 300).utf8), .format, "short, and no ustar magic at 257")
    }

    func testMissingEndMarker() {
        var forge = TarForge()
        forge.file("a", contents: hello)
        assertRejects(forge.bytes, .truncated, "no zero block")
        forge.zeroBlocks(1)
        assertRejects(forge.bytes, .truncated, "one zero block")
    }

    func testEndMarkerWithoutRecordPaddingIsValid() throws {
        var forge = TarForge()
        forge.file("a", contents: hello)
        forge.endOfArchive()
        XCTAssertEqual(forge.bytes.count, 2048)
        XCTAssertEqual(try readEverything(forge.bytes).count, 1)
    }

    func testTrailingGarbage() {
        assertRejects(forged { $0.file("a", contents: hello) } + [0x41], .trailingData, "after record")
        var forge = TarForge()
        forge.file("a", contents: hello)
        forge.endOfArchive()
        forge.raw([0, 0, 1])
        assertRejects(forge.bytes, .trailingData, "non-zero inside the record padding")
    }

    func testZeroPaddingBeyondTheRecordIsTrailingData() {
        assertRejects(forged { $0.file("a", contents: hello) } + [0], .trailingData)
        assertRejects(forged { $0.file("a", contents: hello) } + [UInt8](repeating: 0, count: 10240), .trailingData)
    }

    func testEntryAfterEndMarker() {
        var forge = TarForge()
        forge.file("a", contents: hello)
        forge.endOfArchive()
        forge.file("hidden", contents: hello)
        forge.endOfArchive()
        assertRejects(forge.bytes, .trailingData)
    }

    func testEntryAfterSingleZeroBlock() {
        var forge = TarForge()
        forge.file("a", contents: hello)
        forge.zeroBlocks(1)
        forge.file("hidden", contents: hello)
        forge.endOfArchive()
        assertRejects(forge.bytes, .trailingData)
    }

    func testDataShorterThanDeclared() {
        var forge = TarForge()
        forge.file("a", contents: hello, declaredSize: 100_000)
        forge.endOfArchive()
        assertRejects(forge.bytes, .truncated)
    }

    func testCompressedInput() throws {
        let tar = forged { $0.file("a", contents: hello) }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.tar")
        try Data(tar).write(to: path)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-n", "-k", path.path]
        try gzip.run()
        gzip.waitUntilExit()
        try XCTSkipUnless(gzip.terminationStatus == 0, "gzip not available")
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path.path + ".gz")))
        XCTAssertEqual(Array(compressed.prefix(2)), [0x1F, 0x8B])
        assertRejects(compressed, .format, "gzip")
        assertRejects(Array(compressed.prefix(40)), .format, "short gzip")
        assertRejects([0x42, 0x5A, 0x68, 0x39] + [UInt8](repeating: 1, count: 600), .format, "bzip2 magic")
        assertRejects([0x28, 0xB5, 0x2F, 0xFD, 0, 0], .format, "short zstd")
    }

    // MARK: Limits

    func testEntryTooLarge() {
        let limits = ArchiveLimits(maxEntrySize: 5)
        assertRejects(forged { $0.file("a", contents: hello) }, .entryTooLarge, limits: limits)
        XCTAssertNoThrow(try readEverything(forged { $0.file("a", contents: hello) }, limits: ArchiveLimits(maxEntrySize: 6)))
    }

    func testHugeDeclaredSizeIsRefusedBeforeReading() {
        // 5 GiB declared through pax; the data is absent, so reading it would report truncation.
        let bytes = forged { $0.paxHeader(records: TarForge.paxRecord("size", "5368709120")); $0.header(TarForge.Header("a")) }
        assertRejects(bytes, .entryTooLarge)
    }

    func testTotalTooLarge() {
        let limits = ArchiveLimits(maxTotalSize: 11)
        assertRejects(forged { $0.file("a", contents: hello); $0.file("b", contents: hello) }, .tooLarge, limits: limits)
        XCTAssertNoThrow(try readEverything(forged { $0.file("a", contents: hello); $0.file("b", contents: hello) }, limits: ArchiveLimits(maxTotalSize: 12)))
    }

    func testTooManyEntries() {
        let limits = ArchiveLimits(maxEntries: 2)
        assertRejects(forged { $0.file("a", contents: hello); $0.file("b", contents: hello); $0.file("c", contents: hello) }, .tooManyEntries, limits: limits)
        XCTAssertNoThrow(try readEverything(forged { $0.file("a", contents: hello); $0.file("b", contents: hello) }, limits: limits))
    }

    func testReadAllLimit() throws {
        let reader = try TarReader(bytes: forged { $0.file("a", contents: hello) })
        XCTAssertNotNil(try reader.nextEntry())
        XCTAssertThrowsError(try reader.readAll(limit: 5)) { XCTAssertEqual(($0 as? ArchiveError)?.code, .entryTooLarge) }
    }

    // MARK: Order and API behaviour

    /// Defects are reported in archive order: a bad name before a symlink wins even though the
    /// audit sees the symlink first.
    func testFirstDefectInArchiveOrderWins() {
        assertRejects(forged { $0.file("a", contents: hello); $0.file("a", contents: hello); $0.symlink("l", target: "a") }, .duplicate)
        assertRejects(forged { $0.symlink("l", target: "a"); $0.file("a", contents: hello); $0.file("a", contents: hello) }, .link)
    }

    func testEntriesBeforeADefectAreDelivered() throws {
        let reader = try TarReader(bytes: forged { $0.file("a", contents: hello); $0.symlink("l", target: "a") })
        XCTAssertEqual(try reader.nextEntry()?.path, "a")
        XCTAssertEqual(try reader.readAll(limit: 100), hello)
        XCTAssertThrowsError(try reader.nextEntry()) { XCTAssertEqual(($0 as? ArchiveError)?.code, .link) }
        XCTAssertThrowsError(try reader.nextEntry(), "the reader stays failed") { XCTAssertEqual(($0 as? ArchiveError)?.code, .link) }
    }

    func testSkippingDataAndEndIsSticky() throws {
        let reader = try TarReader(bytes: forged { $0.file("a", contents: Array(repeating: 1, count: 200_000)); $0.file("b", contents: hello) })
        XCTAssertEqual(try reader.nextEntry()?.path, "a")
        XCTAssertEqual(try reader.nextEntry()?.path, "b", "unread data is skipped")
        XCTAssertEqual(try reader.readAll(limit: 6), hello)
        XCTAssertEqual(try reader.readAll(limit: 6), [], "data already consumed")
        XCTAssertNil(try reader.nextEntry())
        XCTAssertNil(try reader.nextEntry())
    }

    func testReadDataChunksAreBounded() throws {
        let reader = try TarReader(bytes: forged { $0.file("big", contents: Array(repeating: 3, count: 300_000)) })
        XCTAssertEqual(try reader.nextEntry()?.size, 300_000)
        var total = 0
        var largest = 0
        try reader.readData { chunk in
            total += chunk.count
            largest = max(largest, chunk.count)
            XCTAssertTrue(chunk.allSatisfy { $0 == 3 })
        }
        XCTAssertEqual(total, 300_000)
        XCTAssertLessThanOrEqual(largest, 64 * 1024)
    }

    func testReadDataRethrowsBodyErrors() throws {
        struct Stop: Error {}
        let reader = try TarReader(bytes: forged { $0.file("a", contents: hello); $0.file("b", contents: hello) })
        _ = try reader.nextEntry()
        XCTAssertThrowsError(try reader.readData { _ in throw Stop() }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(try reader.nextEntry()?.path, "b", "a body error does not end the reader")
    }

    func testReadWithoutEntryIsMisuse() throws {
        let reader = try TarReader(bytes: forged { $0.file("a", contents: hello) })
        XCTAssertThrowsError(try reader.readAll(limit: 10)) { XCTAssertEqual(($0 as? ArchiveError)?.code, .misuse) }
    }

    func testMissingFileIsIO() {
        XCTAssertThrowsError(try TarReader(path: "/nonexistent-\(UUID().uuidString).tar")) {
            XCTAssertEqual(($0 as? ArchiveError)?.code, .io)
        }
        XCTAssertThrowsError(try TarReader(path: "/")) { XCTAssertEqual(($0 as? ArchiveError)?.code, .io, "a directory") }
    }

    func testContentErrorsComeFromNextEntryNotInit() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("garbage.tar").path
        try Data(String(repeating: "not a tar ", count: 60).utf8).write(to: URL(fileURLWithPath: path))
        let reader = try TarReader(path: path)
        XCTAssertThrowsError(try reader.nextEntry()) { XCTAssertEqual(($0 as? ArchiveError)?.code, .format) }
    }

    func testErrorEqualityIsByCode() {
        XCTAssertEqual(ArchiveError(.link, "one"), ArchiveError(.link, path: "x", offset: 3, "two"))
        XCTAssertNotEqual(ArchiveError(.link, "one"), ArchiveError(.directory, "one"))
        XCTAssertEqual(Set(ArchiveError.Code.allCases.map(\.rawValue)).count, ArchiveError.Code.allCases.count)
        XCTAssertTrue(ArchiveError.Code.allCases.allSatisfy { $0.rawValue.hasPrefix("ARCHIVE_") })
    }
}

final class TarReaderEncodingTests: XCTestCase {
    /// libarchive warns when it cannot convert a UTF-8 pax name to the C locale; the reader
    /// accepts exactly that case and delivers the raw UTF-8 name.
    func testNonASCIIPaxPath() throws {
        let name = "données/ü-日本.json"
        let entries = try readEverything(forged { $0.paxFile("x", records: [("path", Array(name.utf8))], contents: hello) })
        XCTAssertEqual(entries.map(\.0.path), [name])
        XCTAssertEqual(entries.first.map { Array($0.0.path.utf8) }, Array(name.utf8))
    }

    func testNonASCIIPaxUserName() throws {
        let entries = try readEverything(forged { $0.paxFile("a", records: [("uname", Array("zoë".utf8)), ("gname", Array("ärzte".utf8))], contents: hello) })
        XCTAssertEqual(entries.map(\.0.path), ["a"])
    }

    func testNFDNameIsDeliveredUnnormalized() throws {
        let nfd = Array("cafe\u{301}".utf8)
        let entries = try readEverything(forged { $0.file(name: nfd, contents: hello) })
        XCTAssertEqual(entries.first.map { Array($0.0.path.utf8) }, nfd)
    }

    func testTruncatedFileOnDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("cut.tar")
        try Data(forged { $0.file("a", contents: Array(repeating: 9, count: 5000)) }.prefix(3000)).write(to: path)
        let reader = try TarReader(path: path.path)
        XCTAssertEqual(try reader.nextEntry()?.size, 5000)
        XCTAssertThrowsError(try reader.readAll(limit: 5000)) { XCTAssertEqual(($0 as? ArchiveError)?.code, .truncated) }
    }

    func testTotalSizeDoesNotOverflow() {
        let limits = ArchiveLimits(maxEntrySize: .max, maxTotalSize: .max)
        let bytes = forged {
            $0.paxHeader(records: TarForge.paxRecord("size", "999999999999999999")); $0.header(TarForge.Header("a"))
        }
        assertRejects(bytes, .truncated, limits: limits)
    }
}

extension TarReaderEncodingTests {
    /// A non-ASCII pax name with a NUL: libarchive cuts the name and warns, the name rule decides.
    func testNonASCIIPaxPathWithNUL() {
        assertRejects(forged { $0.paxFile("x", records: [("path", Array("é\u{0}b".utf8))], contents: hello) }, .pathControl)
    }
}
