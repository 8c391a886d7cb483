// Handlebars helpers: {{t "key" name=value}} in the page's language, dates as
// dd/mm/yyyy, numbers in the language's format, and labels for statuses, roles,
// profiles, unit types and revocation reasons. The language is the render
// context's `lang` (set per request by the language middleware).
import type { HelperOptions } from "handlebars";
import { DEFAULT_LANG, formatDate, formatDateTime, formatDayTime, formatNumber, isLang, Lang, Translator } from "./i18n/i18n";

function langOf(options: HelperOptions | undefined): Lang {
  const lang = (options?.data as { root?: { lang?: unknown } } | undefined)?.root?.lang;
  return isLang(lang) ? lang : DEFAULT_LANG;
}

// The last argument of every helper call is Handlebars' options object.
function split(args: unknown[]): { values: unknown[]; options: HelperOptions } {
  return { values: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

export function viewHelpers(tr: Translator): Record<string, (...args: unknown[]) => unknown> {
  const label = (prefix: string) =>
    (...args: unknown[]) => {
      const { values, options } = split(args);
      const v = values[0];
      return v === null || v === undefined || v === "" ? "" : tr.t(langOf(options), `${prefix}.${String(v)}`);
    };
  return {
    t(...args) {
      const { values, options } = split(args);
      return tr.t(langOf(options), String(values[0]), (options.hash ?? {}) as Record<string, unknown>);
    },
    date(...args) {
      const v = split(args).values[0];
      return v instanceof Date ? formatDate(v) : "";
    },
    datetime(...args) {
      const v = split(args).values[0];
      return v instanceof Date ? formatDateTime(v) : "";
    },
    /** dd/mm/yyyy HH:mm in Vietnam time (the audit log). */
    dmyTime(...args) {
      const v = split(args).values[0];
      return v instanceof Date && !Number.isNaN(v.getTime()) ? formatDayTime(v) : "";
    },
    num(...args) {
      const { values, options } = split(args);
      return typeof values[0] === "number" ? formatNumber(values[0], langOf(options)) : "";
    },
    statusLabel: label("status"),
    roleLabel: label("role"),
    profileLabel: label("profile"),
    unitTypeLabel: label("unitType"),
    reasonLabel: label("reason"),
    outcomeLabel: label("audit.outcomes"),
    /** The page's text for an error code, or the generic one. */
    errorText(...args) {
      const { values, options } = split(args);
      const lang = langOf(options);
      const key = `error.${String(values[0])}`;
      return tr.t(lang, tr.has(lang, key) ? key : "error.generic");
    },
    eq(...args) {
      const { values } = split(args);
      return values[0] === values[1];
    },
  };
}
