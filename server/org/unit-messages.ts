// Every English text the unit tree shows people (refusals, preview lines), in one
// place so the Vietnamese translation can replace it later; no logic here.

export const unitMessages = {
  // --- field validation (UNIT_INVALID) ---
  notAnObject: (what: string) => `${what} must be an object`,
  unknownField: (field: string) => `unknown field "${field}"`,
  required: (field: string) => `${field} is required`,
  notText: (field: string) => `${field} must be text`,
  code: (field: string) => `${field} must be 2-40 characters: letters A-Z, digits, ".", "-" or "_" (starting and ending with a letter or digit)`,
  name: (field: string, max: number) => `${field} must be 2-${max} characters of printable text`,
  type: (field: string, allowed: readonly string[]) => `${field} must be one of ${allowed.join(", ")}`,
  taxCode: (field: string) => `${field} (MST) must be 10 digits, or 13 digits for a dependent unit (0101234567 or 0101234567-001)`,
  budgetCode: (field: string) => `${field} (budget code, mã QHNS) must be 7 digits`,
  emailDomain: (field: string) => `${field} must be an official domain ending in .gov.vn (for example sotttt.example.gov.vn)`,
  address: (field: string) => `${field} must be at most 500 characters of printable text`,
  email: (field: string) => `${field} must be an e-mail address`,
  phone: (field: string) => `${field} must be a Vietnamese phone number such as 0211 3862 123 or +84 912 345 678`,
  date: (field: string) => `${field} must be a real date written YYYY-MM-DD`,
  title: () => `the title must be 2-200 characters of printable text`,

  // --- batch structure (BATCH_INVALID) ---
  changeAt: (seq: number, kind: string | undefined, msg: string) => `change ${seq}${kind ? ` (${kind})` : ""}: ${msg}`,
  noChanges: () => `a batch needs at least one change`,
  tooManyChanges: (max: number) => `a batch holds at most ${max} changes`,
  unknownKind: (kind: string, allowed: readonly string[]) => `unknown kind "${kind.slice(0, 32)}" (use ${allowed.join(", ")})`,
  emptyUpdate: () => `"set" must change at least one field`,
  notAList: (field: string) => `${field} must be a non-empty list`,
  duplicateInChange: (code: string) => `unit ${code} is listed twice`,
  targetAmongSources: (code: string) => `unit ${code} cannot be merged into itself`,
  splitIntoSelf: (code: string) => `unit ${code} cannot be split into itself`,
  splitNeedsTwo: () => `a split needs at least two resulting units (or "keepSource": true and one)`,
  createdTwice: (code: string, first: number) => `unit ${code} is already created by change ${first} of this batch`,

  // --- fitting the tree (UNIT_CONFLICT) ---
  unknownUnit: (code: string) => `no unit with code ${code}`,
  codeTaken: (code: string) => `the code ${code} is already used by another unit (codes are never reused)`,
  codeTakenInBatch: (code: string, seq: number) => `the code ${code} is already created by change ${seq} of this batch`,
  notYet: (code: string, date: string, from: string) => `unit ${code} does not exist yet on ${date} (it starts on ${from})`,
  ended: (code: string, date: string, endedOn: string, fate: string) => `unit ${code} no longer exists on ${date}: it was ${fate} on ${endedOn}`,
  endedInBatch: (code: string, seq: number) => `unit ${code} was already ended by change ${seq} of this batch`,
  laterHistory: (code: string, date: string, next: string) =>
    `unit ${code} has changes recorded from ${next}, after ${date}; a change effective ${date} would rewrite later history (use a date on or after ${next})`,
  sameDay: (code: string, date: string) => `unit ${code} already changed on ${date}; put both changes in one batch, or use a later date`,
  childrenLeft: (code: string, children: string[]) =>
    `unit ${code} ends, but ${children.join(", ")} still belong${children.length === 1 ? "s" : ""} to it; move, merge or dissolve ${children.length === 1 ? "it" : "them"} in the same batch`,
  futureChild: (code: string, child: string, from: string) => `unit ${code} ends, but ${child} is placed under it from ${from}`,
  cycle: (code: string, parent: string) => `unit ${code} cannot be placed under ${parent}: ${parent} is ${code} or one of its sub-units`,
  provinceHasParent: (code: string) => `unit ${code} is a province and cannot have a parent`,
  parentRequired: (code: string) => `unit ${code} needs a parent (only provinces stand alone)`,
  noEffect: (code: string, what: string) => `unit ${code} already has this ${what}; the change would do nothing`,
  parentEnds: (code: string, parent: string, endedOn: string) => `parent ${parent} of ${code} ends on ${endedOn}; add ${code} under a unit that still exists`,
  raced: () => `the unit tree changed while this batch was being applied; preview it again`,
  digestMismatch: (expected: string, actual: string) =>
    `the batch no longer does what was previewed (preview digest ${expected.slice(0, 12)}, now ${actual.slice(0, 12)}); preview it again`,

  // --- batches (BATCH_NOT_FOUND, UNIT_NOT_FOUND) ---
  batchNotFound: (id: number) => `no unit change batch ${id}`,
  unitNotFound: (code: string) => `no unit with code ${code}`,

  // --- fates, for "it was … on <date>" ---
  fateDissolved: () => `dissolved`,
  fateMerged: (into: string) => `merged into ${into}`,
  fateSplit: (into: string[]) => `split into ${into.join(", ")}`,

  // --- preview lines (what happens to a unit) ---
  effectCreated: (parent: string | null) => (parent ? `created under ${parent}` : `created`),
  effectRenamed: (from: string, to: string) => `renamed from "${from}" to "${to}"`,
  effectUpdated: (fields: string[]) => `updated: ${fields.join(", ")}`,
  effectMoved: (from: string | null, to: string) => `moved from ${from ?? "(top level)"} to ${to}`,
  effectMergedInto: (into: string) => `merged into ${into}`,
  effectAbsorbs: (sources: string[]) => `absorbs ${sources.join(", ")}`,
  effectCreatedByMerge: (sources: string[]) => `created by merging ${sources.join(", ")}`,
  effectSplitInto: (into: string[], kept: boolean) => `split into ${into.join(", ")}${kept ? " (continues)" : ""}`,
  effectReceivesSplit: (source: string) => `receives part of ${source}`,
  effectCreatedBySplit: (source: string) => `created by splitting ${source}`,
  effectDissolved: () => `dissolved`,
  unchanged: () => `unchanged`,

  // --- change summaries ---
  summaryCreate: (code: string, name: string) => `create ${code} "${name}"`,
  summaryRename: (code: string, name: string) => `rename ${code} to "${name}"`,
  summaryUpdate: (code: string, fields: string[]) => `update ${code}: ${fields.join(", ")}`,
  summaryMove: (code: string, parent: string) => `move ${code} under ${parent}`,
  summaryMerge: (sources: string[], into: string) => `merge ${sources.join(" + ")} into ${into}`,
  summarySplit: (source: string, into: string[]) => `split ${source} into ${into.join(" + ")}`,
  summaryDissolve: (code: string) => `dissolve ${code}`,
} as const;
