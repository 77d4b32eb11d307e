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
}
