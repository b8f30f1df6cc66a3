#!/usr/bin/env bash
# hw-test/bench-veth.sh: the end-to-end benchmark over the rig's veth, bypass against the kernel in one run.
#
# The same client (bench's VethClient over the e2e PingPongClient and BulkClient: plain Java NIO, one
# busy-polling thread, in the peer namespace) measures three servers over the same veth pair in turn:
#   bypass        ./bypass serve on DPDK af_packet (echo :7, discard :9); the peer's tx offloads off (af_packet
#                 cannot take the kernel's partial-checksum super-frames)
#   kernel-off    the kernel's TCP through Java NIO (bench's NioServer) on the same veth, offloads off on both
#                 ends: like for like with bypass (the target: bypass no worse than this)
#   kernel-on     the same with the offloads as the kernel defaults them (checksum, TSO, GSO, GRO on)
# Cases per server: ping-pong round trips of 64 B, 1 KiB and 16 KiB closed loop and open loop at fixed
# rates (coordinated omission corrected: latency from when each message was due), p50/p99/p99.9/max from
# HdrHistogram (the open-loop rates are the latency against offered load); bulk throughput to the discard
# service over one connection, with the server process's CPU over it (throughput per core); connections
# opened and closed per second.
#
# usage: hw-test/bench-veth.sh [--quick] [--out DIR] [--epsilon] [--heap SIZE] [--prefix P] [--count N]
#          [--warmup N] [--sizes LIST] [--rates LIST] [--open-seconds S] [--bulk SIZE] [--connections N]
#          [--idle STRATEGY]
#   --quick         a short run (under 2 minutes): count 2000, warm-up 500, rates 1000,10000, 0.5 s per
#                   open-loop rate, bulk 64m, 200 connections; options after it still apply
#   --out DIR       where veth.csv, veth.json, veth.md and summary.json go (default bench/results/veth)
#   --epsilon       run ./bypass serve under Epsilon GC (no collection) with a --heap SIZE heap (default
#                   256m) and report whether it survived the whole run
#   --count N       recorded closed-loop round trips per size (default 200000)
#   --warmup N      unrecorded round trips before them (default 50000)
#   --sizes LIST    message sizes, comma-separated (default 64,1024,16384)
#   --rates LIST    open-loop rates in messages/s (default 1000,5000,10000,20000,40000; empty: none)
#   --open-seconds S  seconds per open-loop rate (default 3; a fifth more as warm-up)
#   --bulk SIZE     bytes of the bulk run (default 1g; k, m, g suffixes)
#   --connections N connections opened and closed for the connection rate (default 5000)
#   --idle S        bypass's poll-thread idle strategy (default busy-spin)
#   --prefix P      the rig's name prefix (default bpb)
# BYPASS_CLASSPATH (for ./bypass serve) and BENCH_CLASSPATH (for the clients and the kernel's server), both
# set, run those class paths and skip the build; otherwise ./bypass build and bench/target/benchmarks.jar.
# Exit: 0 every case produced figures, 1 a case failed, 2 cannot run (not root, missing tools, no DPDK).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX=bpb
COUNT=200000
WARMUP=50000
SIZES=64,1024,16384
RATES=1000,5000,10000,20000,40000
OPEN_SECONDS=3
BULK=1g
CONNECTIONS=5000
IDLE=busy-spin
OUT="$ROOT/bench/results/veth"
EPSILON=0
HEAP=256m
QUICK=0
for arg in "$@"; do
    if [ "$arg" = --quick ]; then
        QUICK=1 COUNT=2000 WARMUP=500 RATES=1000,10000 OPEN_SECONDS=0.5 BULK=64m CONNECTIONS=200
    fi
done
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) shift ;;
        --epsilon) EPSILON=1; shift ;;
        --heap) HEAP="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        --prefix) PREFIX="$2"; shift 2 ;;
        --count) COUNT="$2"; shift 2 ;;
        --warmup) WARMUP="$2"; shift 2 ;;
        --sizes) SIZES="$2"; shift 2 ;;
        --rates) RATES="$2"; shift 2 ;;
        --open-seconds) OPEN_SECONDS="$2"; shift 2 ;;
        --bulk) BULK="$2"; shift 2 ;;
        --connections) CONNECTIONS="$2"; shift 2 ;;
        --idle) IDLE="$2"; shift 2 ;;
        -h|--help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

if [ -n "${BYPASS_CLASSPATH:-}" ] && [ -n "${BENCH_CLASSPATH:-}" ]; then
    CP="$BENCH_CLASSPATH"
else
    "$ROOT/bypass" build >/dev/null 2>&1 || cannot "the build failed (./bypass build)"
    CP="$ROOT/bench/target/benchmarks.jar"
    [ -f "$CP" ] || cannot "no $CP (./bypass build makes it)"
fi
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
# The connection-rate runs leave the client's side in TIME-WAIT: in the peer namespace only, reuse those
# ports for new outgoing connections and widen the port range, so three servers' runs do not run out.
ip netns exec "$PEER" sysctl -q -w net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65000" >/dev/null

client() { # client NAME: every case from the peer; appends "NAME RESULT ..." lines to results
    local name=$1 rc=0
    ip netns exec "$PEER" "$JAVA" -cp "$CP" dev.bypass.bench.veth.VethClient --server "$SERVER" --echo 7 --discard 9 \
        --sizes "$SIZES" --warmup "$WARMUP" --count "$COUNT" --rates "$RATES" --open-seconds "$OPEN_SECONDS" \
        --bulk "$BULK_BYTES" --connections "$CONNECTIONS" --server-pid "$SERVER_PID" >"$WORK/$name.out" 2>&1 || rc=$?
    grep -E '^(RESULT|FAILED)' "$WORK/$name.out" | sed "s/^/$name /" >>"$WORK/results" || true
    grep -E '^(RESULT|FAILED)' "$WORK/$name.out" | sed "s/^/# $name: /" || true
    if [ "$rc" != 0 ]; then
        echo "bench-veth: $name: the client exited $rc:" >&2
        tail -n 5 "$WORK/$name.out" >&2
    fi
}
wait_port() { # wait_port PORT: until something accepts on SERVER:PORT from the peer
    for _ in $(seq 1 150); do
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
: >"$WORK/results"

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
SERVE_OPTS="${BYPASS_JAVA_OPTS:-}"
if [ "$EPSILON" = 1 ]; then
    SERVE_OPTS="$SERVE_OPTS -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -Xms$HEAP -Xmx$HEAP -XX:+AlwaysPreTouch"
fi
echo "# bench-veth: bypass serve on DPDK af_packet $DUT_IF ($SERVER)${SERVE_OPTS:+, JVM options:$SERVE_OPTS}"
BYPASS_JAVA_OPTS="$SERVE_OPTS" ip netns exec "$DUT" "$ROOT/bypass" serve --config "$WORK/serve.conf" \
    >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
wait_port 7 || { cat "$WORK/serve.log" >&2; cannot "bypass serve did not start"; }
client bypass
SURVIVED=false
HEAP_USED=""
if kill -0 "$SERVER_PID" 2>/dev/null && ! grep -q OutOfMemoryError "$WORK/serve.log"; then
    SURVIVED=true
    # The heap in use at the end (under Epsilon: everything the server allocated over the run).
    HEAP_USED=$("$(dirname "$JAVA")/jcmd" "$SERVER_PID" GC.heap_info 2>/dev/null \
        | sed -n 's/.* used \([0-9]*\)K.*/\1/p' | head -n 1) || true
fi
echo "bypass epsilon=$EPSILON heap=$HEAP survived=$SURVIVED heap_used_kib=${HEAP_USED:-}" >"$WORK/server-status"
stop_server

# ------------------------------------------------------------- the kernel on the same veth, offloads off
ip -n "$DUT" addr add "$SERVER/$BYPASS_RIG_PREFIX_LEN" dev "$DUT_IF"
ip netns exec "$DUT" ethtool -K "$DUT_IF" tx off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$DUT" "$JAVA" -cp "$CP" dev.bypass.bench.e2e.NioServer "$SERVER" 7 9 >"$WORK/nio.log" 2>&1 &
SERVER_PID=$!
wait_port 7 || cannot "the kernel NIO server did not start"
client kernel-off

# ------------------------------------------------------------ the same with the kernel's default offloads
ip netns exec "$DUT" ethtool -K "$DUT_IF" tx on tso on gso on gro on >/dev/null 2>&1 || true
ip netns exec "$PEER" ethtool -K "$PEER_IF" tx on tso on gso on gro on >/dev/null 2>&1 || true
client kernel-on
stop_server

# --------------------------------------------------------------------------- veth.csv, .json, .md, summary
mkdir -p "$OUT"
python3 - "$WORK/results" "$WORK/server-status" "$OUT" "$SIZES" "$RATES" "$BULK_BYTES" "$CONNECTIONS" "$COUNT" \
    "$QUICK" "$OPEN_SECONDS" <<'PY'
import json, re, sys, os, datetime
results, status_file, out, sizes, rates, bulk, conns, count, quick, open_s = sys.argv[1:11]
sizes = [int(s) for s in sizes.split(',') if s]
rates = [int(r) for r in rates.split(',') if r]
servers = ['bypass', 'kernel-off', 'kernel-on']
cols = ['server', 'kind', 'size_bytes', 'rate_per_s', 'n', 'p50_us', 'p99_us', 'p999_us', 'max_us',
        'gbit_per_s', 'server_cores', 'gbit_per_core', 'conn_per_s']
rows, failed = [], []
for line in open(results):
    parts = line.split()
    if len(parts) < 3:
        continue
    server, tag, kind = parts[0], parts[1], parts[2]
    if tag == 'FAILED':
        failed.append(line.strip())
        continue
    kv = dict(re.findall(r'(\w+)=([\w.]+)', line))
    r = {'server': server, 'kind': kind}
    if kind in ('closed', 'open'):
        r.update(size_bytes=int(kv['size']), rate_per_s=int(kv['rate']), n=int(kv['n']),
                 **{k: float(kv[k]) for k in ('p50_us', 'p99_us', 'p999_us', 'max_us')})
    elif kind == 'bulk':
        r.update(size_bytes=int(kv['bytes']), gbit_per_s=float(kv['gbit_per_s']),
                 server_cores=float(kv['server_cores']),
                 gbit_per_core=None if kv['gbit_per_core'] == 'nan' else float(kv['gbit_per_core']))
    elif kind == 'connect':
        r.update(n=int(kv['n']), conn_per_s=float(kv['conn_per_s']), p50_us=float(kv['p50_us']),
                 p99_us=float(kv['p99_us']), max_us=float(kv['max_us']))
    rows.append(r)

def find(server, kind, size=None, rate=None):
    for r in rows:
        if r['server'] == server and r['kind'] == kind and (size is None or r.get('size_bytes') == size) \
                and (rate is None or r.get('rate_per_s') == rate):
            return r
    return None

expected = []
for s in servers:
    expected += [(s, 'closed', z, 0) for z in sizes]
    expected += [(s, 'open', z, q) for z in sizes for q in rates]
    if int(bulk) > 0:
        expected.append((s, 'bulk', None, None))
    if int(conns) > 0:
        expected.append((s, 'connect', None, None))
missing = [f'{s} {k}' + (f' size={z}' if z else '') + (f' rate={q}' if q else '')
           for s, k, z, q in expected if find(s, k, z, q) is None]
status = dict(re.findall(r'(\w+)=(\S*)', open(status_file).read())) if os.path.exists(status_file) else {}

with open(os.path.join(out, 'veth.csv'), 'w') as f:
    f.write(','.join(cols) + '\n')
    for r in rows:
        f.write(','.join('' if r.get(c) is None else str(r.get(c)) for c in cols) + '\n')
meta = {'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'), 'quick': quick == '1',
        'closed_loop_count': int(count), 'open_loop_seconds_per_rate': float(open_s), 'bulk_bytes': int(bulk),
        'connections': int(conns), 'sizes': sizes, 'rates': rates,
        'bypass_server': {'epsilon_gc': status.get('epsilon') == '1', 'heap': status.get('heap'),
                          'survived': status.get('survived') == 'true',
                          'heap_used_kib': int(status['heap_used_kib']) if status.get('heap_used_kib') else None},
        'machine': '2-core VM; DPDK af_packet PMD over veth (not a real NIC); bypass poll thread busy-spins on one core'}
with open(os.path.join(out, 'veth.json'), 'w') as f:
    json.dump({'meta': meta, 'rows': rows, 'failed': failed, 'missing': missing}, f, indent=1)
    f.write('\n')

def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None

summary = {'meta': meta, 'complete': not missing and not failed, 'missing': missing, 'failed': failed,
           'note': 'latency ratios: bypass / kernel, below 1 is better for bypass; throughput and connection-rate '
                   'ratios: bypass / kernel, above 1 is better for bypass'}
for base in ('kernel-off', 'kernel-on'):
    s = {}
    for p in ('p50', 'p99', 'p999', 'max'):
        s[f'rtt_{p}_ratio'] = {str(z): ratio((find('bypass', 'closed', z) or {}).get(f'{p}_us'),
                                             (find(base, 'closed', z) or {}).get(f'{p}_us')) for z in sizes}
    for p in ('p50', 'p99', 'p999'):
        s[f'open_{p}_ratio'] = {f'{z}@{q}': ratio((find('bypass', 'open', z, q) or {}).get(f'{p}_us'),
                                                  (find(base, 'open', z, q) or {}).get(f'{p}_us'))
                                for z in sizes for q in rates}
    s['throughput_ratio'] = ratio((find('bypass', 'bulk') or {}).get('gbit_per_s'), (find(base, 'bulk') or {}).get('gbit_per_s'))
    s['throughput_per_core_ratio'] = ratio((find('bypass', 'bulk') or {}).get('gbit_per_core'),
                                           (find(base, 'bulk') or {}).get('gbit_per_core'))
    s['conn_rate_ratio'] = ratio((find('bypass', 'connect') or {}).get('conn_per_s'),
                                 (find(base, 'connect') or {}).get('conn_per_s'))
    summary['bypass_over_' + base.replace('-', '_')] = s
off = summary['bypass_over_kernel_off']
checks = [v for d in (off['rtt_p50_ratio'], off['rtt_p99_ratio']) for v in d.values()]
summary['target_no_worse_than_kernel_off'] = {
    'rtt_p50_and_p99': all(v is not None and v <= 1 for v in checks),
    'throughput': off['throughput_ratio'] is not None and off['throughput_ratio'] >= 1,
    'conn_rate': off['conn_rate_ratio'] is not None and off['conn_rate_ratio'] >= 1}
with open(os.path.join(out, 'summary.json'), 'w') as f:
    json.dump(summary, f, indent=1)
    f.write('\n')

def fmt(v, d=1):
    return '-' if v is None else f'{v:.{d}f}'
md = [f"# bypass (DPDK af_packet) against kernel TCP over the same veth\n",
      f"{meta['date']}, {'quick run' if meta['quick'] else 'full run'}; {meta['machine']}. Client: Java NIO, one "
      f"busy-polling thread, in the peer namespace. kernel-off: offloads off on both ends (like for like); "
      f"kernel-on: the kernel's default offloads. bypass serve: "
      f"{'Epsilon GC, heap ' + str(meta['bypass_server']['heap']) if meta['bypass_server']['epsilon_gc'] else 'default GC'}, "
      f"{'survived the whole run' if meta['bypass_server']['survived'] else 'DID NOT survive the run'}"
      f"{', heap used ' + str(meta['bypass_server']['heap_used_kib']) + ' KiB' if meta['bypass_server']['heap_used_kib'] else ''}.\n",
      f"## Ping-pong round trip, closed loop ({count} round trips per size), microseconds\n",
      "| size | server | p50 | p99 | p99.9 | max | p50 vs kernel-off | p99 vs kernel-off |", "|---|---|---|---|---|---|---|---|"]
for z in sizes:
    for s in servers:
        r = find(s, 'closed', z) or {}
        md.append(f"| {z} B | {s} | {fmt(r.get('p50_us'))} | {fmt(r.get('p99_us'))} | {fmt(r.get('p999_us'))} | "
                  f"{fmt(r.get('max_us'))} | {fmt(ratio(r.get('p50_us'), (find('kernel-off', 'closed', z) or {}).get('p50_us')), 2)}x | "
                  f"{fmt(ratio(r.get('p99_us'), (find('kernel-off', 'closed', z) or {}).get('p99_us')), 2)}x |")
if rates:
    md += ["", f"## Latency against offered load: open loop, coordinated omission corrected ({open_s} s per rate), "
           "p50 / p99 / p99.9 microseconds\n", "| size | rate/s | " + " | ".join(servers) + " |",
           "|---|---|" + "---|" * len(servers)]
    for z in sizes:
        for q in rates:
            cells = []
            for s in servers:
                r = find(s, 'open', z, q) or {}
                cells.append(f"{fmt(r.get('p50_us'))} / {fmt(r.get('p99_us'))} / {fmt(r.get('p999_us'))}")
            md.append(f"| {z} B | {q} | " + " | ".join(cells) + " |")
md += ["", f"## Bulk ({int(bulk) >> 20} MiB, one connection) and connections opened and closed ({conns})\n",
       "| server | Gbit/s | server cores | Gbit/s per core | connections/s | open+close p50 us | p99 us |",
       "|---|---|---|---|---|---|---|"]
for s in servers:
    b = find(s, 'bulk') or {}
    c = find(s, 'connect') or {}
    md.append(f"| {s} | {fmt(b.get('gbit_per_s'), 2)} | {fmt(b.get('server_cores'), 2)} | {fmt(b.get('gbit_per_core'), 2)} | "
              f"{fmt(c.get('conn_per_s'), 0)} | {fmt(c.get('p50_us'))} | {fmt(c.get('p99_us'))} |")
md += ["", "## bypass over kernel-off (latency: below 1 is better; throughput, connections: above 1 is better)\n",
       "| size | rtt p50 | rtt p99 | rtt p99.9 |", "|---|---|---|---|"]
for z in sizes:
    md.append(f"| {z} B | {fmt(off['rtt_p50_ratio'][str(z)], 2)} | {fmt(off['rtt_p99_ratio'][str(z)], 2)} | "
              f"{fmt(off['rtt_p999_ratio'][str(z)], 2)} |")
on = summary['bypass_over_kernel_on']
md += ["", f"throughput ratio {fmt(off['throughput_ratio'], 2)} (over kernel-on {fmt(on['throughput_ratio'], 2)}), "
       f"per core {fmt(off['throughput_per_core_ratio'], 2)} (over kernel-on {fmt(on['throughput_per_core_ratio'], 2)}), "
       f"connection rate {fmt(off['conn_rate_ratio'], 2)} (over kernel-on {fmt(on['conn_rate_ratio'], 2)}).",
       "Server cores: the server process's user+system CPU over the bulk run (/proc); the kernel's softirq work "
       "on the veth runs in the sender's context and is not in it.", ""]
if missing or failed:
    md += ["**Incomplete:** " + "; ".join(missing + failed), ""]
with open(os.path.join(out, 'veth.md'), 'w') as f:
    f.write("\n".join(md))
print("\n".join(md))
print(f"wrote {out}/veth.csv, veth.json, veth.md, summary.json")
sys.exit(0 if not missing and not failed else 1)
PY
