#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// One child run: wall time from spawn to reap, and the child's own resource usage from wait4(2).
struct ChildResult {
    var exitStatus: Int32
    var wallSeconds: Double
    var userSeconds: Double
    var systemSeconds: Double
    /// Peak resident set size of the child, bytes (Linux reports ru_maxrss in KiB).
    var maxRSSBytes: Int64
    var stdout: [UInt8]
    var stderr: [UInt8]
    var cpuSeconds: Double { userSeconds + systemSeconds }
}

enum ChildProcess {
    static let launcherVerb = "__measure"

    /// Runs `argv` as a grandchild through a fresh copy of this executable, so that its peak RSS is
    /// its own. Linux carries the high-water RSS of the memory image a process replaces at execve
    /// into its ru_maxrss, and posix_spawn's child shares the spawner's memory until it execs: a
    /// child spawned straight from this (large) process would report this process's peak. The
    /// launcher is small and resets its own peak (/proc/self/clear_refs, 5) before spawning.
    static func measured(_ argv: [String], scratchDir: String) throws -> ChildResult {
        guard let dir = FileIO.executableDirectory() else { throw BenchError("cannot locate this executable") }
        let resultPath = scratchDir + "/child.rusage"
        FileIO.remove(resultPath)
        let launcher = try run([dir + "/evidence-bench", launcherVerb, resultPath] + argv, scratchDir: scratchDir)
        guard launcher.exitStatus == 0 else {
            throw BenchError("the launcher failed (exit \(launcher.exitStatus)): \(String(decoding: launcher.stderr.prefix(2000), as: UTF8.self))")
        }
        let fields = String(decoding: try FileIO.read(resultPath), as: UTF8.self).split(separator: " ")
        guard fields.count == 5, let status = Int32(fields[0]), let wall = Double(fields[1]), let user = Double(fields[2]),
              let sys = Double(fields[3]), let rss = Int64(fields[4]) else {
            throw BenchError("the launcher's result file is malformed")
        }
        return ChildResult(exitStatus: status, wallSeconds: wall, userSeconds: user, systemSeconds: sys,
                           maxRSSBytes: rss, stdout: launcher.stdout, stderr: launcher.stderr)
    }

    /// The launcher: resets its own peak RSS, runs `argv` with the launcher's stdout and stderr, and
    /// writes "status wall user system maxrss_bytes" to `resultPath`.
    static func launcherMain(resultPath: String, argv: [String]) -> Int32 {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        if fd >= 0 {
            _ = write(fd, "5", 1)
            close(fd)
        }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let start = Clock.now()
        guard posix_spawn(&pid, argv[0], nil, nil, cArgs, environ) == 0 else { return 3 }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { return 3 }
        }
        let wall = Clock.now() - start
        let exited = (status & 0x7f) == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let line = "\(code) \(wall) \(Clock.seconds(usage.ru_utime)) \(Clock.seconds(usage.ru_stime)) \(Int64(usage.ru_maxrss) * 1024)"
        do { try FileIO.write(Array(line.utf8), to: resultPath) } catch { return 3 }
        return 0
    }

    /// Runs `argv` (argv[0] a path, or a name looked up on PATH when `searchPath`), with stdout and
    /// stderr captured through files in `scratchDir`.
    static func run(_ argv: [String], scratchDir: String, searchPath: Bool = false) throws -> ChildResult {
        let outPath = scratchDir + "/child.stdout"
        let errPath = scratchDir + "/child.stderr"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }

        var pid: pid_t = 0
        let start = Clock.now()
        let rc = searchPath
            ? posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
            : posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let wall = Clock.now() - start
        // WIFEXITED / WEXITSTATUS by hand: the macros are not imported into Swift.
        let exited = (status & 0x7f) == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ChildResult(
            exitStatus: code, wallSeconds: wall,
            userSeconds: Clock.seconds(usage.ru_utime), systemSeconds: Clock.seconds(usage.ru_stime),
            maxRSSBytes: Int64(usage.ru_maxrss) * 1024,
            stdout: (try? FileIO.read(outPath)) ?? [], stderr: (try? FileIO.read(errPath)) ?? [])
    }
}

/// Plain POSIX file I/O for the bench's own files.
enum FileIO {
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw BenchError("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("\(path): read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError("\(path): cannot create: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, min(bytes.count - offset, 1 << 24))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw BenchError("\(path): write failed: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    static func remove(_ path: String) { unlink(path) }

    static func makeTempDir() throws -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/evidence-bench.XXXXXX".utf8CString)
        guard let p = template.withUnsafeMutableBufferPointer({ buf in buf.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw BenchError("cannot create a temporary directory under \(base)")
        }
        return String(cString: p)
    }

    /// The directory of the running executable (/proc/self/exe).
    static func executableDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }
}
