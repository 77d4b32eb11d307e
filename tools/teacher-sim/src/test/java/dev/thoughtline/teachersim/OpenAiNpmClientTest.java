package dev.thoughtline.teachersim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * teacher-sim checked by a real outside client: the official {@code openai} package from the npm registry,
 * installed by this test into {@code target/openai-client}, calls it plain and streamed. Skipped where
 * Node.js is absent; where npm cannot install it, skipped on a workstation and failed in CI.
 */
class OpenAiNpmClientTest {

    static final String OPENAI_PACKAGE = "openai@7.57.0";

    private static String run(Path dir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    private static boolean onPath(String tool) {
        try {
            return new ProcessBuilder(tool, "--version").start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    @Test
    void theOfficialOpenAiClientReadsPlainAndStreamedAnswers() throws Exception {
        assumeTrue(onPath("node") && onPath("npm"), "Node.js and npm are not installed");
        Path dir = Path.of("target", "openai-client").toAbsolutePath();
        Files.createDirectories(dir);
        if (!Files.isDirectory(dir.resolve("node_modules/openai"))) {
            try {
                run(dir, 300, "npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix", dir.toString(), OPENAI_PACKAGE);
            } catch (IOException e) {
                if (System.getenv("CI") != null) {
                    fail("cannot install " + OPENAI_PACKAGE + ": " + e.getMessage());
                }
                assumeTrue(false, "cannot install " + OPENAI_PACKAGE + " here: " + e.getMessage());
            }
        }
        Path script = dir.resolve("openai-check.mjs");
        Files.copy(Path.of("src/test/js/openai-check.mjs"), script, StandardCopyOption.REPLACE_EXISTING);

        try (TeacherSim sim = TeacherSim.start(SimConfig.defaults().with("accuracy", 1.0))) {
            String out = run(dir, 120, "node", script.toString(), sim.baseUrl());
            String json = List.of(out.split("\n")).stream().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
            JsonNode r = new ObjectMapper().readTree(json);
            assertThat(r.path("plain")).hasSize(2);
            assertThat(r.at("/plain/0/content").asText()).endsWith("\\boxed{13}.");
            assertThat(r.at("/plain/0/reasoning").asText()).isNotBlank();
            assertThat(r.at("/plain/0/finish").asText()).isEqualTo("stop");
            assertThat(r.at("/plainUsage/completion_tokens").asInt()).isGreaterThan(0);
            assertThat(r.at("/stream/content").asText()).endsWith("\\boxed{13}.");
            assertThat(r.at("/stream/reasoning").asText()).isNotBlank();
            assertThat(r.at("/stream/finish").asText()).isEqualTo("stop");
            assertThat(r.at("/stream/usage/total_tokens").asInt()).isGreaterThan(0);
        }
    }
}
