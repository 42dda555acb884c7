#!/usr/bin/env bash
# One-time (and idempotent) set-up of a fresh machine: system packages, npm
# packages, the default model and the 128 test images. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
# onnxruntime-node bundles its CPU binaries; its install script would try to
# download GPU ones. Chrome is not downloaded either: reports use the system
# Chromium when puppeteer has no browser of its own.
export ONNXRUNTIME_NODE_INSTALL=skip PUPPETEER_SKIP_DOWNLOAD=1

# python3-flask: the seed assignment's service design, which bench/seed-design.ts compares against.
APT_PACKAGES=(chromium fonts-liberation fonts-noto-cjk poppler-utils python3-opencv python3-numpy python3-flask iproute2 wrk)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing system packages: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: not root, cannot install: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  fi
fi

echo "setup: installing npm packages"
npm ci --no-audit --no-fund --loglevel=error

npm run --silent model:install
npm run --silent images:install
echo "setup: done"
