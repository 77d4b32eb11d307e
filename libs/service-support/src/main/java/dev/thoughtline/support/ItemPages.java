package dev.thoughtline.support;

import dev.thoughtline.contracts.LinkHeader;
import dev.thoughtline.contracts.Ndjson;
import io.vertx.core.buffer.Buffer;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * The serving side of the contract's {@code GET {ref}/items?after=&limit=}, the same in every service: the
 * query checked (a bad cursor or limit is a 400, never a 500), and a page answered as NDJSON with
 * {@code Link: rel="next"} while more remain.
 */
public final class ItemPages {

    /** One page of items as NDJSON bytes, and the cursor of the next page (null on the last). */
    public record Page(Buffer ndjson, int count, String next) {
    }

    private ItemPages() {
    }

    /** The position after which a page starts: 0 (the start) when absent. Cursors are non-negative integers. */
    public static long cursor(String after) {
        if (after == null || after.isEmpty()) {
            return 0;
        }
        try {
            long c = Long.parseLong(after);
            if (c < 0) {
                throw new NumberFormatException();
            }
            return c;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("after must be a cursor from a Link header (a non-negative integer), got '" + after + "'");
        }
    }

    /** Items asked for: {@code defaultLimit} when absent, else 1..{@code maxLimit}. */
    public static int limit(String limit, int defaultLimit, int maxLimit) {
        int n;
        try {
            n = limit == null || limit.isEmpty() ? defaultLimit : Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            n = -1;
        }
        if (n < 1 || n > maxLimit) {
            throw ApiException.badRequest("limit must be between 1 and " + maxLimit);
        }
        return n;
    }

    /** The page as the response: NDJSON, its item count, and the next page's link with the same limit. */
    public static Response response(Page page, UriInfo uri, String limit) {
        Response.ResponseBuilder r = Response.ok(page.ndjson(), Ndjson.MEDIA_TYPE).header("X-Item-Count", page.count());
        if (page.next() != null) {
            r.header("Link", LinkHeader.next(uri.getRequestUriBuilder()
                    .replaceQueryParam("after", page.next())
                    .replaceQueryParam("limit", limit)
                    .build()));
        }
        return r.build();
    }
}
