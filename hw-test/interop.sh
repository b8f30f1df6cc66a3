#!/usr/bin/env bash
# hw-test/interop.sh: bypass on DPDK (af_packet over the rig's veths) against peers no one here wrote:
# the Linux kernel's TCP/IP, ping, curl, wrk, nc and python's http.server.
#
# Brings the rig up (hw-test/rig.sh, two resources), starts `./bypass serve` on resource 0 under Epsilon GC
# with a heap just above its start-up need (any steady-state allocation would exhaust it), runs the cases,
# tears everything down, and prints one line per case and `N passed, N failed`. bypass serves on two
# resources (veths 0 and 1) and the public IP; the stack as a client (`get`, `send`) runs in a second
# process on resource 2. A third bypass process, the client stack (`connect`), runs in a namespace of its
# own (P-cli) on two resources of its own, routed to the host by the kernel in P-peer; it connects by the
# public tuple through the connect query.
#
# usage: hw-test/interop.sh [--prefix P] [--heap SIZE] [--bulk SIZE] [--keep-logs DIR]
#   --prefix P      rig name prefix (default bpi; interfaces P{d,p,c,g}N, namespaces P-dut, P-peer, P-cli)
#   --heap SIZE     the serving JVM's whole heap under Epsilon GC (default 80m)
#   --bulk SIZE     bytes of the nc and send cases (default 1g: 1 GiB)
#   --keep-logs DIR keep the logs and the capture there
# Exit: 0 all passed, 1 a case failed, 2 cannot run (not root, missing tools, no DPDK shim).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=bpi
HEAP=80m
BULK=1g
KEEP=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX="$2"; shift 2 ;;
        --heap) HEAP="$2"; shift 2 ;;
        --bulk) BULK="$2"; shift 2 ;;
        --keep-logs) KEEP="$2"; shift 2 ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "interop: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

cannot() { echo "interop: cannot run: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || cannot "needs root (network namespaces, DPDK's af_packet)"
for tool in ip ethtool curl nc wrk python3 sha256sum tcpdump tshark ping xargs; do
    command -v "$tool" >/dev/null 2>&1 || cannot "'$tool' is not installed"
done
pkg-config --exists libdpdk 2>/dev/null || cannot "libdpdk is not installed (apt-get install -y dpdk dpdk-dev libdpdk-dev)"

WORK="$(mktemp -d /tmp/bypass-interop.XXXXXX)"
DUT="$PREFIX-dut"
PEER="$PREFIX-peer"
# The host's own kernel, which keeps its networking through bypass's exception path. On a real host it
# does not see the NIC's frames (DPDK owns the NIC); on the rig the dut namespace's kernel does see the
# veth's, so the host kernel gets a namespace of its own.
HOST="$PREFIX-host"
SERVE_PID=""
PIDS=()
passed=0
failed=0

cleanup() {
    set +e
    for pid in "${PIDS[@]}" $SERVE_PID; do
        kill "$pid" 2>/dev/null
    done
    sleep 0.5
    for pid in "${PIDS[@]}" $SERVE_PID; do
        kill -9 "$pid" 2>/dev/null
    done
    "$ROOT/hw-test/rig.sh" down --prefix "$PREFIX" >/dev/null 2>&1
    for pid in $(ip netns pids "$HOST" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$HOST" 2>/dev/null
    if [ -n "$KEEP" ]; then
        mkdir -p "$KEEP" && cp -r "$WORK"/. "$KEEP"/
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

result() { # result NAME OK DETAIL
    if [ "$2" = 0 ]; then
        passed=$((passed + 1)); echo "PASS $1: $3"
    else
        failed=$((failed + 1)); echo "FAIL $1: $3"
    fi
}
ok() { if "$@"; then echo 0; else echo 1; fi; }
# 0 if each pair of arguments (got want got want ...) is equal, else 1: several conditions for result.
all_equal() { while [ $# -ge 2 ]; do [ "$1" = "$2" ] || { echo 1; return; }; shift 2; done; echo 0; }
in_peer() { ip netns exec "$PEER" "$@"; }
in_host() { ip netns exec "$HOST" "$@"; }
in_dut() { ip netns exec "$DUT" "$@"; }
bytes_of() { "$ROOT/bypass" pattern --sha256 "$1"; }

# ---------------------------------------------------------------------------------------- set-up
if [ -z "${BYPASS_CLASSPATH:-}" ]; then # else the caller (the test suite) built the classes
    "$ROOT/bypass" build >/dev/null 2>&1 || { "$ROOT/bypass" build; cannot "the build failed"; }
fi
[ -f "$ROOT/native/target/libbypass_dpdk.so" ] || cannot "the DPDK shim native/target/libbypass_dpdk.so was not built"
"$ROOT/hw-test/rig.sh" up --prefix "$PREFIX" --resources 3 --client-resources 2 --env-file "$WORK/rig.env" >"$WORK/rig.log" 2>&1 \
    || { cat "$WORK/rig.log" >&2; cannot "rig.sh up failed"; }
# shellcheck disable=SC1091
. "$WORK/rig.env"
ip netns add "$HOST" || cannot "cannot create namespace $HOST"
ip -n "$HOST" link set lo up
SERVER="$BYPASS_RIG_DUT_IP_0"
CLIENT_PEER="$BYPASS_RIG_PEER_IP_2"
CLI="$BYPASS_RIG_CLIENT_NS"
BULK_BYTES=$(python3 -c "
import sys; t=sys.argv[1].lower(); m={'k':1<<10,'m':1<<20,'g':1<<30}
print(int(float(t[:-1])*m[t[-1]]) if t[-1] in m else int(t))" "$BULK")

cat >"$WORK/serve.conf" <<EOF
[stack]
name = "interop"
counters-file = "$WORK/serve.counters"
public-ip = "$BYPASS_RIG_PUBLIC_IP"

[eal]
file-prefix = "$PREFIX-serve"

[resource.r0]
driver = "dpdk"
af-packet = "$BYPASS_RIG_DUT_IF_0"
address = "$SERVER/$BYPASS_RIG_PREFIX_LEN"
mac = "$BYPASS_RIG_DUT_MAC_0"
exception-tap = "${PREFIX}k0"
exception-netns = "$HOST"
routes = ["$BYPASS_RIG_CLIENT_ROUTE via $BYPASS_RIG_PEER_IP_0"]

[resource.r1]
driver = "dpdk"
af-packet = "$BYPASS_RIG_DUT_IF_1"
address = "$BYPASS_RIG_DUT_IP_1/$BYPASS_RIG_PREFIX_LEN"
mac = "$BYPASS_RIG_DUT_MAC_1"
routes = ["$BYPASS_RIG_CLIENT_ROUTE via $BYPASS_RIG_PEER_IP_1"]
EOF
cat >"$WORK/client.conf" <<EOF
[stack]
name = "interop-client"
counters-file = "none"

[eal]
file-prefix = "$PREFIX-client"

[resource.r2]
driver = "dpdk"
af-packet = "$BYPASS_RIG_DUT_IF_2"
address = "$BYPASS_RIG_DUT_IP_2/$BYPASS_RIG_PREFIX_LEN"
mac = "$BYPASS_RIG_DUT_MAC_2"
EOF
# The client stack in its own namespace: two resources, each with a route to the rig's addresses via its
# kernel gateway (the peer namespace forwards).
cat >"$WORK/connect.conf" <<EOF
[stack]
name = "interop-connect"
counters-file = "none"

[eal]
file-prefix = "$PREFIX-connect"

[resource.c0]
driver = "dpdk"
af-packet = "$BYPASS_RIG_CLIENT_IF_0"
address = "$BYPASS_RIG_CLIENT_IP_0/$BYPASS_RIG_PREFIX_LEN"
mac = "$BYPASS_RIG_CLIENT_MAC_0"
routes = ["$BYPASS_RIG_CLIENT_ROUTE via $BYPASS_RIG_GW_IP_0"]

[resource.c1]
driver = "dpdk"
af-packet = "$BYPASS_RIG_CLIENT_IF_1"
address = "$BYPASS_RIG_CLIENT_IP_1/$BYPASS_RIG_PREFIX_LEN"
mac = "$BYPASS_RIG_CLIENT_MAC_1"
routes = ["$BYPASS_RIG_CLIENT_ROUTE via $BYPASS_RIG_GW_IP_1"]
EOF

EPSILON="-XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms$HEAP -Xmx$HEAP -XX:+AlwaysPreTouch"
EPSILON="$EPSILON -Xlog:gc*=info:file=$WORK/serve-gc.log"
ip netns exec "$DUT" env BYPASS_JAVA_OPTS="$EPSILON" "$ROOT/bypass" serve --config "$WORK/serve.conf" \
    >"$WORK/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 120); do
    grep -q '^ready' "$WORK/serve.log" 2>/dev/null && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.5
done
if ! grep -q '^ready' "$WORK/serve.log"; then
    cat "$WORK/serve.log" >&2
    cannot "bypass serve did not start"
fi
echo "# bypass serve on DPDK af_packet $BYPASS_RIG_DUT_IF_0 ($SERVER), Epsilon GC heap $HEAP; kernel peer in $PEER"

# A capture on the peer's side of the link (its checksums are complete: tx offloads are off there).
ip netns exec "$PEER" tcpdump -i "$BYPASS_RIG_PEER_IF_0" -B 65536 -w "$WORK/peer.pcap" -U \
    "host $SERVER and (icmp or tcp port 80)" >"$WORK/tcpdump.log" 2>&1 &
CAPTURE_PID=$!
PIDS+=("$CAPTURE_PID")
sleep 1

# ------------------------------------------------------------------------------------------ cases
# 1. ping: 1000 echo requests, none lost.
out=$(in_peer ping -c 1000 -i 0.002 -W 2 -q "$SERVER" 2>&1) || true
echo "$out" >"$WORK/ping.log"
if echo "$out" | grep -q ' 1000 received, 0% packet loss'; then
    result ping 0 "1000 requests, 0% loss, $(echo "$out" | grep -o 'rtt.*')"
else
    result ping 1 "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
fi

# 2. A 10 MiB curl while the peer's side is captured; then tshark judges the capture (ping and this
#    download): no malformed frame, no bad checksum, no TCP anomaly (retransmission, loss, reordering).
want=$(bytes_of 10485760)
got=$(in_peer bash -c "set -o pipefail; curl -sS --fail --max-time 60 http://$SERVER/bytes/10485760 | sha256sum" 2>&1 \
    | cut -d' ' -f1) || true
result curl-10MiB "$(ok [ "$got" = "$want" ])" "sha256 ${got:0:16}... (expected ${want:0:16}...)"
sleep 1
kill "$CAPTURE_PID" 2>/dev/null || true
wait "$CAPTURE_PID" 2>/dev/null || true
PCAP_CHECK="$ROOT/../shared/tools/pcap-check"
if [ -x "$PCAP_CHECK" ]; then
    rc=0
    verdict=$("$PCAP_CHECK" "$WORK/peer.pcap" 2>&1) || rc=1
else
    n() { tshark -r "$WORK/peer.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE -Y "$1" 2>/dev/null | wc -l; }
    frames=$(n frame); bad=$(n '_ws.malformed || _ws.expert.severity == error')
    anom=$(n 'tcp.analysis.retransmission || tcp.analysis.out_of_order || tcp.analysis.lost_segment || tcp.analysis.duplicate_ack')
    verdict="frames=$frames malformed_or_errors=$bad tcp_anomalies=$anom"
    rc=$(ok test "$frames" -gt 0 -a "$bad" -eq 0 -a "$anom" -eq 0)
fi
result capture "$rc" "$(echo "$verdict" | head -n 1); tcpdump: $(grep -o '[0-9]* packets dropped by kernel' "$WORK/tcpdump.log" || echo '?')"

# 3. curl of 100 MiB, sha256 against the pattern's.
want=$(bytes_of 104857600)
start=$(date +%s.%N)
got=$(in_peer bash -c "set -o pipefail; curl -sS --fail --max-time 120 http://$SERVER/bytes/104857600 | sha256sum" 2>&1 \
    | cut -d' ' -f1) || true
secs=$(python3 -c "import time,sys; print(f'{time.time()-float(sys.argv[1]):.2f}')" "$start")
result curl-100MiB "$(ok [ "$got" = "$want" ])" "sha256 ${got:0:16}... (expected ${want:0:16}...), ${secs} s"

# 3b. The host's public IP (answered by resource 0 beside its private IP; the peer routes it there).
want=$(bytes_of 1048576)
got=$(in_peer bash -c "set -o pipefail; curl -sS --fail --max-time 30 http://$BYPASS_RIG_PUBLIC_IP/bytes/1048576 | sha256sum" \
    2>&1 | cut -d' ' -f1) || true
result curl-public-ip "$(ok [ "$got" = "$want" ])" "http://$BYPASS_RIG_PUBLIC_IP/ (the public tuple): sha256 ${got:0:16}..."

# 3c. The kernel-side client library: a plain JVM in the peer asks the connect query on the public IP and
#     opens 40 connections straight to the bypass tuples, round-robin: 20 on each resource.
in_peer "$ROOT/bypass" query "$BYPASS_RIG_PUBLIC_IP:80" --connections 40 >"$WORK/query.log" 2>&1 || true
on0=$(awk -v t="$SERVER:80" '$1 == t {print $2}' "$WORK/query.log")
on1=$(awk -v t="$BYPASS_RIG_DUT_IP_1:80" '$1 == t {print $2}' "$WORK/query.log")
result nio-connect-query "$(all_equal "${on0:-0}" 20 "${on1:-0}" 20)" \
    "40 connections via $BYPASS_RIG_PUBLIC_IP:80: ${on0:-0} on $SERVER, ${on1:-0} on $BYPASS_RIG_DUT_IP_1"

# 3d. The client stack: a bypass process in its own namespace on two resources of its own connects 40 times by
#     the public tuple through the connect query (the ring socket API: a round-robin chooser over its resources,
#     round-robin over the bypass tuples on each), GETs 64 KiB on each and checks the bytes: 20 connections on
#     each client resource, 20 on each of the host's resources, no fallback to the public tuple.
rc=0
ip netns exec "$CLI" "$ROOT/bypass" connect "$BYPASS_RIG_PUBLIC_IP:80" --connections 40 --get /bytes/65536 \
    --config "$WORK/connect.conf" >"$WORK/connect.log" 2>&1 || rc=$?
field() { awk -v k="$1" '$1 == "result" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' \
    "$WORK/connect.log"; }
count() { awk -v a="$1" -v b="$2" '$1 == a && $2 == b {print $NF}' "$WORK/connect.log"; }
s0=$(count server-tuple "$SERVER:80"); s1=$(count server-tuple "$BYPASS_RIG_DUT_IP_1:80")
c0=$(count client-resource c0); c1=$(count client-resource c1)
verified=$(field verified); fallbacks=$(field fallbacks); queries=$(field queries)
result stack-client-query "$(all_equal "$rc" 0 "${verified:-0}" 40 "${fallbacks:-x}" 0 "${s0:-0}" 20 "${s1:-0}" 20 \
    "${c0:-0}" 20 "${c1:-0}" 20)" \
    "40 connections from $CLI (c0 ${c0:-0}, c1 ${c1:-0}) via $BYPASS_RIG_PUBLIC_IP:80: ${s0:-0} on $SERVER, ${s1:-0} on $BYPASS_RIG_DUT_IP_1; ${verified:-0} of 40 GET /bytes/65536 byte-exact; queries ${queries:-?}, fallbacks ${fallbacks:-?}; exit $rc"

# 4. 100 curls at once, each 64 KiB, each checked.
want=$(bytes_of 65536)
in_peer bash -c "seq 1 100 | xargs -P 100 -I{} sh -c 'curl -sS --fail --max-time 60 http://$SERVER/bytes/65536 | sha256sum'" \
    >"$WORK/parallel.log" 2>&1 || true
good=$(grep -c "^$want " "$WORK/parallel.log" || true)
result curl-100-at-once "$(ok [ "$good" = 100 ])" "$good of 100 bodies byte-exact"

# 5. wrk for 10 s: no socket errors, no non-2xx answers.
in_peer wrk -t1 -c16 -d10s "http://$SERVER/bytes/1024" >"$WORK/wrk.log" 2>&1 || true
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.log")
rate=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.log")
if [ -n "$requests" ] && [ "$requests" -gt 0 ] && ! grep -qE 'Socket errors|Non-2xx' "$WORK/wrk.log"; then
    result wrk-10s 0 "$requests requests, $rate/s, 0 errors (16 connections, 1 KiB bodies)"
else
    result wrk-10s 1 "$(tr '\n' ' ' <"$WORK/wrk.log")"
fi

# 6. The bulk size each way at once through the echo service, with nc; byte-exact.
want=$(bytes_of "$BULK_BYTES")
start=$(date +%s.%N)
got=$(in_peer bash -c "set -o pipefail; '$ROOT/bypass' pattern $BULK_BYTES | nc -N $SERVER 7 | sha256sum" 2>&1 \
    | cut -d' ' -f1) || true
secs=$(python3 -c "import time,sys; print(f'{time.time()-float(sys.argv[1]):.2f}')" "$start")
result "nc-echo-$BULK" "$(ok [ "$got" = "$want" ])" "$BULK_BYTES bytes each way, sha256 ${got:0:16}... (expected ${want:0:16}...), ${secs} s"

# 7. The stack as a client of a kernel HTTP server (python http.server), second process on resource 1.
mkdir -p "$WORK/www"
"$ROOT/bypass" pattern 67108864 >"$WORK/www/blob.bin"
want=$(sha256sum "$WORK/www/blob.bin" | cut -d' ' -f1)
ip netns exec "$PEER" python3 -m http.server 8000 --bind "$CLIENT_PEER" --directory "$WORK/www" >"$WORK/http-server.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do in_peer bash -c "exec 3<>/dev/tcp/$CLIENT_PEER/8000" 2>/dev/null && break; sleep 0.2; done
in_dut "$ROOT/bypass" get "http://$CLIENT_PEER:8000/blob.bin" --sha256 --config "$WORK/client.conf" >"$WORK/get.log" 2>&1 || true
result get-64MiB "$(ok grep -q "$want" "$WORK/get.log")" "$(grep -m1 -iE 'sha-?256|bytes' "$WORK/get.log" | head -c 160)"

# 8. The stack sends the bulk size to a kernel nc.
want=$(bytes_of "$BULK_BYTES")
ip netns exec "$PEER" bash -c "nc -l $CLIENT_PEER 9100 | sha256sum > '$WORK/nc-sink.sha'" &
SINK_PID=$!
PIDS+=("$SINK_PID")
sleep 0.5
in_dut "$ROOT/bypass" send "$CLIENT_PEER:9100" --bytes "$BULK_BYTES" --config "$WORK/client.conf" >"$WORK/send.log" 2>&1 || true
wait "$SINK_PID" 2>/dev/null || true
got=$(cut -d' ' -f1 "$WORK/nc-sink.sha" 2>/dev/null || true)
result "send-$BULK-to-nc" "$(ok [ "$got" = "$want" ])" "kernel nc got sha256 ${got:0:16}... (expected ${want:0:16}...); $(grep -m1 -E 'MB/s|Gbit' "$WORK/send.log" | head -c 120)"

# 9. ssh-like traffic to the host's kernel through the exception path: a TCP service bypass does not claim.
mkdir -p "$WORK/host"
"$ROOT/bypass" pattern 1048576 >"$WORK/host/file"
want=$(sha256sum "$WORK/host/file" | cut -d' ' -f1)
ip netns exec "$HOST" python3 -m http.server 8022 --bind "$SERVER" --directory "$WORK/host" >"$WORK/host-http.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 50); do in_host bash -c "exec 3<>/dev/tcp/$SERVER/8022" 2>/dev/null && break; sleep 0.2; done
got=$(in_peer bash -c "set -o pipefail; curl -sS --fail --max-time 30 http://$SERVER:8022/file | sha256sum" 2>&1 | cut -d' ' -f1) || true
result exception-path "$(ok [ "$got" = "$want" ])" "peer -> $SERVER:8022 (the host kernel's service, through bypass): sha256 ${got:0:16}..."

# 10. No steady-state allocation: the serving JVM is still alive on its Epsilon heap, and stops cleanly.
heap=$(grep -o 'Heap: [^;]*' "$WORK/serve-gc.log" 2>/dev/null | tail -n 1 || true)
if kill -0 "$SERVE_PID" 2>/dev/null; then
    kill -TERM "$SERVE_PID"
    rc=0
    wait "$SERVE_PID" || rc=$?
    SERVE_PID=""
    result epsilon-gc "$(ok [ "$rc" = 0 ])" "serve ran every case on a $HEAP Epsilon heap and exited $rc on SIGTERM; ${heap:-no heap line}"
else
    result epsilon-gc 1 "serve died: $(tail -n 3 "$WORK/serve.log" | tr '\n' ' ')"
    SERVE_PID=""
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
