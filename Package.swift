// swift-tools-version:6.0
//
// The evidence-bundle verifier toolkit.
//
// Dependency direction (the verifier's trusted base is everything left of `Verifier`):
//
//   CSodium, CArchive            system libraries (libsodium, libarchive), module maps only
//   StrictJSON                   RFC 8259 strict parser + RFC 8785 canonicalizer; no dependencies
//   EvidenceCrypto               SHA-256 (swift-crypto), Ed25519 (libsodium), hex, base64url
//   Merkle                       RFC 9162 tree heads, inclusion and consistency proofs
//   BundleArchive                streaming tar reader and reproducible tar writer (libarchive)
//   EvidenceFormat               the objects of the format, signing inputs, bundle layout
//   Verifier                     the verification pipeline, failure codes, report
//   VerifyCommand -> `verify`    the command line
//
//   BundleKit                    signing and bundle building (fixtures, vectors, the Portal);
//                                the verifier never depends on it.
//   Conformance                  the conformance-vector format and runner (`verify vectors`)
//   Portal, PortalCommand        the companion Portal (`portal`): seal, enforce, record, export
import PackageDescription

let package = Package(
    name: "evidence-toolkit",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "verify", targets: ["VerifyCommand"]),
        .executable(name: "fixturegen", targets: ["FixtureGen"]),
        .executable(name: "vectorgen", targets: ["VectorGen"]),
        .executable(name: "portal", targets: ["PortalCommand"]),
        .executable(name: "evidence-bench", targets: ["EvidenceBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .target(name: "StrictJSON"),
        .target(
            name: "EvidenceCrypto",
            dependencies: ["CSodium", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "Merkle", dependencies: ["EvidenceCrypto"]),
        .target(name: "BundleArchive", dependencies: ["CArchive"]),
        // Raw tar bytes, hostile ones included, for negative tests and conformance vectors.
        .target(name: "TarForge"),
        .target(
            name: "EvidenceFormat",
            dependencies: ["StrictJSON", "EvidenceCrypto", "Merkle"]
        ),
        .target(
            name: "Verifier",
            dependencies: ["EvidenceFormat", "BundleArchive", "StrictJSON", "EvidenceCrypto", "Merkle"]
        ),
        // Conformance vectors: the expectation format and the runner behind `verify vectors`.
        .target(
            name: "Conformance",
            dependencies: ["Verifier", "EvidenceFormat", "StrictJSON", "EvidenceCrypto"]
        ),
        .executableTarget(
            name: "VerifyCommand",
            dependencies: ["Verifier", "Conformance", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "BundleKit",
            dependencies: ["EvidenceFormat", "BundleArchive", "StrictJSON", "EvidenceCrypto", "Merkle", "TarForge"]
        ),
        .executableTarget(
            name: "FixtureGen",
            dependencies: ["BundleKit", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "VectorGen",
            dependencies: [
                "BundleKit", "Conformance", "Verifier", "TarForge", "EvidenceFormat", "StrictJSON", "EvidenceCrypto",
                "Merkle", "BundleArchive", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The Portal: policy sealing, enforcement, durable receipts, export. Builds on the format
        // library and the bundle writer; nothing of the verifier depends on it.
        .target(
            name: "Portal",
            dependencies: ["BundleKit", "EvidenceFormat", "StrictJSON", "EvidenceCrypto", "Merkle", "BundleArchive"]
        ),
        .executableTarget(
            name: "PortalCommand",
            dependencies: ["Portal", "BundleKit", "EvidenceFormat", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "EvidenceBench", dependencies: ["BundleKit", "EvidenceFormat", "EvidenceCrypto", "StrictJSON", "Merkle", "CSodium", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "PortalTests",
            dependencies: ["Portal", "BundleKit", "Verifier", "EvidenceFormat", "StrictJSON", "EvidenceCrypto"]
        ),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"], exclude: ["README.md"]),
        .testTarget(
            name: "EvidenceCryptoTests",
            dependencies: ["EvidenceCrypto"],
            resources: [.copy("Vectors")]
        ),
        .testTarget(name: "MerkleTests", dependencies: ["Merkle", "EvidenceCrypto"], exclude: ["README.md"]),
        .testTarget(name: "BundleArchiveTests", dependencies: ["BundleArchive", "TarForge"]),
        .testTarget(
            name: "VerifierTests",
            dependencies: ["Verifier", "Conformance", "BundleKit", "EvidenceFormat", "StrictJSON", "EvidenceCrypto", "BundleArchive", "TarForge"]
        ),
    ]
)
