#!/usr/bin/env bash
# hw-test/bench-veth.sh: the end-to-end benchmark over the rig's veth, bypass against the kernel in one run.
#
# The same client (bench's PingPongClient and BulkClient: plain Java NIO, one busy-polling thread, in the peer
# namespace) measures three servers over the same veth pair, one after the other:
#   bypass        ./bypass serve on DPDK af_packet (echo :7, discard :9); the peer's offloads off (af_packet
#                 cannot take the kernel's partial-checksum super-frames)
#   kernel-off    the kernel's TCP through Java NIO (bench's NioServer) on the same veth, offloads off on both
#                 ends: like for like with bypass
#   kernel-on     the same with the offloads as the kernel defaults them (checksum, TSO, GSO, GRO on)
# and prints a table: 64 B ping-pong round trip p50/p99/p99.9/max (HdrHistogram, closed loop) and bulk
# throughput to the discard service, with the ratio of each kernel row to bypass.
#
# usage: hw-test/bench-veth.sh [--prefix P] [--count N] [--bulk SIZE] [--idle STRATEGY]
#   --count N       recorded round trips per run (default 200000, after 50000 warm-up)
#   --bulk SIZE     bytes of the bulk run (default 1g)
#   --idle S        bypass's poll-thread idle strategy (default busy-spin)
# Exit: 0 done, 1 a run failed, 2 cannot run (not root, missing tools, no DPDK shim).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=bpb
COUNT=200000
WARMUP=50000
BULK=1g
IDLE=busy-spin
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX="$2"; shift 2 ;;
        --count) COUNT="$2"; shift 2 ;;
        --bulk) BULK="$2"; shift 2 ;;
        --idle) IDLE="$2"; shift 2 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench-veth: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
cannot() { echo "bench-veth: cannot run: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || cannot "needs root (network namespaces, DPDK's af_packet)"
for tool in ip ethtool python3; do command -v "$tool" >/dev/null 2>&1 || cannot "'$tool' is not installed"; done
pkg-config --exists libdpdk 2>/dev/null || cannot "libdpdk is not installed (apt-get install -y dpdk dpdk-dev libdpdk-dev)"

WORK="$(mktemp -d /tmp/bypass-bench.XXXXXX)"
DUT="$PREFIX-dut"
PEER="$PREFIX-peer"
SERVER_PID=""
cleanup() {
    set +e
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && sleep 1
    "$ROOT/hw-test/rig.sh" down --prefix "$PREFIX" >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"$ROOT/bypass" build >/dev/null 2>&1 || cannot "the build failed (./bypass build)"
JAR="$ROOT/bench/target/benchmarks.jar"
[ -f "$JAR" ] || cannot "no $JAR (./bypass build makes it)"
JAVA=$(find /usr/lib/jvm -maxdepth 3 -path '*25*/bin/java' 2>/dev/null | sort | head -n 1)
[ -n "${JAVA_HOME:-}" ] && "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]' && JAVA="$JAVA_HOME/bin/java"
[ -x "$JAVA" ] || cannot "no JDK 25 under /usr/lib/jvm or JAVA_HOME"
BULK_BYTES=$(python3 -c "
import sys; t=sys.argv[1].lower(); m={'k':1<<10,'m':1<<20,'g':1<<30}
print(int(float(t[:-1])*m[t[-1]]) if t[-1] in m else int(t))" "$BULK")

"$ROOT/hw-test/rig.sh" up --prefix "$PREFIX" --resources 1 --env-file "$WORK/rig.env" >"$WORK/rig.log" 2>&1 \
    || { cat "$WORK/rig.log" >&2; cannot "rig.sh up failed"; }
# shellcheck disable=SC1091
. "$WORK/rig.env"
SERVER="$BYPASS_RIG_DUT_IP_0"
DUT_IF="$BYPASS_RIG_DUT_IF_0"
PEER_IF="$BYPASS_RIG_PEER_IF_0"

client() { # client NAME: ping-pong then bulk from the peer; appends "NAME p50 p99 p999 max gbit" to results
    local name=$1 pp bulk
    pp=$(ip netns exec "$PEER" "$JAVA" -cp "$JAR" dev.bypass.bench.e2e.PingPongClient "$SERVER" 7 64 "$WARMUP" "$COUNT" \
        2>&1 | grep '^RESULT') || { echo "bench-veth: $name ping-pong failed" >&2; return 1; }
    bulk=$(ip netns exec "$PEER" "$JAVA" -cp "$JAR" dev.bypass.bench.e2e.BulkClient "$SERVER" 9 "$BULK_BYTES" \
        2>&1 | grep '^RESULT') || { echo "bench-veth: $name bulk failed" >&2; return 1; }
    echo "$name $pp $bulk" >>"$WORK/results"
    echo "# $name: $pp | $bulk"
}
wait_port() { # wait_port PORT: until something accepts on SERVER:PORT from the peer
    for _ in $(seq 1 100); do
        ip netns exec "$PEER" bash -c "exec 3<>/dev/tcp/$SERVER/$1" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

# ------------------------------------------------------------------------ bypass (peer offloads off)
cat >"$WORK/serve.conf" <<EOF
[stack]
name = "bench"
counters-file = "none"
idle = "$IDLE"

[services]
http = false
udp-echo = false

[eal]
file-prefix = "$PREFIX-serve"

[resource.r0]
driver = "dpdk"
af-packet = "$DUT_IF"
address = "$SERVER/$BYPASS_RIG_PREFIX_LEN"
mac = "$BYPASS_RIG_DUT_MAC_0"
EOF
ip netns exec "$DUT" "$ROOT/bypass" serve --config "$WORK/serve.conf" >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
wait_port 7 || { cat "$WORK/serve.log" >&2; cannot "bypass serve did not start"; }
client bypass
stop_server

# ------------------------------------------------------------- the kernel on the same veth, offloads off
ip -n "$DUT" addr add "$SERVER/$BYPASS_RIG_PREFIX_LEN" dev "$DUT_IF"
ip netns exec "$DUT" ethtool -K "$DUT_IF" tx off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$DUT" "$JAVA" -cp "$JAR" dev.bypass.bench.e2e.NioServer "$SERVER" 7 9 >"$WORK/nio.log" 2>&1 &
SERVER_PID=$!
wait_port 7 || cannot "the kernel NIO server did not start"
client kernel-off

# ------------------------------------------------------------ the same with the kernel's default offloads
ip netns exec "$DUT" ethtool -K "$DUT_IF" tx on tso on gso on gro on >/dev/null 2>&1 || true
ip netns exec "$PEER" ethtool -K "$PEER_IF" tx on tso on gso on gro on >/dev/null 2>&1 || true
client kernel-on
stop_server

# ---------------------------------------------------------------------------------------------- table
python3 - "$WORK/results" "$COUNT" "$BULK_BYTES" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    name = line.split()[0]
    kv = dict(re.findall(r'(\w+)=([\d.]+)', line))
    rows[name] = kv
b = rows['bypass']
print(f"\n64 B TCP ping-pong over the veth ({sys.argv[2]} round trips, closed loop) and bulk ({int(sys.argv[3]) >> 20} MiB):\n")
print("| server | p50 us | p99 us | p99.9 us | max us | bulk Gbit/s | p50 vs bypass | bulk vs bypass |")
print("|---|---|---|---|---|---|---|---|")
for name in ('bypass', 'kernel-off', 'kernel-on'):
    r = rows[name]
    p50 = float(r['p50_us']); g = float(r['gbit_per_s'])
    print(f"| {name} | {p50:.1f} | {float(r['p99_us']):.1f} | {float(r['p999_us']):.1f} | {float(r['max_us']):.1f} | {g:.2f} "
          f"| {p50 / float(b['p50_us']):.2f}x | {g / float(b['gbit_per_s']):.2f}x |")
PY
