#!/usr/bin/env bash
# Hands a NIC to DPDK: binds Intel-style NICs (ixgbe, i40e, ice, igb, ...) to vfio-pci with the dpdk
# package's dpdk-devbind.py, or gives them back to their kernel driver; explains ConnectX, which DPDK
# uses without binding.
#
#   hw-test/host/bind-nic.sh [--dry-run] [--force] [--driver D] [--noiommu] IFACE|PCI...
#   hw-test/host/bind-nic.sh --unbind [--dry-run] [--driver D] PCI...
#   hw-test/host/bind-nic.sh --status
#
# Safety: an interface that carries the default route or has a global address is refused unless
# --force (binding it cuts the host off that network); a virtual interface (veth, bridge, tap) or a
# device that is not a network controller is refused always. --dry-run prints the commands only.
#
# ConnectX (vendor 15b3, mlx4/mlx5): the mlx5 driver is bifurcated. The kernel driver stays bound and
# DPDK's mlx5 PMD drives the same port through rdma-core (libibverbs, libmlx5), so nothing is bound;
# the script says what EAL needs (-a <pci>) and whether rdma-core is there.
#
# One line per device. Exit status: 0 done, 1 refused or failed, 2 cannot run (usage, not root, no
# dpdk-devbind.py).

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: bind-nic.sh [options] IFACE|PCI...      bind to vfio-pci (or explain ConnectX)
       bind-nic.sh --unbind [options] PCI...   give back to the kernel driver
       bind-nic.sh --status                    dpdk-devbind.py --status-dev net

  --driver D     the driver to bind to (default vfio-pci; with --unbind, the kernel driver the
                 device had when this script bound it, as recorded under /run/bypass-bind)
  --force        bind even an interface that carries the default route or an address
  --noiommu      no IOMMU on this host: turn on vfio's unsafe no-IOMMU mode first
  --dry-run      print the commands instead of running them
  -h, --help     this text

IFACE is a kernel interface name (eth2, ens1f0); PCI is 0000:81:00.0 or 81:00.0.
EOF
}

die2() { echo "bind-nic.sh: $*" >&2; exit 2; }

UNBIND=0
FORCE=0
NOIOMMU=0
STATUS=0
DRIVER=""
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --unbind) UNBIND=1; shift ;;
        --status) STATUS=1; shift ;;
        --force) FORCE=1; shift ;;
        --noiommu) NOIOMMU=1; shift ;;
        --driver) [ $# -ge 2 ] || die2 "--driver needs a name"; DRIVER="$2"; shift 2 ;;
        --driver=*) DRIVER="${1#*=}"; shift ;;
        --dry-run|-n) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) usage >&2; die2 "unknown option $1" ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done

DEVBIND="$(find_devbind)"
STATE_DIR="$R/run/bypass-bind"

if [ "$STATUS" = 1 ]; then
    [ -n "$DEVBIND" ] || die2 "no dpdk-devbind.py (install the dpdk package)"
    exec "$DEVBIND" --status-dev net
fi
[ ${#TARGETS[@]} -gt 0 ] || { usage >&2; exit 2; }

# Prints one refusal and remembers it.
FAILED=0
refuse() { echo "REFUSED $*"; FAILED=1; }

rdma_core() {
    local libs
    libs="$(ldconfig -p 2>/dev/null | awk '$1 ~ /^lib(ibverbs|mlx5|mlx4)\.so\.[0-9]+$/ {print $1}' | sort -u | paste -sd' ' -)"
    if [[ "$libs" == *libibverbs* && "$libs" == *libmlx* ]]; then echo "OK ($libs)"
    else echo "MISSING (apt-get install rdma-core ibverbs-providers; found: ${libs:-nothing})"; fi
}

# Where DPDK meets a ConnectX: no binding, the facts and EAL's argument.
explain_connectx() {
    local pci="$1" drv="$2" ifs="$3" dev
    dev="$(pci_attr "$pci" device)"
    echo "CONNECTX $pci: Mellanox/NVIDIA ConnectX (15b3:${dev#0x}), driver ${drv:-none}, interfaces ${ifs:-none}," \
         "NUMA node $(pci_attr "$pci" numa_node)"
    case "$drv" in
        mlx5_core)
            echo "  mlx5 is bifurcated: the kernel driver stays bound and DPDK's mlx5 PMD uses the port alongside it" \
                 "through rdma-core; nothing to bind or unbind." ;;
        mlx4_core)
            echo "  mlx4 is bifurcated too: keep mlx4_core, mlx4_en and mlx4_ib loaded; DPDK's mlx4 PMD goes" \
                 "through rdma-core; nothing to bind or unbind." ;;
        *)
            echo "  it is not bound to mlx5_core or mlx4_core (${drv:-no driver}): load the kernel driver" \
                 "(modprobe mlx5_core), do not bind it to vfio-pci." ;;
    esac
    echo "  rdma-core: $(rdma_core)"
    echo "  EAL: -a $pci   (each port of a dual-port card is its own PCI function and its own -a)"
    [ -z "$ifs" ] || echo "  keep ${ifs%% *} up (ip link set dev ${ifs%% *} up): the PMD takes its link from it;" \
        "what DPDK's flow rules do not take stays with the kernel"
}

# Resolves an argument to a PCI address, or refuses (and prints nothing on stdout).
resolve() {
    local arg="$1" pci kind
    pci="$(normalize_pci "$arg")"
    if [ -n "$pci" ]; then
        if [ ! -e "$R/sys/bus/pci/devices/$pci" ]; then
            refuse "$arg: no such PCI device" >&2
            return 1
        fi
        echo "$pci"
        return 0
    fi
    if [ ! -e "$R/sys/class/net/$arg" ]; then
        refuse "$arg: no such interface (in this network namespace) or PCI address" >&2
        return 1
    fi
    pci="$(pci_of_interface "$arg")"
    if [ -z "$pci" ]; then
        kind="$(ip -d -o link show dev "$arg" 2>/dev/null | tr ' ' '\n' |
                grep -m1 -x -E 'veth|bridge|tun|macvlan|ipvlan|vlan|bond|dummy|vxlan|ifb|wireguard' || true)"
        [ "$arg" != lo ] || kind=loopback
        if [ "$kind" = loopback ]; then
            refuse "$arg: not a PCI device (the loopback interface): nothing to bind" >&2
        else
            refuse "$arg: not a PCI device (a virtual interface${kind:+: $kind}): nothing to bind;" \
                   "DPDK reaches it through the af_packet PMD (--vdev=net_af_packet0,iface=$arg)" >&2
        fi
        return 1
    fi
    echo "$pci"
}

require_root() {
    [ "$DRY_RUN" = 1 ] || [ "$(id -u)" = 0 ] || die2 "needs root (--dry-run does not)"
}
require_devbind() {
    if [ -z "$DEVBIND" ]; then
        [ "$DRY_RUN" = 1 ] || die2 "no dpdk-devbind.py (install the dpdk package, or set DPDK_DEVBIND)"
        echo "# dpdk-devbind.py not found (install the dpdk package); the commands name it as on Debian"
        DEVBIND=/usr/bin/dpdk-devbind.py
    fi
}

VFIO_READY=0
prepare_vfio() {
    [ "$VFIO_READY" = 0 ] || return 0
    VFIO_READY=1
    if [ -z "$(ls -A "$R/sys/kernel/iommu_groups" 2>/dev/null)" ]; then
        if [ "$(cat "$R/sys/module/vfio/parameters/enable_unsafe_noiommu_mode" 2>/dev/null)" = Y ]; then
            echo "# no IOMMU: vfio's unsafe no-IOMMU mode is on already"
        elif [ "$NOIOMMU" = 1 ]; then
            echo "# no IOMMU: turning on vfio's unsafe no-IOMMU mode (DMA is not isolated; a test host only)"
            run modprobe vfio enable_unsafe_noiommu_mode=1
            if [ -e "$R/sys/module/vfio/parameters/enable_unsafe_noiommu_mode" ] || [ "$DRY_RUN" = 1 ]; then
                write_value 1 "$R/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
            fi
        else
            refuse "no IOMMU on this host (/sys/kernel/iommu_groups is empty): enable VT-d/AMD-Vi and boot with intel_iommu=on iommu=pt, or pass --noiommu for vfio's unsafe no-IOMMU mode"
            return 1
        fi
    fi
    if [ ! -d "$R/sys/bus/pci/drivers/vfio-pci" ]; then
        run modprobe vfio-pci || { refuse "cannot load vfio-pci (modprobe vfio-pci failed)"; return 1; }
    fi
}

bind_one() {
    local pci="$1" drv class ifs dev route addrs to="${DRIVER:-vfio-pci}"
    drv="$(pci_driver "$pci")"
    class="$(pci_attr "$pci" class)"
    ifs="$(pci_interfaces "$pci")"
    if is_mellanox "$pci"; then
        explain_connectx "$pci" "$drv" "$ifs"
        return 0
    fi
    case "$class" in
        0x02*) ;;
        *) refuse "$pci: not a network controller (class ${class:-unknown})"; return 1 ;;
    esac
    if [ "$drv" = "$to" ]; then
        echo "OK $pci: already bound to $to; EAL: -a $pci"
        return 0
    fi
    for dev in $ifs; do
        route="$(default_route_dev "$dev")"
        addrs="$(active_addresses "$dev")"
        if [ -n "$route" ] && [ "$FORCE" = 0 ]; then
            refuse "$pci ($dev): $dev carries the default route; binding it cuts this host off (pass --force if that is what you want)"
            return 1
        fi
        if [ -n "$addrs" ] && [ "$FORCE" = 0 ]; then
            refuse "$pci ($dev): $dev has addresses $addrs in use (pass --force to bind it anyway)"
            return 1
        fi
    done
    case "$drv" in
        ixgbe|ixgbevf|i40e|iavf|ice|igb|igc|e1000e|e1000|virtio-pci|"") ;;
        *) if ! is_dpdk_driver "$drv"; then echo "# $pci: driver $drv: check that DPDK has a PMD for this NIC"; fi ;;
    esac
    if [ "$to" = vfio-pci ]; then prepare_vfio || return 1; fi
    require_devbind
    if [ -n "$drv" ] && ! is_dpdk_driver "$drv"; then
        run mkdir -p "$STATE_DIR"
        write_value "$drv" "$STATE_DIR/$pci.driver"
    fi
    [ -z "$ifs" ] || run ip link set dev "${ifs%% *}" down
    local force=()
    [ "$FORCE" = 0 ] || force=(--force)
    if ! run "$DEVBIND" ${force[@]+"${force[@]}"} --bind="$to" "$pci"; then
        refuse "$pci: dpdk-devbind.py --bind=$to failed"
        return 1
    fi
    if [ "$DRY_RUN" = 1 ]; then
        echo "# would bind $pci (${ifs:-no interface}, ${drv:-no driver}) to $to; EAL: -a $pci"
    elif [ "$(pci_driver "$pci")" = "$to" ]; then
        echo "OK $pci: bound to $to (was ${drv:-no driver}${ifs:+, $ifs}); EAL: -a $pci, NUMA node $(pci_attr "$pci" numa_node)"
    else
        refuse "$pci: still bound to $(pci_driver "$pci") after dpdk-devbind.py"
        return 1
    fi
}

unbind_one() {
    local pci="$1" drv to="$DRIVER"
    drv="$(pci_driver "$pci")"
    if is_mellanox "$pci"; then
        explain_connectx "$pci" "$drv" "$(pci_interfaces "$pci")"
        return 0
    fi
    if ! is_dpdk_driver "$drv"; then
        echo "OK $pci: not bound to a DPDK driver (${drv:-no driver}); nothing to do"
        return 0
    fi
    if [ -z "$to" ]; then to="$(cat "$STATE_DIR/$pci.driver" 2>/dev/null || true)"; fi
    if [ -z "$to" ]; then
        refuse "$pci: which kernel driver? none recorded in $STATE_DIR; pass --driver (e.g. ixgbe, i40e, ice)"
        return 1
    fi
    require_devbind
    if ! run "$DEVBIND" --bind="$to" "$pci"; then
        refuse "$pci: dpdk-devbind.py --bind=$to failed"
        return 1
    fi
    run rm -f "$STATE_DIR/$pci.driver"
    if [ "$DRY_RUN" = 1 ]; then
        echo "# would give $pci back to $to"
    else
        echo "OK $pci: back on $to ($(pci_interfaces "$pci"))"
    fi
}

for t in "${TARGETS[@]}"; do
    if ! pci="$(resolve "$t" 2>&1)"; then
        echo "$pci"
        FAILED=1
        continue
    fi
    require_root
    if [ "$UNBIND" = 1 ]; then unbind_one "$pci" || FAILED=1; else bind_one "$pci" || FAILED=1; fi
done
[ "$DRY_RUN" = 0 ] || echo "# dry run: nothing was changed"
exit $FAILED
