#!/bin/sh
# Fetches RE2's source from Debian's archive with apt (the project's machines
# reach only PyPI and Debian) and generates the Unicode tables Debian strips
# from it, into $1 (cmake/RE2.cmake; docs/design.md, "Libraries linked").
#
# Pinned: Debian bookworm's re2 20220601+dfsg-1 (upstream 2022-06-01, the last
# release without abseil) and unicode-data 15.0.0-1 (Unicode 15.0, the version
# of TF 2.21's RE2 tables: measured with \p classes on 15.0 and 15.1 characters).
# apt runs with its own lists and cache under $1's parent, so the machine's apt
# configuration is neither needed (no deb-src line) nor touched; the files are
# checked against the sha256 sums below (apt also checks them against the
# signed archive index).
set -eu
dest=$1
re2_version=20220601+dfsg-1
re2_orig=re2_20220601+dfsg.orig.tar.xz
re2_orig_sha256=3bc61251da3b0b97be40a8a127818c517c62516e4eda11fc901d29496663df54
unicode_version=15.0.0-1
unicode_deb=unicode-data_15.0.0-1_all.deb
unicode_deb_sha256=5efef23bbb1c6a133ecbdd63a2cfa07159ccacf5466a49e2426101c5ecd691fc
python=${PYTHON:-python3}

[ -f "$dest/.complete" ] && exit 0
work=$dest.work
rm -rf "$work" "$dest"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/dl"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$work/sources.list" <<LIST
deb [signed-by=$keyring] http://deb.debian.org/debian bookworm main
deb-src [signed-by=$keyring] http://deb.debian.org/debian bookworm main
LIST
apt_opts="-q -o Dir::Etc::SourceList=$work/sources.list -o Dir::Etc::SourceParts=/nonexistent \
  -o Dir::State::Lists=$work/lists -o Dir::State::Status=/dev/null -o Dir::Cache=$work/cache \
  -o APT::Sandbox::User=root -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get $apt_opts update
cd "$work/dl"
# shellcheck disable=SC2086
apt-get $apt_opts source --download-only "re2=$re2_version"
# shellcheck disable=SC2086
apt-get $apt_opts download "unicode-data=$unicode_version"
echo "$re2_orig_sha256  $re2_orig" | sha256sum -c -
echo "$unicode_deb_sha256  $unicode_deb" | sha256sum -c -

# Python's tarfile reads .xz itself (the xz tool may be absent on a minimal machine).
"$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$re2_orig" "$work"
mkdir "$work/unicode"
dpkg-deb -x "$unicode_deb" "$work/unicode"
src=$work/re2-2022-06-01
# Debian strips the generated tables (debian/copyright, Files-Excluded) and
# regenerates them from the system's Unicode data; so do we, from the pinned
# unicode-data, with RE2's own generators (their network code path removed).
sed -e 's|^from six.moves import urllib$|import urllib.request|' \
    -e "s|^_UNICODE_DIR = .*|_UNICODE_DIR = \"$work/unicode/usr/share/unicode\"|" \
    "$src/re2/unicode.py" > "$src/re2/unicode.py.new"
mv "$src/re2/unicode.py.new" "$src/re2/unicode.py"
(cd "$src/re2" && "$python" make_unicode_groups.py > unicode_groups.cc \
  && "$python" make_unicode_casefold.py > unicode_casefold.cc \
  && perl make_perl_groups.pl > perl_groups.cc)
mkdir -p "$dest"
cp -r "$src/re2" "$src/util" "$src/LICENSE" "$dest/"
rm -rf "$work"
touch "$dest/.complete"
