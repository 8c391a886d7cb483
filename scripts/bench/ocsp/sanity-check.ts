// Before any load: both responders answer every request successfully, and `openssl ocsp -respin` reads and verifies their answers.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log } from "./log";
import { run } from "./processes";
import type { OcspReq } from "./requests";
import type { Kind, Method, Server } from "./targets";

/** responseStatus of an OCSPResponse DER (0 = successful), or -1 if it does not look like one. */
export function ocspResponseStatus(der: Buffer): number {
  if (der.length < 5 || der[0] !== 0x30) return -1;
  const l = der[1]!;
  const hdr = l < 0x80 ? 2 : 2 + (l & 0x7f);
  return der[hdr] === 0x0a && der[hdr + 1] === 0x01 ? der[hdr + 2]! : -1;
}

export async function fetchOcsp(server: Server, req: OcspReq, method: Method): Promise<Buffer> {
  const res =
    method === "POST"
      ? await fetch(server.origin + server.postPath, { method: "POST", headers: { "content-type": "application/ocsp-request" }, body: new Uint8Array(req.der) })
      : await fetch(server.origin + server.getPrefix + req.getPath);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${server.kind} ${method}: HTTP ${res.status} for serial ${req.serial}`);
  return body;
}

/** Every request answered `successful` by both responders; one good and one revoked answer read back by openssl. Returns mean response sizes. */
export async function sanityCheck(servers: Server[], reqs: OcspReq[], dir: string, issuingPem: string, chainPem: string, opensslCert: string): Promise<Map<Kind, number>> {
  mkdirSync(dir, { recursive: true });
  const sizes = new Map<Kind, number>();
  for (const server of servers.filter((s) => s.kind !== "ceiling")) {
    let bytes = 0;
    for (const req of reqs) {
      const der = await fetchOcsp(server, req, "POST");
      const st = ocspResponseStatus(der);
      if (st !== 0) throw new Error(`${server.kind}: OCSP responseStatus ${st} (not successful) for serial ${req.serial}`);
      bytes += der.length;
    }
    sizes.set(server.kind, bytes / reqs.length);
    const verify = server.kind === "ours" ? ["-CAfile", chainPem] : ["-VAfile", opensslCert];
    const picks = [reqs.find((r) => r.expected === "good"), reqs.find((r) => r.expected === "revoked")].filter((r): r is OcspReq => !!r);
    for (const req of picks) {
      for (const method of ["POST", "GET"] as const) {
        const file = join(dir, `${server.kind}-${method}-${req.serial}.resp`);
        writeFileSync(file, await fetchOcsp(server, req, method));
        const { out } = run("openssl", ["ocsp", "-respin", file, "-issuer", issuingPem, "-serial", `0x${req.serial}`, "-no_nonce", ...verify], { allowFail: true });
        const got = new RegExp(`^0x${req.serial}: (\\w+)`, "m").exec(out)?.[1];
        if (!/Response verify OK/.test(out) || got !== req.expected) {
          throw new Error(`sanity check failed: ${server.kind} ${method} serial ${req.serial}: expected ${req.expected}, openssl says ${got ?? "?"}\n${out}`);
        }
      }
    }
    log(`sanity: ${server.kind} answers ${reqs.length}/${reqs.length} requests successfully; openssl -respin reads ${picks.map((p) => p.expected).join(" and ")} (POST and GET, signature verified)`);
  }
  return sizes;
}
