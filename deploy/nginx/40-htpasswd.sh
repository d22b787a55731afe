#!/bin/sh
# Writes the proxy's password files at container start, from hashes in the environment:
#   PROXY_ADMIN_HTPASSWD   operators (full UI)      e.g. 'admin:$6$...'
#   PROXY_VIEWER_HTPASSWD  viewers (read-only UI)   e.g. 'viewer:$apr1$...'
# One or more `user:hash` entries separated by spaces. Plain passwords are refused: make a hash
# with `openssl passwd -6` or `htpasswd -nbm` (see deploy/README.md).
# The nginx image runs every executable /docker-entrypoint.d/*.sh before nginx starts.
set -eu
set -f  # entries are split on spaces, never globbed

auth_dir="${PROXY_AUTH_DIR:-/etc/nginx/auth}"
group="${PROXY_AUTH_GROUP:-nginx}"
mkdir -p "$auth_dir"

write_htpasswd() {
    file="$auth_dir/$1.htpasswd"
    entries="$2"
    tmp="$file.tmp"
    umask 027
    : > "$tmp"
    for entry in $entries; do
        user="${entry%%:*}"
        hash="${entry#*:}"
        case "$hash" in
            '$apr1$'* | '$5$'* | '$6$'* | '$2y$'* | '$2b$'* | '{SSHA}'*) ;;
            *)
                echo "$0: the $1 entry for '$user' is not a 'user:hash' line with a supported hash" >&2
                rm -f "$tmp"
                exit 1
                ;;
        esac
        if [ -z "$user" ] || [ "$user" = "$entry" ]; then
            echo "$0: the $1 entry has no user name" >&2
            rm -f "$tmp"
            exit 1
        fi
        printf '%s:%s\n' "$user" "$hash" >> "$tmp"
    done
    if [ ! -s "$tmp" ]; then
        echo "$0: no $1 entries: set PROXY_$(echo "$1" | tr a-z A-Z)_HTPASSWD" >&2
        rm -f "$tmp"
        exit 1
    fi
    # nginx workers read the file per request: readable by their group only.
    chgrp "$group" "$tmp" 2>/dev/null || true
    mv "$tmp" "$file"
}

write_htpasswd admin "${PROXY_ADMIN_HTPASSWD:-}"
write_htpasswd viewer "${PROXY_VIEWER_HTPASSWD:-}"
