#!/bin/sh
# Downloads the jars listed in a jars.txt (`<sha1> <url>` lines) into a directory and verifies
# each digest before it lands there: a mismatch fails the image build and leaves nothing behind.
# usage: fetch-jars.sh JARS_TXT TARGET_DIR
set -eu

list="$1"
target="$2"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT

grep -v '^[[:space:]]*\(#\|$\)' "$list" | while read -r sha1 url; do
    name="${url##*/}"
    curl -fsSL --retry 3 -o "$staging/$name" "$url"
    if ! echo "$sha1  $staging/$name" | sha1sum -c - >/dev/null 2>&1; then
        echo "fetch-jars: $name: SHA-1 $(sha1sum "$staging/$name" | cut -d' ' -f1), expected $sha1" >&2
        exit 1
    fi
    echo "fetch-jars: $name verified"
done
mkdir -p "$target"
mv "$staging"/*.jar "$target"/
