package dev.thoughtline.filter.service.steps;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.thoughtline.support.ApiException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * A step's {@code params}, read with their types and ranges checked: anything out of range or unknown is a 400
 * that names the step and the parameter.
 */
public final class StepParams {

    private final String where;
    private final JsonNode params;
    private final Set<String> known;

    public StepParams(String where, JsonNode params, Set<String> known) {
        this.where = where;
        this.params = params == null || params.isNull() ? NullNode.getInstance() : params;
        this.known = known;
        if (!this.params.isNull() && !this.params.isObject()) {
            throw bad("params must be an object");
        }
        for (Iterator<String> names = this.params.fieldNames(); names.hasNext(); ) {
            String n = names.next();
            if (!known.contains(n)) {
                throw bad("unknown parameter '" + n + "'; known: " + String.join(", ", new java.util.TreeSet<>(known)));
            }
        }
    }

    public ApiException bad(String detail) {
        return ApiException.badRequest(where + ": " + detail);
    }

    private JsonNode get(String name) {
        if (!known.contains(name)) {
            throw new IllegalArgumentException("undeclared parameter " + name);
        }
        JsonNode v = params.path(name);
        return v.isMissingNode() || v.isNull() ? null : v;
    }

    public double number(String name, double def, double min, double max) {
        JsonNode v = get(name);
        if (v == null) {
            return def;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw bad(name + " must be a number from " + fmt(min) + " to " + fmt(max) + ", got " + v);
        }
        return v.asDouble();
    }

    public Double optionalNumber(String name, double min, double max) {
        return get(name) == null ? null : number(name, 0, min, max);
    }

    public int integer(String name, int def, int min, int max) {
        JsonNode v = get(name);
        if (v == null) {
            return def;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < min || v.asInt() > max) {
            throw bad(name + " must be an integer from " + min + " to " + max + ", got " + v);
        }
        return v.asInt();
    }

    public boolean bool(String name, boolean def) {
        JsonNode v = get(name);
        if (v == null) {
            return def;
        }
        if (!v.isBoolean()) {
            throw bad(name + " must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    public String choice(String name, String def, Set<String> allowed) {
        JsonNode v = get(name);
        if (v == null) {
            return def;
        }
        if (!v.isTextual() || !allowed.contains(v.asText())) {
            throw bad(name + " must be one of " + String.join(", ", new java.util.TreeSet<>(allowed)) + ", got " + v);
        }
        return v.asText();
    }

    public String text(String name, String def) {
        JsonNode v = get(name);
        if (v == null) {
            return def;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw bad(name + " must be a non-empty string, got " + v);
        }
        return v.asText();
    }

    public List<String> texts(String name) {
        JsonNode v = get(name);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw bad(name + " must be an array of strings");
        }
        for (JsonNode e : v) {
            if (!e.isTextual() || e.asText().isBlank()) {
                throw bad(name + " must be an array of non-empty strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
