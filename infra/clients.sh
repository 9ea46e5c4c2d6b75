#!/usr/bin/env bash
# Creates the local client identities `make run` uses, once: an admin (every API role) for you
# and ledgerctl, and one identity per service holding only its signer role at Notary (issuance:
# license-signer, revocation: feed-signer, attestation: attestation-signer), plus event-reader for
# revocation (it asks Issuance and Attestation for events its queues missed). API roles never sign at Notary, and
# service identities have no API role (docs/SECURITY.md). Writes private
# JWKs (mode 0600) and the registry the services read, .ledger/clients.json. Idempotent:
# existing keys are kept; the registry is rewritten.
set -euo pipefail
dir="${1:?usage: infra/clients.sh DIR}"
mkdir -p "$dir/clients"
chmod 700 "$dir" "$dir/clients"

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

keygen() { # name -> writes $dir/clients/<name>.private.jwk
  local name="$1" file="$dir/clients/$1.private.jwk"
  [ -f "$file" ] && return 0
  local pem seed pub
  pem="$(openssl genpkey -algorithm ed25519 2>/dev/null)"
  # PKCS#8 DER of an Ed25519 key ends with the 32-byte seed; SPKI DER ends with the public key.
  seed="$(printf '%s' "$pem" | openssl pkey -outform DER 2>/dev/null | tail -c 32 | b64url)"
  pub="$(printf '%s' "$pem" | openssl pkey -pubout -outform DER 2>/dev/null | tail -c 32 | b64url)"
  (umask 077 && printf '{"kty":"OKP","crv":"Ed25519","x":"%s","d":"%s","kid":"%s-1","use":"sig","alg":"EdDSA"}\n' "$pub" "$seed" "$name" > "$file")
  echo "clients: created $file"
}

public_of() { sed -E 's/,"d":"[^"]*"//' "$dir/clients/$1.private.jwk" | tr -d '\n'; }

for name in admin issuance revocation attestation; do keygen "$name"; done

cat > "$dir/clients.json" <<JSON
{"clients":[
  {"id":"admin","roles":["issuer","revoker","attestor","key-admin","auditor"],"keys":[$(public_of admin)]},
  {"id":"issuance","roles":["license-signer"],"keys":[$(public_of issuance)]},
  {"id":"revocation","roles":["feed-signer","event-reader"],"keys":[$(public_of revocation)]},
  {"id":"attestation","roles":["attestation-signer"],"keys":[$(public_of attestation)]}
]}
JSON
