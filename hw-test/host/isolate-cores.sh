#!/usr/bin/env bash
# Isolates cores for bypass's poll threads: prints the kernel command line that keeps the scheduler,
# timer ticks, RCU callbacks and IRQs off them; writes it to the GRUB configuration with --apply;
# moves IRQ affinity off them at once with --irqs.
#
#   hw-test/host/isolate-cores.sh [--cores LIST] [--iommu intel|amd] [--apply] [--irqs] [--dry-run]
#
# Without --apply and --irqs it only prints (the command line, and what the host has now). --apply
# writes /etc/default/grub.d/90-bypass-isolate.cfg and runs update-grub (Debian/Ubuntu; on hosts with
# grubby, RHEL and Fedora, it runs grubby instead); the cores are isolated after the next reboot.
# --irqs sets every IRQ's affinity (and the default for new ones) to the housekeeping cores now; an
# IRQ the kernel will not move (per-CPU, or managed by its driver) is reported and left.
# --dry-run prints the commands of --apply and --irqs instead of running them.
#
# One line per result. Exit status: 0 done, 1 failed (an IRQ could not be moved is not a failure),
# 2 cannot run (usage, a core that does not exist, nothing left for housekeeping, not root).

set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: isolate-cores.sh [--cores LIST] [--iommu intel|amd] [--apply] [--irqs] [--dry-run]

  --cores LIST   the cores to isolate, e.g. 2-7 or 2,3,6-7 (default: every online CPU but CPU 0
                 and its hyperthread siblings)
  --iommu intel|amd
                 add the IOMMU parameters vfio-pci needs too (intel_iommu=on iommu=pt, or
                 amd_iommu=on iommu=pt)
  --apply        write the GRUB drop-in and regenerate the GRUB configuration (reboot to take effect)
  --irqs         move IRQ affinity to the housekeeping cores now
  --dry-run      print the commands of --apply and --irqs instead of running them
  -h, --help     this text

Give a poll thread a whole physical core: isolate both hyperthreads of it (see
/sys/devices/system/cpu/cpuN/topology/thread_siblings_list), and prefer cores on the NIC's NUMA node.
EOF
}

die2() { echo "isolate-cores.sh: $*" >&2; exit 2; }

CORES=""
IOMMU=""
APPLY=0
IRQS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --cores) [ $# -ge 2 ] || die2 "--cores needs a list"; CORES="$2"; shift 2 ;;
        --cores=*) CORES="${1#*=}"; shift ;;
        --iommu) [ $# -ge 2 ] || die2 "--iommu needs intel or amd"; IOMMU="$2"; shift 2 ;;
        --iommu=*) IOMMU="${1#*=}"; shift ;;
        --apply) APPLY=1; shift ;;
        --irqs) IRQS=1; shift ;;
        --dry-run|-n) DRY_RUN=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die2 "unknown argument $1" ;;
    esac
done

ONLINE_LIST="$(cat "$R/sys/devices/system/cpu/online" 2>/dev/null)" || die2 "cannot read $R/sys/devices/system/cpu/online"
ONLINE="$(expand_cpus "$ONLINE_LIST")" || die2 "cannot parse the online CPUs '$ONLINE_LIST'"
if [ -z "$CORES" ]; then
    siblings="$(cat "$R/sys/devices/system/cpu/cpu0/topology/thread_siblings_list" 2>/dev/null || echo 0)"
    keep=" $(expand_cpus "$siblings" || echo 0) "
    chosen=()
    for c in $ONLINE; do [[ "$keep" == *" $c "* ]] || chosen+=("$c"); done
    [ ${#chosen[@]} -gt 0 ] || die2 "only CPU 0 (and its siblings) online: nothing to isolate"
    CORES="$(compress_cpus "${chosen[@]}")"
    echo "# no --cores: isolating every online CPU but CPU 0 and its siblings ($siblings)"
fi
ISOLATED="$(expand_cpus "$CORES")" || die2 "--cores wants a list like 2-7 or 2,3,6-7"
for c in $ISOLATED; do
    [[ " $ONLINE " == *" $c "* ]] || die2 "CPU $c is not online (online: $ONLINE_LIST)"
done
HOUSE=()
for c in $ONLINE; do [[ " $ISOLATED " == *" $c "* ]] || HOUSE+=("$c"); done
[ ${#HOUSE[@]} -gt 0 ] || die2 "--cores $CORES leaves no CPU for the kernel and everything else"
# shellcheck disable=SC2086 # word splitting of the CPU numbers is the point
ISO_LIST="$(compress_cpus $ISOLATED)"
HOUSE_LIST="$(compress_cpus "${HOUSE[@]}")"
PARAMS="isolcpus=managed_irq,domain,$ISO_LIST nohz_full=$ISO_LIST rcu_nocbs=$ISO_LIST irqaffinity=$HOUSE_LIST"
case "$IOMMU" in
    "") ;;
    intel) PARAMS+=" intel_iommu=on iommu=pt" ;;
    amd) PARAMS+=" amd_iommu=on iommu=pt" ;;
    *) die2 "--iommu wants intel or amd" ;;
esac

echo "isolate $ISO_LIST; housekeeping $HOUSE_LIST (online $ONLINE_LIST)"
echo "kernel command line: $PARAMS"
now=""
for p in isolcpus nohz_full rcu_nocbs irqaffinity intel_iommu amd_iommu iommu; do
    for w in $(cat "$R/proc/cmdline" 2>/dev/null || true); do case "$w" in "$p"=*) now+="${now:+ }$w" ;; esac; done
done
echo "booted with: ${now:-none of isolcpus, nohz_full, rcu_nocbs, irqaffinity, intel_iommu, amd_iommu, iommu}"
iso_now="$(cat "$R/sys/devices/system/cpu/isolated" 2>/dev/null || echo '?')"
nohz_now="$(cat "$R/sys/devices/system/cpu/nohz_full" 2>/dev/null || echo '?')"
echo "isolated now: ${iso_now:-none}; nohz_full now: ${nohz_now:-none}"

[ "$APPLY" = 1 ] || [ "$IRQS" = 1 ] || exit 0
[ "$DRY_RUN" = 1 ] || [ "$(id -u)" = 0 ] || die2 "--apply and --irqs need root (--dry-run does not)"
FAILED=0

# --- GRUB --------------------------------------------------------------------------------------------
if [ "$APPLY" = 1 ]; then
    if command -v grubby >/dev/null 2>&1; then
        # RHEL/Fedora (BLS entries): grubby edits every kernel's arguments.
        run grubby --update-kernel=ALL --remove-args="isolcpus nohz_full rcu_nocbs irqaffinity${IOMMU:+ ${IOMMU}_iommu iommu}" || FAILED=1
        run grubby --update-kernel=ALL --args="$PARAMS" || FAILED=1
        echo "# undo: grubby --update-kernel=ALL --remove-args=\"isolcpus nohz_full rcu_nocbs irqaffinity\""
    else
        dropin="$R/etc/default/grub.d/90-bypass-isolate.cfg"
        content="# Written by bypass hw-test/host/isolate-cores.sh: cores $ISO_LIST for poll threads.
# Undo: delete this file and run update-grub.
GRUB_CMDLINE_LINUX=\"\${GRUB_CMDLINE_LINUX} $PARAMS\""
        if [ "$DRY_RUN" = 1 ]; then
            echo "mkdir -p $(quote "${dropin%/*}")"
            echo "cat > $(quote "$dropin") <<'EOF'"
            echo "$content"
            echo "EOF"
        else
            if ! { mkdir -p "${dropin%/*}" && printf '%s\n' "$content" > "$dropin"; }; then
                echo "FAIL cannot write $dropin"
                exit 1
            fi
            echo "OK wrote $dropin"
        fi
        if command -v update-grub >/dev/null 2>&1 || [ "$DRY_RUN" = 1 ]; then
            run update-grub || FAILED=1
        elif command -v grub-mkconfig >/dev/null 2>&1; then
            run grub-mkconfig -o /boot/grub/grub.cfg || FAILED=1
        elif command -v grub2-mkconfig >/dev/null 2>&1; then
            run grub2-mkconfig -o /boot/grub2/grub.cfg || FAILED=1
        else
            echo "FAIL no update-grub, grub-mkconfig or grubby: add to the kernel command line by hand: $PARAMS"
            FAILED=1
        fi
        if grep -qs -E '(^|[ "])(isolcpus|nohz_full|rcu_nocbs|irqaffinity)=' "$R/etc/default/grub"; then
            echo "# note: /etc/default/grub sets some of these already; the drop-in's come later on the line and win"
        fi
    fi
    [ "$DRY_RUN" = 1 ] || [ $FAILED = 1 ] || echo "OK GRUB configured; reboot to isolate $ISO_LIST"
fi

# --- IRQs ----------------------------------------------------------------------------------------------
# A CPU list as the hex mask /proc/irq/default_smp_affinity takes (32-bit groups separated by commas).
cpu_mask() {
    local c max=0 groups=() i out=""
    for c in "$@"; do [ "$c" -le "$max" ] || max=$c; done
    for ((i = 0; i <= max / 32; i++)); do groups[i]=0; done
    for c in "$@"; do groups[c / 32]=$(( groups[c / 32] | (1 << (c % 32)) )); done
    for ((i = max / 32; i >= 0; i--)); do out+="${out:+,}$(printf '%08x' "${groups[i]}")"; done
    echo "$out"
}
if [ "$IRQS" = 1 ]; then
    if command -v pgrep >/dev/null 2>&1 && pgrep -x irqbalance >/dev/null 2>&1; then
        echo "WARN irqbalance is running and will move IRQs back: stop it, or set IRQBALANCE_BANNED_CPULIST=$ISO_LIST"
    fi
    moved=0; skipped=0
    for d in "$R"/proc/irq/[0-9]*; do
        [ -e "$d/smp_affinity_list" ] || continue
        irq="${d##*/}"
        cur="$(cat "$d/smp_affinity_list" 2>/dev/null || echo ?)"
        name="$(find "$d" -mindepth 1 -maxdepth 1 -type d -printf '%f ' 2>/dev/null | sed 's/ $//')"
        cur_cpus="$(expand_cpus "$cur" 2>/dev/null || true)"
        inside=1
        for c in $cur_cpus; do [[ " $ISOLATED " == *" $c "* ]] && { inside=0; break; }; done
        if [ "$inside" = 1 ] && [ -n "$cur_cpus" ]; then continue; fi
        [ "$DRY_RUN" = 0 ] || echo "# irq $irq${name:+ ($name)}: $cur -> $HOUSE_LIST"
        if write_value "$HOUSE_LIST" "$d/smp_affinity_list"; then
            [ "$DRY_RUN" = 1 ] || echo "irq $irq${name:+ ($name)}: $cur -> $HOUSE_LIST"
            moved=$((moved + 1))
        else
            echo "SKIP irq $irq${name:+ ($name)}: the kernel keeps it on $cur (per-CPU or managed)"
            skipped=$((skipped + 1))
        fi
    done
    write_value "$(cpu_mask "${HOUSE[@]}")" "$R/proc/irq/default_smp_affinity" ||
        { echo "FAIL cannot set $R/proc/irq/default_smp_affinity"; FAILED=1; }
    [ "$DRY_RUN" = 1 ] || echo "OK irqs: $moved moved to $HOUSE_LIST, $skipped left where the kernel keeps them"
fi
[ "$DRY_RUN" = 0 ] || echo "# dry run: nothing was changed"
exit $FAILED
