package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bypass.nic.driver.InvalidSettingException;
import dev.bypass.nic.driver.ResourceSettings;
import dev.bypass.stack.addr.IpAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The flow rules flow isolation installs, and the setting that asks for it; no DPDK needed. */
class FlowIsolationTest {
    private static final int OURS = IpAddress.ofV4(198, 18, 0, 2).v4();
    private static final long TYPES = DpdkConfig.DEFAULT_RSS;

    @Test
    void off_installs_nothing_and_is_the_default() {
        assertSame(FlowIsolation.OFF, DpdkConfig.afPacket("veth0").flowIsolation());
        assertFalse(FlowIsolation.OFF.enabled());
        assertEquals(List.of(), FlowIsolation.OFF.rules(4, TYPES, DpdkDevice.symmetricKey(40)));
        assertSame(FlowIsolation.OFF, FlowIsolation.of(FlowIsolation.Mode.OFF, OURS));
    }

    @Test
    void one_queue_arp_and_our_address_to_queue_0() {
        DpdkConfig config = DpdkConfig.port("0000:03:00.0").withFlowIsolation(OURS);
        assertEquals(FlowIsolation.Mode.ON, config.flowIsolation().mode());
        List<DpdkFlowRule> rules = config.flowIsolation().rules(1, TYPES, null);
        assertEquals(2, rules.size(), rules.toString());

        DpdkFlowRule arp = rules.get(0);
        assertEquals(DpdkFlowRule.ETHER_TYPE_ARP, arp.etherType());
        assertEquals(DpdkFlowRule.Action.QUEUE, arp.action());
        assertEquals(0, arp.queue());
        assertEquals(0, arp.destinationIpMask(), "ARP is matched by its Ethernet type alone");
        assertEquals(0, arp.priority());
        assertEquals("ARP to queue 0", arp.describe());

        DpdkFlowRule ip = rules.get(1);
        assertEquals(0, ip.etherType(), "the IPv4 pattern");
        assertEquals(OURS, ip.destinationIp());
        assertEquals(-1, ip.destinationIpMask());
        assertEquals(0, ip.sourceIpMask());
        assertEquals(0, ip.ipProtocol(), "every protocol: ICMP, TCP, UDP, fragments");
        assertEquals(DpdkFlowRule.Action.QUEUE, ip.action());
        assertEquals(0, ip.queue());
        assertEquals(0, ip.rssQueues());
        assertNull(ip.rssKey());
        assertEquals(1, ip.priority(), "apart from ARP's: TC flower keeps one protocol per priority");
        assertEquals("IPv4 to 198.18.0.2 to queue 0", ip.describe());
    }

    @Test
    void several_queues_our_address_by_rss_with_the_symmetric_key_arp_still_to_queue_0() {
        byte[] key = DpdkDevice.symmetricKey(52);
        List<DpdkFlowRule> rules = FlowIsolation.auto(OURS).rules(4, TYPES, key);
        assertEquals(2, rules.size(), rules.toString());
        DpdkFlowRule arp = rules.get(0);
        assertEquals(DpdkFlowRule.Action.QUEUE, arp.action(), "ARP has no ports to hash: QueueShards copies it");
        assertEquals(0, arp.queue());

        DpdkFlowRule ip = rules.get(1);
        assertEquals(DpdkFlowRule.Action.RSS, ip.action());
        assertEquals(0, ip.queue());
        assertEquals(4, ip.rssQueues());
        assertEquals(TYPES, ip.rssTypes());
        assertArrayEquals(key, ip.rssKey(), "the rule's RSS action hashes with the port's symmetric key");
        assertNotSame(key, ip.rssKey());
        key[0] ^= 1;
        assertFalse(java.util.Arrays.equals(key, ip.rssKey()), "the rule keeps a copy");
        assertEquals("IPv4 to 198.18.0.2 over queues 0-3 by RSS (52-byte key of its own)", ip.describe());

        DpdkFlowRule twoQueues = FlowIsolation.on(OURS).rules(2, 0, null).get(1);
        assertEquals(2, twoQueues.rssQueues());
        assertNull(twoQueues.rssKey(), "a port that refused the key: the PMD's");
        assertEquals(0, twoQueues.rssTypes());
    }

    @Test
    void ports_narrow_the_claim_to_tcp_and_udp_services_of_the_address() {
        FlowIsolation only = FlowIsolation.on(OURS).claimingOnly(new int[] {80, 443}, new int[] {53});
        List<DpdkFlowRule> one = only.rules(1, TYPES, null);
        assertEquals(4, one.size(), one.toString());
        assertEquals(DpdkFlowRule.ETHER_TYPE_ARP, one.get(0).etherType());
        assertEquals(List.of("TCP to 198.18.0.2 port 80 to queue 0", "TCP to 198.18.0.2 port 443 to queue 0",
            "UDP to 198.18.0.2 port 53 to queue 0"), one.subList(1, 4).stream().map(DpdkFlowRule::describe).toList());
        for (DpdkFlowRule r : one.subList(1, 4)) {
            assertEquals(0xFFFF, r.destinationPortMask());
            assertEquals(0, r.sourcePortMask());
            assertEquals(-1, r.destinationIpMask());
        }
        List<DpdkFlowRule> three = only.rules(3, TYPES, DpdkDevice.symmetricKey(40));
        assertTrue(three.subList(1, 4).stream().allMatch(r -> r.action() == DpdkFlowRule.Action.RSS && r.rssQueues() == 3),
            three.toString());
        assertEquals(DpdkFlowRule.UDP, three.get(3).ipProtocol());
        assertEquals(53, three.get(3).destinationPort());
    }

    @Test
    void bad_settings_are_refused_with_the_reason() {
        assertThrows(IllegalArgumentException.class, () -> FlowIsolation.on(0));
        assertThrows(IllegalArgumentException.class,
            () -> FlowIsolation.on(OURS).claimingOnly(new int[] {0}, new int[0]));
        assertThrows(IllegalArgumentException.class,
            () -> FlowIsolation.on(OURS).claimingOnly(new int[0], new int[] {70000}));
        assertThrows(IllegalArgumentException.class, () -> FlowIsolation.on(OURS).rules(0, 0, null));
        assertEquals(FlowIsolation.Mode.AUTO, FlowIsolation.Mode.parse("auto"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlowIsolation.Mode.parse("yes"));
        assertTrue(e.getMessage().contains("off, on, auto"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DpdkFlowRule.etherTypeToQueue(0x0800, 0));
        assertThrows(IllegalArgumentException.class,
            () -> DpdkFlowRule.ipv4ToQueue(OURS, 0).withRss(0, TYPES, null));
        assertThrows(IllegalArgumentException.class, () -> new DpdkFlowRule(0, 0, 0, 0, 0, OURS, -1, 0, 0, 0, 0, 0,
            DpdkFlowRule.Action.QUEUE, 0, 2, 0, null));
    }

    @Test
    void the_driver_reads_flow_isolation_and_the_resource_s_address() throws Exception {
        assertEquals(FlowIsolation.OFF, DpdkDriver.config(settings(Map.of("af-packet", "veth0"))).flowIsolation());
        DpdkConfig auto = DpdkDriver.config(settings(Map.of("af-packet", "veth0", "flow-isolation", "auto")));
        assertEquals(FlowIsolation.auto(OURS), auto.flowIsolation());
        DpdkConfig on = DpdkDriver.config(settings(Map.of("device", "0000:03:00.0", "flow-isolation", "on")));
        assertEquals(FlowIsolation.on(OURS), on.flowIsolation());
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
            () -> DpdkDriver.config(settings(Map.of("af-packet", "veth0", "flow-isolation", "maybe"))));
        assertTrue(e.getMessage().contains("flow-isolation"), e.getMessage());
    }

    private static ResourceSettings settings(Map<String, String> options) {
        return new ResourceSettings("r0", OURS, 24, ResourceSettings.DEFAULT_MAC, 1500, 1, true, 0, 0, options,
            ResourceSettings.Eal.NONE);
    }
}
