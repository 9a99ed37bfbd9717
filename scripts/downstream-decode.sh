#!/usr/bin/env bash
# Decoding speed as a user's crate sees it, for two commits side by side.
#
#   bash scripts/downstream-decode.sh [OLD_COMMIT] [NEW_COMMIT]     (default: db78376 HEAD)
#
# The same harness (benches/downstream/harness: a crate outside trueconf-api that depends on it
# by path) is built in release with cargo's default settings against a git worktree of each
# commit, with the dependency versions of this checkout's Cargo.lock for both. Both builds read
# the same corpora (benches/downstream/corpora writes the messages of benches/decode.rs) and
# run in this session, in alternating order, ROUNDS times (default 3): each run measures
# `typed`, `dispatch`, `value` and the `IgnoredAny` floor interleaved on (a) the documented
# server→client examples both commits type, (b) the 10,000-record history and (c) the 100,000
# progress notifications. Printed: each decoder's time as a multiple of the floor, and value ÷
# typed / value ÷ dispatch, over the rounds (min–max, median).
#
# Then, unless CALLGRIND=0, instruction counts per message of corpus (c) for each commit and
# decoder (valgrind --tool=callgrind, counting only the decode loop): repeatable where the
# wall-clock figures are not. The callgrind files stay in target/downstream-decode/ for
# callgrind_annotate (the command is printed).
#
# Environment: ROUNDS (3), SECONDS_PER_CORPUS (3, the time budget of each corpus in each run),
# CALLGRIND (1). Work files, worktrees and builds go to target/downstream-decode/.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
old_rev=${1:-db78376}
new_rev=${2:-HEAD}
rounds=${ROUNDS:-3}
budget=${SECONDS_PER_CORPUS:-3}
work="$repo/target/downstream-decode"
mkdir -p "$work"
# As a user builds: no flags or target folder of ours leak into the builds.
unset CARGO_TARGET_DIR RUSTFLAGS CARGO_ENCODED_RUSTFLAGS CARGO_BUILD_RUSTFLAGS
unset CARGO_PROFILE_RELEASE_LTO CARGO_PROFILE_RELEASE_CODEGEN_UNITS CARGO_PROFILE_RELEASE_OPT_LEVEL

# The corpora, from this checkout.
echo "writing the corpora …" >&2
(cd benches/downstream/corpora &&
    CARGO_TARGET_DIR="$work/corpora-target" cargo build --release --quiet)
"$work/corpora-target/release/decode-downstream-corpora" schema "$work/corpus-all"

# remove_tree DIR: our worktree at DIR, if there is one (and nothing else).
remove_tree() {
    if git worktree list --porcelain | grep -qx "worktree $1"; then
        git worktree remove --force "$1"
    fi
    rm -rf "$1"
}
# The worktrees go when the script ends; the builds stay (for callgrind_annotate).
trap 'remove_tree "$work/old-tree"; remove_tree "$work/new-tree"' EXIT

# build LABEL REV: a worktree of REV and the harness built against it; prints the binary.
build() {
    local label=$1 rev=$2 dir="$work/$1"
    local commit
    commit=$(git rev-parse --verify "$rev^{commit}")
    remove_tree "$work/$label-tree"
    mkdir -p "$dir"
    git worktree add --detach --quiet "$work/$label-tree" "$commit"
    # The harness manifest, pointed at this tree and at the harness source in this checkout.
    sed -e "s|^trueconf-api = { path = \"../../..\" }|trueconf-api = { path = \"$work/$label-tree\" }|" \
        -e "s|^path = \"src/main.rs\"|path = \"$repo/benches/downstream/harness/src/main.rs\"|" \
        benches/downstream/harness/Cargo.toml >"$dir/Cargo.toml"
    grep -q "path = \"$work/$label-tree\"" "$dir/Cargo.toml" || { echo "manifest rewrite failed" >&2; exit 1; }
    cp Cargo.lock "$dir/Cargo.lock"
    echo "building the harness against $rev ($commit) …" >&2
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --release --quiet)
    echo "$label $rev $commit serde_json $(awk '/^name = "serde_json"/ { getline; print $3 }' "$dir/Cargo.lock" | tr -d '"')" >>"$work/builds.txt"
}

: >"$work/builds.txt"
build old "$old_rev"
build new "$new_rev"
old_bin="$work/old/target/release/decode-downstream"
new_bin="$work/new/target/release/decode-downstream"

# Corpus (a): the documented examples both commits type (the definitions grow between commits).
mkdir -p "$work/corpus"
"$old_bin" typable "$work/corpus-all/a.jsonl" >"$work/old/typable"
"$new_bin" typable "$work/corpus-all/a.jsonl" >"$work/new/typable"
awk 'FNR == NR { keep[$1] = 1; next } ($1 in keep)' "$work/old/typable" "$work/new/typable" >"$work/typable"
awk 'FNR == NR { keep[$1 + 1] = 1; next } (FNR in keep)' "$work/typable" "$work/corpus-all/a.jsonl" >"$work/corpus/a.jsonl"
cp "$work/corpus-all/b.jsonl" "$work/corpus-all/c.jsonl" "$work/corpus/"
echo "corpus (a): $(wc -l <"$work/corpus/a.jsonl") of $(wc -l <"$work/corpus-all/a.jsonl") documented examples typed by both" \
    "(old $(wc -l <"$work/old/typable"), new $(wc -l <"$work/new/typable"))" >&2

# Interleaved rounds, the two builds in alternating order.
results="$work/results.tsv"
: >"$results"
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then order="old new"; else order="new old"; fi
    for label in $order; do
        echo "round $round/$rounds: $label …" >&2
        "$work/$label/target/release/decode-downstream" measure "$work/corpus" "$budget" |
            awk -v label="$label" -v round="$round" '{ print label "\t" round "\t" $0 }' >>"$results"
    done
done

echo
while read -r label rev commit _ version; do
    echo "$label = $rev (${commit:0:7}), serde_json $version"
done <"$work/builds.txt"
echo "release build, cargo's default profile, $(rustc --version | cut -d' ' -f2); $rounds rounds, $(nproc) cores"
echo
# Per round: each decoder ÷ the floor, value ÷ typed, value ÷ dispatch; then min–max and
# median over the rounds.
awk -F'\t' '
    { ns[$1, $2, $3, $4] = $5; messages[$3] = $6; rounds[$2] = 1; corpora[$3] = 1 }
    function sort(values, n,    i, j, t) {
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
            if (values[j] < values[i]) { t = values[i]; values[i] = values[j]; values[j] = t }
    }
    function median(values, n) {
        sort(values, n)
        return (n % 2) ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
    }
    function spread(values, n,    mid) {
        mid = median(values, n)
        return sprintf("%.2f–%.2f (%.2f)", values[1], values[n], mid)
    }
    END {
        title["a"] = "(a) documented examples"
        title["b"] = "(b) history, 10,000 records"
        title["c"] = "(c) 100,000 notifications"
        print "| corpus | build | typed × floor | dispatch × floor | value × floor | value ÷ typed | value ÷ dispatch | typed, per message |"
        print "|---|---|---|---|---|---|---|---|"
        split("a b c", names, " ")
        split("old new", labels, " ")
        for (c = 1; c <= 3; c++) {
            corpus = names[c]
            if (!(corpus in corpora)) continue
            for (l = 1; l <= 2; l++) {
                label = labels[l]
                n = 0
                for (r in rounds) {
                    n++
                    f = ns[label, r, corpus, "floor"]
                    ty[n] = ns[label, r, corpus, "typed"] / f
                    di[n] = ns[label, r, corpus, "dispatch"] / f
                    va[n] = ns[label, r, corpus, "value"] / f
                    vt[n] = ns[label, r, corpus, "value"] / ns[label, r, corpus, "typed"]
                    vd[n] = ns[label, r, corpus, "value"] / ns[label, r, corpus, "dispatch"]
                    per[n] = ns[label, r, corpus, "typed"] / messages[corpus]
                }
                printf "| %s | %s | %s | %s | %s | %s | %s | %.0f ns |\n", title[corpus], label,
                    spread(ty, n), spread(di, n), spread(va, n), spread(vt, n), spread(vd, n),
                    median(per, n)
            }
        }
    }' "$results"
echo "(min–max over the rounds, median in brackets; raw medians in $results)"

[ "${CALLGRIND:-1}" = 0 ] && exit 0
command -v valgrind >/dev/null || { echo "valgrind not found: no instruction counts" >&2; exit 0; }
echo
echo "instructions per message, corpus (c), valgrind --tool=callgrind (decode loop only):"
echo "| decoder | old | new | new ÷ old |"
echo "|---|---|---|---|"
messages=$(wc -l <"$work/corpus/c.jsonl")
for decoder in typed dispatch value floor; do
    for label in old new; do
        out="$work/callgrind.$label.$decoder"
        valgrind --tool=callgrind --toggle-collect='*measured_passes*' --callgrind-out-file="$out" \
            "$work/$label/target/release/decode-downstream" loop "$work/corpus/c.jsonl" "$decoder" 1 \
            >/dev/null 2>&1
        eval "ir_$label=$(awk '/^summary:/ { print $2 }' "$out")"
    done
    # shellcheck disable=SC2154 # set by the eval above
    awk -v d="$decoder" -v a="$ir_old" -v b="$ir_new" -v n="$messages" \
        'BEGIN { printf "| %s | %.0f | %.0f | %.3f |\n", d, a / n, b / n, b / a }'
done
echo "(per function: callgrind_annotate $work/callgrind.new.typed)"
