package dev.thoughtline.contracts;

import java.net.URI;

/** The RFC 8288 {@code Link} header as the contract uses it: {@code <url>; rel="next"}. */
public final class LinkHeader {

    private LinkHeader() {
    }

    public static String next(URI uri) {
        return "<" + uri + ">; rel=\"next\"";
    }

    /**
     * The target of the {@code rel="next"} link in a {@code Link} header value, resolved against
     * {@code base} (targets may be relative), or null when there is none.
     */
    public static URI findNext(String header, URI base) {
        if (header == null) {
            return null;
        }
        int i = 0;
        while (true) {
            int open = header.indexOf('<', i);
            if (open < 0) {
                return null;
            }
            int close = header.indexOf('>', open);
            if (close < 0) {
                return null;
            }
            String target = header.substring(open + 1, close);
            int nextLink = header.indexOf('<', close);
            String params = nextLink < 0 ? header.substring(close + 1) : header.substring(close + 1, nextLink);
            for (String p : params.split(";")) {
                String[] kv = p.trim().split("=", 2);
                if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("rel")) {
                    String rel = kv[1].trim().replace("\"", "").replace(",", "").trim();
                    for (String r : rel.split("\\s+")) {
                        if (r.equalsIgnoreCase("next")) {
                            return base == null ? URI.create(target) : base.resolve(target);
                        }
                    }
                }
            }
            if (nextLink < 0) {
                return null;
            }
            i = nextLink;
        }
    }
}
