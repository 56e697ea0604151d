#!/bin/bash
# keepquorumd -t on what is not a config at all, and on secret files that cannot be keys: each
# exits 1 (never a signal, never a hang: each run has 20 s) and names the file and the reason.
#   configs: random bytes, random text (one problem a bad line, every one counted), 10 MB and
#   3 MB lines in each place, a NUL, bytes that are not UTF-8, no such file, a directory, a FIFO
#   (whose open would wait for a writer), /dev/zero, a dangling symlink
#   secret_file: a directory, a FIFO, /dev/zero, a dangling symlink, empty, too short, readable
#   by every user, and (as root) unreadable by the user that checks it
set -u
: "${KEEPQUORUMD:?} ${KQ_SRCDIR:?}"
fail=0
dir=$(mktemp -d "${TMPDIR:-/tmp}/kq-garbage.XXXXXX")
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"

# check NAME FILE EXPECT [RUNNER...]: keepquorumd -t -f FILE exits 1 and prints EXPECT
check() {
	local name=$1 f=$2 expect=$3 out rc
	shift 3
	out=$(timeout 20 "$@" "$KEEPQUORUMD" -t -f "$f" 2>&1)
	rc=$?
	if [ "$rc" != 1 ]; then
		echo "FAIL $name: exit $rc, expected 1 (124: it hung)"; head -c 2000 <<<"$out"; fail=1
		return
	fi
	if ! grep -aqF -- "$expect" <<<"$out"; then
		echo "FAIL $name: expected '$expect' in:"; head -c 2000 <<<"$out"; echo; fail=1
		return
	fi
	echo "ok   $name: $(grep -aF -- "$expect" <<<"$out" | head -1 | cut -c1-150)"
}

# --- configs -------------------------------------------------------------------------------
head -c 65536 /dev/urandom >"$dir/random.ini"
check "random bytes" "$dir/random.ini" "$dir/random.ini:"
# printable text but for the line ends: a problem for every line that is not blank
head -c 800000 /dev/urandom | LC_ALL=C tr -dc 'a-zA-Z0-9 =[];#_.,:\n' >"$dir/text.ini"
out=$(timeout 20 "$KEEPQUORUMD" -t -f "$dir/text.ini" 2>&1)
rc=$?
shown=$(grep -c "^$dir/text.ini:[0-9]*:" <<<"$out")
said=$(sed -n "s|^keepquorumd: $dir/text.ini: \([0-9]*\) problems\$|\1|p" <<<"$out")
if [ "$rc" != 1 ] || [ -z "$said" ] || [ "$said" != "$shown" ] || [ "$said" -lt 100 ]; then
	echo "FAIL random text: exit $rc, $shown problems shown, '$said' said"; fail=1
else
	echo "ok   random text: $said problems, each shown with its line"
fi
big=$((10 * 1024 * 1024))
{ printf '[global]\nrouter_id = '; head -c $big /dev/zero | tr '\0' a; echo; } >"$dir/10mb-value.ini"
check "a 10 MB value" "$dir/10mb-value.ini" "$dir/10mb-value.ini: cannot read: larger than 4 MiB"
head -c $big /dev/zero | tr '\0' a >"$dir/10mb-noeol.ini"
check "10 MB without a line end" "$dir/10mb-noeol.ini" "$dir/10mb-noeol.ini: cannot read: larger than 4 MiB"
mid=$((3 * 1024 * 1024))
{ printf '[global]\nrouter_id = '; head -c $mid /dev/zero | tr '\0' a; echo; } >"$dir/3mb-value.ini"
check "a 3 MB value" "$dir/3mb-value.ini" "$dir/3mb-value.ini:2: line is $((mid + 12)) bytes long"
{ printf '; '; head -c $mid /dev/zero | tr '\0' a; printf '\n[global]\n'; } >"$dir/3mb-comment.ini"
check "a 3 MB comment" "$dir/3mb-comment.ini" "$dir/3mb-comment.ini:1: line is $((mid + 2)) bytes long"
{ printf '['; head -c $mid /dev/zero | tr '\0' s; printf ']\n'; } >"$dir/3mb-section.ini"
check "a 3 MB section name" "$dir/3mb-section.ini" "$dir/3mb-section.ini:1: line is $((mid + 2)) bytes long"
{ printf '[global]\n'; head -c $mid /dev/zero | tr '\0' k; printf ' = 1\n'; } >"$dir/3mb-key.ini"
check "a 3 MB key" "$dir/3mb-key.ini" "$dir/3mb-key.ini:2: line is $((mid + 4)) bytes long"
printf '[global]\nrouter_id = x\0y\n' >"$dir/nul.ini"
check "a NUL byte" "$dir/nul.ini" "$dir/nul.ini:2: contains a NUL byte: not a text file"
printf '[global]\nrouter_id = \377\376\303\050\n' >"$dir/latin.ini"
check "bytes that are not UTF-8" "$dir/latin.ini" "$dir/latin.ini:2: section 'global', key 'router_id':"
check "no such file" "$dir/none.ini" "$dir/none.ini: cannot read: No such file or directory"
check "a directory" "$dir" "$dir: cannot read: Is a directory"
mkfifo "$dir/fifo.ini"
check "a FIFO" "$dir/fifo.ini" "$dir/fifo.ini: cannot read: not a regular file"
check "/dev/zero" /dev/zero "/dev/zero: cannot read: not a regular file"
ln -s "$dir/nowhere" "$dir/dangling.ini"
check "a dangling symlink" "$dir/dangling.ini" "$dir/dangling.ini: cannot read: No such file or directory"

# --- secret_file ---------------------------------------------------------------------------
# secret NAME PATH EXPECT [RUNNER...]: a config whose secret_file is PATH fails with EXPECT
secret() {
	local name=$1 path=$2 expect=$3 f="$dir/secret-$RANDOM.ini"
	shift 3
	printf '[quorum]\nnode_id = db1\nbind = 10.0.0.1:5405\n' >"$f"
	printf 'peers = db2@10.0.0.2:5405, db3@10.0.0.3:5405\nsecret_file = %s\n' "$path" >>"$f"
	chmod 644 "$f"
	check "secret_file: $name" "$f" "$f:5: section 'quorum', key 'secret_file': $expect" "$@"
}
mkdir -m 700 "$dir/keydir"
secret "a directory" "$dir/keydir" "'$dir/keydir' is not a regular file"
mkfifo -m 600 "$dir/key.fifo"
secret "a FIFO" "$dir/key.fifo" "'$dir/key.fifo' is not a regular file"
secret "/dev/zero" /dev/zero "'/dev/zero' is not a regular file"
ln -s "$dir/nowhere" "$dir/key.dangling"
secret "a dangling symlink" "$dir/key.dangling" "'$dir/key.dangling': No such file or directory"
install -m 600 /dev/null "$dir/key.empty"
secret "empty" "$dir/key.empty" "'$dir/key.empty' holds 0 bytes; a key needs at least 16"
printf 'short' >"$dir/key.short"
chmod 600 "$dir/key.short"
secret "too short" "$dir/key.short" "'$dir/key.short' holds 5 bytes; a key needs at least 16"
head -c 32 /dev/urandom | base64 >"$dir/key.open"
chmod 644 "$dir/key.open"
secret "readable by every user" "$dir/key.open" "'$dir/key.open' is accessible by every user (mode 0644)"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	head -c 32 /dev/urandom | base64 >"$dir/key.root"
	chmod 600 "$dir/key.root"
	secret "unreadable by the user checking it" "$dir/key.root" \
		"cannot read '$dir/key.root': Permission denied" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups
else
	echo "note: not root (or no setpriv): the unreadable secret is not checked"
fi
exit $fail
