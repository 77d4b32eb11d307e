package dev.thoughtline.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecipeTest {

    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void variablesComeFromTheEnvironmentElseTheirDefaults() throws IOException {
        Recipe r = Recipe.load(write("name: ${NAME:-fallback}\nsize: ${SIZE:-10}\nurl: ${URL}\n"), Map.of("SIZE", "25", "URL", "http://x"));
        assertThat(r.name()).isEqualTo("fallback");
        assertThat(r.root().get("size").asInt()).isEqualTo(25);
        assertThat(r.root().get("url").asText()).isEqualTo("http://x");
    }

    @Test
    void aVariableWithoutValueOrDefaultIsNamedInTheError() throws IOException {
        Path f = write("name: ${MISSING}\n");
        assertThatThrownBy(() -> Recipe.load(f, Map.of())).isInstanceOf(CliException.class).hasMessageContaining("${MISSING}");
    }

    @Test
    void filesAreRelativeToTheRecipeAndBadYamlIsAClearError() throws IOException {
        Recipe r = Recipe.load(write("name: x\n"), Map.of());
        assertThat(r.file("data/q.ndjson")).isEqualTo(dir.resolve("data/q.ndjson"));
        assertThat(r.file("/abs/q.ndjson")).isEqualTo(Path.of("/abs/q.ndjson"));
        Path bad = write("name: [unclosed\n");
        assertThatThrownBy(() -> Recipe.load(bad, Map.of())).isInstanceOf(CliException.class).hasMessageContaining("not valid YAML");
        Path list = write("- a\n- b\n");
        assertThatThrownBy(() -> Recipe.load(list, Map.of())).isInstanceOf(CliException.class).hasMessageContaining("mapping");
        assertThatThrownBy(() -> Recipe.load(dir.resolve("none.yaml"), Map.of())).isInstanceOf(CliException.class).hasMessageContaining("cannot read");
    }

    @Test
    void theExampleRecipeLoadsWithItsDefaults() {
        Path example = Path.of("..", "..", "recipes", "openthoughts.yaml");
        Recipe r = Recipe.load(example, Map.of());
        assertThat(r.name()).isEqualTo("openthoughts");
        assertThat(r.root().at("/domains/math/generation/samplesPerItem").asInt()).isEqualTo(16);
        assertThat(r.root().at("/domains/math/answerFilters").size()).isZero();
        assertThat(r.root().at("/domains/math/questionFilters/1/type").asText()).isEqualTo("decontaminate");
    }
}
