#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EvidenceCrypto

/// Small POSIX file helpers with explicit errors. Writes that must survive a crash are followed by
/// `fsync` of the file and, when a file is created, of its directory.
package enum FileIO {
    package static func read(_ path: String, limit: Int) throws(PortalError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PortalError(.io, path, "cannot open: \(errnoText())") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PortalError(.io, path, "read failed: \(errnoText())")
            }
            if n == 0 { break }
            guard out.count + n <= limit else { throw PortalError(.io, path, "larger than \(limit) bytes") }
            out.append(contentsOf: buffer[0..<n])
        }
        return out
    }

    package static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Creates `path` new (O_EXCL) with `mode`, writes `bytes`, syncs the file and its directory.
    /// The mode is set at creation: the file is never readable by others, not even for a moment.
    package static func createNew(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(PortalError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == EEXIST { throw PortalError(.fileExists, path, "already exists; refusing to overwrite") }
            throw PortalError(.io, path, "cannot create: \(errnoText())")
        }
        defer { close(fd) }
        try writeAll(fd, bytes[...], path: path)
        guard fsync(fd) == 0 else { throw PortalError(.io, path, "fsync failed: \(errnoText())") }
        try syncDirectory(of: path)
    }

    /// Writes `bytes` to `path` through a temporary file and an atomic rename (for outputs such as
    /// bundles and artifacts, which either appear whole or not at all).
    package static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(PortalError) {
        let tmp = path + ".tmp-portal"
        _ = unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw PortalError(.io, tmp, "cannot create: \(errnoText())") }
        do throws(PortalError) {
            try writeAll(fd, bytes[...], path: tmp)
            guard fsync(fd) == 0 else { throw PortalError(.io, tmp, "fsync failed: \(errnoText())") }
        } catch {
            close(fd)
            _ = unlink(tmp)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            _ = unlink(tmp)
            throw PortalError(.io, path, "rename failed: \(errnoText())")
        }
        try syncDirectory(of: path)
    }

    package static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>, path: String) throws(PortalError) {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PortalError(.io, path, "write failed: \(errnoText())")
            }
            rest = rest.dropFirst(n)
        }
    }

    package static func syncDirectory(of path: String) throws(PortalError) {
        let dir: String
        if let slash = path.lastIndex(of: "/") {
            dir = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            dir = "."
        }
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw PortalError(.io, dir, "cannot open directory: \(errnoText())") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw PortalError(.io, dir, "fsync of directory failed: \(errnoText())") }
    }

    package static func makeDirectory(_ path: String) throws(PortalError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw PortalError(.io, path, "cannot create directory: \(errnoText())")
        }
    }

    package static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Fresh random bytes from the system's cryptographically secure generator (getrandom on Linux).
/// What `portal run` measures: SHA-256 of the bytes of one regular file (the upstream executable,
/// or the file given with `--measure`), read through any symlinks at measurement time.
package enum RuntimeMeasurement {
    /// Larger files are not measured (the measurement fails, which counts as drift).
    package static let maxFileBytes: Int64 = 1 << 34

    /// SHA-256 of the file's bytes. Refuses anything but a regular file (a FIFO or a device would
    /// block or never end) and files over `maxFileBytes`.
    package static func sha256(file path: String) throws(PortalError) -> Hash256 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw PortalError(.io, path, "cannot open for measurement: \(FileIO.errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw PortalError(.io, path, "cannot stat: \(FileIO.errnoText())") }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw PortalError(.io, path, "not a regular file: not measured") }
        guard Int64(st.st_size) <= maxFileBytes else { throw PortalError(.io, path, "larger than \(maxFileBytes) bytes: not measured") }
        var hasher = StreamingSHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var total: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw PortalError(.io, path, "read failed: \(FileIO.errnoText())")
            }
            if n == 0 { break }
            total += Int64(n)
            guard total <= maxFileBytes else { throw PortalError(.io, path, "grew past \(maxFileBytes) bytes while measured") }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return hasher.finalize()
    }
}
