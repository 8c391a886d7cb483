// The freshness alert: every config.freshness.checkSeconds the background
// process reads the freshness figures; a metric that turns red mails every
// admin and CA operator once for that crossing, and once more when it is green
// again. The crossing is claimed in freshness_alerts (one process wins) and each
// mail is claimed in mail_log under freshness:<metric>:<episode>:alert|recovery,
// so restarts, second processes and re-runs never send twice and a failed send
// is tried again by the next check. Reads the figures; decides nothing about them.
import type { Config } from "../config/schema";
import type { Logger } from "../log";
import type { Metric } from "../ops/freshness-model";
import type { FreshnessReport } from "../ops/freshness-probe";
import { metricText } from "../ops/metric-text";
import type { Store } from "../store/store";
import { createTranslator, formatDayTime, type Lang, type Translator } from "../web/i18n/i18n";
import { deliver, type DeliveryOutcome } from "./delivery";
import { renderMail, type RenderedMail } from "./layout";
import type { Mailer } from "./mailer";
import { toRecipient, uniqueRecipients, type Recipient } from "./recipients";

export interface FreshnessAlertDeps {
  freshness: () => Promise<FreshnessReport>;
  store: Pick<Store, "operations" | "mailLog" | "mailRecipients">;
  mailer: Mailer;
  config: Config;
  clock: () => Date;
  log: Logger;
  translator?: Translator;
}

export interface FreshnessCheck {
  /** Metric keys whose alert / recovery mail went out in this check. */
  alerted: string[];
  recovered: string[];
}

export type AlertPhase = "alert" | "recovery";

export function alertKey(metric: string, episode: number, phase: AlertPhase): string {
  return `freshness:${metric}:${episode}:${phase}`;
}

export function freshnessMail(t: Translator, lang: Lang, phase: AlertPhase, m: Metric, at: Date, toName: string, url: string): RenderedMail {
  const x = metricText(t, lang, m);
  const lines = [t.t(lang, "operations.mail.metric", { name: x.name }), t.t(lang, "operations.mail.value", { value: x.value }), t.t(lang, "operations.mail.threshold", { threshold: x.threshold }), t.t(lang, "operations.mail.at", { at: formatDayTime(at) })];
  if (x.note) lines.splice(2, 0, x.note);
  return renderMail(
    {
      subject: t.t(lang, `operations.mail.${phase}.subject`, { name: x.name, value: x.value }),
      greeting: t.t(lang, "mail.greeting", { name: toName }),
      intro: t.t(lang, `operations.mail.${phase}.intro`),
      lines,
      lists: [],
      link: { url, label: t.t(lang, "operations.mail.openLabel"), text: t.t(lang, "mail.open", { url }) },
      footer: t.t(lang, "mail.footer"),
    },
    lang,
  );
}

export function createFreshnessAlerts(deps: FreshnessAlertDeps) {
  const { store, mailer, config, clock, log } = deps;
  const t = deps.translator ?? createTranslator();
  const url = `${config.publicUrl}/operations`;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<FreshnessCheck> | null = null;
  let stopped = true;

  // Those who run the CA and can act on it (Decree 68/2024: the Cipher Committee's CA operator), and admins.
  async function recipients(): Promise<Recipient[]> {
    const admins = await store.mailRecipients.usersWithRole("admin", null);
    const operators = await store.mailRecipients.usersWithRole("ca_operator", null);
    return uniqueRecipients([...admins, ...operators].map(toRecipient));
  }

  async function sendOnce(phase: AlertPhase, m: Metric, episode: number, at: Date, to: Recipient[]): Promise<DeliveryOutcome> {
    const key = alertKey(m.key, episode, phase);
    const seen = await store.mailLog.findByKey(key);
    if (seen && seen.status !== "failed") return "taken";
    const deliveries = to.map((r) => ({ to: r, mail: freshnessMail(t, r.lang, phase, m, at, r.name, url) }));
    return deliver({ mailLog: store.mailLog, mailer, clock, log }, "freshness", key, deliveries);
  }

  async function check(): Promise<FreshnessCheck> {
    const report = await deps.freshness();
    const now = report.at;
    const states = await store.operations.alertStates();
    const out: FreshnessCheck = { alerted: [], recovered: [] };
    let to: Recipient[] | null = null;
    const people = async () => (to ??= await recipients());
    for (const m of report.metrics) {
      const state = states.get(m.key);
      if (m.level === "red") {
        // A new crossing, or the one already announced (its mail retried if it failed).
        const episode = state?.alerting ? state.episode : ((await store.operations.startAlert(m.key, now)) ?? (await store.operations.alertStates()).get(m.key)?.episode);
        if (episode === undefined) continue;
        if ((await sendOnce("alert", m, episode, now, await people())) === "sent") out.alerted.push(m.key);
      } else if (m.level === "green" && state && state.episode > 0) {
        // Amber is not green: the recovery mail waits until the metric is fully back.
        if (state.alerting) await store.operations.endAlert(m.key, now);
        if ((await sendOnce("recovery", m, state.episode, now, await people())) === "sent") out.recovered.push(m.key);
      }
    }
    if (out.alerted.length || out.recovered.length) log("warn", "freshness alerts", { alerted: out.alerted, recovered: out.recovered });
    return out;
  }

  function runCheck(): Promise<FreshnessCheck> {
    running ??= check()
      .catch((e: Error) => {
        log("error", "freshness check failed", { error: e.message });
        return { alerted: [], recovered: [] };
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  function schedule(ms: number): void {
    if (stopped) return;
    timer = setTimeout(() => void runCheck().finally(() => schedule(config.freshness.checkSeconds * 1000)), ms);
    timer.unref();
  }

  return {
    /** First check after one interval (start-up publishes first), then every interval. */
    async start(): Promise<void> {
      stopped = false;
      schedule(config.freshness.checkSeconds * 1000);
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    /** One check now (single flight): what the timer runs; exposed for tests and tools. */
    check: runCheck,
  };
}

export type FreshnessAlerts = ReturnType<typeof createFreshnessAlerts>;
