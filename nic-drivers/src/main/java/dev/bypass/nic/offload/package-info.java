/**
 * Transmit offloads done in software ({@link dev.bypass.nic.offload.SoftwareOffload}): checksums and TCP
 * segmentation, following DPDK's conventions for the metadata the stack sets on a
 * {@link dev.bypass.stack.device.Frame}.
 */
package dev.bypass.nic.offload;
