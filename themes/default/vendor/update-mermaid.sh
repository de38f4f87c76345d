#!/usr/bin/env bash
# Refreshes themes/default/vendor/mermaid/ from the npm registry: the ES-module build of Mermaid
# (the entry module and the chunks it loads on demand, without source maps) and its licence.
# The files are committed and embedded in the binary, so building commonplace needs no npm and
# a published site draws its diagrams without asking any other host. Usage:
#   themes/default/vendor/update-mermaid.sh 11.17.2
set -euo pipefail
version="${1:?usage: update-mermaid.sh VERSION}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "mermaid@$version" --silent >/dev/null && tar xzf "mermaid-$version.tgz")
rm -rf "$here/mermaid"
mkdir -p "$here/mermaid/chunks/mermaid.esm.min"
cp "$work/package/dist/mermaid.esm.min.mjs" "$here/mermaid/"
cp "$work/package/dist/chunks/mermaid.esm.min/"*.mjs "$here/mermaid/chunks/mermaid.esm.min/"
cp "$work/package/LICENSE" "$here/mermaid/LICENSE"
echo "$version" > "$here/mermaid/VERSION"
echo "mermaid $version: $(find "$here/mermaid" -name '*.mjs' | wc -l) modules, $(du -sh "$here/mermaid" | cut -f1)"
