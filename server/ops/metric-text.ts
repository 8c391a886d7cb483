// How a freshness metric reads in each language (operations.*.json): its name,
// value, threshold and note, for the dashboard page and the alert mail alike.
// Pure; knows no thresholds of its own.
import { formatNumber, type Lang, type Translator } from "../web/i18n/i18n";
import type { Metric, MetricUnit } from "./freshness-model";

export interface MetricText {
  name: string;
  value: string;
  threshold: string;
  note: string | null;
  level: string;
}

export function amount(t: Translator, lang: Lang, n: number, unit: MetricUnit): string {
  return t.t(lang, `operations.unit.${unit}`, { n: formatNumber(n, lang) });
}

export function metricText(t: Translator, lang: Lang, m: Metric): MetricText {
  const name = t.t(lang, `operations.metric.${m.kind}`) + (m.subject ? ` (${m.subject})` : "");
  return {
    name,
    value: m.value === null ? "—" : amount(t, lang, m.value, m.unit),
    threshold: t.t(lang, `operations.direction.${m.direction}`, { n: amount(t, lang, m.threshold, m.unit) }),
    note: m.note ? t.t(lang, `operations.note.${m.note}`) : null,
    level: t.t(lang, `operations.level.${m.level}`),
  };
}
