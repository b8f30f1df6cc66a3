# shellcheck shell=bash
# Shared by the host scripts (sourced, not run): dry-run aware command running, CPU lists, PCI facts.
#
# BYPASS_HOST_ROOT: a directory standing in for / when the scripts read /sys and /proc and write
# under /sys, /proc, /etc and /run (empty on a real host). The tests point it at a fake tree to show
# the scripts a ConnectX or an Intel NIC, hugepage pools or a kernel command line this VM lacks.
R="${BYPASS_HOST_ROOT:-}"
DRY_RUN="${DRY_RUN:-0}"

quote() {
    local out="" a
    for a in "$@"; do out+="${out:+ }$(printf '%q' "$a")"; done
    printf '%s' "$out"
}

# Runs a command, or prints it (as a line of shell) under --dry-run.
run() {
    if [ "$DRY_RUN" = 1 ]; then
        quote "$@"; echo
        return 0
    fi
    "$@"
}

# Writes VALUE to FILE (a sysfs or procfs knob), or prints the shell line that would.
write_value() {
    local value="$1" file="$2"
    if [ "$DRY_RUN" = 1 ]; then
        echo "echo $(quote "$value") > $(quote "$file")"
        return 0
    fi
    # sysfs/procfs report a refused value as a failed write
    { printf '%s\n' "$value" > "$file"; } 2>/dev/null
}

# The dpdk-devbind.py of the dpdk package ($DPDK_DEVBIND first), or nothing.
find_devbind() {
    local c
    for c in "${DPDK_DEVBIND:-}" /usr/bin/dpdk-devbind.py /usr/sbin/dpdk-devbind.py /usr/local/bin/dpdk-devbind.py \
        /usr/local/sbin/dpdk-devbind.py "$(command -v dpdk-devbind.py 2>/dev/null || true)" \
        "$(command -v dpdk-devbind 2>/dev/null || true)"; do
        if [ -n "$c" ] && [ -x "$c" ]; then echo "$c"; return 0; fi
    done
    return 0
}

# "0-3,6,8-9" -> "0 1 2 3 6 8 9"; returns 1 on a malformed list.
expand_cpus() {
    local list="$1" part a b cpus=() parts=()
    [[ "$list" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || return 1
    IFS=, read -r -a parts <<<"$list"
    for part in "${parts[@]}"; do
        if [[ "$part" == *-* ]]; then
            a="${part%-*}"; b="${part#*-}"
            [ "$a" -le "$b" ] || return 1
            while [ "$a" -le "$b" ]; do cpus+=("$a"); a=$((a + 1)); done
        else
            cpus+=("$part")
        fi
    done
    printf '%s\n' "${cpus[@]}" | sort -n -u | paste -sd' ' -
}

# "0 1 2 3 6 8 9" -> "0-3,6,8-9"
compress_cpus() {
    local c start="" prev="" res=""
    for c in $(printf '%s\n' "$@" | sort -n -u); do
        if [ -z "$start" ]; then start=$c; prev=$c; continue; fi
        if [ "$c" -eq $((prev + 1)) ]; then prev=$c; continue; fi
        res+="${res:+,}$start$([ "$start" = "$prev" ] || echo "-$prev")"
        start=$c; prev=$c
    done
    [ -z "$start" ] || res+="${res:+,}$start$([ "$start" = "$prev" ] || echo "-$prev")"
    echo "$res"
}

# A PCI address in full form (0000:81:00.0) from "81:00.0" or "0000:81:00.0", or nothing.
normalize_pci() {
    local a="${1,,}"
    if [[ "$a" =~ ^[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then echo "0000:$a"
    elif [[ "$a" =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then echo "$a"
    fi
}

# The PCI address behind a network interface (walking up from e.g. virtio2 to its PCI function), or nothing.
pci_of_interface() {
    local dev i
    [ -e "$R/sys/class/net/$1/device" ] || return 0
    dev="$(readlink -f "$R/sys/class/net/$1/device")"
    for i in 1 2 3; do
        if [ -n "$(normalize_pci "$(basename "$dev")")" ] && [ -e "$dev/vendor" ]; then basename "$dev"; return 0; fi
        dev="$(dirname "$dev")"
        : "$i"
    done
}

pci_attr() { cat "$R/sys/bus/pci/devices/$1/$2" 2>/dev/null || true; }
pci_driver() {
    if [ -e "$R/sys/bus/pci/devices/$1/driver" ]; then basename "$(readlink -f "$R/sys/bus/pci/devices/$1/driver")"; fi
}
# The kernel interfaces of a PCI function (directly under it, or under a virtio device below it).
pci_interfaces() {
    local n out=""
    for n in "$R"/sys/class/net/*; do
        [ -e "$n/device" ] || continue
        [ "$(pci_of_interface "${n##*/}")" = "$1" ] && out+="${out:+ }${n##*/}"
    done
    echo "$out"
}
# The interface that carries the default route (IPv4 or IPv6), if it is one of the named ones.
default_route_dev() {
    local ifs=" $* " dev
    for dev in $( { ip -4 route show default 2>/dev/null; ip -6 route show default 2>/dev/null; } |
                  sed -n 's/.* dev \([^ ]*\).*/\1/p'); do
        case "$ifs" in *" $dev "*) echo "$dev"; return 0 ;; esac
    done
}
# Global-scope addresses of an interface, comma-separated.
active_addresses() {
    ip -o addr show dev "$1" scope global 2>/dev/null | awk '{print $4}' | paste -sd, -
}
is_mellanox() { [ "$(pci_attr "$1" vendor)" = 0x15b3 ]; }
is_dpdk_driver() { case "$1" in vfio-pci|uio_pci_generic|igb_uio) return 0 ;; *) return 1 ;; esac; }
