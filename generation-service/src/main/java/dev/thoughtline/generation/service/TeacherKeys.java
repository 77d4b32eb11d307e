package dev.thoughtline.generation.service;

import java.util.regex.Pattern;

/**
 * Where teachers' API keys come from: environment variables whose names start with {@value #PREFIX} (in Kubernetes,
 * a Secret given with {@code envFrom} and that prefix), and nowhere else. A teacher names its key's variable in
 * {@code apiKeyEnv}; no name outside this namespace is ever read, so no caller can have the database password or the
 * service's tokens sent to an endpoint of its choosing, nor learn whether such a variable exists.
 */
public final class TeacherKeys {

    /** The prefix every teacher key variable has. */
    public static final String PREFIX = "THOUGHTLINE_TEACHER_KEY_";

    private static final Pattern NAME = Pattern.compile(PREFIX + "[A-Z0-9_]{1,100}");

    private TeacherKeys() {
    }

    /** Whether {@code name} can name a teacher key. */
    public static boolean isKeyName(String name) {
        return name != null && NAME.matcher(name).matches();
    }

    /** The key {@code name} names, or null: when it is not set here, or the name is outside the namespace. */
    public static String read(String name) {
        if (!isKeyName(name)) {
            return null;
        }
        String key = System.getenv(name);
        return key == null || key.isBlank() ? null : key.strip();
    }
}
