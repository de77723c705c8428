#!/usr/bin/env bash
# Debian packages the platform needs: WeasyPrint's Pango and HarfBuzz subsetting (without
# libharfbuzz-subset0 a CJK certificate takes ~15 s instead of ~0.2 s), a CJK font, poppler for
# PDF checks, gettext for translations, and Debian's chromium, pgbouncer and varnish for the tests.
# Installs only what is missing, so a second run costs a dpkg query.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-zenhei poppler-utils
          gettext libmagic1)
if [[ "${1:-}" == "--with-browser" ]]; then
  packages+=(chromium pgbouncer varnish)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "Missing Debian packages: ${missing[*]}. Install them as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
