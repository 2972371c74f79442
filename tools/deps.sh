#!/bin/sh
# Installs the Debian packages listed in deps.txt that are missing (as root), or prints the
# apt-get line that would (as anyone else).  deps.txt is the only list of packages.
pkgs=$(sed -e 's/#.*//' deps.txt | tr -s ' \n' ' ')
missing=""
for p in $pkgs; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null && apt-get install -y -qq --no-install-recommends $missing </dev/null
else
    echo "missing Debian packages; run as root:" >&2
    echo "  apt-get install -y$missing" >&2
    exit 1
fi
