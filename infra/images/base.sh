#!/usr/bin/env bash
# The local base image, made from Debian packages with no registry: debootstrap a minimal
# Debian root filesystem from the mirror apt uses on this machine, then `docker import` it.
#   infra/images/base.sh IMAGE
# The root filesystem is cached as a tarball ($LEDGER_IMAGE_CACHE, default
# /var/cache/ledger/images), so a later run (or a pruned image) costs an import, not a download.
set -euo pipefail
image="${1:?usage: infra/images/base.sh IMAGE}"
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=infra/images/lib.sh
. "$here/lib.sh"

suite="$(debian_suite)"
mirror="$(debian_mirror)"
cache="${LEDGER_IMAGE_CACHE:-/var/cache/ledger/images}"
rootfs_tar="$cache/debian-$suite-minbase.tar"

if [ ! -s "$rootfs_tar" ]; then
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  mkdir -p "$cache"
  work="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  say "debootstrap $suite from $mirror (once; cached in $rootfs_tar)"
  debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap $suite from $mirror failed" "read the lines above; check that apt-get update works on this machine"; }
  # What a container base needs and a debootstrap does not set up: no services started by
  # package scripts, no documentation or apt lists kept, apt sources of this machine's mirror.
  printf '#!/bin/sh\nexit 101\n' > "$work/rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$work/rootfs/usr/sbin/policy-rc.d"
  cat > "$work/rootfs/etc/dpkg/dpkg.cfg.d/ledger-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/doc/*/copyright
CFG
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$work/rootfs/etc/apt/apt.conf.d/90ledger-no-recommends"
  printf 'deb %s %s main\ndeb %s %s-updates main\n' "$mirror" "$suite" "$mirror" "$suite" > "$work/rootfs/etc/apt/sources.list"
  security="$(debian_security_mirror)"
  [ -n "$security" ] && printf 'deb %s %s-security main\n' "$security" "$suite" >> "$work/rootfs/etc/apt/sources.list"
  rm -rf "$work/rootfs/var/lib/apt/lists/"* "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/dev/"*
  tar -C "$work/rootfs" --numeric-owner -cf "$rootfs_tar.partial" .
  mv "$rootfs_tar.partial" "$rootfs_tar"
fi

say "importing $rootfs_tar as $image"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["bash"]' \
  --change "LABEL org.ledger.image=base org.ledger.debian-suite=$suite" \
  "$rootfs_tar" "$image" >/dev/null
