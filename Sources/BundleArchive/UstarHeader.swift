/// One 512-byte POSIX ustar header block, parsed strictly (POSIX.1-2017, pax "ustar Interchange
/// Format"). `init` checks the magic and the checksum and reads the type flag; `fields()` then
/// checks the numeric fields and the NUL padding of the text fields, once the type is known to be
/// one we accept (so a sparse or long-name header is reported as such, not as a field error).
struct UstarHeader {
    static let paxExtended = UInt8(ascii: "x")

    struct Fields {
        /// The name: `prefix + "/" + name` when the prefix field is used, else the name field.
        let path: [UInt8]
        let size: Int64
        let linkname: [UInt8]
        let hasNonASCIIText: Bool
    }

    let typeflag: UInt8
    let isGNUMagic: Bool
    private let block: [UInt8]

    private static let posixMagic: [UInt8] = Array("ustar".utf8) + [0] + Array("00".utf8)
    private static let gnuMagic: [UInt8] = Array("ustar  ".utf8) + [0]

    /// Whether `bytes` (a possibly partial first block) cannot be the start of a ustar header.
    static func contradictsMagic(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 265 else { return false }
        let magic = Array(bytes[257..<265])
        return magic != posixMagic && magic != gnuMagic
    }

    init(block: [UInt8]) throws(ArchiveError) {
        precondition(block.count == TarStreamAudit.blockSize, "the audit only parses whole blocks")
        let magic = Array(block[257..<265])
        if magic == Self.posixMagic {
            isGNUMagic = false
        } else if magic == Self.gnuMagic {
            isGNUMagic = true
        } else {
            throw ArchiveError(.format, "not a POSIX tar header (magic \(ArchiveError.quoted(magic)))")
        }
        guard let stored = Self.octal(block[148..<156]) else {
            throw ArchiveError(.checksum, "header checksum field is not an octal number")
        }
        let sum = Self.checksum(block)
        guard stored == sum else {
            throw ArchiveError(.checksum, "header checksum is \(stored), the header sums to \(sum)")
        }
        typeflag = block[156]
        self.block = block
    }

    /// The unsigned byte sum with the checksum field counted as eight spaces.
    static func checksum(_ block: [UInt8]) -> Int64 {
        block.withUnsafeBytes { bytes in
            var sum: Int64 = 8 * 0x20
            var index = 0
            while index < bytes.count {
                if index < 148 || index >= 156 { sum += Int64(bytes[index]) }
                index += 1
            }
            return sum
        }
    }

    func fields() throws(ArchiveError) -> Fields {
        let numeric: [(String, Range<Int>)] = [
            ("mode", 100..<108), ("uid", 108..<116), ("gid", 116..<124), ("size", 124..<136), ("mtime", 136..<148),
        ]
        var values: [Int64] = []
        for (field, range) in numeric {
            guard let value = Self.octal(block[range]) else {
                throw ArchiveError(.header, "header field \(field) is not an octal number")
            }
            values.append(value)
        }
        for (field, range) in [("devmajor", 329..<337), ("devminor", 337..<345)] {
            guard block[range].allSatisfy({ $0 == 0 }) || Self.octal(block[range]) != nil else {
                throw ArchiveError(.header, "header field \(field) is neither empty nor an octal number")
            }
        }
        let texts: [(String, Range<Int>)] = [
            ("name", 0..<100), ("linkname", 157..<257), ("uname", 265..<297), ("gname", 297..<329), ("prefix", 345..<500),
        ]
        var strings: [[UInt8]] = []
        for (field, range) in texts {
            guard let text = Self.text(block[range]) else {
                throw ArchiveError(.header, "header field \(field) has bytes after its NUL terminator")
            }
            strings.append(text)
        }
        guard block[500..<512].allSatisfy({ $0 == 0 }) else {
            throw ArchiveError(.header, "header bytes 500-511 are not zero")
        }
        let (name, prefix) = (strings[0], strings[4])
        return Fields(
            path: prefix.isEmpty ? name : prefix + [UInt8(ascii: "/")] + name,
            size: values[3],
            linkname: strings[1],
            hasNonASCIIText: strings.contains { $0.contains { $0 >= 0x80 } }
        )
    }

    /// A numeric field: optional leading spaces, one or more octal digits, then only NUL or space
    /// to the end of the field. Base-256 (GNU) values are refused: POSIX uses pax records instead.
    static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var index = field.startIndex
        while index < field.endIndex, field[index] == 0x20 { index += 1 }
        var value: Int64 = 0
        var digits = 0
        while index < field.endIndex, (0x30...0x37).contains(field[index]) {
            value = value * 8 + Int64(field[index] - 0x30)  // at most 12 digits: no overflow
            digits += 1
            index += 1
        }
        guard digits > 0, field[index...].allSatisfy({ $0 == 0 || $0 == 0x20 }) else { return nil }
        return value
    }

    /// A text field: bytes up to the first NUL (or the whole field), then only NULs.
    static func text(_ field: ArraySlice<UInt8>) -> [UInt8]? {
        guard let end = field.firstIndex(of: 0) else { return Array(field) }
        guard field[end...].allSatisfy({ $0 == 0 }) else { return nil }
        return Array(field[field.startIndex..<end])
    }
}

/// The records of one pax extended header ('x'). Only keywords that do not change what a bundle
/// entry means are accepted; each may appear once; `path` and `size` take effect, the others are
/// validated and ignored.
struct PaxAttributes {
    static let allowedKeywords: Set<String> = ["path", "size", "mtime", "atime", "ctime", "uid", "gid", "uname", "gname"]

    private(set) var path: [UInt8]?
    private(set) var size: Int64?
    private(set) var hasNonASCIIText = false

    /// Parses `length SP keyword '=' value LF` records that exactly tile `body`.
    init(parsing body: [UInt8]) throws(ArchiveError) {
        var seen: Set<String> = []
        var start = 0
        while start < body.count {
            var index = start
            var length = 0
            while index < body.count, (0x30...0x39).contains(body[index]), index - start < 6 {
                length = length * 10 + Int(body[index] - 0x30)
                index += 1
            }
            guard index > start, body[start] != 0x30, index < body.count, body[index] == 0x20 else {
                throw ArchiveError(.paxMalformed, offset: Int64(start), "pax record does not start with a decimal length and a space")
            }
            let end = start + length
            guard end <= body.count, end > index + 1, body[end - 1] == 0x0A else {
                throw ArchiveError(.paxMalformed, offset: Int64(start), "pax record length \(length) does not end on a newline inside the header")
            }
            let record = body[(index + 1)..<(end - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")), equals > record.startIndex else {
                throw ArchiveError(.paxMalformed, offset: Int64(start), "pax record has no keyword=value")
            }
            let keywordBytes = Array(record[record.startIndex..<equals])
            let value = Array(record[(equals + 1)...])
            guard let keyword = String(validating: keywordBytes, as: UTF8.self),
                  Self.allowedKeywords.contains(keyword) else {
                throw ArchiveError(.paxKeyword, offset: Int64(start), "pax keyword \(ArchiveError.quoted(keywordBytes)) is not allowed in a bundle")
            }
            guard seen.insert(keyword).inserted else {
                throw ArchiveError(.paxMalformed, offset: Int64(start), "pax keyword \(keyword) appears twice")
            }
            try apply(keyword, value, at: Int64(start))
            start = end
        }
    }

    private mutating func apply(_ keyword: String, _ value: [UInt8], at offset: Int64) throws(ArchiveError) {
        func bad(_ what: String) -> ArchiveError {
            ArchiveError(.paxMalformed, offset: offset, "pax \(keyword) value \(ArchiveError.quoted(value)) is not \(what)")
        }
        switch keyword {
        case "path":
            guard !value.isEmpty else { throw bad("a name") }
            path = value
        case "size":
            guard let number = Self.decimal(value) else { throw bad("a decimal size") }
            size = number
        case "uid", "gid":
            guard Self.decimal(value) != nil else { throw bad("a decimal id") }
        case "mtime", "atime", "ctime":
            guard Self.isTime(value) else { throw bad("a decimal time") }
        default:  // uname, gname: any bytes; ignored
            if value.contains(where: { $0 >= 0x80 }) { hasNonASCIIText = true }
        }
    }

    /// 1…18 decimal digits (fits Int64).
    static func decimal(_ value: [UInt8]) -> Int64? {
        guard (1...18).contains(value.count), value.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return value.reduce(Int64(0)) { $0 * 10 + Int64($1 - 0x30) }
    }

    /// `-?digits(.digits)?`, as POSIX pax times are written.
    static func isTime(_ value: [UInt8]) -> Bool {
        var rest = value[...]
        if rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
        let parts = rest.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count >= 1, parts.count <= 2 else { return false }
        return parts.allSatisfy { part in
            (1...30).contains(part.count) && part.allSatisfy { (0x30...0x39).contains($0) }
        }
    }
}
