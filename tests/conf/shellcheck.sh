#!/bin/bash
# The shell scripts shipped in notify/scripts pass shellcheck, style notes included: they run as
# hooks of a root daemon and as health checks, where a quoting slip is a failover gone wrong.
# Disabling a check in a script needs a comment that says why. Skipped (77) without shellcheck,
# a failure when KEEPQUORUM_REQUIRE_NETNS=1 (CI: tools/deps installs it).
set -u
: "${KQ_SRCDIR:?}"
if ! command -v shellcheck >/dev/null 2>&1; then
	echo "SKIP: shellcheck is not installed (apt-get install shellcheck)"
	[ "${KEEPQUORUM_REQUIRE_NETNS:-0}" = 1 ] && exit 1
	exit 77
fi
dir=$KQ_SRCDIR/notify/scripts
files=()
for f in "$dir"/*; do
	# The shell ones: a bash or sh shebang, or a sourced file that names its shell.
	head -n 1 "$f" | grep -qE '^#!(/usr)?/bin/(env )?(ba)?sh\b|^# shellcheck shell=' && files+=("$f")
done
if [ ${#files[@]} = 0 ]; then
	echo "FAIL: no shell script found in $dir"
	exit 1
fi
# -x: follow what the scripts source (pg-common.sh, found through their source-path directives).
if ! out=$(shellcheck -x --severity=style "${files[@]}" 2>&1); then
	echo "FAIL: shellcheck $(shellcheck --version | sed -n 's/^version: //p'):"
	echo "$out"
	exit 1
fi
echo "ok: shellcheck clean: ${files[*]##*/}"
