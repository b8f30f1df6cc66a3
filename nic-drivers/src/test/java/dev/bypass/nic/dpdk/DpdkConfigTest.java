package dev.bypass.nic.dpdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Device configs: af_packet devargs and the checks made before DPDK is asked; no DPDK needed. */
class DpdkConfigTest {
    @Test
    void af_packet_names_the_device_after_its_interface() {
        DpdkConfig one = DpdkConfig.afPacket("veth0");
        assertEquals("net_af_packet_veth0", one.deviceName());
        assertEquals("net_af_packet_veth0,iface=veth0", one.devargs());
        assertEquals(1, one.rxQueues());
        DpdkConfig two = DpdkConfig.afPacket("veth0", 2).withNetworkNamespace("ns1");
        assertEquals("net_af_packet_veth0,iface=veth0,qpairs=2", two.devargs());
        assertEquals(2, two.rxQueues());
        assertEquals(2, two.txQueues());
        assertEquals("ns1", two.networkNamespace());
    }

    @Test
    void a_port_probed_at_init_has_no_devargs() {
        DpdkConfig pci = DpdkConfig.port("0000:01:00.0").withQueues(4, 2);
        assertNull(pci.devargs());
        assertEquals(4, pci.rxQueues());
        assertEquals(DpdkConfig.DEFAULT_MBUF_DATA_ROOM, pci.mbufDataRoom());
    }

    @Test
    void inconsistent_configs_are_refused_with_the_reason() {
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.afPacket("not a name"));
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.port("a").withDevargs("b,iface=x"));
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.port("a").withQueues(0, 1));
        DpdkConfig small = DpdkConfig.port("a").withPool(1000, 2176); // fine on the way: descriptors may follow
        assertEquals(small.withDescriptors(256, 256), small.withDescriptors(256, 256).requireConsistent());
        IllegalArgumentException pool = assertThrows(IllegalArgumentException.class, small::requireConsistent);
        assertTrue(pool.getMessage().contains("do not even fill the rings (1024 descriptors)"), pool.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.port("a").withPool(8191, 100));
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.port("a").withMtu(67));
    }

    @Test
    void bigger_af_packet_slots_come_with_mbufs_that_hold_them() {
        DpdkConfig big = DpdkConfig.afPacket("veth0").withAfPacketFrameSize(8192);
        assertEquals("net_af_packet_veth0,iface=veth0,framesz=8192,blocksz=8192", big.devargs());
        assertEquals(8192 + 128, big.mbufDataRoom());
        assertEquals("net_af_packet_veth0,iface=veth0,framesz=2048,blocksz=4096",
            DpdkConfig.afPacket("veth0").withAfPacketFrameSize(2048).devargs());
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.afPacket("veth0").withAfPacketFrameSize(3000));
        assertThrows(IllegalArgumentException.class, () -> DpdkConfig.afPacket("veth0").withAfPacketFrameSize(65536));
        assertThrows(IllegalStateException.class, () -> DpdkConfig.port("0000:01:00.0").withAfPacketFrameSize(8192));
    }

    @Test
    void a_flow_rule_steering_a_service_to_a_queue() {
        DpdkFlowRule rule = DpdkFlowRule.toQueue(DpdkFlowRule.TCP, 0xC6120102, 443, 3);
        assertEquals(-1, rule.destinationIpMask());
        assertEquals(0xFFFF, rule.destinationPortMask());
        assertEquals(0, rule.sourceIpMask());
        assertEquals(3, rule.queue());
        assertThrows(IllegalArgumentException.class, () -> DpdkFlowRule.toQueue(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> DpdkFlowRule.toQueue(6, 0, 70000, 0));
    }
}
