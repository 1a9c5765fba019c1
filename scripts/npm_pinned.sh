# Sourced by the fetch_*.sh scripts: npm_pinned PACKAGE VERSION CACHE FILE WHAT installs
# PACKAGE@VERSION into CACHE (git-ignored) unless that version is already there with FILE
# (relative to the package folder); WHAT says what the package is for, in the messages.
npm_pinned() {
    local package=$1 version=$2 cache=$3 file=$4 what=$5
    local folder=$cache/node_modules/$package installed
    installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$folder/package.json" 2>/dev/null | head -n1 || true)
    if [ "$installed" = "$version" ] && [ -f "$folder/$file" ]; then
        return 0
    fi
    if ! command -v npm >/dev/null; then
        echo "error: npm is needed once to fetch $package $version $what (Debian: apt-get install npm)" >&2
        exit 1
    fi
    echo "fetching $package $version with npm into $cache ..." >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --no-save --loglevel=error \
        "$package@$version" >&2
    [ -f "$folder/$file" ] || { echo "error: npm did not install $folder/$file" >&2; exit 1; }
}
