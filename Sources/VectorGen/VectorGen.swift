import ArgumentParser
import Conformance
import EvidenceCrypto
import Foundation
import Verifier

/// `vectorgen --out DIR [--pins FILE]`: writes the conformance suite (index.json, keys/, vectors/,
/// pinned-signatures.jsonl) from fixed seeds, after checking every vector against the verifier
/// in-process. Never touches DIR/README.md. Composite (ML-DSA) signatures are randomized: the ones
/// of FILE (default DIR/pinned-signatures.jsonl) are reused, and the ones used are written back.
@main
struct VectorGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectorgen",
        abstract: "Regenerate the conformance vectors byte for byte from fixed seeds.")

    @Option(name: .long, help: "The suite directory (TestVectors).")
    var out: String

    @Option(name: .long, help: "Committed composite signatures to reuse (default: <out>/pinned-signatures.jsonl; ML-DSA signing is randomized).")
    var pins: String?

    static let pinsName = "pinned-signatures.jsonl"

    func run() throws {
        // The pins must be loaded before any composite identity exists (the trust files name one).
        let pinsPath = pins ?? join(out, Self.pinsName)
        if let data = FileManager.default.contents(atPath: pinsPath) {
            PinStore.shared.load([UInt8](data))
        } else if pins != nil {
            throw ValidationError("cannot read the pins file \(pinsPath)")
        } else {
            PinStore.shared.load([])
        }
        let suite = Suite()
        PositiveVectors.add(to: suite)
        ArchiveVectors.add(to: suite)
        JSONVectors.add(to: suite)
        SignatureVectors.add(to: suite)
        ManifestVectors.add(to: suite)
        ChainVectors.add(to: suite)
        MerkleVectors.add(to: suite)
        ArtifactVectors.add(to: suite)
        PayloadVectors.add(to: suite)
        PQVectors.add(to: suite)

        var failed = suite.problems
        var written: [Vector] = []
        for v in suite.vectors {
            if let bug = v.knownVerifierBug {
                FileHandle.standardError.write(Data("left out (known verifier bug): \(v.name): \(bug)\n".utf8))
                continue
            }
            let report = suite.verify(v.bundle, trust: v.trust, requireTrust: v.requireTrust, payloads: v.payloads)
            let got = Suite.sorted(report.failureCodes)
            let want = Suite.sorted(v.codes)
            let verdictOK = (report.verdict == .pass) == want.isEmpty
            if got != want || !verdictOK {
                let details = report.failures.map { "    \($0.code) [\($0.stage.rawValue)] \($0.file ?? "-"):\($0.line.map(String.init) ?? "-") \($0.detail)" }
                failed.append("\(v.name): declared \(want), verifier says \(report.verdict.rawValue) \(got)\n" + details.joined(separator: "\n"))
            }
            written.append(v)
        }

        // Coverage: every reportable code is declared by some negative vector, or is listed as
        // impossible to produce from a bundle.
        var covered: Set<String> = []
        for v in written { covered.formUnion(v.codes) }
        for code in FailureCatalog.allCodes where !covered.contains(code) && Uncoverable.codes[code] == nil {
            failed.append("no negative vector declares \(code)")
        }
        for code in Suite.sorted(Array(Uncoverable.codes.keys)) where covered.contains(code) {
            failed.append("\(code) is listed as uncoverable but a vector declares it")
        }
        for code in Suite.sorted(Array(Uncoverable.codes.keys)) where !FailureCatalog.allCodes.contains(code) {
            failed.append("\(code) is listed as uncoverable but is not a reportable code")
        }

        if !failed.isEmpty {
            for f in failed { FileHandle.standardError.write(Data("vectorgen: \(f)\n".utf8)) }
            FileHandle.standardError.write(Data("vectorgen: \(failed.count) problem(s); nothing written\n".utf8))
            throw ExitCode(1)
        }
        try write(written)
        if PinStore.shared.fresh > 0 {
            FileHandle.standardError.write(Data("vectorgen: \(PinStore.shared.fresh) composite signature(s) made afresh (not in the pins file)\n".utf8))
        }
        let positives = written.filter { $0.codes.isEmpty }.count
        print("vectorgen: \(written.count) vectors (\(positives) positive, \(written.count - positives) negative), \(covered.count) codes covered")
    }

    func write(_ vectors: [Vector]) throws {
        let fm = FileManager.default
        for sub in ["vectors", "keys", "index.json"] {
            let p = join(out, sub)
            if fm.fileExists(atPath: p) { try fm.removeItem(atPath: p) }
        }
        var shared: [(path: String, sha256: Hash256)] = []
        for (path, key) in Keys.trustFiles {
            let b = Keys.trustFileBytes(key)
            try put(path, b)
            shared.append((path, SHA256Hasher.hash(b)))
        }
        let pinned = PinStore.shared.jsonl
        try put(Self.pinsName, pinned)
        shared.append((Self.pinsName, SHA256Hasher.hash(pinned)))
        var entries: [VectorIndex.Entry] = []
        for v in vectors {
            let dir = "vectors/\(v.name)"
            var files: [(path: String, sha256: Hash256)] = []
            func add(_ rel: String, _ b: [UInt8]) throws {
                try put("\(dir)/\(rel)", b)
                files.append(("\(dir)/\(rel)", SHA256Hasher.hash(b)))
            }
            try add("bundle.tar", v.bundle)
            let expect = Expectation(description: v.description, bugClass: v.bugClass.rawValue,
                                     verdict: v.codes.isEmpty ? .pass : .fail, codes: v.codes, trust: v.trust,
                                     requireTrust: v.requireTrust, payloads: v.payloads == nil ? nil : "payloads")
            try add("expect.json", expect.bytes)
            for p in v.payloads ?? [] { try add("payloads/\(p.name)", p.bytes) }
            entries.append(VectorIndex.Entry(name: v.name, files: files))
        }
        try put("index.json", VectorIndex(vectors: entries, shared: shared).bytes)
    }

    func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }

    func put(_ rel: String, _ bytes: [UInt8]) throws {
        let path = join(out, rel)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw ValidationError("cannot write \(path)")
        }
    }
}

/// Reportable codes that no bundle can produce, with the reason (TestVectors/README.md lists them).
enum Uncoverable {
    static let codes: [String: String] = [
        "ARCHIVE_IO": "raised when the bundle file cannot be opened or read: the verification is not evaluated (exit 2), so no vector can expect it",
        "ARCHIVE_LIBRARY": "libarchive disagreeing with the strict header audit; every input the audit accepts is one libarchive reads identically",
        "ARCHIVE_TOO_LARGE": "the sum of declared sizes must exceed 16 GiB while every entry before the last is read in full",
        "ARCHIVE_TOO_MANY_ENTRIES": "needs more than 2^20 entries (over 512 MiB of headers)",
        "CHAIN_TOO_MANY_SESSIONS": "needs receipts of more than 65,536 distinct sessions (about 40 MB of receipts); a unit test lowers the limit to produce it",
        "MERKLE_SIZE_ORDER": "consistency proofs are only checked between consecutive checkpoints, which the checkpoint stage has already required to grow strictly (CHECKPOINT_ORDER); sizes below 1 are FORMAT_VALUE",
        "MERKLE_EMPTY_PROOF_NONEMPTY": "needs a consistency proof between equal tree sizes, which consecutive checkpoints never have once CHECKPOINT_ORDER holds",
    ]
}
