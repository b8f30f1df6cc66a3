package dev.bypass.nic.driver;

import dev.bypass.stack.device.NetworkDevice;

/**
 * A device a driver opened for a resource, with the counters it publishes.
 *
 * @param device   the device, for the resource's stack (closed with the stack)
 * @param counters the device's counters, read on the poll thread
 * @param detail   one line for the start-up banner: the interface, the queues, the offloads
 */
public record OpenedResource(NetworkDevice device, DeviceCounters counters, String detail) {
}
