// Translations for the web pages: Vietnamese first, English one click away.
// Every string a page shows comes from vi.json / en.json (same keys in both,
// checked by test/unit/web/i18n.test.ts); "{name}" placeholders are filled from
// params. Also the dd/mm/yyyy dates and number formats the pages use.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const LANGS = ["vi", "en"] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = "vi";

export function isLang(s: unknown): s is Lang {
  return typeof s === "string" && (LANGS as readonly string[]).includes(s);
}

type Messages = { [key: string]: string | Messages };

export interface Translator {
  t(lang: Lang, key: string, params?: Record<string, unknown>): string;
  has(lang: Lang, key: string): boolean;
  keys(lang: Lang): string[];
}

function flatten(m: Messages, prefix = "", out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === "string") out.set(prefix + k, v);
    else flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}

/**
 * vi.json / en.json, plus one file per area (`requests.vi.json`, `tokens.en.json`…)
 * so each part of the app keeps its own strings. A key defined twice is an error.
 */
export function loadMessages(dir = __dirname): Record<Lang, Map<string, string>> {
  const read = (lang: Lang) => {
    const files = [`${lang}.json`, ...readdirSync(dir).filter((f) => f.endsWith(`.${lang}.json`)).sort()];
    const out = new Map<string, string>();
    for (const f of files) {
      for (const [k, v] of flatten(JSON.parse(readFileSync(join(dir, f), "utf8")) as Messages)) {
        if (out.has(k)) throw new Error(`i18n key ${k} is defined twice (${f})`);
        out.set(k, v);
      }
    }
    return out;
  };
  return { vi: read("vi"), en: read("en") };
}

export function createTranslator(messages = loadMessages()): Translator {
  return {
    t(lang, key, params) {
      // A missing key shows itself (and fails the i18n test), never an empty string.
      const text = messages[lang].get(key) ?? messages[DEFAULT_LANG].get(key) ?? key;
      if (!params) return text;
      return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
    },
    has: (lang, key) => messages[lang].has(key),
    keys: (lang) => [...messages[lang].keys()],
  };
}

const VN_OFFSET_MS = 7 * 3_600_000; // Asia/Ho_Chi_Minh: UTC+7, no daylight saving

function vnParts(d: Date) {
  const v = new Date(d.getTime() + VN_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, "0");
  return { day: p(v.getUTCDate()), month: p(v.getUTCMonth() + 1), year: String(v.getUTCFullYear()), hour: p(v.getUTCHours()), minute: p(v.getUTCMinutes()) };
}

/** dd/mm/yyyy in Vietnam time (both languages: the official form). */
export function formatDate(d: Date): string {
  const x = vnParts(d);
  return `${x.day}/${x.month}/${x.year}`;
}

/** HH:mm dd/mm/yyyy in Vietnam time. */
export function formatDateTime(d: Date): string {
  const x = vnParts(d);
  return `${x.hour}:${x.minute} ${x.day}/${x.month}/${x.year}`;
}

/** dd/mm/yyyy HH:mm in Vietnam time. */
export function formatDayTime(d: Date): string {
  const x = vnParts(d);
  return `${x.day}/${x.month}/${x.year} ${x.hour}:${x.minute}`;
}

const NUMBER_FORMATS: Record<Lang, Intl.NumberFormat> = {
  vi: new Intl.NumberFormat("vi-VN"),
  en: new Intl.NumberFormat("en-GB"),
};

/** 1.234.567 in Vietnamese, 1,234,567 in English. */
export function formatNumber(n: number, lang: Lang): string {
  return NUMBER_FORMATS[lang].format(n);
}
