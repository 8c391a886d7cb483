// A user's own e-mail language (users.lang, "vi" or "en"): the notices,
// digests and alerts chungthu mails them are written in it (server/mail/),
// while the pages follow the session's choice (?lang=, cookie). Vietnamese is
// the service's language and the default. Every change and every refusal is in
// the audit log (action "account.mail_lang").
import { AppError, isAppError } from "../errors/app-error";
import type { Store } from "../store/store";
import { auditActor, auditRole, type CallContext } from "./actor";

export const MAIL_LANGS = ["vi", "en"] as const;
export type MailLang = (typeof MAIL_LANGS)[number];

const isMailLang = (s: string): s is MailLang => (MAIL_LANGS as readonly string[]).includes(s);

export function createMailLanguage(deps: { store: Pick<Store, "mailRecipients" | "audit">; clock: () => Date }) {
  const { store, clock } = deps;

  async function current(userId: number): Promise<MailLang> {
    const lang = await store.mailRecipients.langOf(userId);
    return lang !== null && isMailLang(lang) ? lang : "vi";
  }

  return {
    /** The signed-in user's mail language. */
    get: (ctx: CallContext): Promise<MailLang> => current(ctx.actor.userId),

    /** Sets the signed-in user's mail language; MAIL_LANG_UNKNOWN (audited, nothing changed) for anything but vi or en. */
    async set(ctx: CallContext, lang: string): Promise<void> {
      const audit = (outcome: "ok" | "refused", details: Record<string, unknown>) =>
        store.audit.append(
          { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "account.mail_lang", objectType: "user", objectId: String(ctx.actor.userId), outcome, requestId: ctx.requestId, details },
          clock(),
        );
      try {
        if (!isMailLang(lang)) throw new AppError("MAIL_LANG_UNKNOWN", `unknown mail language "${lang.slice(0, 16)}": use vi or en`, { allowed: [...MAIL_LANGS] });
      } catch (e) {
        if (isAppError(e)) await audit("refused", { code: e.code, asked: lang.slice(0, 16) });
        throw e;
      }
      const before = await current(ctx.actor.userId);
      if (before === lang) return; // nothing changes, so nothing to record
      await store.mailRecipients.setLang(ctx.actor.userId, lang);
      await audit("ok", { from: before, to: lang });
    },
  };
}

export type MailLanguage = ReturnType<typeof createMailLanguage>;
