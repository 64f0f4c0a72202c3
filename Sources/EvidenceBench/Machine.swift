#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSodium

/// Facts about the machine the numbers come from. Only the bench reads these; the verifier never
/// looks at its environment.
struct Machine {
    var cores: Int
    var memoryBytes: Int64
    var cpuModel: String
    var kernel: String
    var swiftVersion: String
    var libsodiumVersion: String

    static func probe(scratchDir: String) -> Machine {
        let cores = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        var memory: Int64 = 0
        if let text = try? FileIO.read("/proc/meminfo") {
            for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("MemTotal:") {
                let digits = line.filter(\.isNumber)
                memory = (Int64(String(digits)) ?? 0) * 1024
            }
        }
        var model = "unknown"
        if let text = try? FileIO.read("/proc/cpuinfo") {
            for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where line.hasPrefix("model name") {
                if let colon = line.firstIndex(of: ":") {
                    model = line[line.index(after: colon)...].trimmingCharacters()
                    break
                }
            }
        }
        var u = utsname()
        uname(&u)
        let kernel = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            + " " + withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var swift = "unknown"
        if let r = try? ChildProcess.run(["swift", "--version"], scratchDir: scratchDir, searchPath: true), r.exitStatus == 0 {
            let all = String(decoding: r.stdout + r.stderr, as: UTF8.self)
            if let first = all.split(separator: "\n").first(where: { $0.contains("Swift version") }) {
                swift = String(first).trimmingCharacters()
            }
        }
        return Machine(cores: cores, memoryBytes: memory, cpuModel: model, kernel: kernel, swiftVersion: swift,
                       libsodiumVersion: String(cString: sodium_version_string()))
    }
}

extension StringProtocol {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
