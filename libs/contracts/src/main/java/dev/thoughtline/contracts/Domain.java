package dev.thoughtline.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;

/** The subject area of a question; the recipe's filters differ per domain. */
public enum Domain {
    @JsonProperty("math") MATH,
    @JsonProperty("code") CODE,
    @JsonProperty("science") SCIENCE,
    @JsonProperty("other") OTHER;

    /** The wire name: {@code math}, {@code code}, {@code science}, {@code other}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire name, case-insensitively; throws {@link IllegalArgumentException} naming the choices. */
    public static Domain parse(String value) {
        if (value != null) {
            for (Domain d : values()) {
                if (d.wire().equalsIgnoreCase(value.trim())) {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException("unknown domain '" + value + "': use math, code, science or other");
    }
}
