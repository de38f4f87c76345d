#!/usr/bin/env bash
# Builds the browser search client for every language into client/dist/<code>.wasm, the files
# `commonplace build` embeds (so neither a user nor `cargo run` needs a wasm toolchain).
# `--check` builds into a temporary folder and fails if the committed files differ: CI runs
# it, so the committed modules are always the ones this source makes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown

out=client/dist
if [ "${1:-}" = "--check" ]; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi
mkdir -p "$out"

# Its own target folder: the flags below differ from a normal build's. The path prefixes are
# rewritten so the module does not depend on where the checkout or cargo's cache live.
export CARGO_TARGET_DIR="${COMMONPLACE_WASM_TARGET_DIR:-${HOME:-/tmp}/.cache/commonplace-wasm}"
export RUSTFLAGS="--remap-path-prefix=$root=. --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=cargo"
for code in ar da de el en es fi fr hu it nl no pt ro ru sv ta tr; do
  cargo build --quiet -p commonplace-client --target wasm32-unknown-unknown --profile wasm \
    --no-default-features --features "$code"
  cp "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm/commonplace_client.wasm" "$out/$code.wasm"
done

if [ "${1:-}" = "--check" ]; then
  if ! diff -r "$out" client/dist >/dev/null; then
    echo "client/dist differs from what client/build-wasm.sh builds; run it and commit the result" >&2
    exit 1
  fi
  echo "client/dist is what the source builds"
fi
