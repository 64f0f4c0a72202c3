import ArgumentParser
import BundleKit
import EvidenceCrypto
import EvidenceFormat
import Foundation
import Portal

@main
struct PortalCLI: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "Seal MCP policies, enforce them on every tools/call, and export signed evidence bundles.",
        discussion: """
            Exit status: 0 success; 1 the operation failed (a precise error with a stable PORTAL_* code \
            is printed on stderr); 64 usage error. Configuration comes only from arguments and files. \
            See portal(1).
            """,
        subcommands: [Keygen.self, Seal.self, Derive.self, Run.self, Export.self, Simulate.self])
}

/// Prints a Portal error on stderr and exits 1.
func fail(_ error: Error) -> Never {
    FileHandle.standardError.write(Data("portal: \(error)\n".utf8))
    Foundation.exit(1)
}

func note(_ text: String) {
    FileHandle.standardError.write(Data("portal: \(text)\n".utf8))
}

/// The wall clock in milliseconds since the epoch: read only here, in the command layer.
func nowMS() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a key pair: PREFIX.key (secret, mode 0600) and PREFIX.pub (public key object).")

    @Option(name: .long, help: ArgumentHelp("Path prefix of the two files.", valueName: "prefix"))
    var out: String
    @Option(name: .long, help: ArgumentHelp("The key's profile: ed25519 or mldsa65-ed25519.", valueName: "profile"))
    var profile: String = Profile.ed25519.rawValue

    func validate() throws {
        guard Profile(rawValue: profile) != nil else { throw ValidationError("--profile is ed25519 or mldsa65-ed25519") }
    }

    func run() throws {
        do {
            guard let p = Profile(rawValue: profile) else { throw ValidationError("--profile is ed25519 or mldsa65-ed25519") }
            let key = try KeyFiles.generate(prefix: out, profile: p, random: SystemRandom.bytes)
            print("key_id \(key.keyID.hex)")
            print("profile \(key.profile.rawValue)")
            print("secret \(out).key")
            print("public \(out).pub")
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }
}

struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seal a policy file into a signed policy artifact (artifact_ref = SHA-256 of the output file).")

    @Argument(help: "The policy file (JSON; see portal(1) for its members).")
    var policy: String
    @Option(name: .long, help: ArgumentHelp("The issuer's secret key file (its profile is the artifact's).", valueName: "file"))
    var issuerKey: String
    @Option(name: .long, help: ArgumentHelp("A Portal public key file allowed to sign receipts (of the issuer key's profile). Repeatable.", valueName: "file"))
    var portalKey: [String]
    @Option(name: .long, help: ArgumentHelp("Where to write the sealed artifact.", valueName: "file"))
    var out: String

    func run() throws {
        do {
            let issuer = try KeyFiles.readSecret(issuerKey)
            var keys: [PublicKey] = []
            for path in portalKey { keys.append(try KeyFiles.readPublic(path)) }
            guard !keys.isEmpty else { throw ValidationError("at least one --portal-key") }
            let bytes = try FileIO.read(policy, limit: PolicyFile.maxPolicyBytes)
            let sealed = try Profiles.seal(policy: bytes, portalKeys: keys, issuer: issuer, portalKeyPaths: portalKey, path: policy)
            try FileIO.writeAtomically(out, sealed.bytes)
            print("artifact_ref \(sealed.hash.hex)")
        } catch let e as ValidationError { throw e } catch { fail(error) }
    }
}

struct Derive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seal a sub-mandate of a parent artifact; refuses anything wider than the parent.")

    @Argument(help: "The child policy file (same members as for seal).")
    var policy: String
    @Option(name: .long, help: ArgumentHelp("The parent's sealed artifact.", valueName: "file"))
    var parent: String
    @Option(name: .long, help: ArgumentHelp("The issuer's secret key file.", valueName: "file"))
    var issuerKey: String
    @Option(name: .long, help: ArgumentHelp("A Portal public key file (a subset of the parent's; default: the parent's). Repeatable.", valueName: "file"))
    var portalKey: [String] = []
    @Option(name: .long, help: ArgumentHelp("Where to write the sealed sub-mandate.", valueName: "file"))
    var out: String

    func run() throws {
        do {
            let issuer = try KeyFiles.readSecret(issuerKey)
            let parentArtifact = try SealedArtifact.read(parent)
            var keys: [PublicKey] = []
            for path in portalKey { keys.append(try KeyFiles.readPublic(path)) }
            let bytes = try FileIO.read(policy, limit: PolicyFile.maxPolicyBytes)
            let sealed = try Derivation.derive(policy: bytes, parent: parentArtifact, portalKeys: keys.isEmpty ? nil : Array(Set(keys)),
                                               issuer: issuer, path: policy)
            try FileIO.writeAtomically(out, sealed.bytes)
            print("artifact_ref \(sealed.hash.hex)")
            print("parent \(parentArtifact.ref.hex)")
        } catch { fail(error) }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export an evidence bundle from a Portal's state directory.",
        discussion: """
            The bundle holds every receipt up to the last signed checkpoint. When no Portal is running \
            on the state directory, receipts after the last checkpoint (e.g. after a crash) are first \
            covered by a new checkpoint; while one is running, the export is read-only.
            """)

    @Option(name: .long, help: ArgumentHelp("The Portal's state directory.", valueName: "dir"))
    var state: String
    @Option(name: .long, help: ArgumentHelp("The Portal's secret key file (signs the manifest).", valueName: "file"))
    var key: String
    @Option(name: .long, help: ArgumentHelp("Where to write the bundle (tar).", valueName: "file"))
    var out: String
    @Option(name: .long, help: "1: integrity only; 2: with salts and payloads.")
    var tier: Int64 = 1
    @Option(name: .long, help: ArgumentHelp("Export only this session, with inclusion proofs.", valueName: "id"))
    var session: String?
    @Option(name: .long, help: ArgumentHelp("An issuer public key to carry in keys/ (information only). Repeatable.", valueName: "file"))
    var issuerPub: [String] = []

    func validate() throws {
        guard tier == 1 || tier == 2 else { throw ValidationError("--tier is 1 or 2") }
    }

    func run() throws {
        do {
            let portal = try KeyFiles.readSecret(key)
            // Composite manifests are signed through the state's pinned signatures, so that the
            // same state exports to the same bytes (ML-DSA-65 signing is randomized).
            let pinsPath = state + "/" + PinStore.fileName
            let pinned = portal.profile == .mldsa65Ed25519 && FileIO.exists(state) ? try PinStore.load(pinsPath) : nil
            let signer = try pinned.map { try KeyFiles.readSecret(key, pins: $0.pins) } ?? portal
            let store = try StateStore(directory: state, portal: portal.publicKey, mode: .readOnlyIfLocked,
                                       newLogID: { SHA256Hasher.hash(SystemRandom.bytes(32)) })
            for r in store.repairs { note(r) }
            let contents = try store.load(withPayloads: tier == 2)
            let log = try store.restoredLog(contents, portal: portal)
            if !store.readOnly {
                let recorder = Recorder(log: log, sink: store, checkpointEvery: 0)
                if try recorder.checkpoint(nowMS: nowMS()) != nil { note("signed a checkpoint over \(log.entries.count) receipts") }
            } else {
                note("a Portal is running on \(state): exporting read-only, through the last checkpoint")
            }
            var options = Exporter.Options()
            options.tier = tier
            options.session = session
            for path in issuerPub { options.issuerKeys.append(try KeyFiles.readPublic(path)) }
            let result = try Exporter.bundle(logID: store.logID, portal: signer, receipts: log.entries,
                                             checkpoints: log.checkpoints, artifacts: contents.artifacts, options: options)
            try FileIO.writeAtomically(out, result.bundle)
            if let pinned {
                do {
                    let dropped = try PinStore.save(pinsPath, previous: pinned.bytes, pins: pinned.pins)
                    if dropped > 0 { note("\(pinsPath): dropped \(dropped) unreadable pinned-signature lines") }
                } catch {
                    note("the bundle is written, but the pinned signatures were not saved (a later export will differ): \(error)")
                }
            }
            print("exported \(result.receipts) receipts to \(out)" + (result.uncovered > 0 ? " (\(result.uncovered) after the last checkpoint left out)" : ""))
        } catch { fail(error) }
    }
}

struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a list of timed calls through the enforcement engine (no upstream) and write a bundle.")

    @Option(name: .long, help: ArgumentHelp("The sealed artifact.", valueName: "file"))
    var artifact: String
    @Option(name: .long, help: ArgumentHelp("A parent artifact of a sub-mandate. Repeatable.", valueName: "file"))
    var parentArtifact: [String] = []
    @Option(name: .long, help: ArgumentHelp("The Portal's secret key file.", valueName: "file"))
    var key: String
    @Option(name: .long, help: ArgumentHelp("The calls (JSON Lines: time_ms, session_id, tool, arguments[, result]; or time_ms, session_id, measurement).", valueName: "file"))
    var calls: String
    @Option(name: .long, help: ArgumentHelp("Where to write the bundle.", valueName: "file"))
    var out: String
    @Option(name: .long, help: "Sign a checkpoint every N receipts (and after the last).")
    var checkpointEvery: Int = 1000
    @Option(name: .long, help: "1: integrity only; 2: with salts and payloads.")
    var tier: Int64 = 1
    @Option(name: .long, help: ArgumentHelp("An issuer public key to carry in keys/. Repeatable.", valueName: "file"))
    var issuerPub: [String] = []
    @Option(name: .long, help: ArgumentHelp("Pinned composite signatures to reuse, updated after the run (created if absent).", valueName: "file"))
    var pins: String?
    @Option(name: .long, help: ArgumentHelp("Derive the log id and the salts from this text instead of fresh randomness (synthetic fixtures only: such salts do not hide payloads).", valueName: "text"))
    var seed: String?

    func validate() throws {
        guard tier == 1 || tier == 2 else { throw ValidationError("--tier is 1 or 2") }
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every is at least 1") }
        if let seed { guard !seed.isEmpty, seed.utf8.count <= 1024 else { throw ValidationError("--seed is 1 to 1024 bytes") } }
    }

    func run() throws {
        do {
            let pinned = try pins.map { try PinStore.load($0) }
            let portal = try KeyFiles.readSecret(key, pins: pinned?.pins)
            let sealed = try SealedArtifact.read(artifact)
            var parents: [SealedArtifact] = []
            for p in parentArtifact { parents.append(try SealedArtifact.read(p)) }
            var issuers: [PublicKey] = []
            for p in issuerPub { issuers.append(try KeyFiles.readPublic(p)) }
            let list = try Simulator.parseCalls(try FileIO.read(calls, limit: Simulator.maxCallsFileBytes), file: calls)
            let logID = seed.map { Simulator.seededLogID($0) } ?? SHA256Hasher.hash(SystemRandom.bytes(32))
            let (bundle, summary) = try Simulator.run(calls: list, artifact: sealed, parents: parents, portal: portal, logID: logID,
                                                      checkpointEvery: checkpointEvery, tier: tier, issuerKeys: issuers,
                                                      salt: seed.map { Simulator.seededSalts($0) })
            try FileIO.writeAtomically(out, bundle)
            if let pins, let pinned {
                let dropped = try PinStore.save(pins, previous: pinned.bytes, pins: pinned.pins)
                if dropped > 0 { note("\(pins): dropped \(dropped) unreadable pinned-signature lines") }
            }
            print("simulated \(summary.calls) calls, \(summary.measurements) measurements, \(summary.receipts) receipts -> \(out)")
            for key in summary.decisions.keys.sorted() { print("  \(key) \(summary.decisions[key] ?? 0)") }
        } catch { fail(error) }
    }
}
