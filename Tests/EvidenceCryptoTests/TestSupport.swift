import EvidenceCrypto
import Foundation
import XCTest

/// Lowercase hex from a test vector; a malformed vector fails the test instead of trapping.
func vectorHex(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
    do {
        return try Hex.decodeStrict(text, expectedBytes: nil)
    } catch {
        XCTFail("test vector is not lowercase hex: \(error)", file: file, line: line)
        return []
    }
}

/// Reads and decodes one JSON file from the `Vectors` resource folder.
func loadVectors<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors") else {
        throw VectorFileMissing(name: name)
    }
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
}

struct VectorFileMissing: Error {
    let name: String
}

/// The code `Ed25519.verify` throws, or nil when the signature verifies.
func verifyCode(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> SignatureError.Code? {
    do {
        try Ed25519.verify(signature: signature, message: message, publicKey: publicKey)
        return nil
    } catch {
        return error.code
    }
}

/// The error `Base64URL.decode` throws, or nil when it decodes.
func base64Error(_ input: [UInt8]) -> EncodingError? {
    do {
        _ = try Base64URL.decode(utf8: input)
        return nil
    } catch {
        return error
    }
}

func base64Error(_ text: String) -> EncodingError? {
    do {
        _ = try Base64URL.decode(text)
        return nil
    } catch {
        return error
    }
}

/// The error `Hex.decodeStrict` throws, or nil when it decodes.
func hexError(_ text: String, expectedBytes: Int? = nil) -> EncodingError? {
    do {
        _ = try Hex.decodeStrict(text, expectedBytes: expectedBytes)
        return nil
    } catch {
        return error
    }
}

/// Flips bit `bit` (0 = least significant bit of byte 0).
func flippingBit(_ bytes: [UInt8], _ bit: Int) -> [UInt8] {
    var out = bytes
    out[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
    return out
}

/// Deterministic bytes for round-trip tests (xorshift; no randomness in tests).
func deterministicBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed | 1
    var out = [UInt8]()
    out.reserveCapacity(count)
    for _ in 0..<count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        out.append(UInt8(truncatingIfNeeded: state >> 24))
    }
    return out
}
