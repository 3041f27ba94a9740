#!/usr/bin/env bash
# Builds the checklist widget into themes/default/static/widget/ (committed output):
# cargo (wasm32, profile wasm-release) -> wasm-bindgen --target web -> wasm-opt -Oz,
# then prints raw and gzipped sizes and fails if .wasm + glue exceed 16 KiB gzipped.
#
# Needs: rustup target wasm32-unknown-unknown; wasm-bindgen-cli at exactly the wasm-bindgen
# version in Cargo.lock; binaryen from npm (`npm ci --prefix wasm`), not Debian's binaryen 108.
# The output is byte-for-byte reproducible for the same rustc, wasm-bindgen and binaryen, so CI
# rebuilds it and runs `git diff --exit-code themes/default/static/widget/`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

crate=shipboard-widget
lib=shipboard_widget
out_dir="themes/default/static/widget"
target_dir="${WIDGET_TARGET_DIR:-$root/target/wasm}"
budget=16384

die() { echo "wasm/build.sh: $*" >&2; exit 1; }

# Tools ----------------------------------------------------------------------------------
want_bindgen="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
[ -n "$want_bindgen" ] || die "wasm-bindgen not found in Cargo.lock"
command -v wasm-bindgen >/dev/null ||
  die "wasm-bindgen missing: cargo install wasm-bindgen-cli --version $want_bindgen"
have_bindgen="$(wasm-bindgen --version | awk '{ print $2 }')"
[ "$have_bindgen" = "$want_bindgen" ] ||
  die "wasm-bindgen $have_bindgen installed, Cargo.lock has $want_bindgen: cargo install wasm-bindgen-cli --version $want_bindgen"

wasm_opt="${WASM_OPT:-$root/wasm/node_modules/.bin/wasm-opt}"
[ -x "$wasm_opt" ] || die "wasm-opt missing: npm ci --prefix wasm (binaryen from npm)"
"$wasm_opt" --version | grep -q 'version 132' ||
  die "need binaryen 132 from npm, found: $("$wasm_opt" --version)"

# Build ----------------------------------------------------------------------------------
# Remap local paths so the bytes do not depend on where the repo or the registry lives.
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
sep=$'\x1f'
export CARGO_ENCODED_RUSTFLAGS="--remap-path-prefix=$cargo_home=/cargo${sep}--remap-path-prefix=$root=/shipboard"
cargo build --locked -p "$crate" --lib --target wasm32-unknown-unknown --profile wasm-release \
  --target-dir "$target_dir"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
wasm-bindgen --target web --no-typescript --omit-default-module-path --out-dir "$tmp" \
  "$target_dir/wasm32-unknown-unknown/wasm-release/$lib.wasm"
"$wasm_opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-reference-types --enable-multivalue \
  -o "$tmp/${lib}_bg.opt.wasm" "$tmp/${lib}_bg.wasm"

mkdir -p "$out_dir"
cp "$tmp/$lib.js" "$out_dir/$lib.js"
cp "$tmp/${lib}_bg.opt.wasm" "$out_dir/${lib}_bg.wasm"

# Sizes ----------------------------------------------------------------------------------
gz() { gzip -9 -n -c "$1" | wc -c; }
raw_total=0
gz_total=0
for f in "$out_dir/${lib}_bg.wasm" "$out_dir/$lib.js" "$out_dir/checklist.js" "$out_dir/checklist.css"; do
  [ -f "$f" ] || continue
  raw=$(wc -c <"$f")
  zipped=$(gz "$f")
  printf '%-48s %7d bytes raw %7d bytes gzip -9\n' "$f" "$raw" "$zipped"
  case "$f" in
    *_bg.wasm | */"$lib.js")
      raw_total=$((raw_total + raw))
      gz_total=$((gz_total + zipped))
      ;;
  esac
done
printf '%-48s %7d bytes raw %7d bytes gzip -9 (budget %d)\n' ".wasm + glue" "$raw_total" "$gz_total" "$budget"
[ "$gz_total" -le "$budget" ] || die ".wasm + glue is $gz_total bytes gzipped, over the $budget byte budget"
