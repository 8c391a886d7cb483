#!/usr/bin/env bash
# Checks that the system tools the test suite needs are installed (run by
# `npm test` through the `pretest` script).
#
#  - all present:            prints one line, exits 0
#  - missing, root + apt:    apt-get update (once) + apt-get install -y --no-install-recommends
#                            the missing packages (without starting any service), exits 0
#  - missing, otherwise:     prints exactly what to install, exits 1
#
# CHUNGTHU_SKIP_DEPS_CHECK=1 skips the check altogether.
#
# To add a tool, add a line to DEPS below.
set -euo pipefail

if [[ "${CHUNGTHU_SKIP_DEPS_CHECK:-}" == 1 ]]; then
  echo "ensure-system-deps: skipped (CHUNGTHU_SKIP_DEPS_CHECK=1)"
  exit 0
fi

# PostgreSQL server binaries, searched the way test/support/postgres.ts does.
have_pg_server() {
  local d
  if [[ -n "${PG_BINDIR:-}" ]]; then
    [[ -x "$PG_BINDIR/initdb" && -x "$PG_BINDIR/postgres" ]]
    return
  fi
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/postgres" ]] && return 0
  done
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    [[ -n "$d" && -x "$d/initdb" && -x "$d/postgres" ]] && return 0
  fi
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

# One dependency per entry:  "<name>|<check command>|<Debian/Ubuntu packages>"
DEPS=(
  "openssl|command -v openssl|openssl"
  "PostgreSQL server (initdb, postgres)|have_pg_server|postgresql"
  # The interop tests (test/interop/) check our certificates, CRLs and OCSP answers with GnuTLS, NSS, Java and Python cryptography.
  "certtool, ocsptool (GnuTLS)|command -v certtool && command -v ocsptool|gnutls-bin"
  "certutil, vfychain, crlutil (NSS)|command -v certutil && command -v vfychain && command -v crlutil|libnss3-tools"
  "javac, java (JDK)|command -v javac && command -v java|default-jdk-headless"
  "python3-cryptography|/usr/bin/python3 -c 'import cryptography.x509.ocsp'|python3-cryptography"
  # The browser journey test (test/browser/) drives Debian's chromium through playwright-core.
  "chromium|test -x /usr/bin/chromium|chromium"
  # The report export tests read PDF text (pdftotext) and render pages (pdftoppm).
  "poppler-utils (pdftotext, pdftoppm)|command -v pdftotext && command -v pdftoppm|poppler-utils"
  # The PKCS#11 keystore test (test/interop/pkcs11-softhsm.test.ts) keeps CA keys in a SoftHSM2 token and lists them with pkcs11-tool.
  "softhsm2 (libsofthsm2.so, softhsm2-util)|test -f /usr/lib/softhsm/libsofthsm2.so && command -v softhsm2-util|softhsm2"
  "pkcs11-tool (OpenSC)|command -v pkcs11-tool|opensc"
)

missing_names=()
missing_pkgs=()
present_names=()
check_all() {
  missing_names=()
  missing_pkgs=()
  present_names=()
  local entry name check pkgs
  for entry in "${DEPS[@]}"; do
    IFS='|' read -r name check pkgs <<<"$entry"
    if eval "$check" >/dev/null 2>&1; then
      present_names+=("$name")
    else
      missing_names+=("$name")
      # shellcheck disable=SC2206
      missing_pkgs+=($pkgs)
    fi
  done
}

join_by() {
  local sep="$1"
  shift
  local out="" x
  for x in "$@"; do out+="${out:+$sep}$x"; done
  printf '%s' "$out"
}

check_all
if ((${#missing_names[@]} == 0)); then
  echo "ensure-system-deps: ok ($(join_by ', ' "${present_names[@]}"))"
  exit 0
fi

pkgs="$(printf '%s\n' "${missing_pkgs[@]}" | awk '!seen[$0]++' | tr '\n' ' ' | sed 's/ $//')"
echo "ensure-system-deps: missing: $(join_by ', ' "${missing_names[@]}")" >&2

if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "ensure-system-deps: install them with:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends $pkgs" >&2
  else
    echo "ensure-system-deps: install the equivalent of these Debian packages with your package manager: $pkgs" >&2
    echo "    (PostgreSQL: the server binaries initdb and postgres are needed; set PG_BINDIR if they are not on PATH)" >&2
  fi
  echo "ensure-system-deps: (or set CHUNGTHU_SKIP_DEPS_CHECK=1 to run the tests anyway; tests needing a missing tool will fail or be skipped)" >&2
  exit 1
fi

echo "ensure-system-deps: installing: $pkgs" >&2
export DEBIAN_FRONTEND=noninteractive

# Package installs must not start services (the test harness runs its own
# PostgreSQL); a policy-rc.d that answers "no" does that, as in Docker images.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi
cleanup() { if ((made_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

apt-get update -qq >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >&2

check_all
if ((${#missing_names[@]} > 0)); then
  echo "ensure-system-deps: still missing after apt-get install $pkgs: $(join_by ', ' "${missing_names[@]}")" >&2
  exit 1
fi
echo "ensure-system-deps: ok, installed $pkgs ($(join_by ', ' "${present_names[@]}"))"
