/**
 * Packet capture around any device into pcap files that Wireshark and tshark read: the
 * {@link dev.bypass.nic.capture.PcapDevice} decorator and its {@link dev.bypass.nic.capture.PcapWriter}.
 */
package dev.bypass.nic.capture;
