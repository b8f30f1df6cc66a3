#!/usr/bin/env bash
# The local test rig: bypass over DPDK's af_packet PMD against the Linux kernel, on veth pairs between
# two network namespaces this script creates.
#
#   hw-test/rig.sh up|down|status [--prefix P] [--resources N] [--client-resources M]
#                                 [--peer-offloads on|off] [--env-file PATH] [--dry-run]
#
# Layout for prefix P and N resources (i = 0 .. N-1, one veth pair per resource):
#
#   namespace P-dut  (bypass: DPDK's af_packet PMD)      namespace P-peer  (the Linux kernel)
#     Pd<i>  no address, IPv6 off, promisc, GRO off  <->   Pp<i>  198.18.<i+1>.1/24, IPv6 off,
#            bypass uses 198.18.<i+1>.2                           tx/tso/gso off (--peer-offloads off)
#                                                           route 198.18.0.10/32 via 198.18.1.2 dev Pp0
#
# With --client-resources M (j = 0 .. M-1), a third namespace P-cli for a client bypass process, whose
# packets the kernel in P-peer routes (net.ipv4.ip_forward=1 there, nowhere else):
#
#   namespace P-cli  (a client bypass: DPDK af_packet)   namespace P-peer  (the kernel, a router)
#     Pc<j>  no address, IPv6 off, promisc, GRO off  <->   Pg<j>  198.18.<j+11>.1/24, IPv6 off, tx/tso/gso off
#            the client uses 198.18.<j+11>.2 with a route to 198.18.0.0/16 via 198.18.<j+11>.1
#
# Both ends of every pair are created inside these namespaces: nothing is added to, or changed in,
# the namespace this script runs in. No default route anywhere; addresses only from 198.18.0.0/15.
# `up` writes an env file (default /run/bypass-rig-P.env) that other scripts source; `down` stops
# the processes still running in the rig's namespaces (by PID), deletes the namespaces (and with them
# the veth pairs), the env file and DPDK's runtime directory of the rig's file prefix
# (/var/run/dpdk/P). Two rigs with different prefixes coexist.
#
# One line per result. Exit status: 0 done (status: the rig is up), 1 failed (status: the rig is not
# up), 2 cannot run (usage, not root, no `ip` or `ethtool`).

set -euo pipefail

usage() {
    cat <<'EOF'
usage: rig.sh up|down|status [options]

  up                   create the namespaces and veth pairs, write the env file
  down                 stop what runs in the rig's namespaces (by PID), delete them and the env file
                       (does nothing, and succeeds, when there is nothing to delete)
  status               print what exists; exit 0 if the rig is up as its env file says, 1 if not

  --prefix P           name prefix, 1 to 12 of [a-z0-9] starting with a letter (default bpx):
                       namespaces P-dut and P-peer, links Pd<i> and Pp<i>
  --resources N        veth pairs, 1 to 4 (default 1)
  --client-resources M veth pairs of a client namespace P-cli, 0 to 4 (default 0): links Pc<j> (the
                       client's DPDK ends) and Pg<j> (198.18.<j+11>.1/24 in P-peer, which then forwards)
  --peer-offloads on|off
                       tx checksum, TSO and GSO on the kernel's ends (default off: af_packet cannot
                       take the kernel's partial-checksum super-frames; `on` is the like-for-like
                       benchmark variant)
  --env-file PATH      where `up` writes the rig's names and addresses (default
                       /run/bypass-rig-P.env); `status` and `down` read and remove the same file
  --dry-run            print the commands instead of running them (needs neither root nor tools)
  -h, --help           this text

Addresses (resource i): kernel 198.18.<i+1>.1/24, bypass 198.18.<i+1>.2; the bypass host's public
address 198.18.0.10 is routed by the kernel via 198.18.1.2 (resource 0). Client resource j: kernel
198.18.<j+11>.1/24, the client 198.18.<j+11>.2. See hw-test/README.md.
EOF
}

die2() { echo "rig.sh: $*" >&2; exit 2; }

ACTION=""
PREFIX=bpx
RESOURCES=1
RESOURCES_GIVEN=0
CLIENT_RESOURCES=0
CLIENT_GIVEN=0
PEER_OFFLOADS=off
ENV_FILE=""
DRY_RUN=0
PUBLIC_IP=198.18.0.10
PREFIX_LEN=24
MAX_RESOURCES=4

while [ $# -gt 0 ]; do
    case "$1" in
        up|down|status)
            [ -z "$ACTION" ] || die2 "one action only (got $ACTION and $1)"
            ACTION="$1"; shift ;;
        --prefix) [ $# -ge 2 ] || die2 "--prefix needs a name"; PREFIX="$2"; shift 2 ;;
        --prefix=*) PREFIX="${1#*=}"; shift ;;
        --resources) [ $# -ge 2 ] || die2 "--resources needs a number"; RESOURCES="$2"; RESOURCES_GIVEN=1; shift 2 ;;
        --resources=*) RESOURCES="${1#*=}"; RESOURCES_GIVEN=1; shift ;;
        --client-resources) [ $# -ge 2 ] || die2 "--client-resources needs a number"; CLIENT_RESOURCES="$2"; CLIENT_GIVEN=1; shift 2 ;;
        --client-resources=*) CLIENT_RESOURCES="${1#*=}"; CLIENT_GIVEN=1; shift ;;
        --peer-offloads) [ $# -ge 2 ] || die2 "--peer-offloads needs on or off"; PEER_OFFLOADS="$2"; shift 2 ;;
        --peer-offloads=*) PEER_OFFLOADS="${1#*=}"; shift ;;
        --env-file) [ $# -ge 2 ] || die2 "--env-file needs a path"; ENV_FILE="$2"; shift 2 ;;
        --env-file=*) ENV_FILE="${1#*=}"; shift ;;
        --dry-run|-n) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die2 "unknown argument $1" ;;
    esac
done

[ -n "$ACTION" ] || { usage >&2; exit 2; }
[[ "$PREFIX" =~ ^[a-z][a-z0-9]{0,11}$ ]] || die2 "--prefix wants 1 to 12 of [a-z0-9] starting with a letter (link names are at most 15 bytes)"
if ! [[ "$RESOURCES" =~ ^[1-9][0-9]*$ ]] || [ "$RESOURCES" -gt $MAX_RESOURCES ]; then
    die2 "--resources wants 1 to $MAX_RESOURCES"
fi
if ! [[ "$CLIENT_RESOURCES" =~ ^[0-9]$ ]] || [ "$CLIENT_RESOURCES" -gt $MAX_RESOURCES ]; then
    die2 "--client-resources wants 0 to $MAX_RESOURCES"
fi
case "$PEER_OFFLOADS" in on|off) ;; *) die2 "--peer-offloads wants on or off" ;; esac
[ -n "$ENV_FILE" ] || ENV_FILE="/run/bypass-rig-$PREFIX.env"

DUT_NS="$PREFIX-dut"
PEER_NS="$PREFIX-peer"
CLI_NS="$PREFIX-cli"
dut_if() { echo "${PREFIX}d$1"; }
peer_if() { echo "${PREFIX}p$1"; }
dut_ip() { echo "198.18.$(($1 + 1)).2"; }
peer_ip() { echo "198.18.$(($1 + 1)).1"; }
# Locally administered unicast MACs that spell the addresses: 02:00:c6:12 is 198.18.
dut_mac() { printf '02:00:c6:12:%02x:02' $(($1 + 1)); }
peer_mac() { printf '02:00:c6:12:%02x:01' $(($1 + 1)); }
# Client resource j: the client's DPDK end Pc<j> in P-cli, the kernel's (gateway) end Pg<j> in P-peer.
CLIENT_NET_BASE=11
cli_if() { echo "${PREFIX}c$1"; }
gw_if() { echo "${PREFIX}g$1"; }
cli_ip() { echo "198.18.$(($1 + CLIENT_NET_BASE)).2"; }
gw_ip() { echo "198.18.$(($1 + CLIENT_NET_BASE)).1"; }
cli_mac() { printf '02:00:c6:12:%02x:02' $(($1 + CLIENT_NET_BASE)); }
gw_mac() { printf '02:00:c6:12:%02x:01' $(($1 + CLIENT_NET_BASE)); }

# --- running commands -----------------------------------------------------------------------------------
quote() {
    local out="" a
    for a in "$@"; do out+="${out:+ }$(printf '%q' "$a")"; done
    printf '%s' "$out"
}

# Runs a command, or prints it under --dry-run. A failing command fails the script with its text.
run() {
    if [ "$DRY_RUN" = 1 ]; then
        quote "$@"; echo
        return 0
    fi
    if ! "$@"; then
        echo "FAIL command: $(quote "$@")" >&2
        return 1
    fi
}

# The same, for a command whose chatter on stdout is of no interest (ethtool -K's "Actual changes").
run_quiet() {
    if [ "$DRY_RUN" = 1 ]; then
        run "$@"
    elif ! "$@" >/dev/null; then
        echo "FAIL command: $(quote "$@")" >&2
        return 1
    fi
}

ns_exists() { [ -e "/run/netns/$1" ]; }

require_tools() {
    [ "$(id -u)" = 0 ] || die2 "needs root (network namespaces, veth, ethtool inside them); --dry-run does not"
    command -v ip >/dev/null || die2 "no ip (iproute2)"
    command -v ethtool >/dev/null || die2 "no ethtool"
    ip netns list >/dev/null 2>&1 || die2 "ip netns does not work here"
}

# The value of one feature ("on" or "off") from `ethtool -k` of a link in a namespace.
offload() {
    ip netns exec "$1" ethtool -k "$2" 2>/dev/null | awk -F': ' -v k="$3" '$1 == k { split($2, v, " "); print v[1] }'
}

# --- down -------------------------------------------------------------------------------------------------
# Stops every process in a namespace of ours by PID (TERM, then KILL after 2 s), then deletes it.
delete_ns() {
    local ns="$1" pid pids left i
    if ! ns_exists "$ns"; then
        [ "$DRY_RUN" = 1 ] && echo "# namespace $ns does not exist"
        return 0
    fi
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    for pid in $pids; do
        if [ "$DRY_RUN" = 1 ]; then
            run kill -TERM "$pid"
        else
            echo "stop pid $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-60)) in $ns"
            kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    if [ -n "$pids" ] && [ "$DRY_RUN" = 0 ]; then
        for ((i = 0; i < 20; i++)); do
            left="$(ip netns pids "$ns" 2>/dev/null || true)"
            [ -n "$left" ] || break
            sleep 0.1
        done
        for pid in $(ip netns pids "$ns" 2>/dev/null || true); do
            echo "kill pid $pid in $ns (still running after SIGTERM)"
            kill -KILL "$pid" 2>/dev/null || true
        done
    fi
    run ip netns del "$ns"
    [ "$DRY_RUN" = 1 ] || echo "deleted namespace $ns"
}

do_down() {
    local had=0
    if ns_exists "$DUT_NS" || ns_exists "$PEER_NS" || ns_exists "$CLI_NS" || [ -e "$ENV_FILE" ]; then had=1; fi
    # Deleting a namespace deletes the veth ends in it, and with them their peers.
    delete_ns "$DUT_NS"
    delete_ns "$CLI_NS"
    delete_ns "$PEER_NS"
    # DPDK's runtime directory for the rig's --file-prefix (BYPASS_RIG_EAL_ARGS), once nothing uses it.
    if [ -d "/var/run/dpdk/$PREFIX" ]; then
        run rm -rf "/var/run/dpdk/$PREFIX"
        [ "$DRY_RUN" = 1 ] || echo "removed /var/run/dpdk/$PREFIX"
    fi
    if [ -e "$ENV_FILE" ]; then
        run rm -f "$ENV_FILE"
        [ "$DRY_RUN" = 1 ] || echo "removed $ENV_FILE"
    fi
    if [ "$DRY_RUN" = 0 ] && { ns_exists "$DUT_NS" || ns_exists "$PEER_NS" || ns_exists "$CLI_NS"; }; then
        echo "FAIL rig $PREFIX: a namespace is still there"
        return 1
    fi
    if [ "$DRY_RUN" = 1 ]; then
        echo "# dry run: nothing was changed"
    elif [ $had = 1 ]; then
        echo "OK rig $PREFIX down"
    else
        echo "OK rig $PREFIX down (nothing to remove)"
    fi
}

# --- up ---------------------------------------------------------------------------------------------------
print_plan() {
    local i
    echo "# rig $PREFIX: $RESOURCES resource(s), peer offloads $PEER_OFFLOADS, namespaces $DUT_NS (bypass) and $PEER_NS (kernel)"
    for ((i = 0; i < RESOURCES; i++)); do
        echo "#   resource $i: $DUT_NS/$(dut_if "$i") $(dut_mac "$i") (DPDK af_packet, no address; bypass uses $(dut_ip "$i"))" \
             "<-> $PEER_NS/$(peer_if "$i") $(peer_mac "$i") $(peer_ip "$i")/$PREFIX_LEN"
    done
    echo "#   public address $PUBLIC_IP: routed in $PEER_NS via $(dut_ip 0) dev $(peer_if 0) (resource 0); no default route"
    for ((i = 0; i < CLIENT_RESOURCES; i++)); do
        echo "#   client resource $i: $CLI_NS/$(cli_if "$i") $(cli_mac "$i") (DPDK af_packet, no address; the client uses" \
             "$(cli_ip "$i"), route 198.18.0.0/16 via $(gw_ip "$i")) <-> $PEER_NS/$(gw_if "$i") $(gw_mac "$i") $(gw_ip "$i")/$PREFIX_LEN"
    done
    [ "$CLIENT_RESOURCES" = 0 ] || echo "#   $PEER_NS forwards (net.ipv4.ip_forward=1) between the client's and the bypass host's pairs"
    echo "#   env file $ENV_FILE"
}

# Prints the env file.
write_env() {
    local i dut_ifs="" dut_ips="" dut_macs="" peer_ifs="" peer_ips="" peer_macs="" vdevs=""
    for ((i = 0; i < RESOURCES; i++)); do
        dut_ifs+="${dut_ifs:+ }$(dut_if "$i")"; dut_ips+="${dut_ips:+ }$(dut_ip "$i")"
        dut_macs+="${dut_macs:+ }$(dut_mac "$i")"; peer_ifs+="${peer_ifs:+ }$(peer_if "$i")"
        peer_ips+="${peer_ips:+ }$(peer_ip "$i")"; peer_macs+="${peer_macs:+ }$(peer_mac "$i")"
        vdevs+="${vdevs:+ }net_af_packet$i,iface=$(dut_if "$i")"
    done
    {
        echo "# bypass test rig '$PREFIX', written by hw-test/rig.sh up; removed by rig.sh down."
        echo "# One KEY=\"value\" a line, no expansions: source it from bash or read it as properties."
        echo "# Lists are space-separated and in resource order; KEY_<i> is resource i's entry."
        echo "BYPASS_RIG_PREFIX=\"$PREFIX\""
        echo "BYPASS_RIG_DUT_NS=\"$DUT_NS\""
        echo "BYPASS_RIG_PEER_NS=\"$PEER_NS\""
        echo "BYPASS_RIG_RESOURCES=\"$RESOURCES\""
        echo "BYPASS_RIG_PEER_OFFLOADS=\"$PEER_OFFLOADS\""
        echo "BYPASS_RIG_PREFIX_LEN=\"$PREFIX_LEN\""
        echo "BYPASS_RIG_PUBLIC_IP=\"$PUBLIC_IP\""
        echo "BYPASS_RIG_DUT_IFS=\"$dut_ifs\""
        echo "BYPASS_RIG_DUT_IPS=\"$dut_ips\""
        echo "BYPASS_RIG_DUT_MACS=\"$dut_macs\""
        echo "BYPASS_RIG_PEER_IFS=\"$peer_ifs\""
        echo "BYPASS_RIG_PEER_IPS=\"$peer_ips\""
        echo "BYPASS_RIG_PEER_MACS=\"$peer_macs\""
        echo "BYPASS_RIG_EAL_VDEVS=\"$vdevs\""
        echo "BYPASS_RIG_EAL_ARGS=\"--no-pci --file-prefix $PREFIX$(for v in $vdevs; do printf ' --vdev=%s' "$v"; done)\""
        for ((i = 0; i < RESOURCES; i++)); do
            echo "BYPASS_RIG_DUT_IF_$i=\"$(dut_if "$i")\""
            echo "BYPASS_RIG_DUT_IP_$i=\"$(dut_ip "$i")\""
            echo "BYPASS_RIG_DUT_MAC_$i=\"$(dut_mac "$i")\""
            echo "BYPASS_RIG_PEER_IF_$i=\"$(peer_if "$i")\""
            echo "BYPASS_RIG_PEER_IP_$i=\"$(peer_ip "$i")\""
            echo "BYPASS_RIG_PEER_MAC_$i=\"$(peer_mac "$i")\""
            echo "BYPASS_RIG_VDEV_$i=\"net_af_packet$i,iface=$(dut_if "$i")\""
        done
        echo "BYPASS_RIG_CLIENT_RESOURCES=\"$CLIENT_RESOURCES\""
        [ "$CLIENT_RESOURCES" = 0 ] && return 0
        local cli_ifs="" cli_ips="" cli_macs="" gw_ifs="" gw_ips="" gw_macs=""
        for ((i = 0; i < CLIENT_RESOURCES; i++)); do
            cli_ifs+="${cli_ifs:+ }$(cli_if "$i")"; cli_ips+="${cli_ips:+ }$(cli_ip "$i")"
            cli_macs+="${cli_macs:+ }$(cli_mac "$i")"; gw_ifs+="${gw_ifs:+ }$(gw_if "$i")"
            gw_ips+="${gw_ips:+ }$(gw_ip "$i")"; gw_macs+="${gw_macs:+ }$(gw_mac "$i")"
        done
        echo "BYPASS_RIG_CLIENT_NS=\"$CLI_NS\""
        echo "BYPASS_RIG_CLIENT_IFS=\"$cli_ifs\""
        echo "BYPASS_RIG_CLIENT_IPS=\"$cli_ips\""
        echo "BYPASS_RIG_CLIENT_MACS=\"$cli_macs\""
        echo "BYPASS_RIG_GW_IFS=\"$gw_ifs\""
        echo "BYPASS_RIG_GW_IPS=\"$gw_ips\""
        echo "BYPASS_RIG_GW_MACS=\"$gw_macs\""
        echo "BYPASS_RIG_CLIENT_ROUTE=\"198.18.0.0/16\""
        for ((i = 0; i < CLIENT_RESOURCES; i++)); do
            echo "BYPASS_RIG_CLIENT_IF_$i=\"$(cli_if "$i")\""
            echo "BYPASS_RIG_CLIENT_IP_$i=\"$(cli_ip "$i")\""
            echo "BYPASS_RIG_CLIENT_MAC_$i=\"$(cli_mac "$i")\""
            echo "BYPASS_RIG_GW_IF_$i=\"$(gw_if "$i")\""
            echo "BYPASS_RIG_GW_IP_$i=\"$(gw_ip "$i")\""
            echo "BYPASS_RIG_GW_MAC_$i=\"$(gw_mac "$i")\""
        done
    }
}

UP_DONE=0
up_cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$UP_DONE" = 0 ] && [ "$DRY_RUN" = 0 ]; then
        echo "FAIL rig $PREFIX up; removing what was created" >&2
        do_down >/dev/null 2>&1 || true
        [ $rc -ne 0 ] || rc=1
    fi
    exit $rc
}

# One veth pair: DPDK's end $2 (MAC $3) in namespace $1, the kernel's end $4 (MAC $5, address $6) in the
# peer namespace.
add_pair() {
    local ns="$1" d="$2" dmac="$3" p="$4" pmac="$5" pip="$6" tx="$PEER_OFFLOADS"
    # Created in DPDK's namespace with its peer in the kernel's: never in the caller's namespace.
    run ip -n "$ns" link add "$d" address "$dmac" type veth peer name "$p" address "$pmac" netns "$PEER_NS"
    # DPDK's end: no address, no IPv6 (so af_packet sees no frames of the kernel's own), promiscuous
    # and all-multicast (the stack may use a MAC of its own), frames as they are on the wire (no GRO).
    if [ -d /proc/sys/net/ipv6 ] || [ "$DRY_RUN" = 1 ]; then
        run ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$d.disable_ipv6=1"
        run ip netns exec "$PEER_NS" sysctl -q -w "net.ipv6.conf.$p.disable_ipv6=1"
    fi
    run ip netns exec "$PEER_NS" sysctl -q -w "net.ipv4.conf.$p.rp_filter=0"
    run_quiet ip netns exec "$ns" ethtool -K "$d" gro off
    run ip -n "$ns" link set dev "$d" promisc on allmulticast on up
    # The kernel's end: af_packet cannot take partial-checksum super-frames, so no tx checksum, TSO
    # or GSO unless --peer-offloads on; receive offloads as the kernel has them.
    run_quiet ip netns exec "$PEER_NS" ethtool -K "$p" tx "$tx" tso "$tx" gso "$tx"
    run ip -n "$PEER_NS" addr add "$pip/$PREFIX_LEN" dev "$p"
    run ip -n "$PEER_NS" link set dev "$p" up
}

do_up() {
    local i
    if [ "$DRY_RUN" = 0 ]; then
        if ns_exists "$DUT_NS" || ns_exists "$PEER_NS" || ns_exists "$CLI_NS"; then
            echo "FAIL rig $PREFIX exists already (namespace $DUT_NS, $PEER_NS or $CLI_NS): rig.sh down --prefix $PREFIX first"
            return 1
        fi
        trap up_cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
    fi
    print_plan
    run ip netns add "$DUT_NS"
    run ip netns add "$PEER_NS"
    run ip -n "$DUT_NS" link set lo up
    run ip -n "$PEER_NS" link set lo up
    # The kernel peer: replies from the public address may come back on any pair (no reverse-path filter),
    # and no IPv6 chatter (router solicitations, MLD, DAD) reaches bypass.
    run ip netns exec "$PEER_NS" sysctl -q -w net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    if [ -d /proc/sys/net/ipv6 ] || [ "$DRY_RUN" = 1 ]; then
        run ip netns exec "$PEER_NS" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
        run ip netns exec "$DUT_NS" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
    fi
    for ((i = 0; i < RESOURCES; i++)); do
        add_pair "$DUT_NS" "$(dut_if "$i")" "$(dut_mac "$i")" "$(peer_if "$i")" "$(peer_mac "$i")" "$(peer_ip "$i")"
    done
    run ip -n "$PEER_NS" route add "$PUBLIC_IP/32" via "$(dut_ip 0)" dev "$(peer_if 0)"
    if [ "$CLIENT_RESOURCES" -gt 0 ]; then
        # The client's namespace, like the bypass host's; the kernel in the peer namespace routes between them.
        run ip netns add "$CLI_NS"
        run ip -n "$CLI_NS" link set lo up
        if [ -d /proc/sys/net/ipv6 ] || [ "$DRY_RUN" = 1 ]; then
            run ip netns exec "$CLI_NS" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
        fi
        for ((i = 0; i < CLIENT_RESOURCES; i++)); do
            add_pair "$CLI_NS" "$(cli_if "$i")" "$(cli_mac "$i")" "$(gw_if "$i")" "$(gw_mac "$i")" "$(gw_ip "$i")"
        done
        run ip netns exec "$PEER_NS" sysctl -q -w net.ipv4.ip_forward=1
    fi
    if [ "$DRY_RUN" = 1 ]; then
        echo "cat > $(quote "$ENV_FILE") <<'EOF'"
        write_env
        echo "EOF"
        echo "# dry run: nothing was changed"
        UP_DONE=1
        return 0
    fi
    local tmp
    tmp="$(mktemp "$ENV_FILE.XXXXXX")" || { echo "FAIL cannot write $ENV_FILE" >&2; return 1; }
    write_env > "$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$ENV_FILE"
    UP_DONE=1
    trap - EXIT INT TERM
    echo "OK rig $PREFIX up: $RESOURCES resource(s),$([ "$CLIENT_RESOURCES" = 0 ] || echo " $CLIENT_RESOURCES client resource(s) in $CLI_NS,") env file $ENV_FILE"
}

# --- status -----------------------------------------------------------------------------------------------
# Prints the lines of one veth pair: DPDK's end $2 in namespace $1, the kernel's end $3 in the peer namespace
# with address $4/PREFIX_LEN and offloads $5; returns 1 if it is not as documented.
status_pair() {
    local ns="$1" d="$2" p="$3" ip="$4" offl="$5" ok=0 line flags state addrs want got dis ifindex peer_idx
    # DPDK's end
    if line="$(ip -n "$ns" -o link show dev "$d" 2>/dev/null)"; then
        flags="$(sed -n 's/^[0-9]*: [^<]*<\([^>]*\)>.*/\1/p' <<<"$line")"
        state="$(sed -n 's/.* state \([A-Z]*\) .*/\1/p' <<<"$line")"
        addrs="$(ip -n "$ns" -o addr show dev "$d" | awk '{print $4}' | paste -sd, -)"
        dis="$(ip netns exec "$ns" cat "/proc/sys/net/ipv6/conf/$d/disable_ipv6" 2>/dev/null || echo 1)"
        peer_idx="$(ip netns exec "$ns" ethtool -S "$d" 2>/dev/null | awk '/peer_ifindex:/ {print $2}')"
        echo "link $ns/$d: state $state <$flags> $(sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p' <<<"$line")" \
             "addresses ${addrs:-none} ipv6 $([ "$dis" = 1 ] && echo off || echo on) gro $(offload "$ns" "$d" generic-receive-offload)"
        [ "$state" = UP ] || ok=1
        [ -z "$addrs" ] || { echo "  $d should have no address (DPDK owns it)"; ok=1; }
        [ "$dis" = 1 ] || { echo "  $d should have IPv6 disabled"; ok=1; }
        case ",$flags," in *,PROMISC,*) ;; *) echo "  $d should be promiscuous"; ok=1 ;; esac
    else
        echo "link $ns/$d: missing"; ok=1; peer_idx=""
    fi
    # The kernel's end
    if line="$(ip -n "$PEER_NS" -o link show dev "$p" 2>/dev/null)"; then
        state="$(sed -n 's/.* state \([A-Z]*\) .*/\1/p' <<<"$line")"
        ifindex="${line%%:*}"
        addrs="$(ip -n "$PEER_NS" -o -4 addr show dev "$p" | awk '{print $4}' | paste -sd, -)"
        got="tx $(offload "$PEER_NS" "$p" tx-checksumming) tso $(offload "$PEER_NS" "$p" tcp-segmentation-offload)"
        got+=" gso $(offload "$PEER_NS" "$p" generic-segmentation-offload)"
        dis="$(ip netns exec "$PEER_NS" cat "/proc/sys/net/ipv6/conf/$p/disable_ipv6" 2>/dev/null || echo 1)"
        echo "link $PEER_NS/$p: state $state $(sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p' <<<"$line")" \
             "addresses ${addrs:-none} ipv6 $([ "$dis" = 1 ] && echo off || echo on)" \
             "offloads $got gro $(offload "$PEER_NS" "$p" generic-receive-offload)" \
             "$([ "$peer_idx" = "$ifindex" ] && echo "paired with $ns/$d")"
        [ "$state" = UP ] || ok=1
        want="tx $offl tso $offl gso $offl"
        [ "$got" = "$want" ] || { echo "  $p offloads should be: $want"; ok=1; }
        [ "$addrs" = "$ip/$PREFIX_LEN" ] || { echo "  $p should have $ip/$PREFIX_LEN"; ok=1; }
        if [ -n "$peer_idx" ] && [ "$peer_idx" != "$ifindex" ]; then
            echo "  $d is not paired with $p (peer ifindex $peer_idx, $p is $ifindex)"; ok=1
        fi
    else
        echo "link $PEER_NS/$p: missing"; ok=1
    fi
    return $ok
}

# Prints one line per thing that exists (or should); returns 0 when the rig is up as its env file says.
do_status() {
    local ok=1 n="" m="" offl="$PEER_OFFLOADS" i line v fwd
    if [ -r "$ENV_FILE" ]; then
        n="$(sed -n 's/^BYPASS_RIG_RESOURCES="\{0,1\}\([0-9]*\)"\{0,1\}$/\1/p' "$ENV_FILE")"
        m="$(sed -n 's/^BYPASS_RIG_CLIENT_RESOURCES="\{0,1\}\([0-9]*\)"\{0,1\}$/\1/p' "$ENV_FILE")"
        v="$(sed -n 's/^BYPASS_RIG_PEER_OFFLOADS="\{0,1\}\([a-z]*\)"\{0,1\}$/\1/p' "$ENV_FILE")"
        [ -z "$v" ] || offl="$v"
        echo "env file $ENV_FILE: present ($n resource(s),$([ "${m:-0}" = 0 ] || echo " $m client resource(s),") peer offloads $offl)"
    else
        echo "env file $ENV_FILE: missing"
        ok=0
    fi
    if [ -z "$m" ]; then
        if [ "$CLIENT_GIVEN" = 1 ]; then m="$CLIENT_RESOURCES"; elif ns_exists "$CLI_NS"; then
            m="$(ip -n "$CLI_NS" -o link show | grep -c ": ${PREFIX}c[0-9]*[@:]" || true)"
        else m=0; fi
    fi
    for v in "$DUT_NS" "$PEER_NS"; do
        if ns_exists "$v"; then echo "namespace $v: present"; else echo "namespace $v: missing"; ok=0; fi
    done
    if [ "$m" -gt 0 ]; then
        if ns_exists "$CLI_NS"; then echo "namespace $CLI_NS: present"; else echo "namespace $CLI_NS: missing"; ok=0; fi
    fi
    if ! ns_exists "$DUT_NS" || ! ns_exists "$PEER_NS" || { [ "$m" -gt 0 ] && ! ns_exists "$CLI_NS"; }; then
        echo "DOWN rig $PREFIX"
        return 1
    fi
    if [ -z "$n" ]; then
        if [ "$RESOURCES_GIVEN" = 1 ]; then n="$RESOURCES"; else
            n="$(ip -n "$DUT_NS" -o link show | grep -c ": ${PREFIX}d[0-9]*[@:]" || true)"
        fi
    fi
    [ "$n" -ge 1 ] 2>/dev/null || { echo "no veth pairs in $DUT_NS"; n=0; ok=0; }
    for ((i = 0; i < n; i++)); do
        status_pair "$DUT_NS" "$(dut_if "$i")" "$(peer_if "$i")" "$(peer_ip "$i")" "$offl" || ok=0
    done
    for ((i = 0; i < m; i++)); do
        status_pair "$CLI_NS" "$(cli_if "$i")" "$(gw_if "$i")" "$(gw_ip "$i")" "$offl" || ok=0
    done
    line="$(ip -n "$PEER_NS" -o route show "$PUBLIC_IP/32" 2>/dev/null || true)"
    line="${line%"${line##*[! ]}"}"
    echo "route $PEER_NS: ${line:-none to $PUBLIC_IP}"
    [ "$line" = "$PUBLIC_IP via $(dut_ip 0) dev $(peer_if 0)" ] ||
        { echo "  $PEER_NS should route $PUBLIC_IP via $(dut_ip 0) dev $(peer_if 0)"; ok=0; }
    fwd="$(ip netns exec "$PEER_NS" cat /proc/sys/net/ipv4/ip_forward 2>/dev/null || echo '?')"
    echo "forwarding $PEER_NS: ip_forward $fwd"
    if [ "$m" -gt 0 ] && [ "$fwd" != 1 ]; then echo "  $PEER_NS should forward (ip_forward 1) for $CLI_NS"; ok=0; fi
    if [ "$m" = 0 ] && [ "$fwd" != 0 ]; then echo "  $PEER_NS should not forward without a client namespace"; ok=0; fi
    for v in "$DUT_NS" "$PEER_NS" $([ "$m" = 0 ] || echo "$CLI_NS"); do
        line="$(ip -n "$v" route show default 2>/dev/null; ip -n "$v" -6 route show default 2>/dev/null || true)"
        if [ -n "$line" ]; then echo "default route in $v: $line (there must be none)"; ok=0; fi
    done
    if [ $ok = 1 ]; then
        echo "UP rig $PREFIX: $n resource(s),$([ "$m" = 0 ] || echo " $m client resource(s),") peer offloads $offl"
        return 0
    fi
    echo "DOWN rig $PREFIX: not as documented (see above)"
    return 1
}

# --- main -------------------------------------------------------------------------------------------------
case "$ACTION" in
    up)
        [ "$DRY_RUN" = 1 ] || require_tools
        do_up ;;
    down)
        [ "$DRY_RUN" = 1 ] || require_tools
        do_down ;;
    status)
        require_tools
        do_status ;;
esac
