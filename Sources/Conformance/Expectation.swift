import EvidenceCrypto
import EvidenceFormat
import StrictJSON

/// What one conformance vector expects: `vectors/<name>/expect.json`, canonical JSON plus "\n".
package struct Expectation: Sendable, Equatable {
    package enum Verdict: String, Sendable { case pass = "PASS", fail = "FAIL" }

    package var description: String
    /// The class of bug the vector guards against (a closed list in TestVectors/README.md).
    package var bugClass: String
    package var verdict: Verdict
    /// The exact multiset of failure codes, sorted by bytes.
    package var codes: [String]
    /// Trust files, relative to the suite's root directory.
    package var trust: [String]
    package var requireTrust: Bool
    /// A directory of disclosures beside the bundle, relative to the vector's directory, or nil.
    package var payloads: String?

    package static let members = ["bug_class", "codes", "description", "options", "verdict"]

    package init(description: String, bugClass: String, verdict: Verdict, codes: [String],
                 trust: [String], requireTrust: Bool = false, payloads: String? = nil) {
        self.description = description
        self.bugClass = bugClass
        self.verdict = verdict
        self.codes = codes.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        self.trust = trust
        self.requireTrust = requireTrust
        self.payloads = payloads
    }

    package init(_ bytes: [UInt8]) throws(FormatError) {
        guard bytes.last == UInt8(ascii: "\n") else {
            throw FormatError(.value, field: "", "expect.json ends with one newline")
        }
        let value: JSONValue
        do { value = try JCS.isCanonical(Array(bytes.dropLast()), options: .evidence) } catch {
            throw FormatError(rawCode: error.code.rawValue, field: "", error.reason)
        }
        let r = try ObjectReader(value, members: Self.members)
        description = try r.string("description", repertoire: .any, maxBytes: 1024)
        bugClass = try r.string("bug_class", repertoire: .token)
        verdict = try r.enumeration("verdict", Verdict.self)
        codes = try r.array("codes", maxCount: 10_000).enumerated().map { (i, v) throws(FormatError) -> String in
            guard case .string(let s) = v else { throw FormatError(.memberType, field: "codes[\(i)]", "expected a string") }
            return s
        }
        guard codes == codes.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) else {
            throw FormatError(.order, field: "codes", "codes are sorted by bytes (duplicates kept)")
        }
        let o = try r.object("options", members: ["payloads", "require_trust", "trust"])
        payloads = try o.optionalString("payloads", repertoire: .token)
        guard case .bool(let rt)? = o.object["require_trust"] else {
            throw FormatError(.memberType, field: "options.require_trust", "expected a boolean")
        }
        requireTrust = rt
        trust = try o.array("trust", maxCount: 16).enumerated().map { (i, v) throws(FormatError) -> String in
            guard case .string(let s) = v else { throw FormatError(.memberType, field: "options.trust[\(i)]", "expected a string") }
            return s
        }
        guard (verdict == .pass) == codes.isEmpty else {
            throw FormatError(.value, field: "verdict", "PASS exactly when codes is empty")
        }
    }

    package var bytes: [UInt8] {
        JCS.canonicalize(.object([
            ("bug_class", .string(bugClass)),
            ("codes", .array(codes.map { .string($0) })),
            ("description", .string(description)),
            ("options", .object([
                ("payloads", payloads.map { .string($0) } ?? .null),
                ("require_trust", .bool(requireTrust)),
                ("trust", .array(trust.map { .string($0) })),
            ])),
            ("verdict", .string(verdict.rawValue)),
        ])) + [UInt8(ascii: "\n")]
    }
}

/// `index.json`: every vector and the SHA-256 of each of its files, canonical JSON plus "\n".
package struct VectorIndex: Sendable, Equatable {
    package struct Entry: Sendable, Equatable {
        package var name: String
        /// Paths relative to the suite's root, sorted by bytes, with their SHA-256.
        package var files: [(path: String, sha256: Hash256)]
        package init(name: String, files: [(path: String, sha256: Hash256)]) {
            self.name = name
            self.files = files.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        }
        package static func == (l: Entry, r: Entry) -> Bool {
            l.name == r.name && l.files.map(\.path) == r.files.map(\.path) && l.files.map(\.sha256) == r.files.map(\.sha256)
        }
    }

    package var vectors: [Entry]
    /// Shared files (trust anchors) with their SHA-256.
    package var shared: [(path: String, sha256: Hash256)]

    package init(vectors: [Entry], shared: [(path: String, sha256: Hash256)]) {
        self.vectors = vectors.sorted { Array($0.name.utf8).lexicographicallyPrecedes(Array($1.name.utf8)) }
        self.shared = shared.sorted { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
    }

    package static func == (l: VectorIndex, r: VectorIndex) -> Bool {
        l.vectors == r.vectors && l.shared.map(\.path) == r.shared.map(\.path) && l.shared.map(\.sha256) == r.shared.map(\.sha256)
    }

    static func filesJSON(_ files: [(path: String, sha256: Hash256)]) -> JSONValue {
        .array(files.map { .object([("path", .string($0.path)), ("sha256", .string($0.sha256.hex))]) })
    }

    package var bytes: [UInt8] {
        JCS.canonicalize(.object([
            ("format", .string("evidence-vectors/1")),
            ("shared", Self.filesJSON(shared)),
            ("vectors", .array(vectors.map { .object([("files", Self.filesJSON($0.files)), ("name", .string($0.name))]) })),
        ])) + [UInt8(ascii: "\n")]
    }

    package init(_ bytes: [UInt8]) throws(FormatError) {
        guard bytes.last == UInt8(ascii: "\n") else { throw FormatError(.value, field: "", "index.json ends with one newline") }
        var options = JSONParseOptions.evidence
        options.maxBytes = 64 << 20
        options.maxElements = 1 << 20
        let value: JSONValue
        do { value = try JCS.isCanonical(Array(bytes.dropLast()), options: options) } catch {
            throw FormatError(rawCode: error.code.rawValue, field: "", error.reason)
        }
        let r = try ObjectReader(value, members: ["format", "shared", "vectors"])
        guard try r.string("format", repertoire: .token) == "evidence-vectors/1" else {
            throw FormatError(.version, field: "format", "expected evidence-vectors/1")
        }
        func files(_ items: [JSONValue], _ path: String) throws(FormatError) -> [(path: String, sha256: Hash256)] {
            var out: [(path: String, sha256: Hash256)] = []
            for (i, item) in items.enumerated() {
                let f = try ObjectReader(item, path: "\(path)[\(i)]", members: ["path", "sha256"])
                out.append((try f.string("path", repertoire: .token, maxBytes: 255), try f.hash("sha256")))
            }
            return out
        }
        shared = try files(try r.array("shared", maxCount: 1024), "shared")
        var vectors: [Entry] = []
        for (i, item) in try r.array("vectors", maxCount: 100_000).enumerated() {
            let v = try ObjectReader(item, path: "vectors[\(i)]", members: ["files", "name"])
            vectors.append(Entry(name: try v.string("name", repertoire: .token),
                                 files: try files(try v.array("files", maxCount: 4096), "vectors[\(i)].files")))
        }
        self.vectors = vectors
    }
}
