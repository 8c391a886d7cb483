// A user's own e-mail language (users.lang, one of the UI's LANGS): the
// notices, digests and alerts chungthu mails them are written in it
// (server/mail/), while the pages follow the session's choice (?lang=, cookie).
// Vietnamese is the service's language and the default. Every change and every
// refusal is in the audit log (action "account.mail_lang").
import { AppError } from "../errors/app-error";
import type { Store } from "../store/store";
import { DEFAULT_LANG, isLang, LANGS, type Lang } from "../web/i18n/i18n";
import { auditActor, auditRole, type CallContext } from "./actor";

export function createMailLanguage(deps: { store: Pick<Store, "mailRecipients" | "audit">; clock: () => Date }) {
  const { store, clock } = deps;

  async function current(userId: number): Promise<Lang> {
    const lang = await store.mailRecipients.langOf(userId);
    return isLang(lang) ? lang : DEFAULT_LANG;
  }

  return {
    /** The signed-in user's mail language. */
    get: (ctx: CallContext): Promise<Lang> => current(ctx.actor.userId),

    /** Sets the signed-in user's mail language; MAIL_LANG_UNKNOWN (audited, nothing changed) for anything but LANGS. */
    async set(ctx: CallContext, lang: string): Promise<void> {
      const audit = (outcome: "ok" | "refused", details: Record<string, unknown>) =>
        store.audit.append(
          { actor: auditActor(ctx.actor), ...auditRole(ctx.actor), action: "account.mail_lang", objectType: "user", objectId: String(ctx.actor.userId), outcome, requestId: ctx.requestId, details },
          clock(),
        );
      if (!isLang(lang)) {
        await audit("refused", { code: "MAIL_LANG_UNKNOWN", asked: lang.slice(0, 16) });
        throw new AppError("MAIL_LANG_UNKNOWN", `unknown mail language "${lang.slice(0, 16)}": use ${LANGS.join(" or ")}`, { allowed: [...LANGS] });
      }
      const before = await current(ctx.actor.userId);
      if (before === lang) return; // nothing changes, so nothing to record
      await store.mailRecipients.setLang(ctx.actor.userId, lang);
      await audit("ok", { from: before, to: lang });
    },
  };
}

export type MailLanguage = ReturnType<typeof createMailLanguage>;
