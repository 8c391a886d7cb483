// `cert issue`, `cert revoke`, `cert show`.
import type { Command } from "commander";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { AppError } from "../../server/errors/app-error";
import { pem } from "../../server/ca/pki-files";
import { canonicalSerial } from "../../server/ca/serial";
import { reasonName } from "../../server/ra/revocation-reasons";
import { publishCrlFor } from "./publish-now";
import { cliActor, withCore } from "./with-core";

const collect = (v: string, prev: string[]) => [...prev, v];

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new AppError("INPUT_INVALID", `${flag} must be a whole number of days`);
  return Number(v);
}

export function registerCertCommands(program: Command): void {
  const cert = program.command("cert").description("subscriber certificates");

  cert.command("issue")
    .description("issue a certificate for a CSR; the last line printed is the serial")
    .requiredOption("--csr <file>", "PKCS#10 request, PEM or DER")
    .requiredOption("--profile <profile>", "individual | organization | device")
    .requiredOption("--cn <name>", "common name: full name or agency/device name")
    .option("--o <org>", "organisation (parent body)")
    .option("--ou <unit>", "organisational unit (repeatable)", collect, [] as string[])
    .option("--l <province>", "locality (province)")
    .option("--email <addr>", "official e-mail (also put in subjectAltName)")
    .option("--dns <name>", "DNS name, device profile only (repeatable)", collect, [] as string[])
    .option("--days <n>", "validity in days (default: the profile's maximum)")
    .option("--out <file>", "write the certificate (PEM) here")
    .option("--unit <CODE>", "the subscriber's managing agency (who may see the certificate in the app)")
    .option("--subscriber <id>", "the subscriber who holds the certificate (same kind as the profile; the unit defaults to theirs)")
    .action(async (o: { csr: string; profile: string; cn: string; o?: string; ou: string[]; l?: string; email?: string; dns: string[]; days?: string; out?: string; unit?: string; subscriber?: string }) => {
      if (!existsSync(o.csr)) throw new AppError("INPUT_INVALID", `CSR file ${o.csr} does not exist`);
      const csr = readFileSync(o.csr);
      const days = positiveInt("--days", o.days);
      if (o.subscriber !== undefined && !/^\d{1,9}$/.test(o.subscriber)) throw new AppError("INPUT_INVALID", "--subscriber must be a subscriber id (a number)");
      const subscriberId = o.subscriber === undefined ? undefined : Number(o.subscriber);
      await withCore(async (core) => {
        const unit = o.unit === undefined ? null : await core.store.units.findByCode(o.unit);
        if (o.unit !== undefined && !unit) throw new AppError("UNIT_NOT_FOUND", `no unit with code ${o.unit}`);
        const issued = await core.issuance.issue({
          unitId: unit?.id ?? null,
          subscriberId: subscriberId ?? null,
          csr,
          profile: o.profile,
          commonName: o.cn,
          organization: o.o,
          organizationalUnits: o.ou,
          locality: o.l,
          email: o.email,
          dnsNames: o.dns,
          days,
          actor: cliActor(),
        });
        if (o.out) writeFileSync(o.out, pem("CERTIFICATE", issued.certDer));
        else process.stdout.write(pem("CERTIFICATE", issued.certDer));
        console.log(`subject: ${issued.subjectDn}`);
        console.log(issued.serial);
      });
    });

  cert.command("revoke")
    .description("revoke a certificate (no certificateHold: this regime has no suspension)")
    .requiredOption("--serial <hex>", "serial number in hex")
    .requiredOption("--reason <reason>", "keyCompromise | affiliationChanged | superseded | cessationOfOperation | privilegeWithdrawn | unspecified | cACompromise")
    .option("--invalidity-date <iso>", "when the key is known or suspected to have been compromised (ISO 8601)")
    .option("--no-publish", "do not rebuild the CRL now (a running server does it within seconds)")
    .action(async (o: { serial: string; reason: string; invalidityDate?: string; publish: boolean }) => {
      let invalidityDate: Date | null = null;
      if (o.invalidityDate !== undefined) {
        invalidityDate = new Date(o.invalidityDate);
        if (Number.isNaN(invalidityDate.getTime())) throw new AppError("INPUT_INVALID", `--invalidity-date "${o.invalidityDate}" is not an ISO 8601 date`);
      }
      await withCore(async (core) => {
        const n = await core.revocation.revoke({ serial: o.serial, reason: o.reason, invalidityDate, actor: cliActor() });
        console.log(`revoked ${n.serial} (${reasonName(n.reason)}) at ${n.revokedAt.toISOString()}`);
        if (o.publish) {
          const crl = await publishCrlFor(core, n.caId);
          console.log(`CRL #${crl.crlNumber} published with ${crl.entryCount} entries`);
        }
      });
    });

  cert.command("show")
    .description("status, subject and dates of a certificate")
    .requiredOption("--serial <hex>", "serial number in hex")
    .option("--pem", "also print the certificate")
    .action(async (o: { serial: string; pem?: boolean }) => {
      const serial = canonicalSerial(o.serial);
      if (!serial) throw new AppError("INPUT_INVALID", `"${o.serial.slice(0, 48)}" is not a serial number in hex`);
      await withCore(async (core) => {
        const c = await core.store.certificates.findBySerial(serial);
        if (!c) throw new AppError("CERT_NOT_FOUND", `no certificate with serial ${serial}`);
        const ca = await core.store.cas.findById(c.caId);
        console.log(`serial:     ${c.serial}`);
        console.log(`status:     ${c.status}${c.status === "revoked" ? ` (${reasonName(c.revocationReason ?? 0)}) at ${c.revokedAt?.toISOString()}` : ""}`);
        if (c.invalidityDate) console.log(`invalidity: ${c.invalidityDate.toISOString()}`);
        console.log(`profile:    ${c.profile}`);
        console.log(`subject:    ${c.subjectDn}`);
        console.log(`issuer:     ${ca?.subjectDn ?? c.caId}`);
        console.log(`notBefore:  ${c.notBefore.toISOString()}`);
        console.log(`notAfter:   ${c.notAfter.toISOString()}`);
        console.log(`key:        ${c.keyAlg}  sha256(spki) ${c.spkiSha256}`);
        if (o.pem && c.certDer) process.stdout.write(pem("CERTIFICATE", c.certDer));
      });
    });
}
