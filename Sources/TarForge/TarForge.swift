/// A raw ustar/pax byte builder for negative tests and conformance vectors.
///
/// TarForge writes exactly what it is told, including hostile archives: any type flag, any name
/// bytes, sizes that lie, pax records with any keyword, GNU long names and sparse headers, bad
/// checksums, missing end-of-archive blocks, trailing garbage and truncation. It computes correct
/// header checksums unless told not to. It has no dependencies and never validates anything.
///
///     var forge = TarForge()
///     forge.file("manifest.json", contents: Array("{}".utf8))
///     forge.symlink("evil", target: "/etc/passwd")
///     forge.endOfArchive()
///     forge.padToRecord()
///     let bytes = forge.bytes
package struct TarForge: Sendable {
    package static let blockSize = 512
    package static let recordSize = 10240
    /// "ustar\0" + "00": POSIX ustar and pax.
    package static let posixMagic: [UInt8] = Array("ustar".utf8) + [0] + Array("00".utf8)
    /// "ustar  \0": GNU tar's own format.
    package static let gnuMagic: [UInt8] = Array("ustar  ".utf8) + [0]

    /// The archive built so far.
    package private(set) var bytes: [UInt8] = []

    package init() {}

    // MARK: Type flags

    /// A header type flag; any byte is allowed.
    package struct TypeFlag: RawRepresentable, Hashable, Sendable {
        package var rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        package init(_ ascii: Unicode.Scalar) { rawValue = UInt8(ascii: ascii) }

        package static let regular = TypeFlag("0")
        /// The pre-POSIX regular-file flag (NUL).
        package static let regularNUL = TypeFlag(rawValue: 0)
        package static let hardLink = TypeFlag("1")
        package static let symbolicLink = TypeFlag("2")
        package static let characterDevice = TypeFlag("3")
        package static let blockDevice = TypeFlag("4")
        package static let directory = TypeFlag("5")
        package static let fifo = TypeFlag("6")
        package static let contiguous = TypeFlag("7")
        package static let paxExtended = TypeFlag("x")
        package static let paxGlobal = TypeFlag("g")
        package static let gnuLongName = TypeFlag("L")
        package static let gnuLongLink = TypeFlag("K")
        package static let gnuSparse = TypeFlag("S")
        package static let gnuVolumeLabel = TypeFlag("V")
    }

    // MARK: Headers

    /// How the checksum field is written.
    package enum Checksum: Sendable, Hashable {
        /// The correct sum, as "%06o\0 ".
        case correct
        /// The correct sum plus `delta` (a bad checksum when delta != 0).
        case offBy(Int)
        /// This number, as "%06o\0 ".
        case value(Int)
        /// These 8 bytes verbatim.
        case raw([UInt8])
    }

    /// One 512-byte header. Text fields are written raw and cut to the field width; numeric
    /// fields are written as zero-padded octal with a NUL terminator (longer forms when the value
    /// needs them, base-256 for negative or huge values). `patches` are applied last, before the
    /// checksum, to put arbitrary bytes at arbitrary offsets.
    package struct Header: Sendable, Hashable {
        package var name: [UInt8]
        package var mode: Int64 = 0o644
        package var uid: Int64 = 0
        package var gid: Int64 = 0
        package var size: Int64 = 0
        package var mtime: Int64 = 0
        package var typeflag: TypeFlag = .regular
        package var linkname: [UInt8] = []
        /// 8 bytes at offset 257: magic and version.
        package var magic: [UInt8] = TarForge.posixMagic
        package var uname: [UInt8] = []
        package var gname: [UInt8] = []
        package var devmajor: Int64 = 0
        package var devminor: Int64 = 0
        package var prefix: [UInt8] = []
        package var checksum: Checksum = .correct
        package var patches: [Patch] = []

        package struct Patch: Sendable, Hashable {
            package var offset: Int
            package var bytes: [UInt8]
            package init(offset: Int, bytes: [UInt8]) {
                self.offset = offset
                self.bytes = bytes
            }
        }

        package init(name: [UInt8], size: Int64 = 0, typeflag: TypeFlag = .regular) {
            self.name = name
            self.size = size
            self.typeflag = typeflag
        }

        package init(_ name: String, size: Int64 = 0, typeflag: TypeFlag = .regular) {
            self.init(name: Array(name.utf8), size: size, typeflag: typeflag)
        }

        /// The 512 header bytes.
        package func encoded() -> [UInt8] {
            var block = [UInt8](repeating: 0, count: TarForge.blockSize)
            func put(_ value: [UInt8], at offset: Int, width: Int) {
                for (index, byte) in value.prefix(width).enumerated() { block[offset + index] = byte }
            }
            put(name, at: 0, width: 100)
            put(TarForge.numeric(mode, width: 8), at: 100, width: 8)
            put(TarForge.numeric(uid, width: 8), at: 108, width: 8)
            put(TarForge.numeric(gid, width: 8), at: 116, width: 8)
            put(TarForge.numeric(size, width: 12), at: 124, width: 12)
            put(TarForge.numeric(mtime, width: 12), at: 136, width: 12)
            block[156] = typeflag.rawValue
            put(linkname, at: 157, width: 100)
            put(magic, at: 257, width: 8)
            put(uname, at: 265, width: 32)
            put(gname, at: 297, width: 32)
            put(TarForge.numeric(devmajor, width: 8), at: 329, width: 8)
            put(TarForge.numeric(devminor, width: 8), at: 337, width: 8)
            put(prefix, at: 345, width: 155)
            for patch in patches {
                for (index, byte) in patch.bytes.enumerated() where patch.offset + index < block.count {
                    block[patch.offset + index] = byte
                }
            }
            let sum = TarForge.checksum(of: block)
            let field: [UInt8]
            switch checksum {
            case .correct: field = TarForge.checksumField(sum)
            case .offBy(let delta): field = TarForge.checksumField(sum + delta)
            case .value(let value): field = TarForge.checksumField(value)
            case .raw(let raw): field = raw
            }
            for index in 0..<8 { block[148 + index] = index < field.count ? field[index] : 0 }
            return block
        }
    }

    /// The unsigned sum of a header with its checksum field counted as eight spaces.
    package static func checksum(of block: [UInt8]) -> Int {
        var sum = 0
        for (index, byte) in block.enumerated() { sum += (148..<156).contains(index) ? 0x20 : Int(byte) }
        return sum
    }

    static func checksumField(_ value: Int) -> [UInt8] {
        let digits = Array(String(max(0, value), radix: 8).utf8)
        let padded = [UInt8](repeating: UInt8(ascii: "0"), count: max(0, 6 - digits.count)) + digits
        return Array(padded.suffix(6)) + [0, 0x20]
    }

    /// Octal with NUL terminator when it fits `width - 1` digits, octal filling the field when it
    /// fits `width`, else GNU base-256 (also for negative values).
    package static func numeric(_ value: Int64, width: Int) -> [UInt8] {
        if value >= 0 {
            let digits = Array(String(value, radix: 8).utf8)
            if digits.count <= width - 1 {
                return [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
            }
            if digits.count == width { return digits }
        }
        var field = [UInt8](repeating: value < 0 ? 0xFF : 0, count: width)
        var rest = value
        for index in stride(from: width - 1, through: 1, by: -1) {
            field[index] = UInt8(truncatingIfNeeded: rest)
            rest >>= 8
        }
        field[0] = value < 0 ? 0xFF : 0x80
        return field
    }

    // MARK: Building blocks

    /// Appends one header block.
    package mutating func header(_ header: Header) { bytes += header.encoded() }

    /// Appends data, zero-padded to a whole block unless `pad` is false.
    package mutating func data(_ data: [UInt8], pad: Bool = true) {
        bytes += data
        if pad { padToBlock() }
    }

    /// Zero bytes up to the next block boundary.
    package mutating func padToBlock() {
        bytes += [UInt8](repeating: 0, count: (Self.blockSize - bytes.count % Self.blockSize) % Self.blockSize)
    }

    /// `count` zero blocks.
    package mutating func zeroBlocks(_ count: Int) {
        bytes += [UInt8](repeating: 0, count: count * Self.blockSize)
    }

    /// The end-of-archive marker: two zero blocks.
    package mutating func endOfArchive() { zeroBlocks(2) }

    /// Zero bytes up to the next multiple of `recordSize`.
    package mutating func padToRecord(_ recordSize: Int = TarForge.recordSize) {
        bytes += [UInt8](repeating: 0, count: (recordSize - bytes.count % recordSize) % recordSize)
    }

    /// Arbitrary bytes (trailing garbage, broken blocks).
    package mutating func raw(_ data: [UInt8]) { bytes += data }

    /// Keeps only the first `count` bytes.
    package mutating func truncate(to count: Int) { bytes = Array(bytes.prefix(count)) }

    // MARK: Entries

    /// A ustar regular file ('0'): header and padded data. `declaredSize` lies about the size.
    package mutating func file(_ path: String, contents: [UInt8], declaredSize: Int64? = nil) {
        file(name: Array(path.utf8), contents: contents, declaredSize: declaredSize)
    }

    package mutating func file(name: [UInt8], contents: [UInt8], declaredSize: Int64? = nil, typeflag: TypeFlag = .regular) {
        header(Header(name: name, size: declaredSize ?? Int64(contents.count), typeflag: typeflag))
        data(contents)
    }

    /// A ustar regular file whose name is split into the prefix and name fields.
    package mutating func file(prefix: [UInt8], name: [UInt8], contents: [UInt8]) {
        var header = Header(name: name, size: Int64(contents.count))
        header.prefix = prefix
        self.header(header)
        data(contents)
    }

    /// One pax record, "<length> <keyword>=<value>\n", with the self-including length computed.
    package static func paxRecord(_ keyword: String, _ value: [UInt8]) -> [UInt8] {
        paxRecord(keyword: Array(keyword.utf8), value: value)
    }

    package static func paxRecord(_ keyword: String, _ value: String) -> [UInt8] {
        paxRecord(keyword: Array(keyword.utf8), value: Array(value.utf8))
    }

    package static func paxRecord(keyword: [UInt8], value: [UInt8]) -> [UInt8] {
        let body = [UInt8(ascii: " ")] + keyword + [UInt8(ascii: "=")] + value + [UInt8(ascii: "\n")]
        var length = body.count + 1
        while String(length).utf8.count + body.count != length { length = String(length).utf8.count + body.count }
        return Array(String(length).utf8) + body
    }

    /// A pax extended header ('x', or 'g' when `global`) whose body is `records` verbatim
    /// (build them with `paxRecord`, or pass malformed bytes).
    package mutating func paxHeader(records: [UInt8], global: Bool = false, name: String = "PaxHeader/entry") {
        header(Header(name: Array(name.utf8), size: Int64(records.count), typeflag: global ? .paxGlobal : .paxExtended))
        data(records)
    }

    /// A pax 'x' header with the given keyword/value records, then a ustar regular file.
    package mutating func paxFile(_ ustarName: String, records: [(String, [UInt8])], contents: [UInt8]) {
        paxHeader(records: records.flatMap { Self.paxRecord($0.0, $0.1) }, name: "PaxHeader/" + ustarName)
        file(ustarName, contents: contents)
    }

    /// A link or special entry: no data.
    package mutating func symlink(_ path: String, target: String) {
        var header = Header(path, typeflag: .symbolicLink)
        header.linkname = Array(target.utf8)
        self.header(header)
    }

    package mutating func hardLink(_ path: String, target: String) {
        var header = Header(path, typeflag: .hardLink)
        header.linkname = Array(target.utf8)
        self.header(header)
    }

    package mutating func directory(_ path: String) {
        var header = Header(path, typeflag: .directory)
        header.mode = 0o755
        self.header(header)
    }

    package mutating func device(_ path: String, block: Bool, major: Int64 = 1, minor: Int64 = 3) {
        var header = Header(path, typeflag: block ? .blockDevice : .characterDevice)
        header.devmajor = major
        header.devminor = minor
        self.header(header)
    }

    package mutating func fifo(_ path: String) { header(Header(path, typeflag: .fifo)) }

    /// A GNU long-name ('L') entry carrying `name` (NUL-terminated), with GNU magic by default.
    /// Follow it with the entry it names.
    package mutating func gnuLongName(_ name: [UInt8], magic: [UInt8] = TarForge.gnuMagic) {
        var header = Header("././@LongLink", size: Int64(name.count + 1), typeflag: .gnuLongName)
        header.magic = magic
        self.header(header)
        data(name + [0])
    }

    /// An old-GNU sparse file ('S'): up to four (offset, length) map entries in the header, the
    /// real size at offset 483, and `contents` as the stored data.
    package mutating func gnuSparse(
        _ path: String, map: [(offset: Int64, length: Int64)], realSize: Int64, contents: [UInt8],
        magic: [UInt8] = TarForge.gnuMagic
    ) {
        var header = Header(path, size: Int64(contents.count), typeflag: .gnuSparse)
        header.magic = magic
        for (index, item) in map.prefix(4).enumerated() {
            header.patches.append(.init(offset: 386 + index * 24, bytes: Self.numeric(item.offset, width: 12)))
            header.patches.append(.init(offset: 386 + index * 24 + 12, bytes: Self.numeric(item.length, width: 12)))
        }
        header.patches.append(.init(offset: 483, bytes: Self.numeric(realSize, width: 12)))
        self.header(header)
        data(contents)
    }
}
