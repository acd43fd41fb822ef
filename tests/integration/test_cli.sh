#!/usr/bin/env bash
# test_cli.sh: the habits of the tools SREs know (issue 14): a URL operand
# as wrk takes it, -o/-t/-q meaning the same on every command, --version,
# a man page and shell completions generated from the flag tables of
# --help, and search step lines that fit a terminal.
source "$(dirname "$0")/lib.sh"

COMMANDS="run validate search usl forecast plan report compare drill testbed"

test_version() {
    "$CREST" --version | grep -qE '^crest [0-9]+\.[0-9]+' || fail "--version"
    assert_eq "$("$CREST" -V)" "$("$CREST" --version)" "-V is --version"
}

test_url_operand_and_short_flags() {
    start_testbed
    local rc=0
    "$CREST" run "$TESTBED_URL/cms/home" -R 50 -d 1s -t 1 -q --max-loop-lag 1s -o "$TMP/r.json" \
        > "$TMP/out" 2>&1 || rc=$?
    assert_eq "$rc" 0 "crest run URL -t 1 -q -o FILE"
    assert_eq "$(json "$TMP/r.json" .generator.threads)" 1 "-t is threads"
    assert_eq "$(wc -l < "$TMP/out")" 1 "-q prints one line"
    # -t is threads everywhere: report has no -t (its title is --title)
    rc=0
    "$CREST" report "$TMP/r.json" -t x -o "$TMP/rep" > /dev/null 2>&1 || rc=$?
    assert_eq "$rc" 2 "report -t is not a title"
    "$CREST" report "$TMP/r.json" --title "T" -q -o "$TMP/rep" > "$TMP/rep.out"
    assert_eq "$(wc -c < "$TMP/rep.out")" 0 "report -q prints nothing"
}

# Every flag --help lists is in the man page and in both completions.
test_manpage_and_completion_follow_help() {
    "$CREST" manpage > "$TMP/crest.1"
    man -l "$TMP/crest.1" > "$TMP/man.txt" 2> /dev/null || fail "man cannot render the page"
    "$CREST" completion bash > "$TMP/c.bash"
    bash -n "$TMP/c.bash" || fail "bash completion does not parse"
    "$CREST" completion zsh > "$TMP/c.zsh"
    local cmd flag n=0
    for cmd in $COMMANDS; do
        grep -q "crest $cmd" "$TMP/man.txt" || fail "man page lacks crest $cmd"
        for flag in $("$CREST" "$cmd" --help | grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
            grep -q -- "$flag" "$TMP/man.txt" || fail "man page lacks $cmd $flag"
            grep -q -- "$flag" "$TMP/c.bash" || fail "bash completion lacks $cmd $flag"
            grep -q -- "$flag" "$TMP/c.zsh" || fail "zsh completion lacks $cmd $flag"
            n=$((n + 1))
        done
    done
    assert_cmp "$n > 60" "flags checked ($n)"
    # bash completes a subcommand's flags
    local got
    got=$(bash -c "source '$TMP/c.bash'; COMP_WORDS=(crest run --thr); COMP_CWORD=2; _crest; echo \${COMPREPLY[*]}")
    assert_eq "$got" "--threads --threshold" "completing crest run --thr"
    got=$(bash -c "source '$TMP/c.bash'; COMP_WORDS=(crest dri); COMP_CWORD=1; _crest; echo \${COMPREPLY[*]}")
    assert_eq "$got" "drill" "completing crest dri"
    if command -v zsh > /dev/null; then zsh -n "$TMP/c.zsh" || fail "zsh completion does not parse"; fi
}

test_make_install_puts_the_man_page() {
    local dest="$TMP/inst"
    make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/usr BIN="$CREST" > /dev/null
    [ -s "$dest/usr/share/man/man1/crest.1" ] || fail "no man page installed"
    [ -s "$dest/usr/share/bash-completion/completions/crest" ] || fail "no bash completion"
    [ -s "$dest/usr/share/zsh/site-functions/_crest" ] || fail "no zsh completion"
    MANPATH="$dest/usr/share/man" man -w crest | grep -q "$dest" || fail "man crest does not find it"
}

test_search_url_name_and_short_lines() {
    start_testbed
    local rc=0
    timeout 60 "$CREST" search "$TESTBED_URL/cms/home" --name cms --slo 'p99<50ms' --step 0.5s \
        --warmup 0.2s --pause 0.1s --start-rate 200 --max-rate 400 --max-loop-lag 1s \
        -o "$TMP/cap.json" > "$TMP/out" 2> "$TMP/err" || rc=$?
    assert_eq "$rc" 0 "exit code"
    assert_eq "$(json "$TMP/cap.json" '.subsystems[0].name')" "cms" "capacity.json names the subsystem"
    assert_eq "$(grep -c "$TESTBED_URL" "$TMP/err")" 1 "the URL is said once"
    local longest
    longest=$(cat "$TMP/err" "$TMP/out" | awk '{ if (length($0) > m) m = length($0) } END { print m }')
    assert_cmp "$longest < 120" "longest search line ($longest columns)"
}

run_tests
