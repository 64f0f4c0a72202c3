#!/usr/bin/env python3
"""Independent implementation of composite id-MLDSA65-Ed25519-SHA512
(draft-ietf-lamps-pq-composite-sigs, construction of -13 and later), for cross-checking the
Swift implementation in Sources/EvidenceCrypto/Composite. Shares no code with it: written from
the draft text, on top of pyca/cryptography (OpenSSL ML-DSA-65 and Ed25519) and hashlib.

    M' = Prefix || Label || len(ctx) || ctx || SHA-512(M)
    signature  = ML-DSA-65.Sign(sk1, M', ctx=Label) || Ed25519.Sign(sk2, M')   (3309 + 64 bytes)
    public key = ML-DSA-65 pk (1952 bytes) || Ed25519 pk (32 bytes)

Usage (JSON on stdin, JSON on stdout, all byte strings lowercase hex):
    verify   {"cases": [{"pk", "msg", "ctx", "sig"}]}            -> {"results": [true|false, ...]}
    sign     {"mldsaSeed", "ed25519Seed", "cases": [{"msg", "ctx"}]}
                                                                 -> {"publicKey", "signatures": [...]}
    forge    {"mldsaSeed", "ed25519Seed", "msg"}                 -> negative vectors (see README)

Exit status: 0 success, 2 bad request, 3 the `cryptography` package (>= 48, with ML-DSA) is
missing: install Tests/requirements.txt.
"""

import hashlib
import json
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa
except ImportError as error:  # pragma: no cover - environment problem, reported to the caller
    sys.stderr.write(
        "composite interop: cannot import cryptography's ML-DSA support (%s); "
        "install the pinned test requirements: python3 -m pip install -r Tests/requirements.txt\n" % error)
    sys.exit(3)

PREFIX = b"CompositeAlgorithmSignatures2025"
LABEL = b"COMPSIG-MLDSA65-Ed25519-SHA512"
MLDSA_PK, MLDSA_SIG, ED_PK, ED_SIG = 1952, 3309, 32, 64


def representative(message, ctx, label=LABEL):
    if len(ctx) > 255:
        raise ValueError("ctx longer than 255 bytes")
    return PREFIX + label + bytes([len(ctx)]) + ctx + hashlib.sha512(message).digest()


def verify(pk, message, ctx, sig):
    if len(ctx) > 255 or len(pk) != MLDSA_PK + ED_PK or len(sig) != MLDSA_SIG + ED_SIG:
        return False
    m_prime = representative(message, ctx)
    try:
        mldsa.MLDSA65PublicKey.from_public_bytes(pk[:MLDSA_PK]).verify(sig[:MLDSA_SIG], m_prime, LABEL)
        ed25519.Ed25519PublicKey.from_public_bytes(pk[MLDSA_PK:]).verify(sig[MLDSA_SIG:], m_prime)
    except (InvalidSignature, ValueError):
        return False
    return True


def keys(request):
    mldsa_key = mldsa.MLDSA65PrivateKey.from_seed_bytes(bytes.fromhex(request["mldsaSeed"]))
    ed_key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(request["ed25519Seed"]))
    public = mldsa_key.public_key().public_bytes_raw() + ed_key.public_key().public_bytes_raw()
    return mldsa_key, ed_key, public


def sign(mldsa_key, ed_key, message, ctx, label=LABEL, mldsa_ctx=None):
    m_prime = representative(message, ctx, label)
    return mldsa_key.sign(m_prime, label if mldsa_ctx is None else mldsa_ctx) + ed_key.sign(m_prime)


def forge(request):
    """Signatures that must NOT verify as id-MLDSA65-Ed25519-SHA512 over (msg, ctx = empty)."""
    mldsa_key, ed_key, public = keys(request)
    message = bytes.fromhex(request["msg"])
    other = b"COMPSIG-MLDSA65-ECDSA-P256-SHA512"
    m_prime = representative(message, b"")
    cases = [
        ("otherCompositeLabel: M' and the ML-DSA context both use the id-MLDSA65-ECDSA-P256-SHA512 label",
         sign(mldsa_key, ed_key, message, b"", label=other)),
        ("mldsaContextEmpty: M' is right but ML-DSA signs it with an empty context instead of the Label",
         sign(mldsa_key, ed_key, message, b"", mldsa_ctx=b"")),
        ("mldsaContextOtherLabel: M' is right but the ML-DSA context is another composite's label",
         sign(mldsa_key, ed_key, message, b"", mldsa_ctx=other)),
        ("rawMessage: both components sign the message itself, not M'",
         mldsa_key.sign(message, LABEL) + ed_key.sign(message)),
        ("noPrehash: M' carries the message instead of SHA-512(message)",
         mldsa_key.sign(PREFIX + LABEL + b"\x00" + message, LABEL) + ed_key.sign(PREFIX + LABEL + b"\x00" + message)),
        ("edOverRawMessage: ML-DSA is right, Ed25519 signs the message itself",
         mldsa_key.sign(m_prime, LABEL) + ed_key.sign(message)),
        ("componentsSwapped: Ed25519 signature first, then ML-DSA (still 3373 bytes)",
         ed_key.sign(m_prime) + mldsa_key.sign(m_prime, LABEL)),
    ]
    for _, sig in cases:
        assert not verify(public, message, b"", sig)
    return {"publicKey": public.hex(), "msg": message.hex(),
            "cases": [{"name": name, "sig": sig.hex()} for name, sig in cases]}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("verify", "sign", "forge"):
        sys.stderr.write(__doc__)
        return 2
    request = json.load(sys.stdin)
    if sys.argv[1] == "verify":
        results = [verify(bytes.fromhex(c["pk"]), bytes.fromhex(c["msg"]), bytes.fromhex(c["ctx"]),
                          bytes.fromhex(c["sig"])) for c in request["cases"]]
        json.dump({"results": results}, sys.stdout)
    elif sys.argv[1] == "sign":
        mldsa_key, ed_key, public = keys(request)
        signatures = [sign(mldsa_key, ed_key, bytes.fromhex(c["msg"]), bytes.fromhex(c["ctx"])).hex()
                      for c in request["cases"]]
        for c, sig in zip(request["cases"], signatures):  # self-check before handing them over
            assert verify(public, bytes.fromhex(c["msg"]), bytes.fromhex(c["ctx"]), bytes.fromhex(sig))
        json.dump({"publicKey": public.hex(), "signatures": signatures}, sys.stdout)
    else:
        json.dump(forge(request), sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
