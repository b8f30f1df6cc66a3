package dev.bypass.socket;

import dev.bypass.stack.addr.IpAddress;

/**
 * A multicast group a {@link BypassDatagramChannel} joined on one resource, as java.nio's
 * {@link java.nio.channels.MembershipKey}: valid until {@link #drop() dropped} or the channel closes.
 * Membership is per resource (per link): the channel receives the group's datagrams that arrive on this
 * resource only.
 */
public final class BypassMembershipKey {
    private final BypassDatagramChannel channel;
    private final int group;
    private final int resource;
    private volatile boolean valid = true;

    BypassMembershipKey(BypassDatagramChannel channel, int group, int resource) {
        this.channel = channel;
        this.group = group;
        this.resource = resource;
    }

    public BypassDatagramChannel channel() {
        return channel;
    }

    public IpAddress group() {
        return IpAddress.ofV4(group);
    }

    int groupBits() {
        return group;
    }

    /** The resource (index in the channel's resource set) the group was joined on. */
    public int resource() {
        return resource;
    }

    /** True until dropped or the channel closed. */
    public boolean isValid() {
        return valid;
    }

    /**
     * Leaves the group on the resource (its poll thread sends the IGMP leave when no other socket of the
     * resource set is in the group there) and waits for it. Again, or after the channel closed: nothing.
     */
    public void drop() {
        channel.drop(this);
    }

    void invalidate() {
        valid = false;
    }

    @Override
    public String toString() {
        return "membership of " + IpAddress.v4ToString(group) + " on resource " + resource + (valid ? "" : " (dropped)");
    }
}
