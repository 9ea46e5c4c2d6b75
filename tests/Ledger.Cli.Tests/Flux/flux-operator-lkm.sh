# The commands of the Flux Operator LKM walkthrough (seeds/flux-operator-lkm.md), verbatim, in
# order, from mkdir to the clean-up, with ledgerctl in place of `bin/flux-operator-cli distro`
# (the page's `make cli-build` builds the Flux binary and has no counterpart). WalkthroughTests runs
# this file with bash; keep it verbatim, so README/docs/CLI.md can say the page runs as written.

mkdir -p \
bin/distro/keys \
bin/distro/licenses \
bin/distro/attestations \
bin/distro/secrets

ledgerctl keygen enc fluxcd.control-plane.io \
--output-dir=bin/distro/keys

ledgerctl keygen sig https://fluxcd.control-plane.io \
--output-dir=bin/distro/keys

export FLUX_DISTRO_ENC_PRIVATE_JWKS=$(cat bin/distro/keys/*enc-private.jwks)
export FLUX_DISTRO_ENC_PUBLIC_JWKS=$(cat bin/distro/keys/*enc-public.jwks)
export FLUX_DISTRO_SIG_PRIVATE_JWKS=$(cat bin/distro/keys/*sig-private.jwks)
export FLUX_DISTRO_SIG_PUBLIC_JWKS=$(cat bin/distro/keys/*sig-public.jwks)

ledgerctl sign license-key \
--customer="ControlPlane Group Limited" \
--duration=365 \
--capabilities="feature1,feature2" \
--output=bin/distro/licenses/cp-license.jwt

ledgerctl verify license-key \
bin/distro/licenses/cp-license.jwt

ledgerctl revoke license-key \
bin/distro/licenses/cp-license.jwt \
--output=bin/distro/licenses/revocations.json

ledgerctl verify license-key \
bin/distro/licenses/cp-license.jwt \
--revoked-set=bin/distro/licenses/revocations.json

ledgerctl sign artifacts \
--attestation=bin/distro/attestations/flux-v2.6.4.jwt \
--url=ghcr.io/fluxcd/source-controller:v1.6.2 \
--url=ghcr.io/fluxcd/kustomize-controller:v1.6.1 \
--url=ghcr.io/fluxcd/notification-controller:v1.6.0 \
--url=ghcr.io/fluxcd/helm-controller:v1.3.0 \
--url=ghcr.io/fluxcd/image-reflector-controller:v0.35.2 \
--url=ghcr.io/fluxcd/image-automation-controller:v0.41.2

ledgerctl verify artifacts \
--attestation=bin/distro/attestations/flux-v2.6.4.jwt \
--url=ghcr.io/fluxcd/source-controller:v1.6.2 \
--url=ghcr.io/fluxcd/kustomize-controller:v1.6.1 \
--url=ghcr.io/fluxcd/notification-controller:v1.6.0 \
--url=ghcr.io/fluxcd/helm-controller:v1.3.0 \
--url=ghcr.io/fluxcd/image-reflector-controller:v0.35.2 \
--url=ghcr.io/fluxcd/image-automation-controller:v0.41.2

ledgerctl sign manifests api/ \
--attestation=bin/distro/attestations/api-source.jwt

ledgerctl verify manifests api/ \
--attestation=bin/distro/attestations/api-source.jwt

ledgerctl encrypt token \
--input=bin/distro/licenses/cp-license.jwt \
--output=bin/distro/secrets/cp-license.jwe

ledgerctl decrypt token \
--input=bin/distro/secrets/cp-license.jwe \
--output=bin/distro/secrets/cp-license.jwt

ledgerctl encrypt manifests api/ \
--output=bin/distro/secrets/api-source.jwe

ledgerctl decrypt manifests \
bin/distro/secrets/api-source.jwe \
--output-dir=bin/distro/secrets/api-source/

unset FLUX_DISTRO_ENC_PRIVATE_JWKS
unset FLUX_DISTRO_ENC_PUBLIC_JWKS
unset FLUX_DISTRO_SIG_PRIVATE_JWKS
unset FLUX_DISTRO_SIG_PUBLIC_JWKS

rm -rf bin/distro
