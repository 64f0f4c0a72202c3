internal import CSodium

/// Random bytes from libsodium's `randombytes_buf` (getrandom(2) on Linux, one call per buffer): salts,
/// the Portal's salts, log ids, session ids and key seeds.
package enum SystemRandom {
    package static func bytes(_ count: Int) -> [UInt8] {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { randombytes_buf(base, buffer.count) }
        }
        return out
    }
}
