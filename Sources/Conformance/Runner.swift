import EvidenceCrypto
import EvidenceFormat
import Foundation
import Verifier

/// Runs a conformance suite: every vector of `index.json`, each checked for the integrity of its
/// files, then verified with its options, and its verdict and exact failure codes compared.
package enum VectorRunner {
    package struct Outcome: Error, Sendable {
        package let name: String
        /// nil when the vector behaved as expected; otherwise why not.
        package let mismatch: String?
    }

    package struct SuiteError: Error, CustomStringConvertible {
        package let description: String
    }

    static func read(_ path: String, limit: Int = 1 << 30) throws(SuiteError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw SuiteError(description: "\(path): cannot open") }
        defer { try? handle.close() }
        // read(upToCount:) returns nil at end of file: an empty file is empty, not missing.
        let data: Data?
        do { data = try handle.read(upToCount: limit + 1) } catch {
            throw SuiteError(description: "\(path): unreadable")
        }
        guard (data?.count ?? 0) <= limit else { throw SuiteError(description: "\(path): larger than \(limit) bytes") }
        return [UInt8](data ?? Data())
    }

    static func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }

    /// Runs the suite under `root`. Throws only when the index itself cannot be read.
    package static func run(root: String) throws(SuiteError) -> [Outcome] {
        let index = try index(root: root)
        var outcomes: [Outcome] = []
        var sharedOK: String? = nil
        for f in index.shared {
            guard let bytes = try? read(join(root, f.path)), SHA256Hasher.hash(bytes) == f.sha256 else {
                sharedOK = "shared file \(f.path) is missing or differs from index.json"
                break
            }
        }
        for vector in index.vectors {
            if let sharedOK {
                outcomes.append(Outcome(name: vector.name, mismatch: sharedOK))
                continue
            }
            outcomes.append(Outcome(name: vector.name, mismatch: runOne(root: root, vector)))
        }
        // Every vector directory on disk is in the index: a suite cannot silently lose a vector.
        let listed = Set(index.vectors.map(\.name))
        let onDisk = (try? FileManager.default.contentsOfDirectory(atPath: join(root, "vectors"))) ?? []
        for name in onDisk.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) where !listed.contains(name) {
            outcomes.append(Outcome(name: name, mismatch: "vectors/\(name) is not listed in index.json"))
        }
        return outcomes
    }

    /// A vector ready to verify: what it expects, its options, and its bundle's path.
    package struct Prepared: Sendable {
        package let expect: Expectation
        package let options: VerifyOptions
        package let bundlePath: String
    }

    /// Checks a vector's files against the index and builds its options; a mismatch says why not.
    package static func prepare(root: String, _ vector: VectorIndex.Entry) -> Result<Prepared, Outcome> {
        func mismatch(_ why: String) -> Result<Prepared, Outcome> { .failure(Outcome(name: vector.name, mismatch: why)) }
        let dir = "vectors/\(vector.name)"
        var payloadFiles: [(name: String, bytes: [UInt8])] = []
        var expectBytes: [UInt8]? = nil
        var hasBundle = false
        for f in vector.files {
            guard f.path.hasPrefix(dir + "/") else { return mismatch("index lists \(f.path) outside \(dir)") }
            guard let bytes = try? read(join(root, f.path)) else { return mismatch("\(f.path) is missing") }
            guard SHA256Hasher.hash(bytes) == f.sha256 else { return mismatch("\(f.path) differs from its SHA-256 in index.json") }
            let rel = String(f.path.dropFirst(dir.count + 1))
            if rel == "expect.json" { expectBytes = bytes }
            if rel == "bundle.tar" { hasBundle = true }
        }
        guard let expectBytes, hasBundle else { return mismatch("a vector has bundle.tar and expect.json") }
        let expect: Expectation
        do { expect = try Expectation(expectBytes) } catch { return mismatch("expect.json: \(error)") }
        if let p = expect.payloads {
            let prefix = "\(dir)/\(p)/"
            for f in vector.files where f.path.hasPrefix(prefix) {
                guard let bytes = try? read(join(root, f.path)) else { return mismatch("\(f.path) is missing") }
                payloadFiles.append((String(f.path.dropFirst(prefix.count)), bytes))
            }
        }
        var anchors: [PublicKey] = []
        for t in expect.trust {
            guard let bytes = try? read(join(root, t), limit: 64 << 10) else { return mismatch("trust file \(t) is missing") }
            do { anchors.append(try TrustAnchorFile.parse(bytes)) } catch { return mismatch("trust file \(t): \(error)") }
        }
        let options = VerifyOptions(trustAnchors: anchors, requireTrust: expect.requireTrust,
                                    externalPayloads: payloadFiles, maxListedFailures: 10_000)
        return .success(Prepared(expect: expect, options: options, bundlePath: join(root, "\(dir)/bundle.tar")))
    }

    /// The index of the suite under `root`.
    package static func index(root: String) throws(SuiteError) -> VectorIndex {
        do { return try VectorIndex(try read(join(root, "index.json"), limit: 64 << 20)) } catch let e as SuiteError {
            throw e
        } catch {
            throw SuiteError(description: "index.json: \(error)")
        }
    }

    static func runOne(root: String, _ vector: VectorIndex.Entry) -> String? {
        let prepared: Prepared
        switch prepare(root: root, vector) {
        case .success(let p): prepared = p
        case .failure(let outcome): return outcome.mismatch
        }
        let expect = prepared.expect
        let report: Report
        do { report = try BundleVerifier.verify(bundleAt: prepared.bundlePath, options: prepared.options) } catch {
            return "could not evaluate: \(error)"
        }
        let got = report.failureCodes.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let verdict: Expectation.Verdict = report.verdict == .pass ? .pass : .fail
        if verdict != expect.verdict || got != expect.codes {
            return "expected \(expect.verdict.rawValue) \(expect.codes), got \(verdict.rawValue) \(got)"
        }
        return nil
    }
}
