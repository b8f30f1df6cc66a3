/**
 * The DPDK driver: a DPDK port as a {@link dev.bypass.stack.device.NetworkDevice}, over the C shim in
 * {@code native/} through FFM.
 *
 * <ul>
 *   <li>{@link dev.bypass.nic.dpdk.DpdkShim}: the bindings, a mirror of {@code native/bypass_dpdk.h};
 *       {@link dev.bypass.nic.dpdk.DpdkLibrary} finds and loads the library.</li>
 *   <li>{@link dev.bypass.nic.dpdk.DpdkEal}: EAL, started once per process on a thread of its own
 *       ({@link dev.bypass.nic.dpdk.DpdkEalConfig} builds its command line).</li>
 *   <li>{@link dev.bypass.nic.dpdk.DpdkDevice}: one port; frames are mbufs, lent without a copy
 *       ({@code DpdkFramePool}); counters in {@link dev.bypass.nic.dpdk.DpdkCounter}, the port's own in
 *       {@link dev.bypass.nic.dpdk.DpdkDevice#portStats()} and {@link dev.bypass.nic.dpdk.DpdkDevice#xstats()}.</li>
 * </ul>
 *
 * <p>Without hardware, the virtual PMDs run the same code: {@code net_af_packet} over a veth
 * ({@link dev.bypass.nic.dpdk.DpdkConfig#afPacket}), with EAL started by
 * {@link dev.bypass.nic.dpdk.DpdkEalConfig#forVirtualDevices()} (no hugepages, no PCI).
 */
package dev.bypass.nic.dpdk;
