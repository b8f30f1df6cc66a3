package dev.bypass.nic.driver;

import java.util.Set;

/**
 * Opens one kind of NIC for a resource: the SPI behind {@code driver = "..."} in a {@code [resource.NAME]}
 * section. Implementations have a public no-argument constructor and are registered for
 * {@link java.util.ServiceLoader} in {@code META-INF/services/dev.bypass.nic.driver.ResourceDriver}.
 *
 * <p>A driver reads the common settings of {@link ResourceSettings} and, for anything of its own, the keys it
 * lists in {@link #keys()} from {@link ResourceSettings#options()}. A setting the driver cannot honour is an
 * {@link InvalidSettingException} naming the key, so the user sees which line of which file to change.
 */
public interface ResourceDriver {
    /** The name in {@code driver = "..."}: lowercase, e.g. {@code tap}. */
    String type();

    /** One line for help and the start-up banner. */
    String description();

    /**
     * Keys of a {@code [resource.NAME]} section this driver reads beyond the common ones (e.g. the DPDK
     * driver's {@code device}). The configuration rejects keys that neither the common set nor the driver
     * knows.
     */
    default Set<String> keys() {
        return Set.of();
    }

    /**
     * Opens the device for one resource. Called once per resource at start-up, on the thread that then hands
     * the device to its poll thread.
     *
     * @throws InvalidSettingException a setting the driver cannot honour (queues on a one-queue device)
     * @throws Exception the device could not be opened (permissions, missing kernel support); the message
     *     says why and what to do
     */
    OpenedResource open(ResourceSettings settings) throws Exception;
}
