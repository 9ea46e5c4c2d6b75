# Shared by the scripts in infra/images/: where Debian packages come from on this machine.
images_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=infra/lib.sh
. "$images_here/../lib.sh"

debian_suite() { . /etc/os-release && echo "${VERSION_CODENAME:?/etc/os-release names no Debian release}"; }

# "URI SUITE" for every deb source apt uses (one-line and deb822 formats).
apt_sources() {
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && files+=("$f"); done
  [ ${#files[@]} -gt 0 ] || return 0
  awk '
    FNR == 1 { flush() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[[:space:]]*$/) { flush(); next }
      if ($1 == "Types:") types = $0
      if ($1 == "URIs:") uri = $2
      if ($1 == "Suites:") { suites = ""; for (i = 2; i <= NF; i++) suites = suites " " $i }
      if ($1 == "Enabled:" && $2 == "no") disabled = 1
      next
    }
    $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }
    function flush() {
      if (uri != "" && types ~ /deb([[:space:]]|$)/ && !disabled) { n = split(suites, s, " "); for (j = 1; j <= n; j++) print uri, s[j] }
      uri = ""; suites = ""; types = ""; disabled = 0
    }
    END { flush() }
  ' "${files[@]}"
}

# The Debian archive apt uses for this release (LEDGER_DEBIAN_MIRROR overrides).
debian_mirror() {
  if [ -n "${LEDGER_DEBIAN_MIRROR:-}" ]; then echo "$LEDGER_DEBIAN_MIRROR"; return; fi
  local suite uri
  suite="$(debian_suite)"
  uri="$(apt_sources | awk -v s="$suite" '$2 == s {print $1; exit}')"
  [ -n "$uri" ] || fail "apt has no source for Debian $suite" "set LEDGER_DEBIAN_MIRROR to a Debian mirror (for example http://deb.debian.org/debian)"
  echo "${uri%/}"
}

debian_security_mirror() {
  if [ -n "${LEDGER_DEBIAN_SECURITY_MIRROR+set}" ]; then echo "$LEDGER_DEBIAN_SECURITY_MIRROR"; return; fi
  local suite
  suite="$(debian_suite)"
  apt_sources | awk -v s="$suite-security" '$2 == s {sub(/\/$/, "", $1); print $1; exit}'
}
