/**
 * A bad wire in front of any device: seeded, reproducible loss, duplication, reordering, corruption,
 * delay, rate limiting and link flaps ({@link dev.bypass.nic.fault.FaultInjectingDevice},
 * {@link dev.bypass.nic.fault.FaultConfig}).
 */
package dev.bypass.nic.fault;
