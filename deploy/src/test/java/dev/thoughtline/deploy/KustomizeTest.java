package dev.thoughtline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.thoughtline.testing.SharedData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Renders every overlay with {@code kubectl kustomize} and checks what a cluster would get: every document valid
 * against its Kubernetes or CRD schema (strict: unknown kinds and unknown fields fail, as kubeconform -strict does),
 * and the rules the suite's scaling and security rest on. Skips, saying why, where kubectl or ../shared is absent.
 */
class KustomizeTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String[] SERVICES = {"question-service", "generation-service", "filter-service", "eval-service"};
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|passwd|secret|token|api[_-]?key|credential).*");

    /** kubectl kustomize on an overlay: its documents. */
    static List<JsonNode> render(String overlay) throws IOException, InterruptedException {
        Path kubectl = null;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "kubectl");
            if (Files.isExecutable(p)) {
                kubectl = p;
                break;
            }
        }
        Assumptions.assumeTrue(kubectl != null, "kubectl is not on this machine: the overlays are not rendered");
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", Path.of("overlays", overlay).toString()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize overlays/%s: %s", overlay, err).isZero();
        return docs(new String(out, StandardCharsets.UTF_8));
    }

    static List<JsonNode> docs(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isEmpty()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyDocumentOfEveryOverlayIsValidAgainstItsSchema(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        Optional<Path> schemas = SharedData.dir().map(d -> d.resolve("k8s-schemas")).filter(Files::isDirectory);
        Assumptions.assumeTrue(schemas.isPresent(), "../shared/data/k8s-schemas is absent: the documents are not validated");
        Schemas s = new Schemas(schemas.get());
        List<String> problems = new ArrayList<>();
        for (JsonNode d : docs) {
            String what = d.path("kind").asText() + "/" + d.path("metadata").path("name").asText();
            JsonSchema schema = s.of(d.path("apiVersion").asText(), d.path("kind").asText());
            if (schema == null) {
                problems.add(what + ": no schema for " + d.path("apiVersion").asText() + " " + d.path("kind").asText());
                continue;
            }
            for (ValidationMessage m : schema.validate(d)) {
                problems.add(what + ": " + m.getMessage());
            }
        }
        assertThat(problems).as("overlay %s", overlay).isEmpty();
        assertThat(docs).extracting(d -> d.path("kind").asText()).contains("Deployment", "Service", "ConfigMap", "ServiceAccount",
                "PodDisruptionBudget", "NetworkPolicy", "Cluster", "ScaledObject");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyDeploymentRequestsCpuAndRunsHardened(String overlay) throws Exception {
        for (JsonNode d : kind(render(overlay), "Deployment")) {
            String name = d.at("/metadata/name").asText();
            JsonNode pod = d.at("/spec/template/spec");
            assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name + " runs as non-root").isTrue();
            for (JsonNode c : pod.path("containers")) {
                assertThat(c.at("/resources/requests/cpu").asText()).as(name + " requests CPU").isNotEmpty();
                assertThat(c.at("/resources/limits/memory").asText()).as(name + " limits memory").isNotEmpty();
                assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).as(name + " has a read-only root").isTrue();
                assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).as(name).isFalse();
            }
            if (!name.equals("teacher-sim")) {
                assertThat(c0(pod).path("readinessProbe").isObject()).as(name + " has a readiness probe").isTrue();
                assertThat(c0(pod).path("livenessProbe").isObject()).as(name + " has a liveness probe").isTrue();
                assertThat(pod.path("serviceAccountName").asText()).as(name + " has its own ServiceAccount").isEqualTo(name);
            }
        }
    }

    private static JsonNode c0(JsonNode pod) {
        return pod.path("containers").get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void generationIsScaledByKedaOnItsBacklogAndNeverByAnHpa(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        for (JsonNode hpa : kind(docs, "HorizontalPodAutoscaler")) {
            assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).as("an HPA").isNotEqualTo("generation-service");
        }
        List<JsonNode> scaled = kind(docs, "ScaledObject");
        assertThat(scaled).extracting(s -> s.at("/spec/scaleTargetRef/name").asText()).containsExactly("generation-service");
        JsonNode trigger = scaled.get(0).at("/spec/triggers/0");
        assertThat(trigger.path("type").asText()).isEqualTo("postgresql");
        assertThat(trigger.at("/metadata/query").asText()).contains("FROM pending_tasks()");
        assertThat(trigger.at("/metadata/password").isMissingNode()).as("the password comes from a TriggerAuthentication").isTrue();
        String auth = trigger.at("/authenticationRef/name").asText();
        assertThat(kind(docs, "TriggerAuthentication")).extracting(t -> t.at("/metadata/name").asText()).contains(auth);
        if (overlay.equals("prod")) {
            assertThat(kind(docs, "HorizontalPodAutoscaler")).extracting(h -> h.at("/spec/scaleTargetRef/name").asText())
                    .containsExactlyInAnyOrder("filter-service", "eval-service");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void noConfigMapHoldsASecretAndKeysComeFromSecrets(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        for (JsonNode cm : kind(docs, "ConfigMap")) {
            cm.path("data").fields().forEachRemaining(e -> {
                assertThat(e.getKey()).as("ConfigMap " + cm.at("/metadata/name").asText()).doesNotMatch(SECRET_NAME);
                assertThat(e.getValue().asText()).as(e.getKey()).doesNotContainPattern("://[^/@\\s]+:[^/@\\s]+@");
            });
        }
        for (JsonNode d : kind(docs, "Deployment")) {
            for (JsonNode env : d.at("/spec/template/spec/containers/0/env")) {
                if (SECRET_NAME.matcher(env.path("name").asText()).matches()) {
                    assertThat(env.at("/valueFrom/secretKeyRef").isObject()).as(d.at("/metadata/name").asText() + " " + env.path("name").asText()
                            + " comes from a Secret").isTrue();
                }
            }
        }
        for (String s : SERVICES) {
            JsonNode d = named(docs, "Deployment", s);
            assertThat(d.at("/spec/template/spec/containers/0/envFrom").toString()).as(s).contains(s + "-config").contains("thoughtline-auth");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyServiceHasANetworkPolicyThatAdmitsOnlyTheSuiteItsClientsAndScraping(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        for (String s : SERVICES) {
            JsonNode np = named(docs, "NetworkPolicy", s);
            assertThat(np.at("/spec/podSelector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo(s);
            assertThat(np.at("/spec/policyTypes").toString()).contains("Ingress");
            String rules = np.at("/spec/ingress").toString();
            assertThat(rules).doesNotContain("{}]").contains("thoughtline.dev/api-client");
            JsonNode pdb = named(docs, "PodDisruptionBudget", s);
            assertThat(pdb.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo(s);
        }
    }

    @Test
    void theBaseIsWhatQuarkusKubernetesGeneratesForEachService() throws IOException {
        for (String s : SERVICES) {
            Path built = Path.of("..", s, "target", "kubernetes", "kubernetes.yml");
            Assumptions.assumeTrue(Files.isRegularFile(built), s + " is not built: nothing to compare the base with");
            List<JsonNode> generated = docs(Files.readString(built));
            List<JsonNode> committed = docs(Files.readString(Path.of("base", "generated", s + ".yml")));
            assertThat(committed).as("deploy/base/generated/%s.yml is stale: run deploy/refresh.sh after a build", s).isEqualTo(generated);
        }
    }

    @Test
    void noServiceServesSwaggerUiOutsideDevMode() throws IOException {
        Pattern alwaysInclude = Pattern.compile("^\\s*(%[^.]+\\.)?quarkus\\.swagger-ui\\.always-include\\s*[=:]");
        for (String s : SERVICES) {
            Path properties = Path.of("..", s, "src", "main", "resources", "application.properties");
            assertThat(Files.readAllLines(properties)).as("%s: Swagger UI is for dev mode only (quarkus.swagger-ui.always-include)", properties)
                    .noneMatch(line -> alwaysInclude.matcher(line).find() && !line.strip().startsWith("%dev."));
        }
    }

    private static List<JsonNode> kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    private static JsonNode named(List<JsonNode> docs, String kind, String name) {
        return kind(docs, kind).stream().filter(d -> d.at("/metadata/name").asText().equals(name)).findFirst()
                .orElseGet(() -> fail("no " + kind + " " + name));
    }

    /** The schemas by (apiVersion, kind): Kubernetes' standalone-strict files, and each CRD's openAPIV3Schema per version. */
    static final class Schemas {
        private final Path dir;
        private final Map<String, JsonSchema> cache = new HashMap<>();
        private final Map<String, JsonNode> crds = new HashMap<>();
        private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);

        Schemas(Path dir) throws IOException {
            this.dir = dir;
            try (var files = Files.list(dir.resolve("crds"))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                    JsonNode crd = YAML.readTree(f.toFile());
                    String group = crd.at("/spec/group").asText();
                    String kind = crd.at("/spec/names/kind").asText();
                    for (JsonNode v : crd.at("/spec/versions")) {
                        ObjectNode schema = (ObjectNode) v.at("/schema/openAPIV3Schema").deepCopy();
                        strict(schema);
                        crds.put(group + "/" + v.path("name").asText() + " " + kind, schema);
                    }
                }
            }
        }

        JsonSchema of(String apiVersion, String kind) throws IOException {
            String key = apiVersion + " " + kind;
            if (cache.containsKey(key)) {
                return cache.get(key);
            }
            JsonNode schema = crds.get(key);
            if (schema == null) {
                String[] gv = apiVersion.split("/");
                String group = gv.length == 2 ? gv[0].split("\\.")[0] : null;
                String version = gv[gv.length - 1];
                String file = (kind + (group == null ? "" : "-" + group) + "-" + version + ".json").toLowerCase(Locale.ROOT);
                Path p = dir.resolve("v1.32.2-standalone-strict").resolve(file);
                if (Files.isRegularFile(p)) {
                    ObjectNode s = (ObjectNode) new ObjectMapper().readTree(p.toFile());
                    s.remove("$schema");
                    schema = s;
                }
            }
            JsonSchema compiled = schema == null ? null : factory.getSchema(schema);
            cache.put(key, compiled);
            return compiled;
        }

        /** As kubeconform's strict mode: an object that lists its properties and keeps no unknown fields allows no others. */
        private static void strict(JsonNode node) {
            if (node.isObject()) {
                ObjectNode o = (ObjectNode) node;
                if (o.has("properties") && !o.has("additionalProperties") && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                    o.put("additionalProperties", false);
                }
                o.remove("$schema");
                o.elements().forEachRemaining(Schemas::strict);
            } else if (node.isArray()) {
                node.elements().forEachRemaining(Schemas::strict);
            }
        }
    }

    static Set<String> services() {
        return Set.of(SERVICES);
    }
}
