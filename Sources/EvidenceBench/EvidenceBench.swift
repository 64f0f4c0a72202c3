#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import BundleKit
import EvidenceCrypto
import EvidenceFormat
import StrictJSON

@main
enum Entry {
    static func main() {
        // `evidence-bench __measure RESULT PROGRAM ARGS...` is the bench's own small launcher; see
        // ChildProcess.measured.
        let args = CommandLine.arguments
        if args.count >= 4, args[1] == ChildProcess.launcherVerb {
            exit(ChildProcess.launcherMain(resultPath: args[2], argv: Array(args[3...])))
        }
        EvidenceBench.main()
    }
}

struct EvidenceBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence-bench",
        abstract: "Measure `verify` against the signature floor on deterministic tier-1 bundles.",
        discussion: """
            For each size: seals that many receipts (16 interleaved sessions, a checkpoint every 1,000 \
            receipts, tier 1, full scope, fixed keys and salts) into a bundle in a temporary directory, \
            runs the verify binary on it as a child process (wall time, user+system CPU and peak RSS from \
            wait4), requires PASS, and times the floor: libsodium crypto_sign_verify_detached over the \
            same number of real signatures, spread over one thread per core. With --profile \
            mldsa65-ed25519 every key is composite and the floor is CompositeMLDSA65Ed25519.verify, also \
            timed on one thread to show the scaling over cores. Prints a table and, with --out, writes the \
            results as canonical JSON (RFC 8785).
            """)

    @Flag(name: .long, help: "Only 100,000 receipts.")
    var quick = false

    @Option(name: .long, help: ArgumentHelp("Signature profile of every key: ed25519 or mldsa65-ed25519.", valueName: "profile"))
    var profile: String = Profile.ed25519.rawValue

    @Option(name: .long, help: ArgumentHelp("Comma-separated receipt counts (default: 10000,100000,1000000; mldsa65-ed25519: 10000,100000).", valueName: "n,n,..."))
    var sizes: String?

    @Option(name: .long, help: ArgumentHelp("The verify binary (default: verify next to this binary).", valueName: "path"))
    var verify: String?

    @Option(name: .long, help: ArgumentHelp("Write the results as JSON to this file.", valueName: "file"))
    var out: String?

    @Option(name: .long, help: "Runs of verify and of the floor per size; the fastest is reported.")
    var runs: Int = 1

    @Option(name: .long, help: "Threads for the floor (default: every online core).")
    var threads: Int?

    @Option(name: .long, help: "Receipts sampled for the in-process stage breakdown (0: none; default 100000, mldsa65-ed25519: 10000).")
    var breakdownSample: Int?

    @Flag(name: .long, help: "Also time the floor on one thread (always on for mldsa65-ed25519).")
    var floorOneThread = false

    @Flag(name: .long, help: "Keep the bundles (their directory is printed).")
    var keep = false

    func run() throws {
        guard let profile = Profile(rawValue: profile) else {
            throw ValidationError("--profile: \(self.profile) is not ed25519 or mldsa65-ed25519")
        }
        let composite = profile == .mldsa65Ed25519
        let counts: [Int]
        if quick {
            counts = [composite ? 10_000 : 100_000]
        } else {
            let sizes = self.sizes ?? (composite ? "10000,100000" : "10000,100000,1000000")
            counts = try sizes.split(separator: ",").map { s -> Int in
                guard let n = Int(s.trimmingCharacters()), n > 0, n <= 100_000_000 else {
                    throw ValidationError("--sizes: \(s) is not a receipt count between 1 and 10^8")
                }
                return n
            }
        }
        guard !counts.isEmpty, runs >= 1 else { throw ValidationError("nothing to measure") }
        let breakdownSample = self.breakdownSample ?? (composite ? 10_000 : 100_000)
        let oneThreadFloor = floorOneThread || composite

        let dir = try FileIO.makeTempDir()
        let machine = Machine.probe(scratchDir: dir)
        let threads = self.threads ?? machine.cores
        let verifyPath = verify ?? ((FileIO.executableDirectory() ?? ".") + "/verify")
        guard access(verifyPath, X_OK) == 0 else {
            throw BenchError("\(verifyPath) is not an executable; build it (swift build -c release --product verify) or pass --verify")
        }
        say("machine: \(machine.cpuModel), \(machine.cores) cores, \(machine.memoryBytes >> 20) MiB; \(machine.swiftVersion); libsodium \(machine.libsodiumVersion)")
        say("verify:  \(verifyPath)")
        // What the measurement itself adds to a child's peak RSS: /bin/true through the launcher.
        let baselineRSS = (try? ChildProcess.measured(["/bin/true"], scratchDir: dir).maxRSSBytes) ?? -1
        say("rss baseline (/bin/true through the launcher): \(baselineRSS >> 10) KiB")
        say("bundles: \(dir)")

        // The floor's signatures, generated once for the largest size.
        let maxCount = counts.max() ?? 0
        say("profile: \(profile.rawValue)")
        say("floor: generating \(maxCount) \(profile.rawValue) signatures over 32-byte messages on \(threads) threads…")
        let floor: SignatureFloor = composite
            ? try CompositeFloor(count: maxCount, threads: threads)
            : try CryptoFloor(count: maxCount, threads: threads)
        let signRate1 = floor.signingRate(samples: min(maxCount, composite ? 2_000 : 20_000))
        let signRateAll = Double(maxCount) / floor.generationSeconds
        say(String(format: "floor: signing %.0f/s on 1 thread, %.0f/s on %d threads", signRate1, signRateAll, threads))

        let factory = BundleFactory(profile: profile)
        let trustPath = dir + "/bench.trust"
        try FileIO.write(factory.trustFile, to: trustPath)

        var rows: [Row] = []
        for n in counts {
            say("\(n): sealing receipts…")
            let built = try factory.build(count: n)
            let bundlePath = dir + "/bench-\(n).tar"
            try FileIO.write(built.tar, to: bundlePath)
            let bundleBytes = built.tar.count
            say(String(format: "%d: sealed in %.2f s (%.0f receipts/s), bundle written in %.2f s, %.1f MiB",
                       n, built.sealSeconds, Double(n) / built.sealSeconds, built.writeSeconds, Double(bundleBytes) / 1_048_576))

            var breakdown: StageBreakdown.Result?
            if breakdownSample > 0 {
                breakdown = try StageBreakdown.run(receiptsJSONL: built.receiptsJSONL, portalKey: factory.portal.publicKey,
                                                   sample: min(n, breakdownSample), checkpointEvery: factory.checkpointEvery)
            }
            let checkpoints = built.checkpoints
            let sealSeconds = built.sealSeconds, sealCPU = built.sealCPU, writeSeconds = built.writeSeconds
            // `built` (the whole log's bytes) ends here, before the child runs.

            var best: ChildResult?
            for _ in 0..<runs {
                say("\(n): verify…")
                let r = try ChildProcess.measured([verifyPath, bundlePath, "--trust", trustPath, "--format", "json"], scratchDir: dir)
                let verdict = Self.verdict(r.stdout)
                guard r.exitStatus == 0, verdict == "PASS" else {
                    let err = String(decoding: r.stderr.prefix(2000), as: UTF8.self)
                    let out = String(decoding: r.stdout.prefix(4000), as: UTF8.self)
                    throw BenchError("verify did not PASS the \(n)-receipt bundle (exit \(r.exitStatus), verdict \(verdict ?? "none")):\n\(out)\n\(err)")
                }
                if best == nil || r.wallSeconds < best?.wallSeconds ?? 0 { best = r }
            }
            guard let v = best else { throw BenchError("no verify run") }
            var floorWall = Double.infinity
            for _ in 0..<runs { floorWall = min(floorWall, try floor.verify(first: n, threads: threads)) }
            var floorWall1: Double?
            if oneThreadFloor {
                say("\(n): floor on 1 thread…")
                var w = Double.infinity
                for _ in 0..<runs { w = min(w, try floor.verify(first: n, threads: 1)) }
                floorWall1 = w
            }
            let row = Row(receipts: n, checkpoints: checkpoints, bundleBytes: bundleBytes, sealSeconds: sealSeconds,
                          sealCPU: sealCPU, writeSeconds: writeSeconds, verify: v, floorWall: floorWall,
                          floorWall1: floorWall1, breakdown: breakdown)
            rows.append(row)
            say(row.line)
            if !keep { FileIO.remove(bundlePath) }
        }

        print("")
        print(Row.header)
        for r in rows { print(r.line) }
        print("")
        print("bundle building (seal = sign + chain + tree + checkpoints, in process, 1 thread):")
        for r in rows {
            print(String(format: "  %9d receipts: seal %8.0f receipts/s, seal+write %8.0f receipts/s, bundle %7.1f MiB",
                         r.receipts, Double(r.receipts) / r.sealSeconds, Double(r.receipts) / (r.sealSeconds + r.writeSeconds),
                         Double(r.bundleBytes) / 1_048_576))
        }
        print(String(format: "%@ signing floor: %.0f signatures/s on 1 thread, %.0f/s on %d threads", profile.rawValue, signRate1, signRateAll, threads))
        if oneThreadFloor {
            print("")
            print("scaling over cores (floor: \(floor.primitive)):")
            for r in rows {
                guard let w1 = r.floorWall1 else { continue }
                print(String(format: "  %9d receipts: floor %8.3f s on 1 thread, %8.3f s on %d (%.2fx, %.0f → %.0f verifications/s); verify CPU/wall %.2f",
                             r.receipts, w1, r.floorWall, threads, w1 / r.floorWall, Double(r.receipts) / w1,
                             Double(r.receipts) / r.floorWall, r.verify.cpuSeconds / r.verify.wallSeconds))
            }
        }
        for r in rows {
            guard let b = r.breakdown else { continue }
            print("")
            print(String(format: "in-process stage breakdown, %d receipts of the %d-receipt bundle, 1 thread (µs per receipt):",
                         b.receipts, r.receipts))
            for s in b.stages {
                print(String(format: "  %8.2f µs  %5.1f%%  ", s.seconds / Double(b.receipts) * 1e6, s.seconds / b.total * 100) + s.name)
            }
            print(String(format: "  %8.2f µs  total", b.total / Double(b.receipts) * 1e6))
        }

        if let out {
            let json = Self.results(rows: rows, machine: machine, profile: profile, floorPrimitive: floor.primitive, threads: threads, signRate1: signRate1, signRateAll: signRateAll,
                                    verifyPath: verifyPath, sessions: factory.sessions, checkpointEvery: factory.checkpointEvery,
                                    baselineRSS: baselineRSS)
            try FileIO.write(JCS.canonicalize(json) + [UInt8(ascii: "\n")], to: out)
            say("results: \(out)")
        }
        if keep {
            say("kept: \(dir)")
        } else {
            for name in ["bench.trust", "child.stdout", "child.stderr", "child.rusage"] { FileIO.remove(dir + "/" + name) }
            rmdir(dir)
        }
    }

    func say(_ s: String) {
        StdErr.write(s + "\n")
    }

    static func verdict(_ stdout: [UInt8]) -> String? {
        var options = JSONParseOptions.general
        options.maxBytes = 64 << 20
        options.maxElements = 1 << 20
        guard case .object(let o)? = try? JSONParser.parse(stdout.filter { $0 != UInt8(ascii: "\n") }, options: options),
              case .string(let v)? = o["verdict"] else { return nil }
        return v
    }

    static func results(rows: [Row], machine: Machine, profile: Profile, floorPrimitive: String, threads: Int, signRate1: Double, signRateAll: Double,
                        verifyPath: String, sessions: Int, checkpointEvery: Int, baselineRSS: Int64) -> JSONValue {
        func num(_ d: Double) -> JSONValue { .number(.double((d * 1e6).rounded() / 1e6)) }
        return .object([
            ("schema", .string("evidence-bench/1")),
            ("machine", .object([
                ("cores", .int(machine.cores)),
                ("memory_bytes", .int(machine.memoryBytes)),
                ("cpu_model", .string(machine.cpuModel)),
                ("kernel", .string(machine.kernel)),
                ("swift", .string(machine.swiftVersion)),
                ("libsodium", .string(machine.libsodiumVersion)),
            ])),
            ("setup", .object([
                ("tier", .int(1)),
                ("scope", .string("full")),
                ("profile", .string(profile.rawValue)),
                ("sessions", .int(sessions)),
                ("checkpoint_every", .int(checkpointEvery)),
                ("floor_threads", .int(threads)),
                ("floor_primitive", .string(floorPrimitive)),
                ("verify_binary", .string(verifyPath)),
                ("rss_baseline_bytes_bin_true", .int(baselineRSS)),
            ])),
            ("signing_floor", .object([
                ("signatures_per_second_1_thread", num(signRate1)),
                ("signatures_per_second_all_threads", num(signRateAll)),
            ])),
            ("results", .array(rows.map { r in
                var members: [(String, JSONValue)] = [
                    ("receipts", .int(r.receipts)),
                    ("checkpoints", .int(r.checkpoints)),
                    ("bundle_bytes", .int(r.bundleBytes)),
                    ("seal_seconds", num(r.sealSeconds)),
                    ("seal_cpu_seconds", num(r.sealCPU)),
                    ("seal_receipts_per_second", num(Double(r.receipts) / r.sealSeconds)),
                    ("write_seconds", num(r.writeSeconds)),
                    ("verify_wall_seconds", num(r.verify.wallSeconds)),
                    ("verify_user_seconds", num(r.verify.userSeconds)),
                    ("verify_system_seconds", num(r.verify.systemSeconds)),
                    ("verify_peak_rss_bytes", .int(r.verify.maxRSSBytes)),
                    ("verify_receipts_per_second", num(Double(r.receipts) / r.verify.wallSeconds)),
                    ("floor_wall_seconds", num(r.floorWall)),
                    ("ratio_verify_to_floor", num(r.verify.wallSeconds / r.floorWall)),
                    ("verify_cpu_to_wall", num(r.verify.cpuSeconds / r.verify.wallSeconds)),
                ]
                if let w1 = r.floorWall1 {
                    members.append(("floor_wall_seconds_1_thread", num(w1)))
                    members.append(("floor_speedup_all_threads", num(w1 / r.floorWall)))
                    members.append(("floor_verifications_per_second_1_thread", num(Double(r.receipts) / w1)))
                    members.append(("floor_verifications_per_second_all_threads", num(Double(r.receipts) / r.floorWall)))
                }
                if let b = r.breakdown {
                    members.append(("breakdown", .object([
                        ("receipts", .int(b.receipts)),
                        ("stages", .array(b.stages.map { s in
                            .object([("name", .string(s.name)), ("microseconds_per_receipt", num(s.seconds / Double(b.receipts) * 1e6))])
                        })),
                    ])))
                }
                return .object(members)
            })),
        ])
    }
}

struct Row {
    var receipts: Int
    var checkpoints: Int
    var bundleBytes: Int
    var sealSeconds: Double
    var sealCPU: Double
    var writeSeconds: Double
    var verify: ChildResult
    var floorWall: Double
    /// The floor on one thread, when measured (always for the composite profile).
    var floorWall1: Double?
    var breakdown: StageBreakdown.Result?

    static let header = "      size   verify wall    CPU (u+s)   RSS MiB   floor wall   verify/floor   receipts/s"
    var line: String {
        String(format: "%10d  %10.3f s  %9.3f s  %8.1f  %9.3f s  %12.2f  %11.0f",
               receipts, verify.wallSeconds, verify.cpuSeconds, Double(verify.maxRSSBytes) / 1_048_576, floorWall,
               verify.wallSeconds / floorWall, Double(receipts) / verify.wallSeconds)
    }
}

enum StdErr {
    static func write(_ s: String) {
        var bytes = Array(s.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
