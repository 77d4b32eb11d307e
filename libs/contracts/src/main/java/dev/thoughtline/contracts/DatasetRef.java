package dev.thoughtline.contracts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The name of a dataset: the absolute URL of its resource, e.g.
 * {@code http://question-service:8080/api/v1/datasets/17}. Serialised as a plain JSON string.
 */
public record DatasetRef(String url) {

    public DatasetRef {
        Objects.requireNonNull(url, "url");
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a URL: " + url, e);
        }
        if (!uri.isAbsolute() || uri.getHost() == null
                || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
            throw new IllegalArgumentException("a DatasetRef is an absolute http(s) URL, got: " + url);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("a DatasetRef names a resource: no query, fragment or user info, got: " + url);
        }
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
    }

    @JsonCreator
    public static DatasetRef of(String url) {
        return new DatasetRef(url);
    }

    /** The ref of dataset {@code id} served under {@code baseUrl} (the service's public URL). */
    public static DatasetRef of(String baseUrl, long id) {
        String base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        return new DatasetRef(base + "/api/v1/datasets/" + id);
    }

    public URI uri() {
        return URI.create(url);
    }

    /** The first page of items, or the page after {@code cursor} when it is not null. */
    public URI itemsUri(String cursor, int limit) {
        StringBuilder sb = new StringBuilder(url).append("/items?limit=").append(limit);
        if (cursor != null) {
            sb.append("&after=").append(URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        }
        return URI.create(sb.toString());
    }

    @JsonValue
    @Override
    public String url() {
        return url;
    }

    @Override
    public String toString() {
        return url;
    }
}
