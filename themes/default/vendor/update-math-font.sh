#!/usr/bin/env bash
# Refreshes themes/default/vendor/math-font/ from the npm registry: STIX Two Math (SIL Open
# Font License) as WOFF2, from Fontsource, with its licence. Browsers draw MathML with a math
# font; Windows and macOS have one, many Linux and Android systems do not, so sites with math
# carry this one (readers who have it installed never download it). Usage:
#   themes/default/vendor/update-math-font.sh 5.3.0
set -euo pipefail
version="${1:?usage: update-math-font.sh VERSION}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "@fontsource/stix-two-math@$version" --silent >/dev/null && tar xzf fontsource-stix-two-math-"$version".tgz)
rm -rf "$here/math-font"
mkdir -p "$here/math-font"
cp "$work/package/files/stix-two-math-latin-400-normal.woff2" "$here/math-font/STIXTwoMath.woff2"
cp "$work/package/LICENSE" "$here/math-font/LICENSE"
echo "$version" > "$here/math-font/VERSION"
echo "STIX Two Math (@fontsource/stix-two-math $version): $(du -h "$here/math-font/STIXTwoMath.woff2" | cut -f1)"
