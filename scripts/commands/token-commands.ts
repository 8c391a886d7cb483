// `token list|show|register|attach|move|lost`: the token registry from the
// command line (the operator on the server is trusted like an admin; every
// change and refusal is audited as cli:<user>). A lost token revokes every
// certificate on it with keyCompromise and opens the Mẫu 09 record in the same transaction; the running
// server's OCSP and CRL follow through the revocation feed within a second.
import type { Command } from "commander";
import { canonicalSerial } from "../../server/ca/serial";
import type { Core } from "../../server/core";
import { AppError } from "../../server/errors/app-error";
import { reasonName } from "../../server/ra/revocation-reasons";
import { normaliseTokenSerial } from "../../server/ra/token-service";
import { isTokenState, isTokenType, TOKEN_STATES, TOKEN_TYPES } from "../../server/ra/token-states";
import type { TokenRecord } from "../../server/store/token-store";
import { cliPortal } from "./cli-portal";
import { cliActor, withCore } from "./with-core";

/** The portal's token service: its lost-token hook opens the Mẫu 09 record (and incident) like the web's action. */
function service(core: Core) {
  return cliPortal(core).tokenActions;
}

async function unitIdOf(core: Core, code: string): Promise<number> {
  const u = await core.store.units.findByCode(code);
  if (!u) throw new AppError("UNIT_NOT_FOUND", `no unit with code ${code}`);
  return u.id;
}

async function tokenOf(core: Core, serial: string): Promise<TokenRecord> {
  const t = await core.store.tokens.findBySerial(normaliseTokenSerial(serial));
  if (!t) throw new AppError("TOKEN_NOT_FOUND", `no token ${serial}`);
  return t;
}

const line = (t: TokenRecord) => `${t.serial.padEnd(24)} ${t.type.padEnd(9)} ${t.state.padEnd(9)} unit ${t.unitId}${t.holderSubscriberId ? ` holder ${t.holderSubscriberId}` : ""}`;

export function registerTokenCommands(program: Command): void {
  const token = program.command("token").description("the token registry: USB tokens, SIM-PKI, HSM slots and the certificates on them");

  token.command("list")
    .description("tokens, in serial order")
    .option("--unit <code>", "only this unit's subtree")
    .option("--state <state>", TOKEN_STATES.join(" | "))
    .option("--type <type>", TOKEN_TYPES.join(" | "))
    .action(async (o: { unit?: string; state?: string; type?: string }) => {
      await withCore(async (core) => {
        if (o.state !== undefined && !isTokenState(o.state)) throw new AppError("INPUT_INVALID", `--state must be one of ${TOKEN_STATES.join(", ")}`);
        if (o.type !== undefined && !isTokenType(o.type)) throw new AppError("INPUT_INVALID", `--type must be one of ${TOKEN_TYPES.join(", ")}`);
        const units = o.unit ? { all: false as const, unitIds: await core.store.units.subtreeIdsAsOf(await unitIdOf(core, o.unit), core.clock().toISOString().slice(0, 10)) } : { all: true as const };
        let after: string | undefined;
        let n = 0;
        for (;;) {
          const page = await core.store.tokens.list({ units, state: o.state as TokenRecord["state"] | undefined, type: o.type as TokenRecord["type"] | undefined, limit: 500, after });
          for (const t of page.rows) console.log(line(t));
          n += page.rows.length;
          if (!page.next) break;
          after = page.next;
        }
        console.log(`${n} tokens`);
      });
    });

  token.command("show")
    .description("one token: state, history, certificates on it")
    .requiredOption("--serial <serial>", "the token's serial")
    .action(async (o: { serial: string }) => {
      await withCore(async (core) => {
        const t = await tokenOf(core, o.serial);
        console.log(line(t));
        for (const e of await core.store.tokens.events(t.id)) console.log(`  ${e.at.toISOString()} ${e.fromState ?? "-"} → ${e.toState} by ${e.actor}${e.reason ? `: ${e.reason}` : ""}`);
        for (const c of await core.store.tokens.certificatesOn(t.id)) console.log(`  certificate ${c.serial} ${c.status}${c.status === "revoked" ? ` (${reasonName(c.revocationReason ?? 0)})` : ""} ${c.commonName}`);
      });
    });

  token.command("register")
    .description("register a token in stock for a unit")
    .requiredOption("--serial <serial>", "the serial printed on the token (SIM-PKI: ICCID; HSM: slot label)")
    .requiredOption("--unit <code>", "the managing unit's code")
    .option("--type <type>", TOKEN_TYPES.join(" | "), "usb_token")
    .option("--note <note>", "a note")
    .action(async (o: { serial: string; unit: string; type: string; note?: string }) => {
      await withCore(async (core) => {
        const t = await service(core).registerAs(cliActor(), { serial: o.serial, type: o.type, unitId: await unitIdOf(core, o.unit), note: o.note ?? null });
        console.log(`registered token ${t.serial} (id ${t.id}) in stock`);
      });
    });

  token.command("attach")
    .description("record that a certificate's key is on a token (certificates issued before the registry)")
    .requiredOption("--serial <serial>", "the token's serial")
    .requiredOption("--cert <serial>", "the certificate's serial (hex)")
    .action(async (o: { serial: string; cert: string }) => {
      await withCore(async (core) => {
        const t = await tokenOf(core, o.serial);
        const cert = canonicalSerial(o.cert);
        if (!cert || !(await core.store.tokens.attachCertificate(cert, t.id))) throw new AppError("CERT_NOT_FOUND", `no certificate ${o.cert}`);
        await core.store.audit.append({ actor: cliActor(), action: "token.attach", objectType: "token", objectId: String(t.id), outcome: "ok", details: { serial: t.serial, certificate: cert } }, core.clock());
        console.log(`certificate ${cert} is on token ${t.serial}`);
      });
    });

  token.command("move")
    .description("move a token along the allow-list (issued needs --holder)")
    .requiredOption("--serial <serial>", "the token's serial")
    .requiredOption("--to <state>", TOKEN_STATES.join(" | "))
    .option("--holder <id>", "the receiving subscriber's id (handover)")
    .option("--reason <reason>", "why (recorded with the event)")
    .action(async (o: { serial: string; to: string; holder?: string; reason?: string }) => {
      await withCore(async (core) => {
        const t = await tokenOf(core, o.serial);
        if (!isTokenState(o.to)) throw new AppError("TOKEN_TRANSITION_INVALID", `--to must be one of ${TOKEN_STATES.join(", ")}`);
        const holder = o.holder === undefined ? null : Number(o.holder);
        const actor = cliActor();
        let r;
        try {
          r = await core.store.transaction((tx) => service(core).applyTransition(tx, { tokenId: t.id, to: o.to as TokenRecord["state"], actor, reason: o.reason ?? null, holderSubscriberId: holder }));
        } catch (e) {
          if (e instanceof AppError) await core.store.audit.append({ actor, action: "tokens.transition", objectType: "token", objectId: String(t.id), outcome: "refused", details: { code: e.code, message: e.message } }, core.clock());
          throw e;
        }
        core.revocation.announce(r.revoked);
        console.log(`token ${t.serial}: ${r.from} → ${r.token.state}${r.revoked.length ? `; revoked ${r.revoked.map((n) => n.serial).join(", ")} (keyCompromise)` : ""}`);
      });
    });

  token.command("lost")
    .description("report a token lost: at once, every valid certificate on it revoked with keyCompromise")
    .requiredOption("--serial <serial>", "the token's serial")
    .option("--note <note>", "how it was lost")
    .action(async (o: { serial: string; note?: string }) => {
      await withCore(async (core) => {
        const t = await tokenOf(core, o.serial);
        const r = await service(core).reportLostAs(cliActor(), t.id, { note: o.note ?? null });
        console.log(`token ${t.serial} is lost; revoked ${r.revoked.length} certificates (keyCompromise)${r.revoked.length ? `: ${r.revoked.map((n) => n.serial).join(", ")}` : ""}`);
      });
    });
}
