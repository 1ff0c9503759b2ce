#!/bin/sh
# Installs (or updates) the "tcpconn" Wireshark configuration profile into your
# Wireshark configuration folder, normally ~/.config/wireshark/profiles/tcpconn
# ($WIRESHARK_CONFIG_DIR/profiles/tcpconn when that is set, ~/.wireshark/...
# when only that legacy folder exists).
#
# The profile holds the tcpconn colouring rules ahead of Wireshark's default
# ones, the "Connect outcome" and "SYNs" columns, a "Failed connects" filter
# button, saved display filters and macros, and an I/O Graph of failed
# connection attempts next to all of them. Wireshark's default colouring
# rules, saved filters and macros are not part of this repository: they are
# read from Wireshark's data folder (/usr/share/wireshark, or
# $WIRESHARK_DATA_DIR) and appended below ours at install time.
#
# A profile you have changed is never overwritten. The profile folder keeps a
# checksum list of what was installed last (.tcpconn-installed.sha256); when a
# file differs from it, or the folder was not made by this script, nothing is
# written and a message says so. --force moves such a profile aside to
# "tcpconn-backup-DATE" (still selectable in Wireshark) and installs afresh.
#
# Usage: tools/install-profile.sh [--force]
set -eu

name=tcpconn
manifest=.tcpconn-installed.sha256
files="colorfilters preferences dfilter_buttons dfilters dfilter_macros io_graphs"

force=no
case "${1:-}" in
    --force) force=yes ;;
    "") ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

repo=$(cd "$(dirname "$0")/.." && pwd)
src="$repo/profiles/$name"
data=${WIRESHARK_DATA_DIR:-/usr/share/wireshark}

if [ -n "${WIRESHARK_CONFIG_DIR:-}" ]; then
    conf=$WIRESHARK_CONFIG_DIR
else
    conf="${XDG_CONFIG_HOME:-$HOME/.config}/wireshark"
    # Wireshark still uses ~/.wireshark when only that one exists.
    if [ ! -d "$conf" ] && [ -d "$HOME/.wireshark" ]; then
        conf="$HOME/.wireshark"
    fi
fi
dest="$conf/profiles/$name"

# Wireshark's own rules, filters or macros from its data folder: only the
# entries, not the "do not edit" comments above them.
system_lines() {
    [ -r "$data/$1" ] || return 0
    grep -v '^[[:space:]]*#' "$data/$1" | grep -v '^[[:space:]]*$' || true
}

# The content of each profile file, built into $stage.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT INT TERM
{
    cat "$repo/profiles/$name-colorfilters"
    echo "# Wireshark's default colouring rules, from $data/colorfilters:"
    system_lines colorfilters
} >"$stage/colorfilters"
{
    cat "$src/dfilters"
    system_lines dfilters
} >"$stage/dfilters"
{
    cat "$src/dfilter_macros"
    echo "# Wireshark's default macros, from $data/dfilter_macros:"
    system_lines dfilter_macros
} >"$stage/dfilter_macros"
cp "$src/preferences" "$src/dfilter_buttons" "$stage/"
# Wireshark rejects an I/O Graph row without exactly its own columns, and 4.6
# added one after "Y Axis Factor" ("asAOT", off by default).
release=$(tshark --version 2>/dev/null |
    sed -n '1s/^TShark (Wireshark) \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' || true)
if [ -n "$release" ] && [ "$(echo "$release" | awk '{ print ($1 > 4 || $2 >= 6) }')" = 1 ]; then
    sed '/^"/s/$/,"FALSE"/' "$src/io_graphs" >"$stage/io_graphs"
else
    cp "$src/io_graphs" "$stage/"
fi
(cd "$stage" && sha256sum $files) >"$stage/$manifest"

# Is what is in $dest exactly what this script installed last time?
unmodified() {
    [ -f "$dest/$manifest" ] || return 1
    (cd "$dest" && sha256sum --quiet --check --strict "$manifest") >/dev/null 2>&1 || return 1
    for f in $files; do
        # A file of ours that the last install did not write is the user's.
        if [ -e "$dest/$f" ] && ! grep -q "  $f\$" "$dest/$manifest"; then
            return 1
        fi
    done
    return 0
}

if [ -d "$dest" ] && ! unmodified; then
    if [ "$force" = yes ]; then
        backup="$conf/profiles/$name-backup-$(date +%Y%m%d-%H%M%S)"
        mv "$dest" "$backup"
        echo "Moved your changed Wireshark profile \"$name\" to $backup"
    else
        echo "Wireshark profile \"$name\" not updated: $dest has been changed since it was"
        echo "installed (or was not installed by this script), so it is left as it is."
        echo "To replace it (your version is kept as \"$name-backup-DATE\"): $0 --force"
        exit 0
    fi
fi

if [ -d "$dest" ] && cmp -s "$stage/$manifest" "$dest/$manifest"; then
    echo "Wireshark profile \"$name\" is up to date: $dest"
    exit 0
fi

verb=Installed
[ -d "$dest" ] && verb=Updated
mkdir -p "$dest"
for f in $files $manifest; do
    cp "$stage/$f" "$dest/$f.tmp"
    mv "$dest/$f.tmp" "$dest/$f"
done
echo "$verb Wireshark profile \"$name\": $dest"
echo "Use it with: wireshark -C $name   (or tshark -C $name, or the profile switcher in the status bar)"
