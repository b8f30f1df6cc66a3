#!/usr/bin/env bash
# Runs packetdrill scripts against this machine's Linux kernel, each in a fresh network namespace.
#
#   hw-test/packetdrill/run-kernel.sh [options] SCRIPT_OR_DIR... [-- PACKETDRILL_OPTION...]
#
# One line per script (PASS / FAIL / SKIP and the reason), then "N passed, N failed, N skipped".
# Exit status: 0 when no script failed, 1 when one did, 2 when the rig could not run at all
# (not root, no packetdrill, no /dev/net/tun, no `ip netns`).
#
# Network rule: the rig touches only the namespaces it creates (named pdk-<pid>-<n>, deleted on
# exit) and gives packetdrill only addresses from 198.18.0.0/15: tun0 is 198.18.0.1/16, the
# remote end is 198.19.0.1, routed into tun0 and nowhere else; IPv6 is off in the namespace and
# there is no default route. Nothing outside those namespaces is changed.
#
# packetdrill itself is not part of this repository: build it from its own source checkout
# (gtests/net/packetdrill: ./configure && make) and pass --packetdrill, or put it on PATH,
# or set PACKETDRILL.

set -u

usage() {
    cat <<'EOF'
usage: run-kernel.sh [options] SCRIPT_OR_DIR... [-- PACKETDRILL_OPTION...]

  --packetdrill PATH   packetdrill binary (default: $PACKETDRILL, else `packetdrill` on PATH)
  -j, --jobs N         scripts run at once, each in its own namespace (default 1; timing-
                       sensitive scripts are steadier one at a time)
  --timeout SECS       a script still running after SECS fails (default 180)
  --logs DIR           keep each script's packetdrill output in DIR/<name>.log
  -v, --verbose        print packetdrill's whole output under every failure
  --default-cc NAME    congestion control each namespace starts with (default: cubic, Linux's
                       own default, which upstream's and our scripts assume; "none" keeps the
                       host's). See "Congestion control" below.
  -h, --help           this text

Directories are searched recursively for *.pkt. A script is run from its own directory (its
backquoted shell block, e.g. `../common/defaults.sh`, is relative to it). Scripts whose names end
in v6.pkt are skipped (the rig runs IPv4 only). Options after `--` go to packetdrill as they are.

Congestion control: a namespace other than the initial one may make only an algorithm listed in
the host-wide net.ipv4.tcp_allowed_congestion_control its default (new namespaces start with the
host's default). When the host does not allow NAME, the rig does not touch the host's list: it
preloads default-cc.c (built here with cc) into packetdrill, which sets TCP_CONGESTION=NAME on each
TCP socket the script creates while the namespace default is still the inherited one; a script's
own permitted sysctl (e.g. reno) or setsockopt(TCP_CONGESTION) still wins.
EOF
}

die2() { echo "run-kernel.sh: $*" >&2; exit 2; }

PD="${PACKETDRILL:-}"
JOBS=1
TIMEOUT=180
LOGS=""
VERBOSE=0
DEFAULT_CC=cubic
TARGETS=()
EXTRA=()

while [ $# -gt 0 ]; do
    case "$1" in
        --packetdrill) [ $# -ge 2 ] || die2 "--packetdrill needs a path"; PD="$2"; shift 2 ;;
        --packetdrill=*) PD="${1#*=}"; shift ;;
        -j|--jobs) [ $# -ge 2 ] || die2 "$1 needs a number"; JOBS="$2"; shift 2 ;;
        --jobs=*) JOBS="${1#*=}"; shift ;;
        --timeout) [ $# -ge 2 ] || die2 "--timeout needs seconds"; TIMEOUT="$2"; shift 2 ;;
        --timeout=*) TIMEOUT="${1#*=}"; shift ;;
        --logs) [ $# -ge 2 ] || die2 "--logs needs a directory"; LOGS="$2"; shift 2 ;;
        --logs=*) LOGS="${1#*=}"; shift ;;
        --default-cc) [ $# -ge 2 ] || die2 "--default-cc needs a name"; DEFAULT_CC="$2"; shift 2 ;;
        --default-cc=*) DEFAULT_CC="${1#*=}"; shift ;;
        -v|--verbose) VERBOSE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --) shift; EXTRA=("$@"); break ;;
        -*) usage >&2; die2 "unknown option $1" ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done

[ ${#TARGETS[@]} -gt 0 ] || { usage >&2; exit 2; }
case "$JOBS" in ''|*[!0-9]*|0) die2 "--jobs wants a positive number" ;; esac
case "$TIMEOUT" in ''|*[!0-9]*|0) die2 "--timeout wants a positive number of seconds" ;; esac

# --- requirements -------------------------------------------------------------------------------
if [ -z "$PD" ]; then
    PD="$(command -v packetdrill 2>/dev/null || true)"
    [ -n "$PD" ] || die2 "no packetdrill: pass --packetdrill PATH (build it from its source: cd gtests/net/packetdrill && ./configure && make)"
fi
[ -x "$PD" ] || die2 "packetdrill '$PD' is not an executable file"
PD="$(cd "$(dirname "$PD")" && pwd)/$(basename "$PD")"
[ "$(id -u)" = 0 ] || die2 "needs root (network namespaces, tun device, sysctls)"
[ -c /dev/net/tun ] || die2 "no /dev/net/tun"
command -v ip >/dev/null || die2 "no ip (iproute2)"
command -v timeout >/dev/null || die2 "no timeout (coreutils)"
if [ -n "$LOGS" ]; then mkdir -p "$LOGS" || die2 "cannot create $LOGS"; LOGS="$(cd "$LOGS" && pwd)"; fi

# --- collect scripts ------------------------------------------------------------------------------
SCRIPTS=()
for t in "${TARGETS[@]}"; do
    if [ -d "$t" ]; then
        while IFS= read -r f; do SCRIPTS+=("$f"); done < <(find "$t" -name '*.pkt' -type f | LC_ALL=C sort)
    elif [ -f "$t" ]; then
        SCRIPTS+=("$t")
    else
        die2 "no such script or directory: $t"
    fi
done
[ ${#SCRIPTS[@]} -gt 0 ] || die2 "no *.pkt under ${TARGETS[*]}"

# --- namespaces, cleanup ----------------------------------------------------------------------------
NS_PREFIX="pdk-$$-$RANDOM"
WORK="$(mktemp -d /tmp/run-kernel.XXXXXX)"
delete_ns() {
    local ns="$1" pid
    # Processes left inside one of our namespaces are ours (the script's shell block or packetdrill).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
}

cleanup() {
    local ns pid
    trap - EXIT INT TERM
    for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        case "$ns" in "$NS_PREFIX"-*) delete_ns "$ns" ;; esac
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- default congestion control ---------------------------------------------------------------------
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHIM=""
if [ "$DEFAULT_CC" != none ]; then
    case " $(cat /proc/sys/net/ipv4/tcp_available_congestion_control) " in
        *" $DEFAULT_CC "*) ;;
        *) die2 "congestion control '$DEFAULT_CC' is not available on this kernel" ;;
    esac
    case " $(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control) " in
        *" $DEFAULT_CC "*) ;;
        *) command -v cc >/dev/null || die2 "the host does not allow '$DEFAULT_CC' as a namespace default and there is no cc to build default-cc.c (or pass --default-cc none)"
           cc -shared -fPIC -O2 -o "$WORK/default-cc.so" "$HERE/default-cc.c" -ldl 2>"$WORK/cc.log" ||
               die2 "cannot build default-cc.c: $(head -3 "$WORK/cc.log")"
           SHIM="$WORK/default-cc.so"
           echo "note: the host allows only '$(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)' as a namespace default;" \
                "scripts' TCP sockets get $DEFAULT_CC per socket instead (default-cc.c)" ;;
    esac
fi

# --- one script ---------------------------------------------------------------------------------------
# Writes "STATUS<TAB>reason" to $WORK/<index>.res and the output to $WORK/<index>.log.
run_one() {
    local idx="$1" script="$2" ns="$NS_PREFIX-$1"
    local res="$WORK/$idx.res" log="$WORK/$idx.log"
    local dir base rc reason
    dir="$(cd "$(dirname "$script")" && pwd)"
    base="$(basename "$script")"
    case "$base" in
        *v6.pkt) printf 'SKIP\tIPv6 script (the rig runs IPv4 only)\n' > "$res"; : > "$log"; return ;;
    esac
    if ! ip netns add "$ns" 2>"$log"; then
        printf 'FAIL\tcannot create namespace %s: %s\n' "$ns" "$(head -1 "$log")" > "$res"; return
    fi
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
        >/dev/null 2>&1
    local preload=()
    if [ "$DEFAULT_CC" != none ]; then
        if [ -n "$SHIM" ]; then
            preload=(env LD_PRELOAD="$SHIM" PDK_DEFAULT_CC="$DEFAULT_CC"
                     PDK_INHERITED_CC="$(ip netns exec "$ns" cat /proc/sys/net/ipv4/tcp_congestion_control)")
        else
            ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_congestion_control="$DEFAULT_CC" >/dev/null
        fi
    fi
    (
        cd "$dir" &&
        exec timeout --kill-after=5 "$TIMEOUT" ip netns exec "$ns" ${preload[@]+"${preload[@]}"} "$PD" \
            --send_omit_free \
            --ip_version=ipv4 \
            --local_ip=198.18.0.1 \
            --gateway_ip=198.18.0.1 \
            --netmask_ip=255.255.0.0 \
            --remote_ip=198.19.0.1 \
            -D TFO_COOKIE=3021b9d889017eeb \
            -D CODE=host_unreachable \
            -D CMSG_LEVEL_IP=SOL_IP \
            -D CMSG_TYPE_RECVERR=IP_RECVERR \
            ${EXTRA[@]+"${EXTRA[@]}"} \
            "$base"
    ) > "$log" 2>&1
    rc=$?
    delete_ns "$ns"
    if [ $rc -eq 0 ]; then
        printf 'PASS\t\n' > "$res"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        printf 'FAIL\ttimed out after %ss\n' "$TIMEOUT" > "$res"
    else
        # packetdrill's own error line: "<script>:<line>: error ..." or the last thing it said.
        reason="$(grep -m1 -E "^$base:[0-9]+: " "$log")"
        [ -n "$reason" ] || reason="$(grep -v '^[[:space:]]*$' "$log" | tail -1)"
        [ -n "$reason" ] || reason="exit status $rc"
        printf 'FAIL\t%s\n' "${reason#"$base:"}" > "$res"
    fi
}

# --- run, print in order ------------------------------------------------------------------------------
passed=0; failed=0; skipped=0
n=${#SCRIPTS[@]}
next_print=0

print_done() {
    local i status reason name
    while [ $next_print -lt "$n" ] && [ -f "$WORK/$next_print.res" ]; do
        i=$next_print
        IFS=$'\t' read -r status reason < "$WORK/$i.res"
        name="${SCRIPTS[$i]}"
        case "$status" in
            PASS) passed=$((passed + 1)); echo "PASS $name" ;;
            SKIP) skipped=$((skipped + 1)); echo "SKIP $name: $reason" ;;
            *) failed=$((failed + 1)); echo "FAIL $name: $reason"
               if [ $VERBOSE = 1 ]; then sed 's/^/    | /' "$WORK/$i.log"; fi ;;
        esac
        if [ -n "$LOGS" ]; then
            cp "$WORK/$i.log" "$LOGS/$(echo "$name" | sed 's#^\./##; s#/#__#g').log"
        fi
        next_print=$((next_print + 1))
    done
}

for ((i = 0; i < n; i++)); do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
        wait -n 2>/dev/null || true
        print_done
    done
    run_one "$i" "${SCRIPTS[$i]}" &
done
wait
print_done

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
