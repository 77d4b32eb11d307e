package dev.thoughtline.contracts;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Where a service may send a request whose URL a caller chose (a DatasetRef, a {@code Link} target, a teacher's or
 * an embedding endpoint), and which of those URLs may receive the service's own token.
 *
 * <ul>
 *   <li><b>Suite origins</b> ({@code suite}): the suite's own services, as configured by the operator. Only they get
 *       the service token ({@link #isSuite}), and they are never refused.</li>
 *   <li><b>Always refused</b>: anything but http(s), user info in the URL, and any host that resolves to a link-local
 *       (169.254/16, fe80::/10, which holds the cloud metadata endpoints), unspecified, multicast or broadcast
 *       address, or to another known metadata address (100.100.100.200, fd00:ec2::254). No allow entry changes this.</li>
 *   <li><b>Denied</b> ({@code deny}): host names, {@code *.suffix} patterns, origins ({@code http://host:port}) and
 *       CIDR ranges refused always.</li>
 *   <li><b>Private</b> addresses (loopback, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, and names that end in
 *       {@code localhost}): refused unless {@code allowPrivate} or the host or one of its addresses matches an
 *       {@code allow} entry. Cluster-internal services are private, so a prod service reaches only the suite and what
 *       the operator allows.</li>
 *   <li>{@code onlyAllowed}: everything outside the suite must match an {@code allow} entry, public addresses too.</li>
 * </ul>
 *
 * {@link #check} resolves the host and checks every address it resolves to (so {@code 2130706433}, {@code 0x7f.1} or
 * a DNS name pointing at 127.0.0.1 are all loopback). It does not pin the address it checked: a DNS server that
 * answers differently a moment later (rebinding) can still steer the connection; the deployment's egress
 * NetworkPolicies refuse the same ranges at the network. Immutable and thread-safe; {@link #check} blocks on DNS.
 */
public final class OutboundPolicy {

    /** A URL the policy refuses, with the reason; not worth retrying. */
    public static class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    /** A host that does not resolve (now): refused, since it cannot be checked, but it may resolve later. */
    public static final class Unresolvable extends Refused {
        public Unresolvable(String message) {
            super(message);
        }
    }

    private static final List<Cidr> ALWAYS_REFUSED = Cidr.list(
            "0.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4", "100.100.100.200/32", "192.0.0.0/24",
            "::/128", "fe80::/10", "ff00::/8", "fd00:ec2::254/128");
    private static final List<Cidr> PRIVATE = Cidr.list(
            "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "198.18.0.0/15",
            "::1/128", "fc00::/7", "fec0::/10");

    private final List<Origin> suite;
    private final Entries allowed;
    private final Entries denied;
    private final boolean allowPrivate;
    private final boolean onlyAllowed;

    private OutboundPolicy(Collection<String> suite, Collection<String> allow, Collection<String> deny, boolean allowPrivate,
                           boolean onlyAllowed) {
        this.suite = suite.stream().filter(s -> !s.isBlank()).map(Origin::parse).toList();
        this.allowed = Entries.parse(allow);
        this.denied = Entries.parse(deny);
        this.allowPrivate = allowPrivate;
        this.onlyAllowed = onlyAllowed;
    }

    /**
     * @param suite        origins of the suite's services ({@code http://question-service:8080}); a path is ignored
     * @param allow        host names, {@code *.suffix} patterns or CIDRs allowed although private (or, with
     *                     {@code onlyAllowed}, the only hosts allowed outside the suite)
     * @param deny         host names, patterns or CIDRs always refused
     * @param allowPrivate whether private and loopback addresses are allowed (local demos and tests)
     * @param onlyAllowed  whether hosts outside the suite must match {@code allow}
     */
    public static OutboundPolicy of(Collection<String> suite, Collection<String> allow, Collection<String> deny,
                                    boolean allowPrivate, boolean onlyAllowed) {
        return new OutboundPolicy(suite, allow, deny, allowPrivate, onlyAllowed);
    }

    /** Only the rules that always hold: for tools that run on a user's own machine, such as the CLI and tests. */
    public static OutboundPolicy permissive() {
        return new OutboundPolicy(List.of(), List.of(), List.of(), true, false);
    }

    /** Whether {@code uri} is one of the suite's own services: the only URLs that may receive the service token. */
    public boolean isSuite(URI uri) {
        if (uri == null || uri.getHost() == null || uri.getRawUserInfo() != null) {
            return false;
        }
        Origin o = Origin.of(uri);
        return suite.contains(o);
    }

    /** Whether {@code a} and {@code b} have the same scheme, host and port. */
    public static boolean sameOrigin(URI a, URI b) {
        return a.getHost() != null && b.getHost() != null && Origin.of(a).equals(Origin.of(b));
    }

    /** Refuses {@code uri} with the reason, or returns when a request to it is allowed. Resolves the host: blocking. */
    public void check(URI uri) {
        if (uri == null || !uri.isAbsolute() || uri.getHost() == null) {
            throw new Refused("not an absolute URL: " + uri);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Refused("only http and https URLs are allowed, not " + scheme);
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("a URL with user info is not allowed");
        }
        if (isSuite(uri)) {
            return;
        }
        String host = host(uri);
        if (denied.matchesName(uri, host)) {
            throw new Refused("the host " + host + " is denied by the outbound policy");
        }
        boolean nameAllowed = allowed.matchesName(uri, host);
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Unresolvable("the host " + host + " does not resolve");
        }
        boolean privateName = host.equals("localhost") || host.endsWith(".localhost");
        for (InetAddress raw : addresses) {
            InetAddress a = unmapped(raw);
            if (Cidr.any(ALWAYS_REFUSED, a)) {
                throw new Refused("the host " + host + " is a link-local, metadata or reserved address (" + a.getHostAddress() + ")");
            }
            if (Cidr.any(denied.ranges, a)) {
                throw new Refused("the address " + a.getHostAddress() + " of " + host + " is denied by the outbound policy");
            }
            boolean listed = nameAllowed || Cidr.any(allowed.ranges, a);
            if (onlyAllowed && !listed) {
                throw new Refused("the host " + host + " is not on the outbound allow list");
            }
            if ((privateName || a.isLoopbackAddress() || a.isAnyLocalAddress() || Cidr.any(PRIVATE, a)) && !allowPrivate && !listed) {
                throw new Refused("the host " + host + " is a private or loopback address (" + a.getHostAddress()
                        + "); the outbound policy allows only the suite's services and the hosts it lists there");
            }
        }
    }

    private static String host(URI uri) {
        String h = uri.getHost().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        while (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }

    /** An IPv4 address embedded in IPv6 (::ffff:a.b.c.d, ::a.b.c.d) is checked as the IPv4 address it is. */
    private static InetAddress unmapped(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean zeros = true;
            for (int i = 0; i < 10; i++) {
                zeros &= b[i] == 0;
            }
            boolean mapped = zeros && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
            boolean compatible = zeros && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1));
            if (mapped || compatible) {
                try {
                    return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException impossible) {
                    return a;
                }
            }
        }
        return a;
    }

    /** Allow or deny entries: host names and {@code *.suffix} patterns, origins, CIDR ranges. */
    private record Entries(List<String> names, List<Origin> origins, List<Cidr> ranges) {
        static Entries parse(Collection<String> entries) {
            List<String> names = new ArrayList<>();
            List<Origin> origins = new ArrayList<>();
            List<Cidr> ranges = new ArrayList<>();
            for (String raw : entries) {
                String e = raw.strip().toLowerCase(Locale.ROOT);
                if (e.isEmpty()) {
                    continue;
                }
                if (e.contains("://")) {
                    origins.add(Origin.parse(e));
                    continue;
                }
                Cidr c = Cidr.parse(e);
                if (c != null) {
                    ranges.add(c);
                } else {
                    names.add(e.endsWith(".") ? e.substring(0, e.length() - 1) : e);
                }
            }
            return new Entries(List.copyOf(names), List.copyOf(origins), List.copyOf(ranges));
        }

        /** Whether the URL's origin or its host name is listed. */
        boolean matchesName(URI uri, String host) {
            if (origins.contains(Origin.of(uri))) {
                return true;
            }
            for (String p : names) {
                if (p.startsWith("*.") ? host.endsWith(p.substring(1)) : host.equals(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** scheme, lower-case host and explicit port. */
    private record Origin(String scheme, String host, int port) {
        static Origin of(URI u) {
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
            return new Origin(scheme, OutboundPolicy.host(u), port);
        }

        static Origin parse(String s) {
            URI u = URI.create(s.strip());
            if (!u.isAbsolute() || u.getHost() == null) {
                throw new IllegalArgumentException("a suite origin is an absolute http(s) URL, got: " + s);
            }
            return of(u);
        }
    }

    /** An IPv4 or IPv6 range. */
    record Cidr(byte[] network, int bits) {

        static List<Cidr> list(String... ranges) {
            List<Cidr> out = new ArrayList<>();
            for (String r : ranges) {
                out.add(parse(r));
            }
            return List.copyOf(out);
        }

        /** The range, or null when {@code s} is not an address or a CIDR (a host name). */
        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            String addr = slash < 0 ? s : s.substring(0, slash);
            if (!isLiteral(addr)) {
                return null;
            }
            byte[] net;
            try {
                net = InetAddress.getByName(addr).getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
            int bits = net.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("not a CIDR range: " + s);
                }
                if (bits < 0 || bits > net.length * 8) {
                    throw new IllegalArgumentException("not a CIDR range: " + s);
                }
            }
            return new Cidr(net, bits);
        }

        /** A literal IPv4 (dotted quad) or IPv6 address: parsing it never asks DNS. */
        private static boolean isLiteral(String s) {
            if (s.indexOf(':') >= 0) {
                return true;
            }
            String[] parts = s.split("\\.", -1);
            if (parts.length != 4) {
                return false;
            }
            for (String p : parts) {
                if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                    return false;
                }
            }
            return true;
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (network[full] & mask);
        }

        static boolean any(List<Cidr> ranges, InetAddress a) {
            for (Cidr c : ranges) {
                if (c.contains(a)) {
                    return true;
                }
            }
            return false;
        }
    }
}
