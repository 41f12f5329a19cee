#!/usr/bin/env bash
# Every check Cirrus has, from a fresh machine: installs the system packages
# the tests need (Debian/Ubuntu, with apt-get), then formatting, lints, the
# whole test suite, the doc tests and the docs. `.ci/run` calls this script.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# System packages the test suite needs, as `command:package`.
REQUIRED=(
  "git:git"
  "tmux:tmux"
  "c++:g++"
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

# Mesa's software Vulkan driver (lavapipe), so that wgpu finds an adapter on
# a machine without a GPU: the executor's tests run on it and never skip.
# On Debian bookworm, prefer bookworm-backports' Mesa 25, which runs compute
# shaders several times faster than bookworm's 22.3; fall back to the plain
# package when backports cannot be reached.
have_lavapipe() {
  compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null &&
    compgen -G '/usr/lib/*/libvulkan.so.1' >/dev/null
}
if ! have_lavapipe; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  apt_install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq)
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  backports_file=/etc/apt/sources.list.d/bookworm-backports.sources
  added_backports=false
  if [ "$codename" = bookworm ] &&
    ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "==> adding the bookworm-backports apt source"
    printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
      'Suites: bookworm-backports' 'Components: main' \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
      "${sudo_cmd[@]}" tee "$backports_file" >/dev/null
    added_backports=true
  fi
  echo "==> installing mesa-vulkan-drivers libvulkan1"
  "${sudo_cmd[@]}" apt-get update -qq || true
  if [ "$codename" = bookworm ] &&
    "${sudo_cmd[@]}" "${apt_install[@]}" -t bookworm-backports mesa-vulkan-drivers libvulkan1; then
    :
  else
    if $added_backports; then
      # Backports unreachable: drop the source so it cannot break apt.
      "${sudo_cmd[@]}" rm -f "$backports_file"
      "${sudo_cmd[@]}" apt-get update -qq || true
    fi
    "${sudo_cmd[@]}" "${apt_install[@]}" mesa-vulkan-drivers libvulkan1
  fi
  have_lavapipe || { echo "lavapipe (lvp_icd*.json) still missing after install" >&2; exit 1; }
fi

# Open MPI and libclang, so that the `mpi` feature builds (the `mpi` crate's
# bindings are generated with bindgen, which loads libclang) and its tests
# run real ranks on localhost with `mpirun`. The default build needs neither.
have_mpi() {
  command -v mpirun >/dev/null 2>&1 && command -v mpicc >/dev/null 2>&1 &&
    { compgen -G '/usr/lib/llvm-*/lib/libclang*.so*' >/dev/null ||
      compgen -G '/usr/lib/*/libclang*.so*' >/dev/null; }
}
if ! have_mpi; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  echo "==> installing openmpi-bin libopenmpi-dev libclang-dev"
  "${sudo_cmd[@]}" apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    openmpi-bin libopenmpi-dev libclang-dev
  have_mpi || { echo "Open MPI (mpirun, mpicc) or libclang still missing after install" >&2; exit 1; }
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --workspace --all-targets --locked --features mpi -- -D warnings

echo "==> tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --profile ci
else
  cargo test --workspace --locked --lib --bins --tests
fi

# The `mpi` feature's tests: real Open MPI jobs on this machine
# (`mpirun --oversubscribe`, and `--allow-run-as-root` for CI's root): the
# all-reduce on 2 and 3 ranks, and `mpirun -np 2 cirrus exec` on a 2-node plan.
echo "==> MPI tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --locked --profile ci -p cirrus -p cirrus-executor --features cirrus/mpi \
    --lib --test it -E 'test(/mpi/)'
else
  cargo test --locked -p cirrus -p cirrus-executor --features cirrus/mpi --lib --test it mpi
fi

echo "==> doc tests"
cargo test --workspace --locked --doc

echo "==> docs"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet --features mpi

# The fuzz targets (fuzz/, a workspace of its own) must build; running them
# is a manual step (docs/fuzzing.md). A plain build: no cargo-fuzz, no
# sanitizer, so libFuzzer links without coverage instrumentation. Their
# seeds run through the same checks in `cirrus-sim`'s tests.
echo "==> fuzz targets build"
cargo build --manifest-path fuzz/Cargo.toml --locked --bins --quiet

echo "==> checked-in catalogue table is current"
cargo run --quiet --locked -- catalogue > target/catalogue.txt
diff -u docs/catalogue.txt target/catalogue.txt

# Every scenario's headline is simulated, which takes seconds in a release
# build and minutes in a debug one (sim's test `library` checks the quick
# rows and the rest but their headlines).
echo "==> checked-in scenario index is current"
cargo build --release --locked --quiet
CIRRUS_PROFILE=tests/fixtures/profiles/lavapipe-2-cores.toml \
  ./target/release/cirrus scenarios > target/scenarios-index.md
diff -u scenarios/README.md target/scenarios-index.md

echo "all checks passed"
