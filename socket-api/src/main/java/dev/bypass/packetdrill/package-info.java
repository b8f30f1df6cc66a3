/**
 * A packetdrill-compatible runner inside the JVM: reads packetdrill scripts ({@code .pkt}) and runs them
 * against bypass on a virtual clock.
 *
 * <p>Reading order: {@link dev.bypass.packetdrill.PacketdrillRunner} (the entry point); the script's
 * grammar ({@code ScriptLexer}, {@code ScriptParser} and the records they build: {@code Script},
 * {@code Event}, {@code PacketSpec}, {@code SyscallSpec}, {@code Expr}, {@code TcpOption}); the profile
 * its shell block describes ({@code ShellBlock}, {@code Sysctls}, {@link dev.bypass.packetdrill.Profile},
 * {@link dev.bypass.packetdrill.LinuxProfile}); the run ({@code ScriptRun} on a
 * {@link dev.bypass.packetdrill.ScriptDevice}, {@code SocketCalls} for system calls,
 * {@code TestedConnection} for packetdrill's sequence and timestamp mapping, {@code OutboundCheck} and
 * {@code SegmentFormat} for comparing and printing segments, {@code TcpInfoAssertions} for
 * {@code %{ }%} blocks); and the {@link dev.bypass.packetdrill.Result}.
 *
 * <p>Semantics follow upstream packetdrill's ({@code run.c}, {@code run_packet.c},
 * {@code run_system_call.c}): relative times, timing tolerance, sequence number mapping, option checks,
 * TSO aggregation and failure messages are packetdrill's, so that a script means the same here and on
 * Linux.
 */
package dev.bypass.packetdrill;
