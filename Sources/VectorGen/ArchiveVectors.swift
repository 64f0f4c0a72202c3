import BundleKit
import EvidenceFormat
import TarForge

/// Archive rules: every hostile tar shape. The archive stage stops at the first defect, so each
/// vector expects the one ARCHIVE_* code (plus BUNDLE_UNEXPECTED_FILE when a non-layout entry was
/// read before the defect).
enum ArchiveVectors {
    static func add(to suite: Suite) {
        let base = Base("archive", Bases.singleSpec("archive", 2), suite: suite)
        let unexpected = VerifyCodes.unexpectedFile

        /// The base's entries, then `hostile`, then the end marker and record padding.
        func after(_ hostile: (inout TarForge) -> Void, end: Bool = true) -> [UInt8] {
            base.forged { f, entries in
                for e in entries { f.file(e.path, contents: e.bytes) }
                hostile(&f)
                if end { f.endOfArchive(); f.padToRecord() }
            }
        }
        func a(_ name: String, _ bug: BugClass, _ code: String, _ d: String, _ b: [UInt8], extra: [String] = []) {
            suite.neg("archive-\(name)", bug, extra + [code], d, b)
        }
        let payload = bytes(#"{"x":1}"#)

        // Truncation and trailing data.
        let plain = base.forged { f, entries in for e in entries { f.file(e.path, contents: e.bytes) }; f.endOfArchive() }
        let lastHeader = plain.count - 1024 - 512 * ((base.entries().last!.bytes.count + 511) / 512) - 512
        suite.neg("archive-truncated-empty", .archiveStructure, ["ARCHIVE_TRUNCATED"], "an empty file", [])
        a("truncated-in-header", .archiveStructure, "ARCHIVE_TRUNCATED", "the input ends inside the last entry's header", Array(plain.prefix(lastHeader + 100)))
        a("truncated-in-data", .archiveStructure, "ARCHIVE_TRUNCATED", "the input ends inside the last entry's data", Array(plain.prefix(lastHeader + 512 + 10)))
        a("truncated-in-padding", .archiveStructure, "ARCHIVE_TRUNCATED", "the input ends inside the zero padding after the last entry's data",
          Array(plain.prefix(lastHeader + 512 + (base.entries().last!.bytes.count % 512) + 1)))
        a("truncated-no-end-marker", .archiveStructure, "ARCHIVE_TRUNCATED", "the input ends on a block boundary with no end-of-archive marker", Array(plain.prefix(plain.count - 1024)))
        a("truncated-one-zero-block", .archiveStructure, "ARCHIVE_TRUNCATED", "only one of the two zero blocks of the end marker", Array(plain.prefix(plain.count - 512)))
        a("truncated-head", .archiveStructure, "ARCHIVE_FORMAT", "head truncation: the first 512 bytes are cut off, so the tar starts inside the manifest's data", Array(plain.dropFirst(512)))
        a("truncated-data-shorter-than-declared", .archiveStructure, "ARCHIVE_TRUNCATED", "the last entry declares 4096 more bytes than the archive holds",
          base.forged { f, entries in
              for e in entries.dropLast() { f.file(e.path, contents: e.bytes) }
              let l = entries.last!
              f.file(l.path, contents: l.bytes, declaredSize: Int64(l.bytes.count + 4096))
              f.endOfArchive() })
        a("trailing-garbage", .archiveStructure, "ARCHIVE_TRAILING_DATA", "text after the end marker and record padding", after({ _ in }) + bytes("trailing garbage"))
        a("trailing-byte-in-padding", .archiveStructure, "ARCHIVE_TRAILING_DATA", "a non-zero byte in the zero padding after the end marker",
          base.forged { f, entries in for e in entries { f.file(e.path, contents: e.bytes) }; f.endOfArchive(); f.raw([0x01]); f.padToRecord() })
        a("trailing-zero-record", .archiveStructure, "ARCHIVE_TRAILING_DATA", "a whole extra zero record after the record boundary",
          after({ _ in }) + [UInt8](repeating: 0, count: 10240))
        a("trailing-entry-after-end", .archiveStructure, "ARCHIVE_TRAILING_DATA", "a regular file after the end-of-archive marker, hidden from readers that stop there",
          base.forged { f, entries in for e in entries { f.file(e.path, contents: e.bytes) }; f.endOfArchive(); f.file("keys/hidden.json", contents: payload); f.endOfArchive(); f.padToRecord() })
        a("trailing-after-single-zero-block", .archiveStructure, "ARCHIVE_TRAILING_DATA", "one zero block, then another entry: readers that stop at one zero block hide it",
          base.forged { f, entries in for e in entries { f.file(e.path, contents: e.bytes) }; f.zeroBlocks(1); f.file("keys/hidden.json", contents: payload); f.endOfArchive(); f.padToRecord() })

        // Links, special files, directories.
        a("symlink", .archiveLink, "ARCHIVE_LINK", "a symbolic link to /etc/passwd", after { $0.symlink("keys/link.json", target: "/etc/passwd") })
        a("symlink-relative", .archiveLink, "ARCHIVE_LINK", "a symbolic link to another bundle file", after { $0.symlink("keys/link.json", target: "../receipts.jsonl") })
        a("hardlink", .archiveLink, "ARCHIVE_LINK", "a hard link to receipts.jsonl", after { $0.hardLink("keys/link.json", target: "receipts.jsonl") })
        a("linkname-on-regular-file", .archiveLink, "ARCHIVE_LINK", "a regular-file header with a non-empty linkname",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.linkname = bytes("receipts.jsonl"); f.header(hd); f.data(payload) })
        a("char-device", .archiveLink, "ARCHIVE_SPECIAL_FILE", "a character device entry", after { $0.device("keys/dev.json", block: false) })
        a("block-device", .archiveLink, "ARCHIVE_SPECIAL_FILE", "a block device entry", after { $0.device("keys/dev.json", block: true) })
        a("fifo", .archiveLink, "ARCHIVE_SPECIAL_FILE", "a FIFO entry", after { $0.fifo("keys/fifo.json") })
        a("directory", .archiveStructure, "ARCHIVE_DIRECTORY", "a directory entry", after { $0.directory("keys") })
        a("gnu-sparse", .archiveStructure, "ARCHIVE_SPARSE", "an old-GNU sparse entry",
          after { $0.gnuSparse("keys/sparse.json", map: [(0, 7)], realSize: 4096, contents: payload) })
        a("gnu-long-name", .archiveStructure, "ARCHIVE_GNU_LONG_NAME", "a GNU long-name entry ('L') naming the next file",
          after { f in f.gnuLongName(bytes("keys/" + String(repeating: "a", count: 120) + ".json")); f.file("keys/short.json", contents: payload) })
        a("gnu-long-link", .archiveStructure, "ARCHIVE_GNU_LONG_NAME", "a GNU long-link entry ('K')",
          after { f in var hd = TarForge.Header("././@LongLink", size: 20, typeflag: .gnuLongLink); hd.magic = TarForge.gnuMagic; f.header(hd); f.data(bytes("receipts.jsonl") + [0, 0, 0, 0, 0, 0]) })
        a("entry-type-contiguous", .archiveStructure, "ARCHIVE_ENTRY_TYPE", "a contiguous-file entry (type '7')",
          after { $0.file(name: bytes("keys/c.json"), contents: payload, typeflag: .contiguous) })
        a("entry-type-volume-label", .archiveStructure, "ARCHIVE_ENTRY_TYPE", "a GNU volume label (type 'V')",
          after { $0.header(TarForge.Header("volume", typeflag: .gnuVolumeLabel)) })
        a("entry-type-unknown", .archiveStructure, "ARCHIVE_ENTRY_TYPE", "a vendor type flag 'Z'",
          after { $0.file(name: bytes("keys/z.json"), contents: payload, typeflag: TarForge.TypeFlag("Z")) })

        // pax.
        a("pax-global", .archiveStructure, "ARCHIVE_PAX_GLOBAL", "a pax global header ('g')",
          after { $0.paxHeader(records: TarForge.paxRecord("comment", "x"), global: true, name: "pax_global_header") })
        for (name, keyword, value) in [("linkpath", "linkpath", "receipts.jsonl"), ("hdrcharset", "hdrcharset", "BINARY"),
                                       ("uppercase-path", "PATH", "keys/x.json"), ("gnu-sparse", "GNU.sparse.size", "4096"),
                                       ("schily-xattr", "SCHILY.xattr.user.x", "1"), ("comment", "comment", "hello"),
                                       ("path-with-space", "path ", "keys/x.json")] {
            a("pax-keyword-\(name)", .archiveStructure, "ARCHIVE_PAX_KEYWORD", "a pax record with keyword \"\(keyword)\", which may change meaning",
              after { $0.paxFile("keys/x.json", records: [(keyword, bytes(value))], contents: payload) })
        }
        a("pax-malformed-length", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "a pax record whose length is wrong",
          after { f in f.paxHeader(records: bytes("99 path=keys/x.json\n"), name: "PaxHeader/x"); f.file("keys/x.json", contents: payload) })
        a("pax-malformed-leading-zero", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "a pax record length with a leading zero",
          after { f in f.paxHeader(records: bytes("021 path=keys/x.json\n"), name: "PaxHeader/x"); f.file("keys/x.json", contents: payload) })
        a("pax-duplicate-keyword", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "the same pax keyword twice in one header",
          after { $0.paxFile("keys/x.json", records: [("path", bytes("keys/x.json")), ("path", bytes("keys/y.json"))], contents: payload) })
        a("pax-empty-path", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "an empty pax path", after { $0.paxFile("keys/x.json", records: [("path", [])], contents: payload) })
        a("pax-bad-size", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "a pax size that is not decimal", after { $0.paxFile("keys/x.json", records: [("size", bytes("7x"))], contents: payload) })
        a("pax-bad-mtime", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "a pax mtime that is not a number", after { $0.paxFile("keys/x.json", records: [("mtime", bytes("yesterday"))], contents: payload) })
        a("pax-two-headers", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "two pax headers in a row",
          after { f in f.paxHeader(records: TarForge.paxRecord("mtime", "1"), name: "PaxHeader/a"); f.paxFile("keys/x.json", records: [("mtime", bytes("2"))], contents: payload) })
        a("pax-before-end", .archiveStructure, "ARCHIVE_PAX_MALFORMED", "a pax header followed by the end marker", after { $0.paxHeader(records: TarForge.paxRecord("mtime", "1")) })
        a("pax-size-too-large", .archiveBounds, "ARCHIVE_ENTRY_TOO_LARGE", "a pax size record of 2^34 + 1 bytes, over the per-entry cap",
          after({ $0.paxFile("receipts2.jsonl", records: [("size", bytes(String((1 << 34) + 1)))], contents: payload) }, end: false))

        // Names.
        func named(_ n: [UInt8]) -> [UInt8] { after { $0.file(name: n, contents: payload) } }
        a("path-empty", .archivePath, "ARCHIVE_PATH_EMPTY", "an entry with an empty name", named([]))
        a("path-too-long", .archivePath, "ARCHIVE_PATH_TOO_LONG", "a 260-byte pax path",
          after { $0.paxFile("keys/long.json", records: [("path", bytes("keys/" + String(repeating: "a", count: 250) + ".json"))], contents: payload) })
        a("path-invalid-utf8", .archivePath, "ARCHIVE_PATH_ENCODING", "a name that is not UTF-8 (byte 0xFF)", named(bytes("keys/") + [0xff] + bytes(".json")))
        a("path-overlong-utf8", .archivePath, "ARCHIVE_PATH_ENCODING", "a name with an overlong UTF-8 encoding of '/' (C0 AF)", named(bytes("keys") + [0xc0, 0xaf] + bytes("x.json")))
        a("path-control", .archivePath, "ARCHIVE_PATH_CONTROL", "a name holding a control character (0x01)", named(bytes("keys/a") + [0x01] + bytes(".json")))
        a("path-c1-control", .archivePath, "ARCHIVE_PATH_CONTROL", "a name holding a C1 control character (U+0085)", named(bytes("keys/a") + [0xc2, 0x85] + bytes(".json")))
        a("path-backslash", .archivePath, "ARCHIVE_PATH_BACKSLASH", "a name with a backslash", named(bytes("keys\\x.json")))
        a("path-absolute", .archivePath, "ARCHIVE_PATH_ABSOLUTE", "an absolute name", named(bytes("/receipts.jsonl")))
        a("path-trailing-slash", .archivePath, "ARCHIVE_PATH_TRAILING_SLASH", "a regular file whose name ends with /", named(bytes("keys/")))
        a("path-traversal", .archivePath, "ARCHIVE_PATH_TRAVERSAL", "a name starting with ..", named(bytes("../receipts.jsonl")))
        a("path-traversal-inner", .archivePath, "ARCHIVE_PATH_TRAVERSAL", "a .. component inside a name", named(bytes("keys/../receipts.jsonl")))
        a("path-dot-component", .archivePath, "ARCHIVE_PATH_DOT_COMPONENT", "a ./ prefix", named(bytes("./receipts.jsonl")))
        a("path-empty-component", .archivePath, "ARCHIVE_PATH_EMPTY_COMPONENT", "an empty component (a//b)", named(bytes("keys//x.json")))
        a("path-traversal-pax", .archivePath, "ARCHIVE_PATH_TRAVERSAL", "a pax path record with a .. component",
          after { $0.paxFile("keys/x.json", records: [("path", bytes("../../etc/cron.d/x"))], contents: payload) })

        // Duplicates and collisions.
        let receipts = base.built.files.first { $0.path == receiptsPath }!.bytes
        a("duplicate", .archivePath, "ARCHIVE_DUPLICATE", "receipts.jsonl twice", after { $0.file(receiptsPath, contents: receipts) })
        a("duplicate-manifest", .archivePath, "ARCHIVE_DUPLICATE", "a second manifest.json", after { $0.file(manifestPath, contents: payload) })
        a("duplicate-prefix-split", .archivePath, "ARCHIVE_DUPLICATE", "an existing artifact path again, split across the ustar prefix and name fields",
          after { f in let p = base.built.files.first { $0.path.hasPrefix("artifacts/") }!.path
              f.file(prefix: bytes("artifacts"), name: bytes(String(p.dropFirst(10))), contents: payload) })
        a("duplicate-pax-path", .archivePath, "ARCHIVE_DUPLICATE", "a pax path record naming receipts.jsonl again",
          after { $0.paxFile("other.bin", records: [("path", bytes(receiptsPath))], contents: receipts) })
        a("case-collision", .archivePath, "ARCHIVE_NAME_COLLISION", "RECEIPTS.jsonl beside receipts.jsonl", after { $0.file("RECEIPTS.jsonl", contents: receipts) })
        a("case-collision-manifest", .archivePath, "ARCHIVE_NAME_COLLISION", "Manifest.json beside manifest.json", after { $0.file("Manifest.json", contents: payload) })
        a("normalization-collision", .archivePath, "ARCHIVE_NAME_COLLISION", "keys/\u{e9}.json (NFC) then keys/e\u{301}.json (NFD)",
          after { f in f.file("keys/\u{e9}.json", contents: payload); f.file("keys/e\u{301}.json", contents: payload) }, extra: [unexpected])
        a("sharp-s-collision", .archivePath, "ARCHIVE_NAME_COLLISION", "keys/stra\u{df}e.json then keys/STRASSE.json",
          after { f in f.file("keys/stra\u{df}e.json", contents: payload); f.file("keys/STRASSE.json", contents: payload) }, extra: [unexpected])

        // Headers.
        a("checksum-off-by-one", .archiveStructure, "ARCHIVE_CHECKSUM", "a header checksum one too high",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.checksum = .offBy(1); f.header(hd); f.data(payload) })
        a("checksum-not-octal", .archiveStructure, "ARCHIVE_CHECKSUM", "a checksum field that is not octal",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.checksum = .raw(bytes("0x1234") + [0, 0x20]); f.header(hd); f.data(payload) })
        a("checksum-signed-bytes", .archiveStructure, "ARCHIVE_CHECKSUM", "a checksum computed over signed bytes (name with two bytes >= 0x80)",
          after { f in var hd = TarForge.Header("keys/\u{e9}.json", size: Int64(payload.count)); hd.checksum = .offBy(-512); f.header(hd); f.data(payload) })
        a("format-v7", .archiveStructure, "ARCHIVE_FORMAT", "a header without ustar magic (V7 tar)",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.magic = [0, 0, 0, 0, 0, 0, 0, 0]; f.header(hd); f.data(payload) })
        a("format-gnu-magic", .archiveStructure, "ARCHIVE_FORMAT", "a regular file with GNU tar's own magic",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.magic = TarForge.gnuMagic; f.header(hd); f.data(payload) })
        a("format-gzip", .archiveStructure, "ARCHIVE_FORMAT", "a gzip stream instead of a tar", [0x1f, 0x8b, 0x08, 0x00] + [UInt8](repeating: 0, count: 1020))
        a("format-random", .archiveStructure, "ARCHIVE_FORMAT", "random bytes where the first header belongs", (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 197 &+ 13) })
        a("format-garbage-header", .archiveStructure, "ARCHIVE_FORMAT", "a block of text where a header belongs",
          after { $0.raw([UInt8](repeating: UInt8(ascii: "A"), count: 512)) })
        a("header-size-base256", .archiveStructure, "ARCHIVE_HEADER", "a size field in GNU base-256",
          after { f in var hd = TarForge.Header("keys/x.json"); hd.patches = [.init(offset: 124, bytes: [0x80] + [UInt8](repeating: 0, count: 10) + [UInt8(payload.count)])]; f.header(hd); f.data(payload) })
        a("header-mode-not-octal", .archiveStructure, "ARCHIVE_HEADER", "a mode field with a non-octal digit",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.patches = [.init(offset: 100, bytes: bytes("0000894") + [0])]; f.header(hd); f.data(payload) })
        a("header-bytes-after-name", .archiveStructure, "ARCHIVE_HEADER", "bytes after the NUL that ends the name",
          after { f in f.file(name: bytes("keys/x.json") + [0] + bytes("evil"), contents: payload) })
        a("header-nonzero-tail", .archiveStructure, "ARCHIVE_HEADER", "non-zero bytes in header bytes 500-511",
          after { f in var hd = TarForge.Header("keys/x.json", size: Int64(payload.count)); hd.patches = [.init(offset: 505, bytes: [0x41])]; f.header(hd); f.data(payload) })
        a("header-nonzero-padding", .archiveStructure, "ARCHIVE_HEADER", "non-zero bytes in the padding after an entry's data",
          after { f in f.header(TarForge.Header(BundlePath.key(h("padding")).path, size: Int64(payload.count))); f.data(payload + [0x41], pad: true) })
        a("entry-too-large", .archiveBounds, "ARCHIVE_ENTRY_TOO_LARGE", "inclusion.jsonl declaring 2^30 + 1 bytes, over the layout's limit for that file (checked before any data is read)",
          after({ $0.header(TarForge.Header(BundlePath.inclusionName, size: (1 << 30) + 1)) }, end: false))
    }
}

enum VerifyCodes {
    static let unexpectedFile = "BUNDLE_UNEXPECTED_FILE"
}
