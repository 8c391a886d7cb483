// Demo data: the subscribers who hold the demo certificates, derived from the
// certificates themselves (so it also fills a database seeded before the
// registry existed): one subscriber per official (name + unit + e-mail), the
// unit's seal subscriber for its organisation certificates, one per device host.
// Positions come from the last OU of an official's subject; citizen ids (CCCD)
// are fictional 12-digit numbers derived from a hash of the person (province
// code 099, which no province has), so a fresh start always shows the same ones.
// Idempotent: only certificates not yet linked to a subscriber are considered,
// and a subscriber already registered (same unit, kind, name, e-mail) is reused.
import { createHash } from "node:crypto";
import type { Store } from "../store/store";
import type { SubscriberKind } from "../store/subscriber-store";
import type { UnitSummary } from "../directory/unit-source";
import { DEMO_ACTOR, DEMO_PROVINCE_CODE } from "./demo-province";

export interface DemoSubscribersResult {
  created: number;
  linked: number;
}

/** A fictional, deterministic citizen id: 099 (no such province), sex/century digit, birth year, 6 digits. */
export function demoNationalId(key: string): string {
  const h = createHash("sha256").update(key, "utf8").digest();
  const sexCentury = h[0]! % 2; // born in the 1900s: 0 male, 1 female (unknown here: any)
  const year = 60 + (h[1]! % 40); // 1960–1999
  const rest = (h.readUInt32BE(2) % 1_000_000).toString().padStart(6, "0");
  return `099${sexCentury}${year}${rest}`;
}

const DEVICE_PURPOSE: Record<string, string> = {
  dichvucong: "Cổng dịch vụ công trực tuyến",
  congketnoi: "Cổng kết nối, trao đổi dữ liệu",
  hethong: "Hệ thống quản lý văn bản và điều hành",
};

function lastOu(subjectDn: string): string | null {
  const ous = subjectDn.split(", ").filter((p) => p.startsWith("OU="));
  return ous.length ? ous[ous.length - 1]!.slice(3) : null;
}

export async function seedDemoSubscribers(deps: { store: Store; units: UnitSummary[]; clock: () => Date; actor?: string }): Promise<DemoSubscribersResult> {
  const now = deps.clock();
  const unitById = new Map(deps.units.map((u) => [u.id, u]));
  const scope = { all: false as const, unitIds: deps.units.map((u) => u.id) };
  if (scope.unitIds.length === 0) return { created: 0, linked: 0 };

  // Every demo certificate, oldest first (the order subscribers are registered in).
  const certs: Array<{ serial: string; profile: string; commonName: string; email: string | null; unitId: number; createdAt: Date }> = [];
  let after: string | undefined;
  for (;;) {
    const page = await deps.store.certificateQueries.list({ units: scope, now, limit: 500, after });
    for (const c of page.rows) if (c.unitId !== null && ["individual", "organization", "device"].includes(c.profile)) certs.push({ ...c, unitId: c.unitId });
    if (!page.next) break;
    after = page.next;
  }
  certs.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.serial.localeCompare(b.serial));

  return deps.store.transaction(async (tx) => {
    const groups = new Map<string, { kind: SubscriberKind; unitId: number; name: string; email: string | null; serials: string[]; first: string }>();
    for (const c of certs) {
      if ((await tx.subscribers.subscriberIdOf(c.serial)) !== null) continue;
      const key = [c.unitId, c.profile, c.commonName, c.email ?? ""].join("|");
      const g = groups.get(key) ?? { kind: c.profile as SubscriberKind, unitId: c.unitId, name: c.commonName, email: c.email, serials: [], first: c.serial };
      g.serials.push(c.serial);
      groups.set(key, g);
    }
    let created = 0;
    let linked = 0;
    for (const g of groups.values()) {
      const unit = unitById.get(g.unitId)!;
      const existing = (await tx.subscribers.list({ units: { all: false, unitIds: [g.unitId] }, kind: g.kind, text: g.email ?? g.name, limit: 50 })).rows.find((s) => s.name === g.name && s.email === g.email);
      let id = existing?.id;
      if (id === undefined) {
        const first = (await tx.certificates.findBySerial(g.first))!;
        const host = g.kind === "device" ? g.name.split(".")[0]! : "";
        id = await tx.subscribers.insert(
          {
            kind: g.kind,
            unitId: g.unitId,
            name: g.name,
            email: g.email,
            nationalId: g.kind === "individual" ? demoNationalId(`${unit.code}|${g.name}|${g.email ?? ""}`) : null,
            position: g.kind === "individual" ? lastOu(first.subjectDn) : null,
            purpose: g.kind === "device" ? (DEVICE_PURPOSE[host] ?? "Hệ thống thông tin") : null,
            responsiblePerson: g.kind === "device" ? `Bộ phận công nghệ thông tin, ${unit.name}` : null,
          },
          first.createdAt,
        );
        created++;
      }
      await tx.subscribers.linkCertificates(id, g.serials);
      linked += g.serials.length;
    }
    if (created || linked) {
      await tx.audit.append({ actor: deps.actor ?? DEMO_ACTOR, action: "demo.subscribers", objectType: "unit", objectId: DEMO_PROVINCE_CODE, outcome: "ok", details: { created, linked } }, now);
    }
    return { created, linked };
  });
}
