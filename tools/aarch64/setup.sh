#!/bin/sh
# Everything the aarch64 cross build and its emulated test run need, on a
# Debian 12 x86-64 machine, as root (CI runs as root). Idempotent: a second
# run only checks what is there.
#   1. Debian's cross toolchain (g++-aarch64-linux-gnu) and qemu-user;
#   2. an arm64 sysroot in .cache/aarch64/sysroot: Debian's python3.11 and the
#      libraries it starts with, unpacked with dpkg -x (not installed: the
#      host's package database stays amd64-only apart from the foreign arch);
#   3. ai-edge-litert's and numpy's aarch64 wheels unpacked into
#      .cache/aarch64/site, the emulated Python's extra import path.
# Usage: sh tools/aarch64/setup.sh   (from the checkout; PYTHON= a host python with pip)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE="$ROOT/.cache/aarch64"
SYSROOT="$CACHE/sysroot"
SITE="$CACHE/site"
PYTHON=${PYTHON:-"$ROOT/.venv/bin/python"}
LITERT_VERSION=2.3.0

need_apt=""
command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || need_apt="$need_apt g++-aarch64-linux-gnu"
command -v qemu-aarch64 >/dev/null 2>&1 || need_apt="$need_apt qemu-user"
if [ -n "$need_apt" ]; then
  apt-get update
  # shellcheck disable=SC2086  # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need_apt
fi

# The target's Python and the shared libraries it, numpy and LiteRT load.
# libpython3.11-dev: Python.h and pyconfig.h for aarch64 (the cross build's headers).
if [ ! -f "$SYSROOT/.complete" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    apt-get update
  elif ! apt-cache show python3.11-minimal:arm64 >/dev/null 2>&1; then
    apt-get update
  fi
  debs="$CACHE/debs"
  mkdir -p "$debs" "$SYSROOT"
  (cd "$debs" && apt-get download \
    libc6:arm64 libgcc-s1:arm64 libstdc++6:arm64 zlib1g:arm64 libexpat1:arm64 libffi8:arm64 \
    libssl3:arm64 libbz2-1.0:arm64 liblzma5:arm64 libsqlite3-0:arm64 libuuid1:arm64 \
    libncursesw6:arm64 libtinfo6:arm64 libreadline8:arm64 libdb5.3:arm64 \
    libcrypt1:arm64 libnsl2:arm64 libtirpc3:arm64 \
    python3.11:arm64 python3.11-minimal:arm64 libpython3.11-minimal:arm64 \
    libpython3.11-stdlib:arm64 libpython3.11:arm64 libpython3.11-dev:arm64 libc6-dev:arm64 \
    linux-libc-dev:arm64)
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$SYSROOT"; done
  touch "$SYSROOT/.complete"
fi

# The image codecs the image decoding ops link statically (cmake/ImageCodecs.cmake):
# Debian's arm64 -dev packages (headers and static archives) into the same
# sysroot, where the cross build finds them; their own stamp, so a sysroot made
# before they were needed gets them too.
if [ ! -f "$SYSROOT/.codecs-complete" ]; then
  if ! apt-cache show libjpeg62-turbo-dev:arm64 >/dev/null 2>&1; then
    apt-get update
  fi
  debs="$CACHE/debs"
  mkdir -p "$debs" "$SYSROOT"
  (cd "$debs" && apt-get download libjpeg62-turbo-dev:arm64 libpng-dev:arm64 zlib1g-dev:arm64)
  for deb in "$debs"/libjpeg62-turbo-dev_*.deb "$debs"/libpng-dev_*.deb "$debs"/zlib1g-dev_*.deb; do
    dpkg -x "$deb" "$SYSROOT"
  done
  touch "$SYSROOT/.codecs-complete"
fi

# giflib for DecodeGif and DecodeImage (cmake/ImageCodecs.cmake), its own stamp
# so a sysroot made before it was needed gets it too.
if [ ! -f "$SYSROOT/.gif-complete" ]; then
  if ! apt-cache show libgif-dev:arm64 >/dev/null 2>&1; then
    apt-get update
  fi
  debs="$CACHE/debs"
  mkdir -p "$debs" "$SYSROOT"
  (cd "$debs" && apt-get download libgif-dev:arm64)
  for deb in "$debs"/libgif-dev_*.deb; do dpkg -x "$deb" "$SYSROOT"; done
  touch "$SYSROOT/.gif-complete"
fi

# LiteRT and numpy as pip would install them on a Raspberry Pi (cp311, manylinux aarch64).
# pytest and hypothesis (pure Python) for the hostile-model fuzzer.
if [ ! -f "$SITE/.complete" ]; then
  rm -rf "$SITE"
  "$PYTHON" -m pip install --disable-pip-version-check -q --target "$SITE" \
    --platform manylinux_2_27_aarch64 --platform manylinux2014_aarch64 --only-binary=:all: \
    --python-version 3.11 --implementation cp \
    "ai-edge-litert==$LITERT_VERSION" "numpy>=1.26,<3" hypothesis pytest
  touch "$SITE/.complete"
fi

QEMU_LD_PREFIX="$SYSROOT" PYTHONPATH="$SITE" qemu-aarch64 "$SYSROOT/usr/bin/python3.11" -c \
  "import platform, numpy, ai_edge_litert; print('aarch64 python', platform.python_version(), platform.machine(), 'numpy', numpy.__version__)"
