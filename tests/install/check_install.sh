#!/usr/bin/env bash
# An install that works anywhere (docs/install.md): installs the build into a temporary prefix, moves the prefix,
# runs the moved executable from another folder on its bundled example (read-only, results elsewhere), and builds
# a small program against the moved prefix with find_package(spikeworm).
# check_install.sh BUILD_DIR SOURCE_DIR [CXX_COMPILER_LAUNCHER]
set -euo pipefail
build=$1 source=$2 launcher=${3:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spikeworm-install.XXXXXX")
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
fail() { echo "check_install: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$tmp/first" >/dev/null
mv "$tmp/first" "$tmp/moved"
prefix=$tmp/moved
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
unset SPIKEWORM_DATA_DIR SPIKEWORM_SOURCE_DIR

"$prefix/bin/spikeworm" --help | grep -q energy || fail "--help does not list the commands"
"$prefix/bin/spikeworm" --version | grep -q "spikeworm [0-9]" || fail "--version prints no version"

# The example as a user finds it after installing a package: read-only; the results go to --out.
example=$prefix/share/spikeworm/examples/static_medium
chmod -R a-w "$example"
"$prefix/bin/spikeworm" energy "$example" --out results --no-plot -q >energy.txt || fail "energy failed: $(cat energy.txt)"
grep -q "loihi" energy.txt || fail "energy printed no Loihi row: $(cat energy.txt)"
test -s results/energy.json || fail "no results/energy.json"
test ! -e "$example/energy.json" || fail "energy wrote into the example folder"

# A wrong override is one clear error naming it.
if SPIKEWORM_DATA_DIR=$tmp/nowhere "$prefix/bin/spikeworm" energy "$example" --out r2 -q 2>err.txt; then
  fail "a wrong SPIKEWORM_DATA_DIR was accepted"
fi
grep -q "SPIKEWORM_DATA_DIR=$tmp/nowhere" err.txt || fail "the error does not name the override: $(cat err.txt)"

# Someone else's program against the moved prefix.
args=(-S "$source/tests/install/consumer" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release)
[[ -n $launcher ]] && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher")
cmake "${args[@]}" >consumer.txt 2>&1 || fail "configuring the consumer failed: $(cat consumer.txt)"
cmake --build "$tmp/consumer" >>consumer.txt 2>&1 || fail "building the consumer failed: $(cat consumer.txt)"
"$tmp/consumer/consumer" | grep -q "energy tables in $prefix/share/spikeworm" || fail "the consumer did not find the data"
grep -rq "$tmp/first" "$prefix/lib" && fail "an installed file names the prefix it was installed to"
echo "check_install: the moved install runs and links"
