// Shared set-up for the staff-change and org-change tests: a server whose clock
// stands on Wednesday 3 February 2027, 10:00 in Vietnam (the day before the Tết
// 2027 break, so a 5-working-day deadline lands on 17 February), the access
// fixture's province, and helpers that register people with certificates on tokens.
import type { Actor } from "../../server/access/actor";
import type { Role } from "../../server/access/roles";
import { searchKey } from "../../server/store/search-key";
import type { TestServer } from "../support/app";
import { makeCsr } from "../support/csr";

export const TODAY = "2027-02-03";
/** 5 working days after 3 Feb 2027 on the seeded calendar: Thu 4, (Tết 5–11 off), Fri 12, Mon 15, Tue 16, Wed 17. */
export const TOKEN_RETURN_DUE = "2027-02-17";
const OFFSET = Date.parse("2027-02-03T03:00:00Z") - Date.now();
export const shiftedClock = () => new Date(Date.now() + OFFSET);

export function actorOf(userId: number, username: string, role: Role, unitId: number | null): Actor {
  return { userId, username, displayName: username, roles: [{ role, unitId }] };
}

export interface Person {
  subscriberId: number;
  serials: string[];
  tokenId: number;
}

let tokenNo = 0;

/** A subscriber of `unitId` holding `certs` certificates (subject OU = the unit's name), all on one token in use. */
export async function addPerson(server: TestServer, dir: string, unitId: number, name: string, certs = 1): Promise<Person> {
  const { store, issuance } = server.core;
  const [unit] = await store.units.versionsAsOf("2027-02-03", [unitId]);
  const at = new Date();
  const email = `${searchKey(name).replace(/ /g, ".")}@thunghiem.gov.vn`;
  const subscriberId = await store.subscribers.insert({ kind: "individual", unitId, name, nationalId: String(99000000000 + Math.floor(Math.random() * 999999999)).padStart(12, "0"), position: "Chuyên viên", email }, at);
  const tokenId = (await store.tokens.insert({ serial: `TK-${process.pid}-${++tokenNo}-${Math.floor(Math.random() * 1e6)}`, type: "usb_token", unitId, state: "in_use", holderSubscriberId: subscriberId }, at)) as number;
  const serials: string[] = [];
  for (let i = 0; i < certs; i++) {
    const { serial } = await issuance.issue({ csr: makeCsr(dir, "p256").pem, profile: "individual", commonName: name, organization: "UBND tỉnh Thử Nghiệm", organizationalUnits: [unit!.name], email, actor: "test:fixture", unitId, subscriberId, tokenId });
    serials.push(serial);
  }
  return { subscriberId, serials, tokenId };
}
