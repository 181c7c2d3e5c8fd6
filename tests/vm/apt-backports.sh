#!/usr/bin/env bash
# apt-backports.sh: sourced by kernel.sh and qemu.sh. ensure_backports_source
# adds Debian's bookworm-backports suite next to the configured bookworm
# archive (same URI, as apt itself reports it), once, and refreshes apt's
# lists; apt_download_to DIR PKG... downloads .deb files without installing.

BACKPORTS_LIST=/etc/apt/sources.list.d/sabpf-bookworm-backports.sources

# The URI of the configured Debian archive (one-line and deb822 sources alike).
debian_archive_uri() {
  apt-cache policy | awk '$3 ~ /^bookworm\/main$/ { print $2; exit }'
}

ensure_backports_source() {
  local policy uri
  policy=$(apt-cache policy)
  [[ "$policy" == *" bookworm-backports/main "* ]] && return 0
  uri=$(debian_archive_uri)
  if [ -z "$uri" ]; then
    echo "no bookworm archive in the apt sources: cannot derive a bookworm-backports entry; add one to /etc/apt/sources.list.d/ by hand" >&2
    return 1
  fi
  if [ ! -f "$BACKPORTS_LIST" ]; then
    echo "adding $BACKPORTS_LIST ($uri bookworm-backports)" >&2
    cat >"$BACKPORTS_LIST" <<EOT
Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
  fi
  apt-get update -qq >&2 || {
    echo "apt-get update failed after adding $BACKPORTS_LIST" >&2
    return 1
  }
}

# apt_download_to DIR PKG...: the .deb files of PKG... (name or name/suite).
apt_download_to() {
  local dir=$1
  shift
  mkdir -p "$dir"
  chmod 755 "$dir" # lets apt's _apt user write there too
  (cd "$dir" && apt-get download -qq -o APT::Sandbox::User=root "$@" >&2)
}
