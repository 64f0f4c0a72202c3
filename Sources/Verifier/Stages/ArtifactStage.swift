import EvidenceCrypto
import EvidenceFormat

/// Stage 6: sub-mandates. A derived artifact names its parent's artifact_ref; its window lies
/// inside the parent's, its tools are a subset with no fewer required parameters, its limits are
/// no looser, and it binds the same upstream, runtime, actions and a subset of the Portal keys.
enum ArtifactStage {
    static func run(_ run: Run) {
        for ref in run.artifactOrder {
            guard let child = run.artifacts[ref], let parentRef = child.value.parent else { continue }
            // The chain of ancestors must be present and short.
            var depth = 1
            var cursor = parentRef
            var broken = false
            while let p = run.artifacts[cursor]?.value.parent {
                depth += 1
                if depth > FormatLimits.maxSubmandateDepth {
                    run.fail(.submandateDepth, .artifact, file: child.file, "more than \(FormatLimits.maxSubmandateDepth) levels of sub-mandates")
                    broken = true
                    break
                }
                cursor = p
            }
            if broken { continue }
            guard let parent = run.artifacts[parentRef] else {
                run.fail(.parentMissing, .artifact, file: child.file, "the parent artifact \(parentRef.hex) is not in the bundle")
                continue
            }
            for (code, detail) in violations(child: child.value, parent: parent.value) {
                run.fail(code, .artifact, file: child.file, detail)
            }
        }
    }

    /// Every way `child` is wider than `parent`, in a fixed order.
    static func violations(child c: PolicyArtifact, parent p: PolicyArtifact) -> [(VerifyCode, String)] {
        var out: [(VerifyCode, String)] = []
        if c.notBeforeMS < p.notBeforeMS || c.notAfterMS > p.notAfterMS {
            out.append((.submandateWindow, "window [\(c.notBeforeMS), \(c.notAfterMS)) is not inside the parent's [\(p.notBeforeMS), \(p.notAfterMS))"))
        }
        for tool in c.tools {
            guard let pt = p.tool(named: tool.name) else {
                out.append((.submandateTools, "tool \(tool.name) is not in the parent's allowlist"))
                continue
            }
            let missing = pt.requiredParams.filter { !tool.requiredParams.contains($0) }
            if !missing.isEmpty {
                out.append((.submandateParams, "tool \(tool.name) drops the parent's required parameters \(missing.joined(separator: ", "))"))
            }
        }
        for pl in p.rateLimits {
            guard let cl = c.rateLimits.first(where: { $0.id == pl.id }) else {
                out.append((.submandateRateLimit, "rate limit \(pl.id) of the parent is missing"))
                continue
            }
            if cl.tool != pl.tool || cl.maxCalls > pl.maxCalls || cl.windowMS < pl.windowMS {
                out.append((.submandateRateLimit, "rate limit \(pl.id) is looser than the parent's (\(cl.maxCalls) per \(cl.windowMS) ms on \(cl.tool) vs \(pl.maxCalls) per \(pl.windowMS) ms on \(pl.tool))"))
            }
        }
        if c.maxSessionDenials > p.maxSessionDenials {
            out.append((.submandateRateLimit, "baseline max_session_denials \(c.maxSessionDenials) exceeds the parent's \(p.maxSessionDenials)"))
        }
        if c.profile != p.profile || c.upstream != p.upstream || c.runtime != p.runtime || c.onDrift != p.onDrift || c.onExpiry != p.onExpiry {
            out.append((.submandateBinding, "the profile, upstream, runtime reference, on_drift and on_expiry must equal the parent's"))
        }
        let parentKeys = Set(p.portalKeys.map(\.keyID))
        if !c.portalKeys.allSatisfy({ parentKeys.contains($0.keyID) }) {
            out.append((.submandatePortalKeys, "names a Portal key the parent does not"))
        }
        return out
    }
}
