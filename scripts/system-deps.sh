#!/usr/bin/env bash
# System packages the project needs beyond Python: WeasyPrint's pango and HarfBuzz subsetter, a CJK
# font (without one Chinese renders as empty boxes, silently), gettext for the translations, and
# Debian's Chromium for the browser tests. Installs them when missing and running as root on
# Debian/Ubuntu; otherwise prints the exact command and stops.
set -euo pipefail

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-wqy-microhei gettext chromium)
missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $command
else
  echo "These system packages are missing: ${missing[*]}" >&2
  echo "Install them, then run make again:" >&2
  echo "    sudo apt-get update && sudo $command" >&2
  exit 1
fi
