import ArgumentParser
import Conformance
import EvidenceFormat
import Foundation
import Verifier

@main
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify MCP evidence bundles offline.",
        discussion: """
            Checks an evidence bundle (a tar archive exported by a Portal) without any network access: \
            the archive, strict canonical JSON, the issuer's signature on every policy artifact against \
            the trust anchors you give, every receipt and checkpoint signature, sub-mandate constraints, \
            every session's hash chain, Merkle inclusion, checkpoint roots and consistency, and disclosed \
            payloads. Exit status: 0 verified, 1 the evidence does not verify, 2 could not evaluate \
            (a file outside the bundle is missing, unreadable or malformed), 64 usage error. \
            See verify(1) and evidence-bundle(5).
            """,
        subcommands: [BundleCommand.self, VectorsCommand.self],
        defaultSubcommand: BundleCommand.self)
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Verify one bundle (the default subcommand: `verify BUNDLE` means `verify bundle BUNDLE`).")

    @Argument(help: "The evidence bundle (a tar archive).")
    var bundle: String

    @Option(name: .long, help: ArgumentHelp("A trust anchor: an issuer public key file. Repeatable.", valueName: "file"))
    var trust: [String] = []

    @Option(name: .long, help: ArgumentHelp("A directory of trust anchors: every *.pub and *.trust file in it. Repeatable.", valueName: "dir"))
    var trustDir: [String] = []

    @Flag(name: .long, help: "Fail when no trust anchor is given, instead of reporting an unverified origin.")
    var requireTrust = false

    @Option(name: .long, help: ArgumentHelp("A directory of payload disclosures (<receipt_hash>.json) to confirm against the bundle.", valueName: "dir"))
    var payloads: String?

    @Option(name: .long, help: "Report format.")
    var format: OutputFormat = .text

    func run() throws {
        let options: VerifyOptions
        let report: Report
        do {
            var anchors: [PublicKey] = []
            var trustFiles = trust
            for dir in trustDir { trustFiles += try FileInput.trustDirectory(dir) }
            for path in trustFiles {
                anchors.append(try TrustAnchorFile.parse(try FileInput.read(path, limit: 64 << 10, code: .trustFileUnreadable)))
            }
            var external: [(name: String, bytes: [UInt8])] = []
            if let dir = payloads { external = try FileInput.readPayloadDirectory(dir) }
            options = VerifyOptions(trustAnchors: anchors, requireTrust: requireTrust, externalPayloads: external)
            report = try BundleVerifier.verify(bundleAt: bundle, options: options)
        } catch let error as VerifyError {
            FileHandle.standardError.write(Data("verify: error: \(error.code.rawValue): \(error.reason)\n".utf8))
            FileHandle.standardError.write(Data("verify: the evidence was not evaluated (exit status 2)\n".utf8))
            throw ExitCode(2)
        }
        switch format {
        case .text:
            FileHandle.standardOutput.write(Data(report.text(bundleName: bundle).utf8))
        case .json:
            FileHandle.standardOutput.write(Data(report.json() + [UInt8(ascii: "\n")]))
        }
        throw ExitCode(report.verdict == .pass ? 0 : 1)
    }
}

/// Reads files from outside the bundle, bounded, with errors that name the file.
enum FileInput {
    static func read(_ path: String, limit: Int, code: VerifyError.Code) throws -> [UInt8] {
        // Only regular files (stat(2) follows symbolic links): a FIFO or device would block or never
        // end. Plain stat, not Foundation path resolution, which may look up users through NSS.
        var st = stat()
        guard stat(path, &st) == 0 else { throw VerifyError(code, "\(path): cannot open the file") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw VerifyError(code, "\(path): not a regular file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw VerifyError(code, "\(path): cannot open the file")
        }
        defer { try? handle.close() }
        let data: Data?
        do { data = try handle.read(upToCount: limit + 1) } catch {
            throw VerifyError(code, "\(path): \(error.localizedDescription)")
        }
        let bytes = [UInt8](data ?? Data())
        guard bytes.count <= limit else { throw VerifyError(code, "\(path): larger than \(limit) bytes") }
        return bytes
    }

    static let maxPayloadFiles = 1 << 16
    static let maxTrustFiles = 256

    /// The trust files of a directory (`*.pub`, `*.trust`), sorted; an empty directory is an error,
    /// never a silent fall back to an unpinned origin.
    static func trustDirectory(_ dir: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw VerifyError(.trustFileUnreadable, "\(dir): cannot list the trust directory")
        }
        let files = names.filter { $0.hasSuffix(".pub") || $0.hasSuffix(".trust") }
            .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            .map { (dir as NSString).appendingPathComponent($0) }
        guard !files.isEmpty else { throw VerifyError(.trustFileUnreadable, "\(dir): no *.pub or *.trust file in the trust directory") }
        guard files.count <= maxTrustFiles else { throw VerifyError(.trustFileUnreadable, "\(dir): more than \(maxTrustFiles) trust files") }
        return files
    }

    /// Every regular file of the directory, in byte order of the names.
    static func readPayloadDirectory(_ dir: String) throws -> [(name: String, bytes: [UInt8])] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            throw VerifyError(.payloadDirUnreadable, "\(dir): cannot list the directory")
        }
        guard names.count <= maxPayloadFiles else {
            throw VerifyError(.payloadDirUnreadable, "\(dir): more than \(maxPayloadFiles) files")
        }
        var out: [(name: String, bytes: [UInt8])] = []
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let path = (dir as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { continue }
            out.append((name, try read(path, limit: 8 << 20, code: .payloadDirUnreadable)))
        }
        return out
    }
}

struct VectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Run a conformance vector suite (a directory with index.json).",
        discussion: """
            Verifies every vector listed in DIR/index.json with the options of its expect.json and \
            compares the verdict and the exact multiset of failure codes. Prints one line for each \
            vector whose outcome differs, then `N passed, N failed`. Exit status: 0 all vectors \
            behaved as expected, 1 at least one did not, 2 the index could not be read.
            """)

    @Argument(help: "The suite's directory (holding index.json).")
    var dir: String

    func run() throws {
        let outcomes: [VectorRunner.Outcome]
        do { outcomes = try VectorRunner.run(root: dir) } catch {
            FileHandle.standardError.write(Data("verify: error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var failed = 0
        var out = ""
        for o in outcomes {
            guard let mismatch = o.mismatch else { continue }
            failed += 1
            out += "MISMATCH \(o.name): \(mismatch)\n"
        }
        out += "\(outcomes.count - failed) passed, \(failed) failed\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        throw ExitCode(failed == 0 ? 0 : 1)
    }
}
