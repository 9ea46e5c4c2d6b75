#!/usr/bin/env bash
# Rebuilds infra/nuget/packages/patched.distributedlock.postgres.1.3.3.nupkg from the nuspec
# beside this script. A .nupkg is a zip holding the nuspec; no assembly is packed on purpose.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../packages/patched.distributedlock.postgres.1.3.3.nupkg"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/Patched.DistributedLock.Postgres.nuspec" "$work/"
cat > "$work/[Content_Types].xml" <<'XML'
<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /><Default Extension="xml" ContentType="application/octet" /></Types>
XML
rm -f "$out"
python3 - "$work" "$out" <<'PY'
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(os.listdir(src)):
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with open(os.path.join(src, name), "rb") as f:
            z.writestr(info, f.read())
PY
echo "wrote $out"
