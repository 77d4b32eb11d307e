package dev.thoughtline.support;

import io.vertx.pgclient.PgException;

/** What a PostgreSQL error means to the code that caught it. */
public final class PgErrors {

    private PgErrors() {
    }

    /** A unique constraint refused the write (SQLSTATE 23505): someone else stored the same key first. */
    public static boolean isUniqueViolation(Throwable e) {
        return e instanceof PgException pg && "23505".equals(pg.getSqlState());
    }

    /**
     * A text held the NUL character (U+0000), which PostgreSQL's text and jsonb cannot store (SQLSTATE 22021, invalid
     * byte sequence; 22P05, an unsupported Unicode escape in jsonb).
     */
    public static boolean isNulInText(Throwable e) {
        return e instanceof PgException pg && ("22021".equals(pg.getSqlState()) || "22P05".equals(pg.getSqlState()));
    }

    /** The PostgreSQL error among {@code e} and its causes, or null. */
    public static PgException cause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PgException pg) {
                return pg;
            }
        }
        return null;
    }
}
