package dev.bypass.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.memory.InMemoryNetwork;
import dev.bypass.nic.memory.InMemoryNicConfig;
import dev.bypass.socket.BypassDatagramChannel;
import dev.bypass.socket.BypassMembershipKey;
import dev.bypass.socket.BypassSockets;
import dev.bypass.socket.ResourceSet;
import dev.bypass.stack.NetworkStack;
import dev.bypass.stack.StackConfig;
import dev.bypass.stack.addr.Endpoint;
import dev.bypass.stack.addr.IpAddress;
import dev.bypass.stack.addr.MacAddress;
import dev.bypass.stack.counters.Counter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * UDP through the ring socket API over a four-resource {@link BypassHost}, each resource's wire recorded
 * ({@link RecordingDevice}):
 *
 * <ul>
 *   <li>one link (all resources and a client on one switch, private IPs 198.18.0.1-4, public 198.18.0.100 on
 *       resource 0): replies leave through the resource, and from the address, the request came in on;</li>
 *   <li>four links (resource k alone with peer k on switch k, 198.18.(20+k).1 and .2): sends take the
 *       resource that routes the target, or the one named; groups are joined per resource.</li>
 * </ul>
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostDatagramTest {
    private static final int RESOURCES = 4;
    private static final String GROUP = "239.1.2.3";
    private static final int GROUP_BITS = IpAddress.parse(GROUP).v4();

    private BypassHost host;
    private BypassSockets hostSockets;
    private final RecordingDevice[] wires = new RecordingDevice[RESOURCES];
    private final List<PollLoop> peerLoops = new ArrayList<>();
    private final List<BypassSockets> peers = new ArrayList<>();

    @AfterEach
    void close() {
        for (BypassSockets p : peers) {
            p.close();
        }
        if (hostSockets != null) {
            hostSockets.close();
        }
        for (PollLoop l : peerLoops) {
            l.close();
        }
        if (host != null) {
            host.close();
        }
    }

    // ------------------------------------------------------------------------------------------ set-ups

    /** Four resources and a client (198.18.0.200) on one switch. Returns the client's sockets. */
    private BypassSockets oneLink() {
        InMemoryNetwork network = new InMemoryNetwork(RESOURCES + 1);
        BypassHost.Builder b = BypassHost.builder("198.18.0.100").privatePool("198.18.0.0/24");
        for (int i = 0; i < RESOURCES; i++) {
            wires[i] = new RecordingDevice(network.connect(InMemoryNicConfig.builder("r" + i, MacAddress.local(10 + i)).build()));
            b.resource("r" + i, wires[i]);
        }
        host = b.start();
        hostSockets = BypassSockets.open(host.resourceSet());
        return peer(network, "client", "198.18.0.200/24", 99);
    }

    /** Resource k on a switch of its own with peer k: 198.18.(20+k).1 and 198.18.(20+k).2. Returns the peers' sockets. */
    private List<BypassSockets> fourLinks() {
        BypassHost.Builder b = BypassHost.builder("198.18.20.100");
        List<InMemoryNetwork> links = new ArrayList<>();
        for (int k = 0; k < RESOURCES; k++) {
            InMemoryNetwork link = new InMemoryNetwork(2);
            links.add(link);
            wires[k] = new RecordingDevice(link.connect(InMemoryNicConfig.builder("r" + k, MacAddress.local(10 + k)).build()));
            b.resource("r" + k, wires[k], "198.18." + (20 + k) + ".1/24");
        }
        host = b.start();
        hostSockets = BypassSockets.open(host.resourceSet());
        List<BypassSockets> list = new ArrayList<>();
        for (int k = 0; k < RESOURCES; k++) {
            list.add(peer(links.get(k), "peer" + k, "198.18." + (20 + k) + ".2/24", 50 + k));
        }
        return list;
    }

    private BypassSockets peer(InMemoryNetwork network, String name, String cidr, int mac) {
        NetworkStack stack = new NetworkStack(StackConfig.builder().name(name).address(cidr).build(),
            network.connect(InMemoryNicConfig.builder(name, MacAddress.local(mac)).build()));
        PollLoop loop = PollLoop.start(stack, name);
        peerLoops.add(loop);
        BypassSockets sockets = BypassSockets.open(ResourceSet.single(stack, loop));
        peers.add(sockets);
        return sockets;
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String text(ByteBuffer b) {
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
    }

    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what.get());
            }
            Thread.sleep(1);
        }
    }

    private long counter(int resource, Counter c) {
        return host.resource(resource).stack().counters().get(c);
    }

    private boolean joinedOnStack(int resource, int group) {
        BypassHost.Resource r = host.resource(resource);
        return r.loop().call(() -> r.stack().igmp().joined(group));
    }

    // ---------------------------------------------------------------------------------------------- tests

    @Test
    void a_reply_leaves_through_the_resource_and_from_the_address_the_request_came_in_on() throws Exception {
        BypassSockets client = oneLink();
        BypassDatagramChannel server = hostSockets.openDatagramChannel().bind(9000);
        BypassDatagramChannel asker = client.openDatagramChannel().bind(0);

        List<Endpoint> targets = new ArrayList<>();
        for (BypassHost.Resource r : host.resources()) {
            targets.add(new Endpoint(IpAddress.ofV4(r.privateAddress()), 9000));
        }
        targets.add(new Endpoint(IpAddress.ofV4(host.publicAddress()), 9000));
        int[] expectedResource = {0, 1, 2, 3, 0};

        ByteBuffer in = ByteBuffer.allocate(256);
        for (int i = 0; i < targets.size(); i++) {
            Endpoint target = targets.get(i);
            assertEquals(4, asker.send(text("q" + i + "?!"), target));
            BypassDatagramChannel.Received got = server.receiveDatagram(in.clear());
            assertEquals(expectedResource[i], got.resource(), () -> "request to " + target);
            assertEquals(target.address().v4(), got.localAddress(), "the address it was sent to");
            assertEquals(IpAddress.parse("198.18.0.200").v4(), got.sourceAddress());
            assertEquals(asker.localPort(), got.sourcePort());
            assertEquals("q" + i + "?!", text(in));
            assertEquals(4, server.reply(text("a" + i + "!!")));

            Endpoint from = asker.receive(in.clear());
            assertEquals(target, from, "the answer comes from the address the question went to");
            assertEquals("a" + i + "!!", text(in));
        }

        // On the wires: resource 0 answered twice (from its private IP and from the public IP), the others once each.
        assertEquals(List.of("198.18.0.1", "198.18.0.100"), sources(wires[0].udpFrom(9000)));
        for (int r = 1; r < RESOURCES; r++) {
            assertEquals(List.of("198.18.0." + (r + 1)), sources(wires[r].udpFrom(9000)), "resource " + r);
        }
        for (int r = 0; r < RESOURCES; r++) {
            System.out.println("[udp] resource " + r + " sent " + wires[r].udpFrom(9000));
        }
        server.close();
        asker.close();
    }

    private static List<String> sources(List<RecordingDevice.Sent> sent) {
        return sent.stream().map(s -> IpAddress.v4ToString(s.source())).toList();
    }

    @Test
    void a_socket_bound_to_one_address_hears_only_that_address_and_speaks_from_it() throws Exception {
        BypassSockets client = oneLink();
        BypassDatagramChannel publicOnly = hostSockets.openDatagramChannel()
            .bind(new Endpoint(IpAddress.parse("198.18.0.100"), 9100));
        BypassDatagramChannel tuple2 = hostSockets.openDatagramChannel()
            .bind(new Endpoint(IpAddress.parse("198.18.0.3"), 9100)); // resource 2's bypass tuple: the same port, another resource
        assertEquals(IpAddress.parse("198.18.0.100"), publicOnly.localAddress());
        BypassDatagramChannel asker = client.openDatagramChannel().bind(0);
        Endpoint clientAt = new Endpoint(IpAddress.parse("198.18.0.200"), asker.localPort());

        // To resource 0's private IP: its stack takes it for port 9100, the socket bound to the public IP does not.
        asker.send(text("wrong door"), Endpoint.parse("198.18.0.1:9100"));
        await(() -> publicOnly.filteredDatagrams() == 1, () -> "the datagram to 198.18.0.1 to be filtered");
        asker.send(text("front door"), Endpoint.parse("198.18.0.100:9100"));
        ByteBuffer in = ByteBuffer.allocate(64);
        assertEquals(clientAt, publicOnly.receive(in));
        assertEquals("front door", text(in));
        assertEquals(0, publicOnly.lastReceived().resource());
        publicOnly.send(text("hello from the front"), clientAt); // a plain send: from the bound address
        assertEquals(Endpoint.parse("198.18.0.100:9100"), asker.receive(in.clear()));

        asker.send(text("side door"), Endpoint.parse("198.18.0.3:9100"));
        assertEquals(clientAt, tuple2.receive(in.clear()));
        assertEquals(2, tuple2.lastReceived().resource());
        tuple2.send(text("hello from r2"), clientAt);
        assertEquals(Endpoint.parse("198.18.0.3:9100"), asker.receive(in.clear()));
        assertEquals(List.of("198.18.0.100"), sources(wires[0].udpFrom(9100)));
        assertEquals(List.of("198.18.0.3"), sources(wires[2].udpFrom(9100)));

        publicOnly.configureBlocking(false);
        assertNull(publicOnly.receive(in.clear()));
        BindException e = assertThrows(BindException.class,
            () -> hostSockets.openDatagramChannel().bind(new Endpoint(IpAddress.parse("198.18.0.77"), 9100)));
        assertEquals("cannot bind UDP 198.18.0.77:9100: not an address of this resource set (0.0.0.0 or one of "
            + "198.18.0.1 (resource 0), 198.18.0.100 (public, resource 0), 198.18.0.2 (resource 1), 198.18.0.3 (resource 2), "
            + "198.18.0.4 (resource 3))", e.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
            () -> tuple2.send(text("x"), clientAt, 1));
        assertEquals("send to 198.18.0.200:" + clientAt.port() + ": this UDP socket is bound to 198.18.0.3:9100, on "
            + "resource 2 only, not on resource 1", other.getMessage());
        publicOnly.close();
        tuple2.close();
        asker.close();
    }

    @Test
    void a_send_goes_through_the_resource_that_routes_its_target_or_the_one_named() throws Exception {
        List<BypassSockets> peerSockets = fourLinks();
        List<BypassDatagramChannel> peerChannels = new ArrayList<>();
        for (BypassSockets p : peerSockets) {
            BypassDatagramChannel c = p.openDatagramChannel().bind(7000);
            c.join(IpAddress.parse(GROUP), 0);
            peerChannels.add(c);
        }
        BypassDatagramChannel sender = hostSockets.openDatagramChannel().bind(0);
        int port = sender.localPort();
        ByteBuffer in = ByteBuffer.allocate(64);

        // By route: each peer's subnet is one resource's.
        for (int k = 0; k < RESOURCES; k++) {
            Endpoint peer = Endpoint.parse("198.18." + (20 + k) + ".2:7000");
            assertEquals(8, sender.send(text("routed " + k), peer));
            assertEquals(Endpoint.parse("198.18." + (20 + k) + ".1:" + port), peerChannels.get(k).receive(in.clear()));
            assertEquals("routed " + k, text(in));
        }
        // Named: the same through each resource, and a group through each resource (TTL 1, on that link only).
        for (int k = 0; k < RESOURCES; k++) {
            sender.send(text("named " + k), Endpoint.parse("198.18." + (20 + k) + ".2:7000"), k);
            assertEquals(Endpoint.parse("198.18." + (20 + k) + ".1:" + port), peerChannels.get(k).receive(in.clear()));
            assertEquals("named " + k, text(in));
            sender.send(text("group via " + k), new Endpoint(IpAddress.parse(GROUP), 7000), k);
            BypassDatagramChannel.Received got = peerChannels.get(k).receiveDatagram(in.clear());
            assertEquals("group via " + k, text(in));
            assertEquals(GROUP_BITS, got.localAddress());
            assertEquals(IpAddress.parse("198.18." + (20 + k) + ".1").v4(), got.sourceAddress());
        }
        for (int k = 0; k < RESOURCES; k++) {
            List<RecordingDevice.Sent> out = wires[k].udpFrom(port);
            assertEquals(3, out.size(), "resource " + k + " sent " + out);
            assertEquals(List.of("198.18." + (20 + k) + ".2", "198.18." + (20 + k) + ".2", GROUP),
                out.stream().map(s -> IpAddress.v4ToString(s.destination())).toList());
            assertEquals(1, out.get(2).ttl(), "multicast leaves with TTL 1");
            assertEquals(64, out.get(0).ttl());
            System.out.println("[udp] resource " + k + " sent " + out);
        }
        for (BypassDatagramChannel c : peerChannels) {
            c.configureBlocking(false);
            assertNull(c.receive(in.clear()), "one copy of each datagram, on its own link only");
        }

        NoRouteToHostException wrongLink = assertThrows(NoRouteToHostException.class,
            () -> sender.send(text("x"), Endpoint.parse("198.18.21.2:7000"), 2));
        assertEquals("resource 2 has no route to 198.18.21.2:7000 (routes: resource 0 198.18.20.0/24 on-link, "
            + "resource 1 198.18.21.0/24 on-link, resource 2 198.18.22.0/24 on-link, resource 3 198.18.23.0/24 on-link)",
            wrongLink.getMessage());
        NoRouteToHostException nowhere = assertThrows(NoRouteToHostException.class,
            () -> sender.send(text("x"), Endpoint.parse("198.19.99.1:7000")));
        assertTrue(nowhere.getMessage().startsWith("no resource routes 198.19.99.1:7000 (routes: resource 0 "),
            nowhere.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
            () -> sender.send(text("x"), Endpoint.parse("198.18.21.2:7000"), 4));
        assertEquals("send to 198.18.21.2:7000: resource 4 is out of range: the set has 4 resources (0..3)",
            range.getMessage());
        sender.close();
    }

    @Test
    void a_group_joined_on_resource_1_delivers_what_arrives_on_resource_1_only_until_dropped() throws Exception {
        List<BypassSockets> peerSockets = fourLinks();
        List<BypassDatagramChannel> senders = new ArrayList<>();
        for (BypassSockets p : peerSockets) {
            senders.add(p.openDatagramChannel().bind(6000));
        }
        Endpoint group = new Endpoint(IpAddress.parse(GROUP), 5000);
        BypassDatagramChannel feed = hostSockets.openDatagramChannel().bind(5000);
        BypassMembershipKey key1 = feed.join(IpAddress.parse(GROUP), 1);
        assertTrue(key1.isValid());
        assertEquals(List.of(key1), feed.memberships());

        // The join is reported on resource 1's wire (IGMPv3, CHANGE_TO_EXCLUDE, no sources), on no other.
        await(() -> !wires[1].igmp(GROUP_BITS).isEmpty(), () -> "an IGMP report on resource 1");
        RecordingDevice.Sent report = wires[1].igmp(GROUP_BITS).get(0);
        assertEquals(0x22, report.igmpType());
        assertEquals(4, report.igmpRecord());
        assertEquals(IpAddress.parse("224.0.0.22").v4(), report.destination());
        assertEquals(IpAddress.parse("198.18.21.1").v4(), report.source());
        assertEquals(1, report.ttl());
        for (int r : new int[] {0, 2, 3}) {
            assertEquals(List.of(), wires[r].igmp(GROUP_BITS), "resource " + r);
        }

        // The group's datagram on link 2 stops at resource 2 (not a joined group's MAC there) ...
        long notForUs2 = counter(2, Counter.ETH_DROP_NOT_FOR_US);
        senders.get(2).send(text("tick on 2"), group);
        await(() -> counter(2, Counter.ETH_DROP_NOT_FOR_US) >= notForUs2 + 1, () -> "resource 2 to drop the datagram");
        // ... the one on link 1 reaches the feed, which says where it came in.
        senders.get(1).send(text("tick on 1"), group);
        ByteBuffer in = ByteBuffer.allocate(64);
        BypassDatagramChannel.Received got = feed.receiveDatagram(in);
        assertEquals("tick on 1", text(in));
        assertEquals(1, got.resource());
        assertEquals(GROUP_BITS, got.localAddress());
        assertEquals(new Endpoint(IpAddress.parse("198.18.21.2"), 6000), got.source());
        feed.configureBlocking(false);
        assertNull(feed.receive(in.clear()), "nothing from resource 2");

        // Another socket joins the group on resource 2: that stack now takes the group's datagrams, but not for
        // the feed, which has not joined there (membership is per socket and resource: IP_MULTICAST_ALL off).
        BypassDatagramChannel other = hostSockets.openDatagramChannel().bind(5001);
        other.join(IpAddress.parse(GROUP), 2);
        senders.get(2).send(text("tick on 2 again"), group);
        await(() -> feed.filteredDatagrams() == 1, () -> "the feed to filter the group's datagram on resource 2");
        assertNull(feed.receive(in.clear()), "still nothing from resource 2");

        // Joined on resource 2 too: both links deliver, each datagram tagged with its resource.
        BypassMembershipKey key2 = feed.join(InetAddress.getByName(GROUP), 2);
        senders.get(2).send(text("tock on 2"), group);
        feed.configureBlocking(true);
        assertEquals(new Endpoint(IpAddress.parse("198.18.22.2"), 6000), feed.receive(in.clear()));
        assertEquals("tock on 2", text(in));
        assertEquals(2, feed.lastReceived().resource());

        // The other socket is still in the group on resource 2: the feed's drop there sends no leave.
        key2.drop();
        assertFalse(key2.isValid());
        assertTrue(joinedOnStack(2, GROUP_BITS), "another socket is still in the group on resource 2");
        assertTrue(wires[2].igmp(GROUP_BITS).stream().noneMatch(s -> s.igmpRecord() == 3),
            () -> "no leave yet on resource 2: " + wires[2].igmp(GROUP_BITS));
        other.close();
        assertFalse(joinedOnStack(2, GROUP_BITS), "the last socket out left");
        await(() -> wires[2].igmp(GROUP_BITS).stream().anyMatch(s -> s.igmpRecord() == 3),
            () -> "the leave on resource 2: " + wires[2].igmp(GROUP_BITS));

        // Dropping key 1 leaves on resource 1 (CHANGE_TO_INCLUDE, no sources) and stops the delivery.
        key1.drop();
        key1.drop(); // again: nothing
        assertFalse(key1.isValid());
        assertEquals(List.of(), feed.memberships());
        assertFalse(joinedOnStack(1, GROUP_BITS));
        await(() -> wires[1].igmp(GROUP_BITS).stream().anyMatch(s -> s.igmpRecord() == 3),
            () -> "the leave on resource 1: " + wires[1].igmp(GROUP_BITS));
        long notForUs1 = counter(1, Counter.ETH_DROP_NOT_FOR_US);
        senders.get(1).send(text("late on 1"), group);
        await(() -> counter(1, Counter.ETH_DROP_NOT_FOR_US) >= notForUs1 + 1, () -> "resource 1 to drop the late datagram");
        feed.configureBlocking(false);
        assertNull(feed.receive(in.clear()), "nothing after the leave");
        System.out.println("[igmp] resource 1 sent " + wires[1].igmp(GROUP_BITS) + "; resource 2 sent "
            + wires[2].igmp(GROUP_BITS));
        feed.close();
    }

    @Test
    void steady_state_receive_and_reply_allocate_nothing_on_the_poll_threads_or_the_application_thread() throws Exception {
        List<BypassSockets> peerSockets = fourLinks();
        List<BypassDatagramChannel> askers = new ArrayList<>();
        for (BypassSockets p : peerSockets) {
            askers.add(p.openDatagramChannel().bind(6000));
        }
        BypassDatagramChannel server = hostSockets.openDatagramChannel().bind(9000);
        server.join(IpAddress.parse(GROUP), 3);
        ByteBuffer question = ByteBuffer.allocateDirect(64);
        ByteBuffer in = ByteBuffer.allocateDirect(256);
        ByteBuffer answer = ByteBuffer.allocate(256);
        Endpoint[] targets = new Endpoint[RESOURCES];
        for (int k = 0; k < RESOURCES; k++) {
            targets[k] = k == 3 ? new Endpoint(IpAddress.parse(GROUP), 9000) : Endpoint.parse("198.18." + (20 + k) + ".1:9000");
        }
        long[] pollThreads = new long[RESOURCES];
        for (int k = 0; k < RESOURCES; k++) {
            wires[k].stop(); // its records would be the only allocation
            pollThreads[k] = host.resource(k).loop().call(() -> Thread.currentThread().threadId());
        }
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        int rounds = 3000;
        long pollAllocated = 0;
        long appAllocated = 0;
        for (int pass = 0; pass < 2; pass++) { // the first pass warms up (JIT, lazy send rings, ARP)
            long[] before = threads.getThreadAllocatedBytes(pollThreads);
            appAllocated = 0;
            for (int i = 0; i < rounds; i++) {
                int k = i % RESOURCES;
                question.clear().putInt(0, i);
                askers.get(k).send(question.limit(16), targets[k]); // the peers' side is not measured
                long mark = threads.getCurrentThreadAllocatedBytes();
                BypassDatagramChannel.Received got = server.receiveDatagram(in.clear());
                if (got.resource() != k || in.getInt(0) != i) {
                    throw new AssertionError("round " + i + ": " + got);
                }
                server.reply(in.flip());
                appAllocated += threads.getCurrentThreadAllocatedBytes() - mark;
                askers.get(k).receive(answer.clear());
            }
            long[] after = threads.getThreadAllocatedBytes(pollThreads);
            pollAllocated = 0;
            for (int k = 0; k < RESOURCES; k++) {
                pollAllocated += after[k] - before[k];
            }
        }
        System.out.println("[udp] " + rounds + " datagrams received and answered (a quarter of them a group's): "
            + pollAllocated + " bytes allocated on the host's four poll threads, " + appAllocated
            + " by receiveDatagram and reply");
        assertTrue(pollAllocated < 16 * 1024, "host poll threads allocated " + pollAllocated + " bytes");
        assertTrue(appAllocated < 1024, "receiveDatagram and reply allocated " + appAllocated + " bytes");
        server.close();
    }

    @Test
    void a_joined_group_is_left_when_the_socket_closes() throws Exception {
        fourLinks();
        BypassDatagramChannel feed = hostSockets.openDatagramChannel().bind(5000);
        BypassMembershipKey key = feed.join(IpAddress.parse(GROUP), 3);
        assertTrue(joinedOnStack(3, GROUP_BITS));
        feed.close();
        assertFalse(key.isValid());
        assertFalse(joinedOnStack(3, GROUP_BITS));
        key.drop(); // after the close: nothing
        await(() -> wires[3].igmp(GROUP_BITS).stream().anyMatch(s -> s.igmpRecord() == 3),
            () -> "the leave on resource 3: " + wires[3].igmp(GROUP_BITS));
    }

    @Test
    void multicast_misuse_gets_a_clear_exception() throws Exception {
        fourLinks();
        BypassDatagramChannel unbound = hostSockets.openDatagramChannel();
        NotYetBoundException notBound = assertThrows(NotYetBoundException.class, () -> unbound.join(IpAddress.parse(GROUP), 1));
        assertEquals("join of 239.1.2.3 on a UDP socket that is not bound: call bind(port) first", notBound.getMessage());

        BypassDatagramChannel feed = hostSockets.openDatagramChannel().bind(5000);
        IllegalArgumentException unicast = assertThrows(IllegalArgumentException.class,
            () -> feed.join(IpAddress.parse("198.18.21.2"), 1));
        assertEquals("join of 198.18.21.2: not a multicast group that can be joined (224.0.1.0 to 239.255.255.255; "
            + "224.0.0.x is link-local and always on)", unicast.getMessage());
        assertThrows(IllegalArgumentException.class, () -> feed.join(IpAddress.parse("224.0.0.5"), 1));
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
            () -> feed.join(IpAddress.parse(GROUP), 4));
        assertEquals("join of 239.1.2.3: resource 4 is out of range: the set has 4 resources (0..3)", range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> feed.join(IpAddress.parse(GROUP), -1));

        feed.join(IpAddress.parse(GROUP), 1);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> feed.join(IpAddress.parse(GROUP), 1));
        assertEquals("join of 239.1.2.3: this UDP socket (port 5000) has already joined it on resource 1; drop that key "
            + "first", twice.getMessage());
        IllegalStateException notJoined = assertThrows(IllegalStateException.class,
            () -> feed.leave(IpAddress.parse(GROUP), 2));
        assertEquals("leave of 239.1.2.3 on resource 2: this UDP socket (port 5000) has not joined it there",
            notJoined.getMessage());
        feed.leave(IpAddress.parse(GROUP), 1);
        assertFalse(joinedOnStack(1, GROUP_BITS));

        BypassDatagramChannel bound = hostSockets.openDatagramChannel()
            .bind(new Endpoint(IpAddress.parse("198.18.22.1"), 5002));
        IllegalArgumentException elsewhere = assertThrows(IllegalArgumentException.class,
            () -> bound.join(IpAddress.parse(GROUP), 1));
        assertEquals("join of 239.1.2.3: this UDP socket is bound to 198.18.22.1:5002, on resource 2 only, not on "
            + "resource 1", elsewhere.getMessage());
        bound.close();

        IllegalStateException early = assertThrows(IllegalStateException.class, () -> feed.reply(text("x")));
        assertEquals("reply on UDP socket (port 5000) before any datagram was received", early.getMessage());

        feed.close();
        ClosedChannelException closed = assertThrows(ClosedChannelException.class,
            () -> feed.join(IpAddress.parse(GROUP), 1));
        assertEquals("join of 239.1.2.3 on a closed UDP socket (port 5000)", closed.getMessage());
    }
}
