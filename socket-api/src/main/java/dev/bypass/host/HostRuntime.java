package dev.bypass.host;

import dev.bypass.config.BypassConfig;
import dev.bypass.config.ConfigKeys;
import dev.bypass.nic.driver.DeviceCounters;
import dev.bypass.nic.driver.InvalidSettingException;
import dev.bypass.nic.driver.OpenedResource;
import dev.bypass.nic.tap.ExceptionPathPump;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.counters.Counter;
import dev.bypass.stack.counters.StackCounters;
import dev.bypass.stack.addr.IpAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.status.CountersManager;
import org.agrona.concurrent.status.CountersReader;

/**
 * The resources of one bypass process, running: for each {@code [resource.NAME]} of a {@link BypassConfig}
 * its NIC (opened by its driver), its {@link NetworkStack} and a {@link PollLoop} thread (pinned to its CPU
 * if configured), and the process's counters, in the {@link CountersFile} {@code ./bypass stat} reads when
 * the configuration names one. What {@code serve}, {@code get} and {@code send} share.
 *
 * <p>Counters of resource {@code r0}, each labelled {@code "r0: ..."}: every stack counter
 * ({@link Counter}), the device's ({@code dev.rx_packets} ...; {@link DeviceCounters}), the poll thread's
 * ({@code poll.duty_cycles}, {@code poll.work}) and those the commands add ({@link Resource#addCounter}).
 * Device and added counters are copied in by the poll thread every {@link #SAMPLE_INTERVAL_NS} ns.
 */
public final class HostRuntime implements AutoCloseable {
    /** Type ids of the counters besides the stack's ({@link StackCounters#TYPE_ID}). */
    public static final int DEVICE_TYPE_ID = 0x0B2_0000;
    public static final int POLL_TYPE_ID = 0x0B3_0000;
    public static final int APP_TYPE_ID = 0x0B4_0000;
    /** Counters a command may add per resource. */
    public static final int APP_COUNTERS = 16;
    public static final long SAMPLE_INTERVAL_NS = 1_000_000;
    private static final long START_TIMEOUT_SECONDS = 10;

    private final BypassConfig config;
    private final List<Resource> resources;
    private final CountersFile countersFile;
    private final CountersManager manager;
    private final long startNs = System.nanoTime();
    private boolean closed;

    /** A resource could not be opened or started; the message names it and says why. */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The exception paths' pump threads (resources with exception-tap). */
    private final List<ExceptionPathPump> pumps;

    private HostRuntime(BypassConfig config, List<Resource> resources, CountersFile countersFile,
                        CountersManager manager, List<ExceptionPathPump> pumps) {
        this.config = config;
        this.pumps = List.copyOf(pumps);
        this.resources = resources;
        this.countersFile = countersFile;
        this.manager = manager;
    }

    /** Opens every resource and starts its poll thread. */
    public static HostRuntime open(BypassConfig config) throws StartException {
        List<OpenedResource> opened = new ArrayList<>();
        CountersFile file = null;
        List<Resource> running = new ArrayList<>();
        List<ExceptionPathPump> pumps = new ArrayList<>();
        try {
            for (BypassConfig.Resource r : config.resources()) {
                opened.add(openDevice(config, r));
            }
            int capacity = 0;
            for (OpenedResource o : opened) {
                capacity += Counter.count() + o.counters().count() + 2 + APP_COUNTERS;
            }
            CountersManager manager;
            if (config.countersFile() != null) {
                try {
                    file = CountersFile.create(config.countersFile(), capacity, info(config));
                } catch (IOException e) {
                    throw new StartException("counters file " + config.countersFile() + ": " + e.getMessage(), e);
                }
                manager = file.manager();
            } else {
                manager = StackCounters.newManager(capacity);
            }
            for (int i = 0; i < opened.size(); i++) {
                BypassConfig.Resource r = config.resources().get(i);
                OpenedResource o = opened.get(i);
                NetworkStack stack;
                try {
                    stack = new NetworkStack(r.stack(), o.device(), new StackCounters(r.name(), manager));
                } catch (IllegalArgumentException e) {
                    throw new StartException("resource " + r.name() + ": " + e.getMessage(), e);
                }
                String detail = o.detail();
                String exceptionTap = r.settings().option(ConfigKeys.EXCEPTION_TAP.name(), "");
                if (!exceptionTap.isEmpty()) {
                    try {
                        pumps.add(KernelExceptionPath.start(exceptionTap, o.device().macAddress(), r.addressText(),
                            r.settings().option(ConfigKeys.EXCEPTION_NETNS.name(), ""), stack));
                    } catch (IOException e) {
                        throw new StartException("resource " + r.name() + ": " + e.getMessage(), e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new StartException("interrupted while starting resource " + r.name(), e);
                    }
                    String netns = r.settings().option(ConfigKeys.EXCEPTION_NETNS.name(), "");
                    detail += "; exception path to the kernel's TAP " + exceptionTap + (netns.isEmpty() ? ""
                        : " in netns " + netns);
                }
                Sampler sampler = new Sampler(r, o.counters(), manager);
                PollLoop loop = PollLoop.start(stack, r.idle().newStrategy(), "bypass-" + r.name(), sampler);
                running.add(new Resource(r, detail, stack, loop, sampler, manager));
            }
            for (Resource r : running) {
                try {
                    r.sampler.started.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw new StartException("resource " + r.name() + ": " + e.getCause().getMessage(), e.getCause());
                } catch (TimeoutException e) {
                    throw new StartException("resource " + r.name() + ": its poll thread did not start in "
                        + START_TIMEOUT_SECONDS + " s", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StartException("interrupted while starting resource " + r.name(), e);
                }
            }
            return new HostRuntime(config, running, file, manager, pumps);
        } catch (StartException | RuntimeException | Error e) {
            for (Resource r : running) {
                r.loop.close();
            }
            for (ExceptionPathPump pump : pumps) {
                pump.close();
            }
            for (int i = running.size(); i < opened.size(); i++) {
                opened.get(i).device().close();
            }
            if (file != null) {
                file.close();
            }
            throw e;
        }
    }

    private static OpenedResource openDevice(BypassConfig config, BypassConfig.Resource r) throws StartException {
        try {
            return r.driver().open(r.settings());
        } catch (InvalidSettingException e) {
            String table = "resource." + r.name();
            throw new StartException(config.origin(table, e.key()) + ": [" + table + "] " + e.key() + " = " + e.value()
                + ": " + e.allowed() + " (driver " + r.driverType() + ")", e);
        } catch (Exception e) {
            throw new StartException("resource " + r.name() + " (driver " + r.driverType() + "): " + e.getMessage(), e);
        }
    }

    /** The title the counters file carries: who runs what. */
    private static String info(BypassConfig config) {
        StringBuilder sb = new StringBuilder("bypass '").append(config.name()).append("' pid ")
            .append(ProcessHandle.current().pid());
        for (BypassConfig.Resource r : config.resources()) {
            sb.append("; ").append(r.name()).append(' ').append(r.driverType()).append(' ').append(r.addressText());
        }
        return sb.toString();
    }

    public BypassConfig config() {
        return config;
    }

    public List<Resource> resources() {
        return Collections.unmodifiableList(resources);
    }

    public Resource resource(String name) {
        return resources.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
    }

    /** The counters file, or null when the configuration names none. */
    public Path countersFilePath() {
        return countersFile == null ? null : countersFile.path();
    }

    /** Nanoseconds since the resources started. */
    public long uptimeNs() {
        return System.nanoTime() - startNs;
    }

    /**
     * The resource that reaches {@code address}: the public IP's resource if it does, else the one whose
     * routes match it longest (its own subnet counts), else the first.
     */
    public Resource route(int address) {
        Resource best = null;
        int bestLength = -1;
        for (Resource r : resources) {
            int m = r.config().routeMatch(address);
            boolean preferred = r.config().stack().isLocalAddress(config.publicIp());
            if (m > bestLength || (m == bestLength && m >= 0 && preferred)) {
                best = r;
                bestLength = m;
            }
        }
        return best == null ? resources.get(0) : best;
    }

    /** Stops every poll thread (after a last sample of the counters), closes the stacks, the NICs and the file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Resource r : resources) {
            try {
                r.loop.call(() -> {
                    r.sampler.sample();
                    return null;
                });
            } catch (RuntimeException e) {
                // the poll thread is gone already: the last sample is a millisecond old
            }
            r.loop.close();
        }
        for (ExceptionPathPump pump : pumps) {
            pump.close();
        }
        if (countersFile != null) {
            countersFile.close();
        }
    }

    /** One running resource. */
    public static final class Resource {
        private final BypassConfig.Resource config;
        private final String detail;
        private final NetworkStack stack;
        private final PollLoop loop;
        private final Sampler sampler;
        private final CountersManager manager;

        Resource(BypassConfig.Resource config, String detail, NetworkStack stack, PollLoop loop, Sampler sampler,
                 CountersManager manager) {
            this.config = config;
            this.detail = detail;
            this.stack = stack;
            this.loop = loop;
            this.sampler = sampler;
            this.manager = manager;
        }

        public String name() {
            return config.name();
        }

        public BypassConfig.Resource config() {
            return config;
        }

        /** The driver's line about the NIC. */
        public String detail() {
            return detail;
        }

        /** The stack: use it on the poll thread only ({@link PollLoop#call}). */
        public NetworkStack stack() {
            return stack;
        }

        public PollLoop loop() {
            return loop;
        }

        public String address() {
            return IpAddress.v4ToString(config.stack().address());
        }

        /**
         * Publishes {@code value} as counter {@code "NAME: label"}, read on the poll thread every millisecond.
         * At most {@link HostRuntime#APP_COUNTERS} per resource.
         */
        public void addCounter(String label, LongSupplier value) {
            int id;
            synchronized (manager) {
                id = manager.allocate(name() + ": " + label, APP_TYPE_ID + sampler.appCount());
            }
            int offset = CountersReader.counterOffset(id);
            if (loop.onPollThread()) {
                sampler.bind(offset, value);
            } else {
                loop.call(() -> {
                    sampler.bind(offset, value);
                    return null;
                });
            }
        }

        /** Every counter of this resource, label (without the resource's prefix) to value, in allocation order. */
        public Map<String, Long> counters() {
            Map<String, Long> values = new LinkedHashMap<>();
            String prefix = name() + ": ";
            CountersReader reader = new CountersReader(manager.metaDataBuffer(), manager.valuesBuffer());
            reader.forEach((value, id, label) -> {
                if (label.startsWith(prefix)) {
                    values.put(label.substring(prefix.length()), value);
                }
            });
            return values;
        }
    }

    /**
     * The poll thread's part: pins the thread when it starts, counts duty cycles, and copies the device's and
     * the commands' counters into the counters every {@link #SAMPLE_INTERVAL_NS}.
     */
    static final class Sampler implements PollLoop.DutyCycleHook {
        final CompletableFuture<Void> started = new CompletableFuture<>();
        private final int cpu;
        private final DeviceCounters device;
        private final AtomicBuffer values;
        private final int[] deviceOffsets;
        private final int dutyOffset;
        private final int workOffset;
        private final int[] appOffsets = new int[APP_COUNTERS];
        private final LongSupplier[] appValues = new LongSupplier[APP_COUNTERS];
        private volatile int appCount;
        private long dutyCycles;
        private long work;
        private long nextSampleNs;

        Sampler(BypassConfig.Resource r, DeviceCounters device, CountersManager manager) {
            this.cpu = r.cpu();
            this.device = device;
            this.values = manager.valuesBuffer();
            this.deviceOffsets = new int[device.count()];
            synchronized (manager) {
                for (int i = 0; i < device.count(); i++) {
                    deviceOffsets[i] = CountersReader.counterOffset(
                        manager.allocate(r.name() + ": " + device.label(i), DEVICE_TYPE_ID + i));
                }
                dutyOffset = CountersReader.counterOffset(manager.allocate(r.name() + ": poll.duty_cycles", POLL_TYPE_ID));
                workOffset = CountersReader.counterOffset(manager.allocate(r.name() + ": poll.work", POLL_TYPE_ID + 1));
            }
        }

        int appCount() {
            return appCount;
        }

        void bind(int offset, LongSupplier value) {
            int n = appCount;
            if (n == APP_COUNTERS) {
                throw new IllegalStateException("more than " + APP_COUNTERS + " added counters on one resource");
            }
            appOffsets[n] = offset;
            appValues[n] = value;
            appCount = n + 1;
        }

        @Override
        public void onStart() {
            if (cpu < 0) {
                started.complete(null);
                return;
            }
            try {
                CpuAffinity.pinCurrentThread(cpu);
                started.complete(null);
            } catch (RuntimeException e) {
                started.completeExceptionally(e);
            }
        }

        @Override
        public int afterDutyCycle(long nowNs, int workDone) {
            values.putLongRelease(dutyOffset, ++dutyCycles);
            if (workDone > 0) {
                work += workDone;
                values.putLongRelease(workOffset, work);
            }
            if (nowNs - nextSampleNs >= 0) {
                nextSampleNs = nowNs + SAMPLE_INTERVAL_NS;
                sample();
            }
            return 0;
        }

        void sample() {
            for (int i = 0; i < deviceOffsets.length; i++) {
                values.putLongRelease(deviceOffsets[i], device.value(i));
            }
            int n = appCount;
            for (int i = 0; i < n; i++) {
                values.putLongRelease(appOffsets[i], appValues[i].getAsLong());
            }
        }
    }
}
