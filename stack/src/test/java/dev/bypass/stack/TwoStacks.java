package dev.bypass.stack;

import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.device.ByteArrayDevice;
import dev.bypass.stack.device.DeviceCapabilities;
import dev.bypass.testing.TestDevice;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two stacks wired back to back through {@link TestDevice}s, on one virtual clock: each {@link #pump} polls
 * both and carries every frame one sent to the other until the wire is quiet. For tests of whole
 * conversations between two bypass stacks (the nic-drivers module's InMemoryNetwork is not visible here).
 */
final class TwoStacks {
    static final int CLIENT_IP = IpAddress.parse("198.18.0.1").v4();
    static final int SERVER_IP = IpAddress.parse("198.18.0.2").v4();
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    final TestDevice clientDevice = new TestDevice(0x02_00_00_00_00_01L, 1500, DeviceCapabilities.NONE, 1024, 2048);
    final TestDevice serverDevice = new TestDevice(0x02_00_00_00_00_02L, 1500, DeviceCapabilities.NONE, 1024, 2048);
    final NetworkStack client;
    final NetworkStack server;
    long now = 1_000_000_000_000L;

    TwoStacks(TcpConfig clientTcp, TcpConfig serverTcp) {
        client = new NetworkStack(StackConfig.builder().name("client").address("198.18.0.1/24").tcp(clientTcp)
            .secretSeed(1).build(), clientDevice);
        server = new NetworkStack(StackConfig.builder().name("server").address("198.18.0.2/24").tcp(serverTcp)
            .secretSeed(2).build(), serverDevice);
        client.poll(now);
        server.poll(now);
    }

    /** Polls both stacks and moves frames between them until neither sends any; returns the frames moved. */
    int pump() {
        int moved = 0;
        for (int round = 0; round < 1_000_000; round++) {
            client.poll(now);
            server.poll(now);
            int n = carry(clientDevice, serverDevice) + carry(serverDevice, clientDevice);
            if (n == 0 && clientDevice.pendingReceive() == 0 && serverDevice.pendingReceive() == 0) {
                return moved;
            }
            moved += n;
        }
        throw new AssertionError("the wire never went quiet");
    }

    /** Moves the clock to the earlier of the stacks' next deadlines (at most {@code limitNs} on) and pumps. */
    void advanceToNextDeadline(long limitNs) {
        long next = Math.min(client.nextDeadlineNs(), server.nextDeadlineNs());
        now += Math.min(Math.max(next - now, 1), limitNs);
        pump();
    }

    private static int carry(ByteArrayDevice from, ByteArrayDevice to) {
        List<ByteArrayDevice.Sent> frames = from.takeSent();
        for (ByteArrayDevice.Sent s : frames) {
            to.inject(s.bytes());
        }
        return frames.size();
    }
}
