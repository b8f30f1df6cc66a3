#!/usr/bin/env bash
# Reports what this host lacks for running bypass over DPDK: one line per check, OK, MISSING or WARN.
# Changes nothing, needs no root.
#
#   hw-test/host/check-host.sh [--json]
#
# MISSING: a DPDK run on a real NIC cannot work until it is fixed. WARN: it works, but slower or
# less safely, or the check could not tell. The last line counts them. --json prints the same as one
# JSON object: {"checks":[{"status":"OK","name":"cpu.sse4_2","detail":"..."},...],"ok":N,"missing":N,"warn":N}.
#
# Exit status: 0 when nothing is MISSING, 1 when something is, 2 on a usage error.

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: check-host.sh [--json]

Checks: CPU flags (sse4.2; avx2, pdpe1gb optional), IOMMU or vfio no-IOMMU mode, vfio-pci, hugepages
and hugetlbfs, isolated cores, NUMA nodes, NICs and their drivers, a NIC ready for DPDK,
dpdk-devbind.py, libdpdk (runtime and pkg-config), DPDK PMDs, a JDK 25, the memlock limit, rdma-core.
EOF
}

JSON=0
while [ $# -gt 0 ]; do
    case "$1" in
        --json) JSON=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; echo "check-host.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

NAMES=(); STATUSES=(); DETAILS=()
check() { STATUSES+=("$1"); NAMES+=("$2"); DETAILS+=("$3"); }
CMDLINE="$(cat "$R/proc/cmdline" 2>/dev/null || true)"
# The value of a kernel command-line parameter (the last one wins, as in the kernel), or nothing.
cmdline_param() {
    local w v=""
    for w in $CMDLINE; do case "$w" in "$1"=*) v="${w#*=}" ;; esac; done
    echo "$v"
}
cmdline_has() { case " $CMDLINE " in *" $1 "*|*" $1="*) return 0 ;; *) return 1 ;; esac; }

# --- CPU ------------------------------------------------------------------------------------------------
FLAGS=" $(awk -F': ' '/^flags/ { print $2; exit }' "$R/proc/cpuinfo" 2>/dev/null || true) "
cpu_flag() {
    local flag="$1" missing="$2" why="$3"
    if [[ "$FLAGS" == *" $flag "* ]]; then check OK "cpu.$flag" "present"
    else check "$missing" "cpu.$flag" "absent: $why"; fi
}
cpu_flag sse4_2 MISSING "DPDK's x86 builds need SSE4.2"
cpu_flag avx2 WARN "optional: DPDK's vector rx/tx paths are faster with AVX2"
cpu_flag pdpe1gb WARN "optional: no 1 GiB hugepages, only 2 MiB"

# --- NICs (first: whether only ConnectX is in play decides how much vfio matters) ------------------------
NIC_LINES=(); READY=0; MLX=0; OTHER=0
for d in "$R"/sys/bus/pci/devices/*; do
    [ -e "$d/class" ] || continue
    case "$(cat "$d/class")" in 0x02*) ;; *) continue ;; esac
    pci="${d##*/}"
    drv="$(pci_driver "$pci")"
    ifs="$(pci_interfaces "$pci")"
    id="$(pci_attr "$pci" vendor):$(pci_attr "$pci" device)"; id="${id//0x/}"
    node="$(pci_attr "$pci" numa_node)"; [ "$node" != -1 ] || node=none
    what="$pci $id driver ${drv:-none}${ifs:+ ($ifs)} NUMA node ${node:-?}"
    route="$(default_route_dev "$ifs")"
    if is_dpdk_driver "$drv"; then
        NIC_LINES+=("OK|$what: bound for DPDK, EAL -a $pci"); READY=$((READY + 1))
    elif is_mellanox "$pci" && [[ "$drv" == mlx[45]_core ]]; then
        NIC_LINES+=("OK|$what: ConnectX, bifurcated: DPDK uses it alongside the kernel (EAL -a $pci)")
        READY=$((READY + 1)); MLX=$((MLX + 1))
    elif [ -n "$route" ]; then
        NIC_LINES+=("OK|$what: the host's own (default route on $route); leave it to the kernel")
    else
        NIC_LINES+=("WARN|$what: on a kernel driver; bind it with hw-test/host/bind-nic.sh")
        OTHER=$((OTHER + 1))
    fi
done
# vfio and the IOMMU matter for every NIC but ConnectX.
VFIO_MISSING=MISSING
if [ $MLX -gt 0 ] && [ $OTHER -eq 0 ]; then VFIO_MISSING=WARN; fi

# --- IOMMU and vfio -----------------------------------------------------------------------------------------
groups=0
if [ -d "$R/sys/kernel/iommu_groups" ]; then
    groups="$(find "$R/sys/kernel/iommu_groups" -mindepth 1 -maxdepth 1 | wc -l)"
fi
iommu_args=""
for p in intel_iommu amd_iommu iommu; do
    v="$(cmdline_param "$p")"; [ -z "$v" ] || iommu_args+="${iommu_args:+ }$p=$v"
done
noiommu="$(cat "$R/sys/module/vfio/parameters/enable_unsafe_noiommu_mode" 2>/dev/null || echo N)"
if [ "$groups" -gt 0 ]; then
    check OK iommu "$groups IOMMU groups${iommu_args:+ ($iommu_args)}"
elif [ "$noiommu" = Y ]; then
    check WARN iommu "no IOMMU groups; vfio's unsafe no-IOMMU mode is on (DMA not isolated)"
else
    check "$VFIO_MISSING" iommu "no IOMMU groups (/sys/kernel/iommu_groups empty)${iommu_args:+, though the command line has $iommu_args}: enable VT-d/AMD-Vi and boot with intel_iommu=on iommu=pt (or amd_iommu=on), or use vfio no-IOMMU mode (bind-nic.sh --noiommu)"
fi
if [ -d "$R/sys/bus/pci/drivers/vfio-pci" ] || [ -d "$R/sys/module/vfio_pci" ]; then
    check OK vfio-pci "loaded"
elif command -v modprobe >/dev/null 2>&1 && modprobe -n -q vfio-pci 2>/dev/null; then
    check OK vfio-pci "not loaded, loadable (bind-nic.sh loads it)"
else
    why=""
    command -v modprobe >/dev/null 2>&1 || why+="${why:+, }no modprobe"
    [ -d "/lib/modules/$(uname -r)" ] || why+="${why:+, }no /lib/modules/$(uname -r)"
    if cmdline_has nomodule; then why+="${why:+, }booted with nomodule"; fi
    check "$VFIO_MISSING" vfio-pci "not loaded and not loadable${why:+: $why}"
fi

# --- memory -----------------------------------------------------------------------------------------------
pages_detail=""; pages_total=0
for d in "$R"/sys/kernel/mm/hugepages/hugepages-*kB; do
    [ -d "$d" ] || continue
    n="$(cat "$d/nr_hugepages" 2>/dev/null || echo 0)"
    f="$(cat "$d/free_hugepages" 2>/dev/null || echo 0)"
    kb="${d##*hugepages-}"; kb="${kb%kB}"
    size="$(( kb >= 1048576 ? kb / 1048576 : kb / 1024 ))$( [ "$kb" -ge 1048576 ] && echo G || echo M)"
    if [ "$n" -gt 0 ]; then
        pages_detail+="${pages_detail:+, }$n x $size ($f free)"
        pages_total=$((pages_total + n * kb))
    fi
done
if [ $pages_total -gt 0 ]; then
    check OK hugepages "$pages_detail = $((pages_total / 1024)) MiB"
else
    check MISSING hugepages "none reserved: hw-test/host/hugepages.sh --pages 1024"
fi
mounts="$(awk '$3 == "hugetlbfs" { printf "%s%s", sep, $2; sep = " " }' "$R/proc/mounts" 2>/dev/null || true)"
if [ -n "$mounts" ]; then check OK hugetlbfs "mounted at $mounts"
else check MISSING hugetlbfs "not mounted: hw-test/host/hugepages.sh mounts it with the pages"; fi

# --- cores and NUMA ----------------------------------------------------------------------------------------
iso=""
for p in isolcpus nohz_full rcu_nocbs irqaffinity; do
    v="$(cmdline_param "$p")"; [ -z "$v" ] || iso+="${iso:+ }$p=$v"
done
if [ -n "$(cmdline_param isolcpus)" ] || [ -n "$(cmdline_param nohz_full)" ]; then
    check OK isolated-cores "$iso"
else
    check WARN isolated-cores "none${iso:+ ($iso)}: poll threads share their cores with the kernel (hw-test/host/isolate-cores.sh)"
fi
nodes=""
for n in "$R"/sys/devices/system/node/node[0-9]*; do
    [ -d "$n" ] || continue
    nodes+="${nodes:+, }${n##*/} cpus $(cat "$n/cpulist" 2>/dev/null || echo ?)"
done
online="$(cat "$R/sys/devices/system/cpu/online" 2>/dev/null || echo ?)"
if [ -n "$nodes" ]; then check OK numa "$(grep -o 'node[0-9]*' <<<"$nodes" | wc -l) node(s): $nodes; online cpus $online"
else check WARN numa "no NUMA information in sysfs; online cpus $online"; fi

# --- NICs ------------------------------------------------------------------------------------------------
for l in ${NIC_LINES[@]+"${NIC_LINES[@]}"}; do check "${l%%|*}" nic "${l#*|}"; done
[ ${#NIC_LINES[@]} -gt 0 ] || check WARN nic "no PCI network controllers"
if [ $READY -gt 0 ]; then check OK dpdk-nic "$READY NIC(s) ready for DPDK"
else check MISSING dpdk-nic "no NIC ready for DPDK: none bound to vfio-pci, no ConnectX (bind one with hw-test/host/bind-nic.sh)"; fi
devbind="$(find_devbind)"
if [ -n "$devbind" ]; then check OK dpdk-devbind "$devbind"
else check WARN dpdk-devbind "not found (the dpdk package has it; needed to bind Intel NICs)"; fi

# --- libraries --------------------------------------------------------------------------------------------
LDCACHE="$(ldconfig -p 2>/dev/null || true)"
LIBS=" $(awk 'NR > 1 { print $1 }' <<<"$LDCACHE" | paste -sd' ' -) "
eal="$(awk '$1 ~ /^librte_eal\.so\.[0-9]+$/ { print $1; exit }' <<<"$LDCACHE")"
pcv="$(pkg-config --modversion libdpdk 2>/dev/null || true)"
if [ -n "$eal" ]; then
    check OK libdpdk "$eal (ABI ${eal##*.so.})${pcv:+, version $pcv}"
else
    check MISSING libdpdk "no librte_eal.so.N in the loader cache (apt-get install dpdk, or build DPDK and run ldconfig)"
fi
if [ -n "$pcv" ]; then check OK libdpdk-dev "pkg-config libdpdk $pcv"
else check WARN libdpdk-dev "pkg-config knows no libdpdk (apt-get install dpdk-dev; needed only to build against DPDK)"; fi
pmds=""
for p in af_packet mlx5 ixgbe i40e ice e1000 virtio; do
    if [[ "$LIBS" =~ \ librte_net_$p\.so ]]; then pmds+="${pmds:+ }$p"; fi
done
if [[ " $pmds " == *" af_packet "* ]]; then check OK dpdk-pmds "$pmds"
else check WARN dpdk-pmds "${pmds:-none} (no af_packet PMD: the local rig hw-test/rig.sh needs it)"; fi
ibv="$(awk '$1 ~ /^libibverbs\.so\.[0-9]+$/ { print $1; exit }' <<<"$LDCACHE")"
mlx5="$(awk '$1 ~ /^libmlx5\.so\.[0-9]+$/ { print $1; exit }' <<<"$LDCACHE")"
if [ -n "$ibv" ] && [ -n "$mlx5" ]; then
    check OK rdma-core "$ibv $mlx5"
elif [ $MLX -gt 0 ]; then
    check MISSING rdma-core "ConnectX present but no libibverbs/libmlx5 (apt-get install rdma-core ibverbs-providers)"
else
    check OK rdma-core "not installed; not needed (no ConnectX)"
fi

# --- JDK and limits -----------------------------------------------------------------------------------------
jdk=""
for home in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/*; do
    [ -x "$home/bin/java" ] || continue
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then jdk="$home (Java $v)"; break; fi
done
if [ -n "$jdk" ]; then check OK jdk25 "$jdk"
else check MISSING jdk25 "no JDK 25 or newer in JAVA_HOME or /usr/lib/jvm (bypass uses the FFM API)"; fi
memlock="$(ulimit -l)"
if [ "$memlock" = unlimited ]; then
    check OK memlock "unlimited"
elif [ "$(id -u)" = 0 ]; then
    check OK memlock "$memlock KiB, but root (CAP_IPC_LOCK) is not held to it"
else
    check WARN memlock "$memlock KiB: DPDK as this user needs more (ulimit -l unlimited, or memlock in limits.conf)"
fi

# --- report --------------------------------------------------------------------------------------------------
ok=0; missing=0; warn=0
for s in "${STATUSES[@]}"; do
    case "$s" in OK) ok=$((ok + 1)) ;; MISSING) missing=$((missing + 1)) ;; *) warn=$((warn + 1)) ;; esac
done
json_string() {
    local s="$1"
    s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\t'/\\t}"; s="${s//$'\n'/\\n}"; s="${s//$'\r'/\\r}"
    printf '"%s"' "$s"
}
if [ $JSON = 1 ]; then
    printf '{"checks":['
    for i in "${!NAMES[@]}"; do
        [ "$i" = 0 ] || printf ','
        printf '{"status":%s,"name":%s,"detail":%s}' "$(json_string "${STATUSES[$i]}")" \
            "$(json_string "${NAMES[$i]}")" "$(json_string "${DETAILS[$i]}")"
    done
    printf '],"ok":%d,"missing":%d,"warn":%d}\n' $ok $missing $warn
else
    for i in "${!NAMES[@]}"; do
        printf '%-8s %-15s %s\n' "${STATUSES[$i]}" "${NAMES[$i]}" "${DETAILS[$i]}"
    done
    echo "$ok ok, $missing missing, $warn warn"
fi
[ $missing -eq 0 ]
