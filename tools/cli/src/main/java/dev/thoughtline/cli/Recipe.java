package dev.thoughtline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recipe file: YAML in which {@code ${VAR}} and {@code ${VAR:-default}} are replaced from the environment before
 * it is read. Files it names are relative to the recipe's own directory. The structure is checked as it is used, and
 * every problem names the key at fault.
 */
public final class Recipe {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private final ObjectNode root;
    private final Path dir;

    private Recipe(ObjectNode root, Path dir) {
        this.root = root;
        this.dir = dir;
    }

    public static Recipe load(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new CliException("cannot read the recipe " + file + ": " + e.getMessage());
        }
        Matcher m = VARIABLE.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null || value.isEmpty()) {
                value = m.group(2);
            }
            if (value == null) {
                throw new CliException("the recipe uses ${" + m.group(1) + "}, which is not set (give it a default: ${" + m.group(1) + ":-...})");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        JsonNode tree;
        try {
            tree = new ObjectMapper(new YAMLFactory()).readTree(sb.toString());
        } catch (IOException e) {
            throw new CliException("the recipe " + file + " is not valid YAML: " + e.getMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new CliException("the recipe " + file + " must be a YAML mapping");
        }
        Path dir = file.toAbsolutePath().getParent();
        return new Recipe((ObjectNode) tree, dir);
    }

    public ObjectNode root() {
        return root;
    }

    public String name() {
        return text(root, "name", "the recipe");
    }

    /** A file the recipe names, relative to the recipe's directory. */
    public Path file(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p : dir.resolve(p).normalize();
    }

    static String text(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.isValueNode() || v.asText().isBlank()) {
            throw new CliException(where + ": '" + key + "' is required");
        }
        return v.asText();
    }

    static JsonNode object(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.isObject()) {
            throw new CliException(where + ": '" + key + "' must be a mapping");
        }
        return v;
    }
}
