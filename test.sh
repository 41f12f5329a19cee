#!/usr/bin/env bash
# Every check Cirrus has, from a fresh machine: installs the system packages
# the tests need (Debian/Ubuntu, with apt-get), then formatting, lints, the
# whole test suite, the doc tests and the docs. `.ci/run` calls this script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# System packages the test suite needs, as `command:package`.
REQUIRED=(
  "git:git"
)

missing=()
for entry in "${REQUIRED[@]}"; do
  cmd=${entry%%:*}
  pkg=${entry#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "==> tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --profile ci
else
  cargo test --workspace --locked --lib --bins --tests
fi

echo "==> doc tests"
cargo test --workspace --locked --doc

echo "==> docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

echo "==> checked-in catalogue table is current"
cargo run --quiet --locked -- catalogue > target/catalogue.txt
diff -u docs/catalogue.txt target/catalogue.txt

echo "all checks passed"
