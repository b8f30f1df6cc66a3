package dev.bypass.host;

import dev.bypass.nic.driver.SetupCommand;
import dev.bypass.nic.tap.ExceptionPathPump;
import dev.bypass.nic.tap.TapConfig;
import dev.bypass.nic.tap.TapDevice;
import dev.bypass.stack.ExceptionPath;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.addr.MacAddress;
import java.io.IOException;
import java.util.List;

/**
 * A resource's exception path to this host's kernel ({@code exception-tap} in the configuration): a TAP
 * whose kernel side takes the resource's MAC and address, so the kernel answers what the stack does not
 * claim as if it owned the NIC, and a pump thread between it and the stack ({@link ExceptionPath}).
 */
final class KernelExceptionPath {
    private KernelExceptionPath() {
    }

    /**
     * Opens the TAP, wires its kernel side (moved into {@code netns} first, unless empty) and attaches the path
     * to {@code stack} (before its first poll).
     */
    static ExceptionPathPump start(String tapName, long mac, String cidr, String netns, NetworkStack stack)
        throws IOException, InterruptedException {
        TapDevice tap = TapDevice.open(TapConfig.named(tapName));
        try {
            List<String> in = List.of();
            if (!netns.isEmpty()) {
                ip(List.of(), "link", "set", "dev", tapName, "netns", netns);
                in = List.of("-n", netns);
            }
            ip(in, "link", "set", "dev", tapName, "address", MacAddress.toString(mac));
            ip(in, "addr", "add", cidr, "dev", tapName);
            ip(in, "link", "set", "dev", tapName, "up");
            ExceptionPath path = new ExceptionPath();
            stack.exceptionPath(path);
            return ExceptionPathPump.start(tap, path);
        } catch (IOException | InterruptedException | RuntimeException e) {
            tap.close();
            throw e;
        }
    }

    private static void ip(List<String> options, String... args) throws IOException, InterruptedException {
        SetupCommand.ip("exception path", options, args);
    }
}
