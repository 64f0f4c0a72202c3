import EvidenceCrypto
import Foundation
import XCTest

/// Cross-verification with an independent implementation, both directions:
/// Tests/interop/composite_mldsa65_ed25519.py (pyca/cryptography ML-DSA-65 and Ed25519, hashlib
/// SHA-512; shares no code with ours). Needs `python3` on PATH with Tests/requirements.txt
/// installed; without them the tests FAIL, saying so, rather than skip.
final class CompositeInteropTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("interop").appendingPathComponent("composite_mldsa65_ed25519.py")

    private static let messages: [(message: [UInt8], context: [UInt8])] = [
        ([], []),
        (Array("The quick brown fox jumps over the lazy dog.".utf8), []),
        (deterministicBytes(count: 1000, seed: 77), []),
        (Array("bundle".utf8), Array("application context".utf8)),
        (deterministicBytes(count: 3, seed: 78), [UInt8](repeating: 0xA5, count: 255)),
    ]

    private struct PythonRun {
        let status: Int32
        let stdout: Data
        let stderr: String
    }

    private func runPython(_ arguments: [String], input: Data = Data()) throws -> PythonRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return PythonRun(status: process.terminationStatus, stdout: out, stderr: String(decoding: err, as: UTF8.self))
    }

    /// Fails (not skips) with the install instruction when the Python side is unavailable.
    private func requirePython(file: StaticString = #filePath, line: UInt = #line) throws -> Bool {
        let probe = try runPython(["-c", "import cryptography.hazmat.primitives.asymmetric.mldsa"])
        guard probe.status == 0 else {
            XCTFail(
                "python3 with cryptography's ML-DSA support is required for the composite interop tests: "
                    + "python3 -m pip install -r Tests/requirements.txt (\(probe.stderr))",
                file: file, line: line)
            return false
        }
        return true
    }

    private func json(_ run: PythonRun, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(run.status, 0, "interop script failed: \(run.stderr)", file: file, line: line)
        return try JSONSerialization.jsonObject(with: run.stdout) as? [String: Any] ?? [:]
    }

    func testSwiftSignsPythonVerifies() throws {
        guard try requirePython() else { return }
        let key = try fixedCompositeKey(2024)
        var cases: [[String: String]] = []
        for item in Self.messages {
            let signature = try key.sign(item.message, context: item.context)
            cases.append([
                "pk": Hex.encode(key.publicKey), "msg": Hex.encode(item.message), "ctx": Hex.encode(item.context),
                "sig": Hex.encode(signature),
            ])
        }
        // Controls: the Python verifier must be able to say no.
        let good = try key.sign(Array("control".utf8))
        cases.append([
            "pk": Hex.encode(key.publicKey), "msg": Hex.encode(Array("control".utf8)), "ctx": "",
            "sig": Hex.encode(flippingBit(good, 8 * 3309 + 3)),
        ])
        cases.append([
            "pk": Hex.encode(key.publicKey), "msg": Hex.encode(Array("control".utf8)), "ctx": "00",
            "sig": Hex.encode(good),
        ])
        let input = try JSONSerialization.data(withJSONObject: ["cases": cases])
        let output = try json(try runPython([Self.script.path, "verify"], input: input))
        let results = output["results"] as? [Bool]
        XCTAssertEqual(results, [Bool](repeating: true, count: Self.messages.count) + [false, false])
    }

    func testPythonSignsSwiftVerifies() throws {
        guard try requirePython() else { return }
        let mldsaSeed = deterministicBytes(count: 32, seed: 31337)
        let edSeed = deterministicBytes(count: 32, seed: 31338)
        let request: [String: Any] = [
            "mldsaSeed": Hex.encode(mldsaSeed), "ed25519Seed": Hex.encode(edSeed),
            "cases": Self.messages.map { ["msg": Hex.encode($0.message), "ctx": Hex.encode($0.context)] },
        ]
        let output = try json(
            try runPython([Self.script.path, "sign"], input: try JSONSerialization.data(withJSONObject: request)))
        let publicKey = vectorHex(output["publicKey"] as? String ?? "")
        let signatures = (output["signatures"] as? [String] ?? []).map { vectorHex($0) }
        // Both sides derive the same composite key from the same two seeds.
        XCTAssertEqual(publicKey, try CompositeSigningKey(mldsaSeed: mldsaSeed, ed25519Seed: edSeed).publicKey)
        XCTAssertEqual(signatures.count, Self.messages.count)
        for (item, signature) in zip(Self.messages, signatures) {
            XCTAssertNil(
                compositeCode(signature: signature, message: item.message, publicKey: publicKey, context: item.context),
                "message of \(item.message.count) bytes, ctx of \(item.context.count)")
            XCTAssertEqual(
                compositeCode(signature: signature, message: item.message + [0], publicKey: publicKey, context: item.context),
                .signatureInvalid)
        }
    }
}
