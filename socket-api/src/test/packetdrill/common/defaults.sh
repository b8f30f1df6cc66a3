#!/bin/sh
# The Linux profile our packetdrill scripts assume, as sysctls.
#
# Each script runs this from its shell block (`../common/defaults.sh`). Against Linux it runs
# inside the fresh network namespace hw-test/packetdrill/run-kernel.sh makes, where net.ipv4.*
# belongs to that namespace only. The in-JVM runner reads the same lines as the profile to apply.
# Values are Linux's own defaults except where a script needs a fixed, explicit value; keep one
# `sysctl -q net.ipv4.NAME=VALUE` per line so that both readers understand it.

# Options in our SYN / SYN-ACK: timestamps, SACK (and DSACK), window scaling.
sysctl -q net.ipv4.tcp_timestamps=1
sysctl -q net.ipv4.tcp_sack=1
sysctl -q net.ipv4.tcp_dsack=1
sysctl -q net.ipv4.tcp_window_scaling=1

# Buffers: min, default, max. The receive maximum fixes our window-scale shift at 7
# (Linux 6.18's own maximum, 32 MiB, would make it 10).
sysctl -q net.ipv4.tcp_rmem="4096 131072 6291456"
sysctl -q net.ipv4.tcp_wmem="4096 16384 4194304"
sysctl -q net.ipv4.tcp_moderate_rcvbuf=1

# Handshake retries. Linux 6.x (tcp_syn_linear_timeouts, default 4) repeats the first SYNs at a
# constant 1 s before it starts doubling; 0 gives RFC 6298's doubling from the first retry.
sysctl -q net.ipv4.tcp_syn_retries=6
sysctl -q net.ipv4.tcp_syn_linear_timeouts=0
sysctl -q net.ipv4.tcp_synack_retries=5

# Loss recovery: F-RTO, dupthresh 3, RACK-TLP.
sysctl -q net.ipv4.tcp_frto=2
sysctl -q net.ipv4.tcp_reordering=3
sysctl -q net.ipv4.tcp_early_retrans=3
sysctl -q net.ipv4.tcp_recovery=1

# Congestion control (a script wanting NewReno says so with setsockopt TCP_CONGESTION).
sysctl -q net.ipv4.tcp_congestion_control=cubic
sysctl -q net.ipv4.tcp_slow_start_after_idle=1

# Nothing our scripts do not inject: no ECN, no Fast Open.
sysctl -q net.ipv4.tcp_ecn=0
sysctl -q net.ipv4.tcp_fastopen=0
