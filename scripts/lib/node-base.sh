# shellcheck shell=bash
# The Dockerfile's base image (node:<major>-bookworm-slim): the real one when it is here or can be
# pulled; else a stand-in under the same name, made from Debian's packages and this machine's
# Node.js, so the Dockerfile builds unchanged without a registry. Needs engine.sh sourced, ENGINE set.
#
#   node_base_ensure NAME      NAME as the Dockerfile's FROM spells it
#
# The stand-in is the official image as far as the Dockerfile relies on it: Debian bookworm minbase
# with merged /usr, no docs/man/locales and apt keeping no package cache (as Debian's -slim images);
# node and npm under /usr/local; user and group `node`, uid/gid 1000, home /home/node; an entrypoint
# that hands flag-only arguments to node; CMD ["node"]. It carries the label org.clouddetect.stand-in
# (so do images built on it), and a build that can pull the real image replaces it.

NODE_BASE_LABEL=org.clouddetect.stand-in
# Bumped when the recipe below changes, so an older stand-in is made again.
NODE_BASE_RECIPE=3

node_base_log() { echo "base: $*" >&2; }

# What a stand-in made now would say in its label.
node_base_recipe() { echo "recipe $NODE_BASE_RECIPE: mmdebstrap bookworm minbase + node $(node --version)"; }

node_base_label() { "$ENGINE" image inspect --format "{{index .Config.Labels \"$NODE_BASE_LABEL\"}}" "$1" 2>/dev/null; }

node_base_is_standin() {
  local label
  label=$(node_base_label "$1") || return 1
  [ -n "$label" ] && [ "$label" != "<no value>" ]
}

# Runs inside mmdebstrap as its customize hook: $1 is the new root file system.
node_base_hook() {
  local root=$1
  install -d "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
  install -m 0755 "$NODE_BASE_NODE" "$root/usr/local/bin/node"
  cp -a "$NODE_BASE_NPM" "$root/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  cat >"$root/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# Arguments that are not a command (`-e 1`, `app.js`) are arguments to node.
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 0755 "$root/usr/local/bin/docker-entrypoint.sh"
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
// As in Debian's container images: apt keeps no downloaded .debs and no package cache in a layer.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::Languages "none";
EOF
  rm -f "$root"/var/cache/apt/*.bin
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
}

# In a subshell, so its EXIT trap removes the temporary root file system.
node_base_make_standin() (
  local name=$1 major node_bin npm_dir version tmp mirror security
  major=$(sed -nE 's/^(.*\/)?node:([0-9]+)-bookworm.*/\2/p' <<<"$name")
  [ -n "$major" ] || { node_base_log "cannot make a stand-in for \"$name\": only node:<major>-bookworm* is known"; return 1; }
  command -v mmdebstrap >/dev/null || { node_base_log "no registry and no mmdebstrap to make a stand-in (apt-get install mmdebstrap)"; return 1; }
  node_bin=$(readlink -f "$(command -v node)") || { node_base_log "no node on this machine to put in the stand-in"; return 1; }
  version=$("$node_bin" --version)
  [ "${version%%.*}" = "v$major" ] || { node_base_log "this machine's node is $version, the Dockerfile wants Node.js $major: install Node.js $major or give the engine a registry"; return 1; }
  npm_dir="$(npm root -g)/npm"
  [ -f "$npm_dir/bin/npm-cli.js" ] || { node_base_log "npm not found at $npm_dir"; return 1; }

  mirror=${CLOUDDETECT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  security=${CLOUDDETECT_DEBIAN_SECURITY:-http://deb.debian.org/debian-security}
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" EXIT
  node_base_log "making a stand-in under that name: Debian bookworm minbase (mmdebstrap, $mirror) + this machine's Node.js $version and npm $(node "$npm_dir/bin/npm-cli.js" --version) + user node (uid 1000)"
  {
    echo '#!/usr/bin/env bash'
    echo 'set -euo pipefail'
    declare -f node_base_hook
    # shellcheck disable=SC2016  # $1 of the hook script, not ours
    echo 'node_base_hook "$1"'
  } >"$tmp/hook.sh"
  chmod +x "$tmp/hook.sh"
  local excludes=(
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/groff/*'
    --dpkgopt='path-exclude=/usr/share/info/*' --dpkgopt='path-exclude=/usr/share/lintian/*'
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias'
  )
  NODE_BASE_NODE=$node_bin NODE_BASE_NPM=$npm_dir mmdebstrap --quiet --variant=minbase --format=tar \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "${excludes[@]}" --customize-hook="$tmp/hook.sh" \
    bookworm "$tmp/rootfs.tar" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main" >&2 ||
    { node_base_log "mmdebstrap failed"; return 1; }
  "$ENGINE" import \
    --change "ENV NODE_VERSION=${version#v}" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' \
    --change "LABEL $NODE_BASE_LABEL=\"$(node_base_recipe)\"" \
    "$tmp/rootfs.tar" "$name" >/dev/null || { node_base_log "$ENGINE import failed"; return 1; }
  node_base_log "stand-in $name made ($(($(engine_image_bytes "$name") / 1000000)) MB)"
)

node_base_ensure() {
  local name
  name=$(engine_qualified "$1")
  if engine_image_exists "$name" && ! node_base_is_standin "$name"; then
    node_base_log "$name is here"
    return 0
  fi
  # A stand-in is only for want of a registry: try the real image first every time.
  local err
  if err=$(timeout "${CLOUDDETECT_PULL_TIMEOUT_S:-600}" "$ENGINE" pull --quiet "$name" 2>&1 >/dev/null); then
    node_base_log "pulled $name"
    return 0
  fi
  node_base_log "cannot pull $name: $(grep -m1 . <<<"$err" || echo "timed out")"
  if engine_image_exists "$name"; then
    if [ "$(node_base_label "$name")" = "$(node_base_recipe)" ]; then
      node_base_log "using the stand-in $name made earlier ($(node_base_recipe))"
      return 0
    fi
    node_base_log "the stand-in $name here is \"$(node_base_label "$name")\", not \"$(node_base_recipe)\": making it again"
  fi
  node_base_make_standin "$name"
}
