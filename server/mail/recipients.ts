// Who is told: provincial officers above a unit, CA operators, the focal points
// of a unit, a user by id, each with address, name and mail language. Reads the
// unit tree as it stands on the day; sends nothing.
import { isLang, type Lang } from "../web/i18n/i18n";
import { vietnamDay } from "../directory/unit-source";
import type { Store } from "../store/store";
import type { MailUser } from "../store/mail-recipient-store";

export interface Recipient {
  email: string;
  name: string;
  lang: Lang;
  /** null for a subscriber who is not a user (a certificate holder). */
  userId: number | null;
}

export interface RecipientFinder {
  /** The unit and its ancestors on `at`, nearest first. */
  unitPath(unitId: number, at: Date): Promise<number[]>;
  /** provincial_officer on the unit or any ancestor: whoever checks its requests (Decree 68/2024: the provincial department). */
  officersFor(unitId: number, at: Date): Promise<Recipient[]>;
  /** Every CA operator: they approve for the whole CA. */
  operators(): Promise<Recipient[]>;
  /**
   * The focal points of the unit, or of its nearest ancestor that has any: the
   * managing agency that filed for it, not every agency above it.
   */
  focalPointsFor(unitId: number, at: Date): Promise<Recipient[]>;
  user(userId: number): Promise<Recipient | null>;
}

const MAX_DEPTH = 32;

export function toRecipient(u: MailUser): Recipient {
  return { email: u.email.toLowerCase(), name: u.displayName, lang: isLang(u.lang) ? u.lang : "vi", userId: u.id };
}

/** One mail per address, first occurrence kept. */
export function uniqueRecipients(list: Recipient[]): Recipient[] {
  const seen = new Set<string>();
  return list.filter((r) => {
    const key = r.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function createRecipientFinder(store: Pick<Store, "units" | "mailRecipients">): RecipientFinder {
  async function unitPath(unitId: number, at: Date): Promise<number[]> {
    const day = vietnamDay(at);
    const path = [unitId];
    let current: number | null = unitId;
    while (current !== null && path.length <= MAX_DEPTH) {
      const [v] = await store.units.versionsAsOf(day, [current]);
      current = v?.parentUnitId ?? null;
      if (current !== null) {
        if (path.includes(current)) break; // a cycle would be a data error; never loop on it
        path.push(current);
      }
    }
    return path;
  }
  return {
    unitPath,
    async officersFor(unitId, at) {
      const users = await store.mailRecipients.usersWithRole("provincial_officer", await unitPath(unitId, at));
      return uniqueRecipients(users.map(toRecipient));
    },
    async operators() {
      return uniqueRecipients((await store.mailRecipients.usersWithRole("ca_operator", null)).map(toRecipient));
    },
    async focalPointsFor(unitId, at) {
      const path = await unitPath(unitId, at);
      const users = await store.mailRecipients.usersWithRole("agency_focal_point", path);
      for (const id of path) {
        const here = users.filter((u) => u.unitId === id);
        if (here.length) return uniqueRecipients(here.map(toRecipient));
      }
      return [];
    },
    async user(userId) {
      const u = await store.mailRecipients.userById(userId);
      return u ? toRecipient(u) : null;
    },
  };
}
