#!/usr/bin/env bash
# Install the system tools a command needs when they are missing, with apt-get when run
# as root; elsewhere say what to install. Quick when everything is there.
#   ensure_system.sh          everything the tests need: bubblewrap (the grading sandbox),
#                             Chromium with its driver (the browser test of the site) and
#                             npm (fetches MathJax for the site)
#   ensure_system.sh npm ...  only the named commands (the site build needs npm alone)
set -euo pipefail
declare -A package_of=([bwrap]=bubblewrap [chromium]=chromium [chromedriver]=chromium-driver [npm]=npm)
commands=("$@")
[ ${#commands[@]} -gt 0 ] || commands=(bwrap chromium chromedriver npm)
missing=()
for cmd in "${commands[@]}"; do
    package=${package_of[$cmd]:-}
    if [ -z "$package" ]; then
        echo "ensure_system.sh: unknown command '$cmd' (known: ${!package_of[*]})" >&2
        exit 2
    fi
    command -v "$cmd" >/dev/null || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "missing system packages: ${missing[*]} (install them with your package manager;" \
         "what needs them will fail or say why it was skipped)" >&2
    exit 0
fi
echo "installing ${missing[*]} ..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
