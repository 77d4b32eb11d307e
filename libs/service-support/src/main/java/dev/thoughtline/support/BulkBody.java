package dev.thoughtline.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an endpoint that reads its body as a stream of bounded lines (an NDJSON upload), so {@link BodyLimits}
 * lets it be larger than a JSON request may be. The endpoint bounds what it holds itself, line by line.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface BulkBody {
}
