#!/usr/bin/env bash
# Creates, once, the secrets a local Ledger runs with, in DIR (mode 0700):
#   DIR/notary-root.key                 Notary's root key: 32 random bytes, base64 (mode 0600)
#   DIR/clients.json                    the client registry every service reads (public keys, roles)
#   DIR/clients/<name>.private.jwk      client keys: admin (you), issuance, revocation, attestation
# Idempotent: existing keys are kept. `make run` and infra/compose-secrets.sh both call it.
set -euo pipefail
dir="${1:?usage: infra/secrets.sh DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$dir"
chmod 700 "$dir"

root_key="$dir/notary-root.key"
if [ ! -f "$root_key" ]; then
  (umask 077 && head -c 32 /dev/urandom | base64 > "$root_key")
  echo "secrets: created Notary root key $root_key (mode 0600; keep it, or Notary cannot read its keys)"
fi

"$here/clients.sh" "$dir"
