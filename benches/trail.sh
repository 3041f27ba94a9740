#!/bin/sh
# Audit trail benchmark (issue 14): `shipboard build` of the 10,000-release bench content
# kept in a git repository with a history that changes release files, with two binaries
# (before: without audit trails; after: with them), so the difference is what reading
# the trails costs (`SHIPBOARD_TIMINGS=1` gives the history stage's own time). A benchmark, not a test: it prints wall times and asserts nothing.
#
#   benches/trail.sh BEFORE_BINARY AFTER_BINARY [BENCH_CONTENT] [RUNS]
#
# BENCH_CONTENT defaults to target/bench-content/releases-10000 (written by
# `cargo bench --bench build`); it is copied (without its own `.git`), never changed. The copy is the `content/`
# folder of a new repository (its system repositories in `content/repos/` are ignored)
# with 14 commits: all files; 1,000 release files with a new status; 1,000 with a moved
# window; 1,000 with a changed approval ticket; then 10 commits of one file each.
set -eu
before=$1
after=$2
source=${3:-target/bench-content/releases-10000}
runs=${4:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo"
cp -r "$source" "$work/repo/content"
# The generated content may be a repository of its own: this history replaces it.
rm -rf "$work/repo/content/.git"
cd "$work/repo"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
at=1780000000
commit() {
    at=$((at + 3600))
    GIT_AUTHOR_DATE="$at +0000" GIT_COMMITTER_DATE="$at +0000" \
        git -c commit.gpgsign=false commit -q -a -m "$1"
}
git init -q -b main
printf 'content/repos/\ncontent/public/\n' > .gitignore
git add -A
commit "All content"
files=$(ls content/releases | awk 'NR % 10 == 0')
for f in $files; do sed -i 's/^status: released$/status: rolled-back/' "content/releases/$f"; done
commit "1,000 status changes"
files=$(ls content/releases | awk 'NR % 10 == 1')
for f in $files; do sed -i 's/^  start: \(.*\) 20:00$/  start: \1 19:00/' "content/releases/$f"; done
commit "1,000 moved windows"
files=$(ls content/releases | awk 'NR % 10 == 2')
for f in $files; do sed -i '0,/ticket: REL-/s/ticket: REL-/ticket: REL-9/' "content/releases/$f"; done
commit "1,000 approval edits"
for i in 1 2 3 4 5 6 7 8 9 10; do
    f=content/releases/$(ls content/releases | awk -v n="$i" 'NR == n * 7')
    printf '\nEdit %s.\n' "$i" >> "$f"
    commit "Edit $i"
done
echo "content: $(ls content/releases | wc -l) release files, $(git rev-list --count HEAD) commits"
for binary in "$before" "$after"; do
    times=""
    history=""
    for run in $(seq "$runs"); do
        rm -rf "$work/out"
        start=$(date +%s.%N)
        if ! SHIPBOARD_TIMINGS=1 SOURCE_DATE_EPOCH=1796000000 "$binary" -q build content -o "$work/out" > "$work/log" 2>&1; then
            cat "$work/log"; exit 1
        fi
        end=$(date +%s.%N)
        times="$times $(echo "$end - $start" | bc)"
        history="$history $(sed -n 's/^timing: history \(.*\)$/\1/p' "$work/log" | head -1)"
    done
    echo "$binary: build$times s; history stage:$history"
done
