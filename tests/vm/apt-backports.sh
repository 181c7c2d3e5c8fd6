#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# apt-backports.sh: sourced by kernel.sh and qemu.sh. A private apt
# configuration under the VM cache that sees the machine's own Debian sources
# plus the bookworm-backports suite of the same archive, so the 6.12 kernel and
# QEMU 10 can be downloaded without touching the machine's apt configuration
# (/etc/apt and /var/lib/apt/lists stay as they were). Nothing is installed:
# packages are only downloaded and unpacked into the cache.
#
#   papt_get ARGS...      apt-get with the private configuration
#   papt_cache ARGS...    apt-cache with the private configuration
#   papt_ensure           creates the configuration, refreshes its lists once
#   papt_update           refreshes its lists again
#   apt_download_to DIR PKG...   downloads the .deb files of PKG... (name or name/suite)

PAPT_DIR=${SABPF_VM_CACHE:-/var/cache/sabpf-vm}/apt
LEGACY_BACKPORTS_LIST=/etc/apt/sources.list.d/sabpf-bookworm-backports.sources

papt_opts() {
  printf '%s\n' -o "Dir::Etc::SourceList=$PAPT_DIR/sources.list" \
    -o "Dir::Etc::SourceParts=$PAPT_DIR/sources.list.d" \
    -o "Dir::State::Lists=$PAPT_DIR/lists" \
    -o "Dir::Cache=$PAPT_DIR/cache" \
    -o "APT::Sandbox::User=root"
}

papt_get() {
  local opts
  mapfile -t opts < <(papt_opts)
  apt-get "${opts[@]}" "$@"
}

papt_cache() {
  local opts
  mapfile -t opts < <(papt_opts)
  apt-cache "${opts[@]}" "$@"
}

# The URI of the machine's Debian bookworm archive, as apt itself reports it.
debian_archive_uri() {
  apt-cache policy | awk '$3 ~ /^bookworm\/main$/ { print $2; exit }'
}

papt_update() {
  papt_get update -qq >&2 || {
    echo "apt-get update failed for the private configuration in $PAPT_DIR" >&2
    return 1
  }
}

papt_ensure() {
  local uri f
  if [ -f "$LEGACY_BACKPORTS_LIST" ]; then
    echo "note: $LEGACY_BACKPORTS_LIST was added by an older sabpf test harness and is no longer used; remove it with: rm $LEGACY_BACKPORTS_LIST" >&2
  fi
  if [ -s "$PAPT_DIR/sources.list.d/backports.sources" ] &&
    [ -n "$(ls "$PAPT_DIR/lists" 2>/dev/null | grep -v -e '^partial$' -e '^lock$')" ]; then
    return 0
  fi
  uri=$(debian_archive_uri)
  if [ -z "$uri" ]; then
    echo "no bookworm archive in the apt sources: cannot derive a bookworm-backports entry" >&2
    return 1
  fi
  rm -rf "$PAPT_DIR"
  mkdir -p "$PAPT_DIR/sources.list.d" "$PAPT_DIR/lists/partial" "$PAPT_DIR/cache/archives/partial"
  # the machine's own sources, copied (never modified), then backports
  if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$PAPT_DIR/sources.list"; else : >"$PAPT_DIR/sources.list"; fi
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && [ "$f" != "$LEGACY_BACKPORTS_LIST" ] && cp "$f" "$PAPT_DIR/sources.list.d/"
  done
  cat >"$PAPT_DIR/sources.list.d/backports.sources" <<EOT
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
  papt_update
}

# apt_download_to DIR PKG...: the .deb files of PKG... (name or name/suite).
apt_download_to() {
  local dir=$1
  shift
  mkdir -p "$dir"
  chmod 755 "$dir"
  (cd "$dir" && papt_get download -qq "$@" >&2)
}
