import BundleKit
import Conformance
import EvidenceCrypto
import EvidenceFormat
import StrictJSON
import TarForge
import Verifier

/// One conformance vector before it is written: the bundle, its options and its declared outcome.
struct Vector {
    var name: String
    var description: String
    var bugClass: BugClass
    /// The declared failure codes (a multiset; empty for a positive vector).
    var codes: [String]
    var bundle: [UInt8]
    var trust: [String] = [Keys.issuerTrust]
    var requireTrust = false
    /// Disclosures supplied beside the bundle (`payloads/<name>`).
    var payloads: [(name: String, bytes: [UInt8])]? = nil
    /// Set when the verifier is known to disagree with the format; the vector is then left out of
    /// the suite (and listed by the generator) until the verifier is fixed.
    var knownVerifierBug: String? = nil
}

/// The closed list of bug classes (TestVectors/README.md explains each).
enum BugClass: String, CaseIterable {
    case valid
    case archiveStructure = "archive-structure"
    case archivePath = "archive-path"
    case archiveLink = "archive-link"
    case archiveBounds = "archive-bounds"
    case layout
    case jsonStrictness = "json-strictness"
    case jsonCanonical = "json-canonical"
    case jsonBounds = "json-bounds"
    case encodingMalleability = "encoding-malleability"
    case schema
    case unknownAlgorithm = "unknown-algorithm"
    case signatureForgery = "signature-forgery"
    case typeConfusion = "type-confusion"
    case keyInBundleTrusted = "key-in-bundle-trusted"
    case unauthorizedKey = "unauthorized-key"
    case trustAnchor = "trust-anchor"
    case manifestIntegrity = "manifest-integrity"
    case chainIntegrity = "chain-integrity"
    case chainSplice = "chain-splice"
    case timeOrder = "time-order"
    case window
    case submandateWidening = "submandate-widening"
    case merkleStructure = "merkle-structure"
    case merkleProof = "merkle-proof"
    case checkpointConsistency = "checkpoint-consistency"
    case payloadCommitment = "payload-commitment"
    case tierDisclosure = "tier-disclosure"
}

/// A valid evidence set that negative vectors mutate. It must verify before anything is derived.
struct Base {
    let name: String
    let built: Built
    let trust: [String]

    /// `check: false` only for the evidence of a vector left out as a known verifier bug.
    init(_ name: String, _ spec: Spec, trust: [String] = [Keys.issuerTrust], suite: Suite, check: Bool = true) {
        self.name = name
        self.built = Build.build(spec)
        self.trust = trust
        guard check else { return }
        let report = suite.verify(bundle(), trust: trust, requireTrust: false, payloads: nil)
        if report.verdict != .pass || !report.failureCodes.isEmpty {
            suite.problems.append("base \(name) does not verify: \(report.failureCodes)")
        }
    }

    var spec: Spec { built.spec }
    var refs: [Hash256] { built.refs }
    var receipts: [Sealed] { built.receipts }

    /// The base bundle itself.
    func bundle() -> [UInt8] { make() }

    /// The bundle of a mutation: `spec` changes the evidence before it is sealed (everything is
    /// signed and hashed as the Portal would); `files` changes the content files before the
    /// manifest is computed and signed (a resealed manifest); `manifest` changes the manifest
    /// before it is signed; `raw` changes the finished entries (manifest included, not resealed).
    func make(spec specEdit: ((inout Spec) -> Void)? = nil,
              files fileEdit: ((inout [BundleEntry], Built) -> Void)? = nil,
              manifest manifestEdit: ((inout Manifest) -> Void)? = nil,
              raw rawEdit: ((inout [BundleEntry]) -> Void)? = nil) -> [UInt8] {
        var built = self.built
        if let specEdit {
            var s = self.spec
            specEdit(&s)
            built = Build.build(s)
        }
        var files = built.files
        fileEdit?(&files, built)
        var m = Build.manifest(files, built)
        manifestEdit?(&m)
        let signer = built.spec.manifestSigner ?? built.spec.portal
        var entries = [BundleEntry(path: BundlePath.manifestName, bytes: sign(m.body, by: signer))] + files
        rawEdit?(&entries)
        return tarOf(entries)
    }

    /// The finished entries (manifest first) of the base.
    func entries() -> [BundleEntry] {
        let m = Build.manifest(built.files, built)
        return [BundleEntry(path: BundlePath.manifestName, bytes: sign(m.body, by: spec.portal))] + built.files
    }

    /// A hand-built tar: the base's entries written by TarForge, then `extra`, then `end`.
    func forged(_ body: (inout TarForge, [BundleEntry]) -> Void) -> [UInt8] {
        var forge = TarForge()
        body(&forge, entries())
        return forge.bytes
    }
}

func tarOf(_ entries: [BundleEntry]) -> [UInt8] {
    do { return try BundleWriter.tar(entries) } catch {
        // Entries that TarWriter refuses are written by TarForge in the same layout.
        var forge = TarForge()
        for e in entries { forge.file(e.path, contents: e.bytes) }
        forge.endOfArchive()
        forge.padToRecord()
        return forge.bytes
    }
}

// MARK: editing entries

extension Array where Element == BundleEntry {
    func index(of path: String) -> Int? { firstIndex { $0.path == path } }

    mutating func edit(_ path: String, _ change: (inout [UInt8]) -> Void) {
        guard let i = index(of: path) else { fatalErrorInGenerator("no file \(path)") }
        change(&self[i].bytes)
    }

    mutating func editLines(_ path: String, _ change: (inout [[UInt8]]) -> Void) {
        edit(path) { b in
            var lines = b.split(separator: 0x0a, omittingEmptySubsequences: false).map { [UInt8]($0) }
            if lines.last == [] { lines.removeLast() }
            change(&lines)
            b = BundleWriter.jsonl(lines)
        }
    }

    /// Edits line `line` (0-based) of a JSON Lines file as an object and writes it back canonical.
    mutating func editObjectLine(_ path: String, _ line: Int, _ change: (inout JSONObject) -> Void) {
        editLines(path) { lines in lines[line] = editObject(lines[line], change) }
    }

    /// Edits a whole-file JSON document as an object and writes it back canonical.
    mutating func editDocument(_ path: String, _ change: (inout JSONObject) -> Void) {
        edit(path) { b in b = editObject(b, change) }
    }

    mutating func remove(_ path: String) { removeAll { $0.path == path } }

    mutating func rename(_ from: String, to: String) {
        guard let i = index(of: from) else { fatalErrorInGenerator("no file \(from)") }
        self[i].path = to
    }

    /// Adds a file, keeping the writer's order for layout paths (others go last).
    mutating func add(_ path: String, _ bytes: [UInt8]) {
        append(BundleEntry(path: path, bytes: bytes))
    }

    func bytes(_ path: String) -> [UInt8] {
        guard let i = index(of: path) else { fatalErrorInGenerator("no file \(path)") }
        return self[i].bytes
    }

    var keyPath: String { first { $0.path.hasPrefix("keys/") }?.path ?? "keys/missing.json" }
    var payloadPaths: [String] { filter { $0.path.hasPrefix("payloads/") }.map(\.path) }
}

func editObject(_ doc: [UInt8], _ change: (inout JSONObject) -> Void) -> [UInt8] {
    guard case .object(var o)? = try? JSONParser.parse(doc, options: .evidence) else {
        fatalErrorInGenerator("not a JSON object: \(String(decoding: doc, as: UTF8.self))")
    }
    change(&o)
    return JCS.canonicalize(.object(o))
}

/// Replaces the first occurrence of `old` with `new`; a generator bug if absent.
func replacing(_ b: [UInt8], _ old: String, _ new: String) -> [UInt8] {
    let o = Array(old.utf8)
    guard b.count >= o.count, let s = (0...(b.count - o.count)).first(where: { b[$0..<($0 + o.count)].elementsEqual(o) }) else {
        fatalErrorInGenerator("\(old) not found in \(String(decoding: b.prefix(200), as: UTF8.self))")
    }
    var out = b
    out.replaceSubrange(s..<(s + o.count), with: Array(new.utf8))
    return out
}

/// The generator's own invariants (a mutation that does not apply is a bug in the generator).
func fatalErrorInGenerator(_ message: String) -> Never {
    preconditionFailure("vectorgen: \(message)")
}

func artifactPath(_ ref: Hash256) -> String { BundlePath.artifact(ref).path }
func payloadPath(_ h: Hash256) -> String { BundlePath.payload(h).path }
let receiptsPath = BundlePath.receiptsName
let checkpointsPath = BundlePath.checkpointsName
let inclusionPath = BundlePath.inclusionName
let consistencyPath = BundlePath.consistencyName
let manifestPath = BundlePath.manifestName

// MARK: the suite

final class Suite {
    var vectors: [Vector] = []
    var problems: [String] = []
    var names: Set<String> = []
    let anchors: [String: PublicKey] = Dictionary(uniqueKeysWithValues: Keys.trustFiles.map { ($0.path, $0.key) })

    func add(_ v: Vector) {
        if names.contains(v.name) { problems.append("duplicate vector name \(v.name)") }
        names.insert(v.name)
        vectors.append(v)
    }

    /// Adds a negative vector.
    func neg(_ name: String, _ bug: BugClass, _ codes: [String], _ description: String, knownVerifierBug: String? = nil, _ bundle: [UInt8],
             trust: [String] = [Keys.issuerTrust], requireTrust: Bool = false,
             payloads: [(name: String, bytes: [UInt8])]? = nil) {
        add(Vector(name: name, description: description, bugClass: bug, codes: codes, bundle: bundle, trust: trust,
                   requireTrust: requireTrust, payloads: payloads, knownVerifierBug: knownVerifierBug))
    }

    /// Adds a positive vector.
    func pos(_ name: String, _ description: String, knownVerifierBug: String? = nil, _ bundle: [UInt8], trust: [String] = [Keys.issuerTrust],
             requireTrust: Bool = false, payloads: [(name: String, bytes: [UInt8])]? = nil) {
        add(Vector(name: name, description: description, bugClass: .valid, codes: [], bundle: bundle, trust: trust,
                   requireTrust: requireTrust, payloads: payloads, knownVerifierBug: knownVerifierBug))
    }

    func verify(_ bundle: [UInt8], trust: [String], requireTrust: Bool, payloads: [(name: String, bytes: [UInt8])]?) -> Report {
        let options = VerifyOptions(trustAnchors: trust.compactMap { anchors[$0] }, requireTrust: requireTrust,
                                    externalPayloads: payloads ?? [], maxListedFailures: 10_000)
        return BundleVerifier.verify(bundle: bundle, options: options)
    }

    static func sorted(_ codes: [String]) -> [String] {
        codes.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }
}
