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

    /** Writes one row as one JSON value. */
    @FunctionalInterface
    public interface RowWriter {
        void write(com.fasterxml.jackson.core.JsonGenerator g, io.vertx.mutiny.sqlclient.Row row) throws java.io.IOException;
    }

    private ItemPages() {
    }

    /**
     * A page from rows read with {@code LIMIT limit + 1} (the extra row says that more remain): one line per row up to
     * {@code limit}, each written by {@code writer}; the first column of each row is its cursor. A query that cuts its
     * page to a byte budget ({@link #budgeted}) adds a column {@code fetched}: the rows it read before the cut, so
     * that a cut page links to the next one too.
     */
    public static Page render(com.fasterxml.jackson.core.JsonFactory json, io.vertx.mutiny.sqlclient.RowSet<io.vertx.mutiny.sqlclient.Row> rows,
                              int limit, RowWriter writer) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.max(1024, Math.min(rows.size(), limit) * 256));
        int count = 0;
        long last = -1;
        long fetched = rows.size();
        try (com.fasterxml.jackson.core.JsonGenerator g = json.createGenerator(out)) {
            for (io.vertx.mutiny.sqlclient.Row r : rows) {
                if (count == 0 && r.getColumnIndex("fetched") >= 0) {
                    fetched = r.getLong("fetched");
                }
                if (count == limit) {
                    break;
                }
                last = r.getLong(0);
                writer.write(g, r);
                g.flush();
                out.write('\n');
                count++;
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new Page(Buffer.buffer(out.toByteArray()), count, fetched > count ? Long.toString(last) : null);
    }

    /**
     * A page query cut to a byte budget, around {@code inner}: a query whose first column is the cursor {@code k},
     * which selects {@code bytes} (an estimate of the row's size, e.g. the sum of its texts' {@code octet_length}, which
     * reads no TOASTed value) and ends in {@code ORDER BY k LIMIT limit + 1}. The page keeps rows while their running
     * size stays within the budget parameter {@code $budget}, and always its first row; {@code fetched} tells
     * {@link #render} how many rows there were before the cut. Texts of rows past the cut are never read.
     */
    public static String budgeted(String inner, int budgetParameter) {
        return "SELECT * FROM (SELECT x.*, sum(x.bytes) OVER (ORDER BY x.k ROWS UNBOUNDED PRECEDING) AS running, "
                + "row_number() OVER (ORDER BY x.k) AS rn, count(*) OVER () AS fetched FROM (" + inner + ") x) p "
                + "WHERE p.rn = 1 OR p.running <= $" + budgetParameter + " ORDER BY p.k";
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

    /** The page as the response: NDJSON, its item count, and the next page's link with the same limit (if one was asked). */
    public static Response response(Page page, UriInfo uri, String limit) {
        Response.ResponseBuilder r = Response.ok(page.ndjson(), Ndjson.MEDIA_TYPE).header("X-Item-Count", page.count());
        if (page.next() != null) {
            jakarta.ws.rs.core.UriBuilder next = uri.getRequestUriBuilder().replaceQueryParam("after", page.next());
            if (limit != null && !limit.isEmpty()) {
                next.replaceQueryParam("limit", limit);
            }
            r.header("Link", LinkHeader.next(next.build()));
        }
        return r.build();
    }
}
