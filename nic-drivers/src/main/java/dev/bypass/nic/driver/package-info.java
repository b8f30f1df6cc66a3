/**
 * How a bypass process turns the {@code [resource.NAME]} sections of its configuration into devices: the
 * {@link dev.bypass.nic.driver.ResourceDriver} SPI, one implementation per kind of NIC, found by its
 * {@link dev.bypass.nic.driver.ResourceDriver#type() type} ({@code driver = "tap"}).
 *
 * <ul>
 *   <li>{@link dev.bypass.nic.driver.TapDriver} ({@code tap}): a TAP interface towards the Linux kernel;</li>
 *   <li>{@link dev.bypass.nic.driver.MemoryDriver} ({@code memory}): an in-memory NIC on a switch shared by
 *       the resources (and tests) of one process;</li>
 *   <li>{@code dpdk}: registered by the DPDK driver ({@code dev.bypass.nic.dpdk}) through
 *       {@link java.util.ServiceLoader}; until it is on the class path, {@link dev.bypass.nic.driver.ResourceDrivers}
 *       answers "DPDK driver not available: ...".</li>
 * </ul>
 *
 * A driver is registered by a line in {@code META-INF/services/dev.bypass.nic.driver.ResourceDriver}; a
 * configuration may also name a driver class outright ({@code driver = "com.example.MyDriver"}).
 * Besides the device, a driver hands back its {@link dev.bypass.nic.driver.DeviceCounters}: the counters a
 * process publishes for the resource next to the stack's (the hook for a NIC's extended statistics).
 */
package dev.bypass.nic.driver;
