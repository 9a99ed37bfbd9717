#!/usr/bin/env bash
# Decoding speed as a user's crate sees it, for several commits side by side; the first one is
# the baseline the others are compared with.
#
#   bash scripts/downstream-decode.sh [BASELINE] [COMMIT…]      (default: db78376 main HEAD)
#
# The same harness (benches/downstream/harness: a crate outside trueconf-api that depends on it
# by path) is built in release with cargo's default settings against a git worktree of each
# commit, with the dependency versions of this checkout's Cargo.lock for all. Every build reads
# the same corpora (benches/downstream/corpora writes the messages of benches/decode.rs), and
# they run in this session, one after the other in rotating order, ROUNDS times (default 3):
# each run measures `typed`, `dispatch`, `value` and the `IgnoredAny` floor interleaved on (a)
# the documented server→client examples every commit types, (b) the 10,000-record history and
# (c) the 100,000 progress notifications. Printed: each decoder's time as a multiple of the
# floor, and value ÷ typed / value ÷ dispatch, over the rounds (min–max, median).
#
# Then, unless CALLGRIND=0, instructions per message (per record for (b)) of each corpus, commit
# and decoder (valgrind --tool=callgrind, counting only the decode loop): repeatable where the
# wall-clock figures are not. Each build's count, its multiple of the floor, and its ratio to
# the baseline; the script exits 1 when typed or dispatch of a later commit executes more
# instructions than the baseline's on any corpus (more than 0.05 %), naming them. The references
# (`value`, `floor`) are compiled in benches/downstream/reference, the same machine code in every
# build. The callgrind files stay in target/downstream-decode/ for callgrind_annotate.
#
# Environment: ROUNDS (3), SECONDS_PER_CORPUS (3, the time budget of each corpus in each run),
# CALLGRIND (1). Work files, worktrees (removed at the end) and builds go to
# target/downstream-decode/ (about 0.5 GB for three commits). Builds are --offline: the
# dependencies come from cargo's cache (build the crate once first); nothing is fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
if [ $# -eq 0 ]; then set -- db78376 main HEAD; fi
if [ $# -eq 1 ]; then set -- "$1" HEAD; fi
revs=("$@")
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
    CARGO_TARGET_DIR="$work/corpora-target" cargo build --release --quiet --offline)
"$work/corpora-target/release/decode-downstream-corpora" schema "$work/corpus-all"

# remove_tree DIR: our worktree at DIR, if there is one (and nothing else).
remove_tree() {
    if git worktree list --porcelain | grep -qx "worktree $1"; then
        git worktree remove --force "$1"
    fi
    rm -rf "$1"
}
# The worktrees go when the script ends; the builds stay (for callgrind_annotate).
cleanup() {
    local i
    for i in "${!revs[@]}"; do remove_tree "$work/tree-$i"; done
    git worktree prune
}
trap cleanup EXIT

# build INDEX REV: a worktree of REV and the harness built against it, in $work/build-INDEX.
build() {
    local index=$1 rev=$2 dir="$work/build-$1" tree="$work/tree-$1"
    local commit
    commit=$(git rev-parse --verify "$rev^{commit}")
    remove_tree "$tree"
    mkdir -p "$dir"
    git worktree add --detach --quiet "$tree" "$commit"
    # The harness manifest, pointed at this tree and at the harness source in this checkout.
    sed -e "s|^trueconf-api = { path = \"../../..\" }|trueconf-api = { path = \"$tree\" }|" \
        -e "s|^path = \"src/main.rs\"|path = \"$repo/benches/downstream/harness/src/main.rs\"|" \
        -e "s|path = \"../reference\"|path = \"$repo/benches/downstream/reference\"|" \
        benches/downstream/harness/Cargo.toml >"$dir/Cargo.toml"
    grep -q "path = \"$tree\"" "$dir/Cargo.toml" && grep -q "path = \"$repo/benches/downstream/reference\"" "$dir/Cargo.toml" ||
        { echo "manifest rewrite failed" >&2; exit 1; }
    cp Cargo.lock "$dir/Cargo.lock"
    echo "building the harness against $rev ($commit) …" >&2
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" cargo build --release --quiet --offline)
    printf '%s\t%s\t%s\t%s\n' "$index" "$rev" "$commit" \
        "$(awk '/^name = "serde_json"/ { getline; print $3 }' "$dir/Cargo.lock" | tr -d '"')" \
        >>"$work/builds.tsv"
}
binary() { echo "$work/build-$1/target/release/decode-downstream"; }

: >"$work/builds.tsv"
for i in "${!revs[@]}"; do build "$i" "${revs[$i]}"; done

# Corpus (a): the documented examples every commit types (the definitions grow over time).
mkdir -p "$work/corpus"
for i in "${!revs[@]}"; do
    "$(binary "$i")" typable "$work/corpus-all/a.jsonl" >"$work/build-$i/typable"
    if [ "$i" -eq 0 ]; then
        cp "$work/build-$i/typable" "$work/typable"
    else
        awk 'FNR == NR { keep[$1] = 1; next } ($1 in keep)' "$work/typable" "$work/build-$i/typable" >"$work/typable.next"
        mv "$work/typable.next" "$work/typable"
    fi
done
awk 'FNR == NR { keep[$1 + 1] = 1; next } (FNR in keep)' "$work/typable" "$work/corpus-all/a.jsonl" >"$work/corpus/a.jsonl"
cp "$work/corpus-all/b.jsonl" "$work/corpus-all/c.jsonl" "$work/corpus/"
echo "corpus (a): $(wc -l <"$work/corpus/a.jsonl") of $(wc -l <"$work/corpus-all/a.jsonl") documented examples, typed by every commit" >&2

# Rounds: every build once per round, the order rotating from round to round.
results="$work/results.tsv"
: >"$results"
count=${#revs[@]}
for round in $(seq 1 "$rounds"); do
    for offset in $(seq 0 $((count - 1))); do
        i=$(((round - 1 + offset) % count))
        echo "round $round/$rounds: ${revs[$i]} …" >&2
        "$(binary "$i")" measure "$work/corpus" "$budget" |
            awk -v build="$i" -v round="$round" '{ print build "\t" round "\t" $0 }' >>"$results"
    done
done

echo
while IFS=$'\t' read -r i rev commit version; do
    echo "build $i: $rev (${commit:0:7}), serde_json $version"
done <"$work/builds.tsv"
echo "release, cargo's default profile, rustc $(rustc --version | cut -d' ' -f2); $rounds rounds, $(nproc) cores"
echo "corpus (a): $(wc -l <"$work/corpus/a.jsonl") documented server→client examples typed by every build"
echo
# Per round: each decoder ÷ the floor, value ÷ typed, value ÷ dispatch; then min–max and
# median over the rounds.
awk -F'\t' -v builds="$count" '
    FNR == NR { name[$1] = $2 " (" substr($3, 1, 7) ")"; next }
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
        print "| corpus | build | typed × floor | dispatch × floor | value × floor | value ÷ typed | value ÷ dispatch |"
        print "|---|---|---|---|---|---|---|"
        split("a b c", names, " ")
        for (c = 1; c <= 3; c++) {
            corpus = names[c]
            if (!(corpus in corpora)) continue
            for (b = 0; b < builds; b++) {
                n = 0
                for (r in rounds) {
                    n++
                    f = ns[b, r, corpus, "floor"]
                    ty[n] = ns[b, r, corpus, "typed"] / f
                    di[n] = ns[b, r, corpus, "dispatch"] / f
                    va[n] = ns[b, r, corpus, "value"] / f
                    vt[n] = ns[b, r, corpus, "value"] / ns[b, r, corpus, "typed"]
                    vd[n] = ns[b, r, corpus, "value"] / ns[b, r, corpus, "dispatch"]
                }
                printf "| %s | %s | %s | %s | %s | %s | %s |\n", title[corpus], name[b],
                    spread(ty, n), spread(di, n), spread(va, n), spread(vt, n), spread(vd, n)
            }
        }
    }' "$work/builds.tsv" "$results"
echo "(min–max over the rounds, median in brackets; medians per pass in $results)"

[ "${CALLGRIND:-1}" = 0 ] && exit 0
command -v valgrind >/dev/null || { echo "valgrind not found: no instruction counts" >&2; exit 0; }
echo
echo "instructions per message (per record for (b)), valgrind --tool=callgrind, decode loop only:" >&2
counts="$work/instructions.tsv"
: >"$counts"
for corpus in a b c; do
    case $corpus in
        b) units=10000 ;; # records in the one history message
        *) units=$(wc -l <"$work/corpus/$corpus.jsonl") ;;
    esac
    for decoder in typed dispatch value floor; do
        for i in "${!revs[@]}"; do
            out="$work/callgrind.$i.$corpus.$decoder"
            valgrind --tool=callgrind --toggle-collect='*measured_passes*' --callgrind-out-file="$out" \
                "$(binary "$i")" loop "$work/corpus/$corpus.jsonl" "$decoder" 1 >/dev/null 2>&1
            printf '%s\t%s\t%s\t%s\t%s\n' "$i" "$corpus" "$decoder" \
                "$(awk '/^summary:/ { print $2 }' "$out")" "$units" >>"$counts"
        done
    done
done
# Per corpus and decoder: each build's instructions per message with its multiple of its own
# floor, then each later build's count ÷ the baseline's (above 1.000: slower than the baseline).
awk -F'\t' -v builds="$count" '
    FNR == NR { name[$1] = $2 " (" substr($3, 1, 7) ")"; next }
    { n[$1, $2, $3] = $4; units[$2] = $5 }
    END {
        header = "| corpus | decoder |"; rule = "|---|---|"
        for (b = 0; b < builds; b++) { header = header " " name[b] " |"; rule = rule "---|" }
        for (b = 1; b < builds; b++) { header = header " " name[b] " ÷ " name[0] " |"; rule = rule "---|" }
        print header; print rule
        split("a b c", corpora, " "); split("typed dispatch value floor", decoders, " ")
        for (c = 1; c <= 3; c++) for (d = 1; d <= 4; d++) {
            corpus = corpora[c]; decoder = decoders[d]
            line = sprintf("| (%s) | %s |", corpus, decoder)
            for (b = 0; b < builds; b++) {
                x = n[b, corpus, decoder]
                cell = sprintf(" %.0f", x / units[corpus])
                if (decoder != "floor") cell = cell sprintf(" (%.2f× floor)", x / n[b, corpus, "floor"])
                line = line cell " |"
            }
            for (b = 1; b < builds; b++) {
                r = n[b, corpus, decoder] / n[0, corpus, decoder]
                slow = r > 1.0005 && decoder != "floor"
                line = line sprintf(" %.3f%s |", r, slow ? " slower" : "")
                if (slow && (decoder == "typed" || decoder == "dispatch"))
                    slower = slower sprintf(" (%s) %s %s %.3f;", corpus, decoder, name[b], r)
            }
            print line
        }
        print ""
        for (c = 1; c <= 3; c++) {
            corpus = corpora[c]; line = sprintf("value ÷ typed, (%s):", corpus)
            for (b = 0; b < builds; b++)
                line = line sprintf(" %s %.2f;", name[b], n[b, corpus, "value"] / n[b, corpus, "typed"])
            print line
        }
        print ""
        if (slower == "") {
            print "no commit decodes with more instructions than " name[0] " (typed, dispatch)"
        } else {
            print "slower than " name[0] " (instructions):" slower
            exit 1
        }
    }' "$work/builds.tsv" "$counts" || verdict=1
echo "(counts in $counts; callgrind files: $work/callgrind.BUILD.CORPUS.DECODER, e.g."
echo " callgrind_annotate $work/callgrind.1.c.typed)"
exit "${verdict:-0}"
