#!/usr/bin/env bash
# Reserves hugepages for DPDK on each NUMA node and mounts hugetlbfs; or shows what is reserved.
#
#   hw-test/host/hugepages.sh [--status]
#   hw-test/host/hugepages.sh --pages N [--size 2M|1G] [--node K] [--mount DIR | --no-mount] [--dry-run]
#
# --pages N reserves N pages of --size on every NUMA node (or on node K only), reads the pools back
# (the kernel gives fewer pages than asked when memory is fragmented), and mounts a hugetlbfs of that
# page size unless one is mounted already. A reservation lasts until reboot. --pages 0 gives them back.
#
# One line per pool or mount. Exit status: 0 done (--status: pages reserved and hugetlbfs mounted),
# 1 failed (fewer pages than asked; --status: nothing reserved or nothing mounted), 2 cannot run
# (usage, not root, no pool of that size on this kernel).

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: hugepages.sh [--status]
       hugepages.sh --pages N [--size 2M|1G] [--node K] [--mount DIR | --no-mount] [--dry-run]

  --status          show the pools of every size on every node and the hugetlbfs mounts (the default)
  --pages N         reserve N pages per NUMA node (0 releases them)
  --size 2M|1G      page size (default 2M; 1G needs the CPU flag pdpe1gb and is best reserved at
                    boot: default_hugepagesz=1G hugepagesz=1G hugepages=N)
  --node K          only on NUMA node K (default: every node)
  --mount DIR       where to mount hugetlbfs (default /dev/hugepages for 2M, /dev/hugepages-1G for 1G)
  --no-mount        do not mount
  --dry-run         print the commands instead of running them
  -h, --help        this text
EOF
}

die2() { echo "hugepages.sh: $*" >&2; exit 2; }

PAGES=""
SIZE=2M
NODE=""
MOUNT_DIR=""
MOUNT=1
while [ $# -gt 0 ]; do
    case "$1" in
        --status) PAGES=""; shift ;;
        --pages) [ $# -ge 2 ] || die2 "--pages needs a number"; PAGES="$2"; shift 2 ;;
        --pages=*) PAGES="${1#*=}"; shift ;;
        --size) [ $# -ge 2 ] || die2 "--size needs 2M or 1G"; SIZE="$2"; shift 2 ;;
        --size=*) SIZE="${1#*=}"; shift ;;
        --node) [ $# -ge 2 ] || die2 "--node needs a number"; NODE="$2"; shift 2 ;;
        --node=*) NODE="${1#*=}"; shift ;;
        --mount) [ $# -ge 2 ] || die2 "--mount needs a directory"; MOUNT_DIR="$2"; shift 2 ;;
        --mount=*) MOUNT_DIR="${1#*=}"; shift ;;
        --no-mount) MOUNT=0; shift ;;
        --dry-run|-n) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die2 "unknown argument $1" ;;
    esac
done

case "$SIZE" in
    2M|2m|2048k|2048kB) SIZE=2M; KB=2048 ;;
    1G|1g|1048576k|1048576kB) SIZE=1G; KB=1048576 ;;
    *) die2 "--size wants 2M or 1G" ;;
esac
[ -z "$PAGES" ] || [[ "$PAGES" =~ ^[0-9]+$ ]] || die2 "--pages wants a number"
[ -z "$NODE" ] || [[ "$NODE" =~ ^[0-9]+$ ]] || die2 "--node wants a number"
[ -n "$MOUNT_DIR" ] || { if [ "$SIZE" = 1G ]; then MOUNT_DIR=/dev/hugepages-1G; else MOUNT_DIR=/dev/hugepages; fi; }

# The nodes: node0 node1 ... (none on a kernel without NUMA sysfs: then the global pool is used).
NODES=()
for n in "$R"/sys/devices/system/node/node[0-9]*; do
    [ -d "$n" ] && NODES+=("$(basename "$n")")
done

# The pool directory of size KB on node N ("" = the global pool).
pool_dir() {
    if [ -n "$2" ]; then echo "$R/sys/devices/system/node/$2/hugepages/hugepages-$1kB"
    else echo "$R/sys/kernel/mm/hugepages/hugepages-$1kB"; fi
}
human() { if [ "$1" -ge 1048576 ]; then echo "$(($1 / 1048576))G"; else echo "$(($1 / 1024))M"; fi; }

# hugetlbfs mounts: "DIR pagesize" a line.
mounts() {
    awk '$3 == "hugetlbfs" { ps = "default"; n = split($4, o, ",");
         for (i = 1; i <= n; i++) if (o[i] ~ /^pagesize=/) ps = substr(o[i], 10); print $2, ps }' "$R/proc/mounts"
}

show_status() {
    local d kb node total=0 t f s line any_mount=0
    for d in "$R"/sys/kernel/mm/hugepages/hugepages-*kB; do
        [ -d "$d" ] || continue
        kb="${d##*hugepages-}"; kb="${kb%kB}"
        if [ ${#NODES[@]} -gt 0 ]; then
            for node in "${NODES[@]}"; do
                t="$(cat "$(pool_dir "$kb" "$node")/nr_hugepages" 2>/dev/null || echo 0)"
                f="$(cat "$(pool_dir "$kb" "$node")/free_hugepages" 2>/dev/null || echo 0)"
                s="$(cat "$(pool_dir "$kb" "$node")/surplus_hugepages" 2>/dev/null || echo 0)"
                echo "hugepages $(human "$kb") $node: total $t free $f surplus $s"
                total=$((total + t))
            done
        else
            t="$(cat "$d/nr_hugepages")"; f="$(cat "$d/free_hugepages" 2>/dev/null || echo 0)"
            echo "hugepages $(human "$kb") all nodes: total $t free $f"
            total=$((total + t))
        fi
    done
    while read -r line; do
        [ -n "$line" ] || continue
        echo "hugetlbfs ${line% *}: pagesize ${line##* }"
        any_mount=1
    done < <(mounts)
    [ $any_mount = 1 ] || echo "hugetlbfs: none mounted"
    if [ $total -gt 0 ] && [ $any_mount = 1 ]; then
        echo "READY hugepages reserved and hugetlbfs mounted"
        return 0
    fi
    local why=""
    [ $total -gt 0 ] || why="no hugepages reserved"
    [ $any_mount = 1 ] || why+="${why:+, }no hugetlbfs mounted"
    echo "NOT READY: $why"
    return 1
}

if [ -z "$PAGES" ]; then
    show_status
    exit $?
fi

# --- reserve -------------------------------------------------------------------------------------------
[ "$DRY_RUN" = 1 ] || [ "$(id -u)" = 0 ] || die2 "needs root to reserve pages and mount (--dry-run does not)"
[ -d "$(pool_dir "$KB" "")" ] ||
    die2 "this kernel has no $SIZE pages ($(pool_dir "$KB" "") is missing)$([ "$SIZE" = 2M ] || echo "; 1G pages need the CPU flag pdpe1gb")"
TARGETS=()
if [ -n "$NODE" ]; then
    [ -d "$R/sys/devices/system/node/node$NODE" ] || die2 "no NUMA node $NODE (nodes: ${NODES[*]:-none})"
    TARGETS=("node$NODE")
elif [ ${#NODES[@]} -gt 0 ]; then
    TARGETS=("${NODES[@]}")
else
    TARGETS=("")
fi

failed=0
for node in "${TARGETS[@]}"; do
    file="$(pool_dir "$KB" "$node")/nr_hugepages"
    if ! write_value "$PAGES" "$file"; then
        echo "FAIL ${node:-all nodes}: the kernel refused $PAGES x $SIZE ($file)"
        failed=1
        continue
    fi
    [ "$DRY_RUN" = 0 ] || continue
    got="$(cat "$file")"
    if [ "$got" -lt "$PAGES" ]; then
        echo "SHORT ${node:-all nodes}: asked for $PAGES x $SIZE, got $got (memory is fragmented: reserve at boot with hugepagesz=$SIZE hugepages=N)"
        failed=1
    else
        echo "OK ${node:-all nodes}: $got x $SIZE reserved"
    fi
done

if [ "$MOUNT" = 1 ] && [ "$PAGES" -gt 0 ]; then
    existing="$(mounts | awk -v ps="$SIZE" '$2 == ps { print $1; exit }')"
    if [ -n "$existing" ]; then
        echo "# hugetlbfs of $SIZE pages already mounted at $existing"
    else
        run mkdir -p "$MOUNT_DIR"
        run mount -t hugetlbfs -o "pagesize=$SIZE" nodev "$MOUNT_DIR"
        [ "$DRY_RUN" = 1 ] || echo "OK hugetlbfs ($SIZE) mounted at $MOUNT_DIR"
    fi
fi
if [ "$DRY_RUN" = 1 ]; then
    echo "# dry run: nothing was changed"
else
    echo "# lasts until reboot; to reserve at boot add to the kernel command line:" \
         "hugepagesz=$SIZE hugepages=$((PAGES * ${#TARGETS[@]})) (spread over the nodes)"
fi
exit $failed
