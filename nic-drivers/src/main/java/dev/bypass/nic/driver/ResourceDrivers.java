package dev.bypass.nic.driver;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Finds the {@link ResourceDriver} for a {@code driver = "..."} value: a type registered through
 * {@link ServiceLoader} (the built-in {@code tap} and {@code memory}, and {@code dpdk} once the DPDK driver is
 * on the class path), or a class named outright ({@code driver = "com.example.MyDriver"}, a
 * {@link ResourceDriver} with a public no-argument constructor).
 */
public final class ResourceDrivers {
    /** The type the DPDK driver registers. */
    public static final String DPDK = "dpdk";
    /** The class of the DPDK device, in module nic-drivers once it is written. */
    public static final String DPDK_DEVICE_CLASS = "dev.bypass.nic.dpdk.DpdkDevice";

    private static final int MAX_REGISTRATIONS = 1000;
    private static final AtomicReference<List<String>> BROKEN = new AtomicReference<>(List.of());

    private ResourceDrivers() {
    }

    /**
     * Every registered driver by type, the built-in ones first. A registration that cannot be loaded (its
     * class missing or broken) is left out and its error kept in {@link #brokenRegistrations()}.
     */
    public static Map<String, ResourceDriver> available() {
        Map<String, ResourceDriver> drivers = new LinkedHashMap<>();
        for (ResourceDriver builtIn : List.of(new TapDriver(), new MemoryDriver())) {
            drivers.put(builtIn.type(), builtIn);
        }
        Iterator<ResourceDriver> it = ServiceLoader.load(ResourceDriver.class, ResourceDrivers.class.getClassLoader())
            .iterator();
        List<String> broken = new ArrayList<>();
        for (int i = 0; i < MAX_REGISTRATIONS; i++) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                ResourceDriver d = it.next();
                drivers.putIfAbsent(d.type(), d);
            } catch (ServiceConfigurationError e) {
                broken.add(e.getMessage()); // the iterator moves past the bad line
            }
        }
        BROKEN.set(List.copyOf(broken));
        return drivers;
    }

    /** The errors of registrations the last {@link #available()} could not load. */
    public static List<String> brokenRegistrations() {
        return BROKEN.get();
    }

    /** True if {@code driver} names a class (it has a dot) rather than a registered type. */
    public static boolean isClassName(String driver) {
        return driver.indexOf('.') > 0;
    }

    /**
     * The driver for {@code driver}.
     *
     * @throws DriverUnavailableException no such driver, with what is available (for {@code dpdk}: "DPDK
     *     driver not available: ..." and why)
     */
    public static ResourceDriver find(String driver) {
        if (isClassName(driver)) {
            return instantiate(driver);
        }
        Map<String, ResourceDriver> drivers = available();
        ResourceDriver d = drivers.get(driver);
        if (d != null) {
            return d;
        }
        if (driver.equals(DPDK)) {
            throw new DriverUnavailableException("DPDK driver not available: " + dpdkAbsence()
                + (brokenRegistrations().isEmpty() ? "" : "; registrations that failed to load: " + brokenRegistrations()));
        }
        throw new DriverUnavailableException("no driver '" + driver + "': available are " + String.join(", ",
            drivers.keySet()) + " (dpdk when the DPDK driver is on the class path), or a ResourceDriver class name");
    }

    /** Why no {@code dpdk} driver is registered. */
    static String dpdkAbsence() {
        try {
            Class.forName(DPDK_DEVICE_CLASS, false, ResourceDrivers.class.getClassLoader());
            return DPDK_DEVICE_CLASS + " is on the class path but no ResourceDriver of type 'dpdk' is registered "
                + "(META-INF/services/" + ResourceDriver.class.getName() + ")";
        } catch (ClassNotFoundException e) {
            return DPDK_DEVICE_CLASS + " is not in this build of bypass (the DPDK driver is not built yet, or its jar "
                + "is not on the class path); use driver = \"tap\" or \"memory\", and see ./bypass doctor";
        } catch (LinkageError e) {
            return DPDK_DEVICE_CLASS + " cannot be loaded: " + e;
        }
    }

    private static ResourceDriver instantiate(String className) {
        Class<?> c;
        try {
            c = Class.forName(className, true, ResourceDrivers.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new DriverUnavailableException("driver class " + className + " is not on the class path");
        } catch (LinkageError e) {
            throw new DriverUnavailableException("driver class " + className + " cannot be loaded: " + e);
        }
        if (!ResourceDriver.class.isAssignableFrom(c)) {
            throw new DriverUnavailableException("driver class " + className + " does not implement "
                + ResourceDriver.class.getName());
        }
        try {
            return (ResourceDriver) c.getConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new DriverUnavailableException("driver class " + className + " has no usable public no-argument "
                + "constructor: " + e);
        }
    }

    /** No driver of that name, or it cannot be loaded. */
    public static final class DriverUnavailableException extends RuntimeException {
        public DriverUnavailableException(String message) {
            super(message);
        }
    }
}
