/**
 * The in-memory network: a learning switch ({@link dev.bypass.nic.memory.InMemoryNetwork}) and NICs on
 * its ports ({@link dev.bypass.nic.memory.InMemoryNic}) that copy frames through lock-free off-heap
 * rings, so stacks on different poll threads can talk in tests and in the embedded demo.
 *
 * <pre>{@code
 * InMemoryNetwork network = new InMemoryNetwork(2);
 * InMemoryNic a = network.connect(InMemoryNicConfig.builder("host-a", MacAddress.local(1)).build());
 * InMemoryNic b = network.connect(InMemoryNicConfig.builder("host-b", MacAddress.local(2)).rxQueues(2).build());
 * }</pre>
 */
package dev.bypass.nic.memory;
