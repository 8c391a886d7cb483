// What every issuing component of the CA is built from, passed in by core.ts.
import type { Config } from "../config/schema";
import type { Store } from "../store/store";
import type { KeyRing } from "./key-ring";
import type { LintCopyMaker } from "./lint-copy";

export interface CaDeps {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  makeLintCopy: LintCopyMaker;
  clock: () => Date;
  random: (n: number) => Buffer;
}
