// The translations: both languages have the same keys, every key a view names
// exists, no view carries hard-coded text; dates, numbers and the search key.
import { strict as assert } from "node:assert";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createTranslator, formatDate, formatDateTime, formatNumber } from "../../../server/web/i18n/i18n";
import { searchKey, prefixUpperBound } from "../../../server/store/search-key";

const VIEWS = join(__dirname, "..", "..", "..", "views");

function viewFiles(dir = VIEWS): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? viewFiles(p) : p.endsWith(".hbs") ? [p] : [];
  });
}

describe("i18n", () => {
  const tr = createTranslator();

  it("has the same keys in Vietnamese and English, none empty", () => {
    assert.deepEqual(tr.keys("vi").sort(), tr.keys("en").sort());
    for (const lang of ["vi", "en"] as const) for (const k of tr.keys(lang)) assert.notEqual(tr.t(lang, k).trim(), "", `${lang} ${k}`);
  });

  it("has every key a view asks for with {{t \"…\"}}", () => {
    const missing: string[] = [];
    for (const file of viewFiles()) {
      for (const m of readFileSync(file, "utf8").matchAll(/\(?t "([\w.]+)"/g)) if (!tr.has("vi", m[1]!)) missing.push(`${file}: ${m[1]}`);
    }
    assert.deepEqual(missing, []);
  });

  it("leaves no text outside {{…}} in the views (only markup, punctuation and codes)", () => {
    const offenders: string[] = [];
    for (const file of viewFiles()) {
      const text = readFileSync(file, "utf8")
        .replace(/\{\{[^}]*\}\}\}?/g, " ")
        .replace(/<[^>]*>/g, " ")
        .replace(/&\w+;/g, " ");
      // Left: punctuation, numbers, file extensions and paths, and the CLI command shown verbatim.
      const words = text.match(/[A-Za-zÀ-ỹ]{2,}/g) ?? [];
      const allowed = new Set(["npm", "run", "cli", "ca", "init", "crt", "crl", "ocsp"]);
      const bad = words.filter((w) => !allowed.has(w));
      if (bad.length) offenders.push(`${file}: ${bad.join(" ")}`);
    }
    assert.deepEqual(offenders, []);
  });

  it("fills placeholders and falls back to the key when one is missing", () => {
    assert.equal(tr.t("vi", "dashboard.expiringNone", { days: 30 }), "Không có chứng thư số nào hết hạn trong 30 ngày tới.");
    assert.equal(tr.t("en", "pager.page", { n: 4 }), "Page 4");
    assert.equal(tr.t("en", "no.such.key"), "no.such.key");
  });

  it("uses plain-language certificate statuses", () => {
    assert.equal(tr.t("vi", "status.active"), "Đang hiệu lực");
    assert.equal(tr.t("vi", "status.revoked"), "Đã thu hồi");
    assert.equal(tr.t("vi", "status.expired"), "Hết hạn");
    assert.equal(tr.t("vi", "status.pending"), "Đang chờ cấp");
  });

  it("writes dates dd/mm/yyyy in Vietnam time and numbers in each language's format", () => {
    assert.equal(formatDate(new Date("2026-12-31T17:30:00Z")), "01/01/2027");
    assert.equal(formatDateTime(new Date("2026-11-23T08:05:00Z")), "15:05 23/11/2026");
    assert.equal(formatNumber(1234567, "vi"), "1.234.567");
    assert.equal(formatNumber(1234567, "en"), "1,234,567");
  });

  it("folds names for search: no diacritics, đ → d, lowercase, single spaces", () => {
    assert.equal(searchKey("  Nguyễn Văn  Đức "), "nguyen van duc");
    assert.equal(searchKey("TRẦN THỊ HỒNG-NHUNG"), "tran thi hong nhung");
    assert.equal(prefixUpperBound("nguyen"), "nguyeo");
    assert.ok("nguyen van" < prefixUpperBound("nguyen") && "nguyenzzz" < prefixUpperBound("nguyen"));
  });
});
