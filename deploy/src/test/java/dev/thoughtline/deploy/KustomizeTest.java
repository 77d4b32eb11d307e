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
    /** Who calls whom (deploy/README.md, "Access"): the callers whose tokens each service accepts, and no others. */
    private static final Map<String, Set<String>> CALLERS = Map.of(
            "question-service", Set.of("clients", "question-service", "generation-service", "filter-service", "eval-service"),
            "generation-service", Set.of("clients", "question-service", "filter-service", "eval-service"),
            "filter-service", Set.of("clients", "question-service", "generation-service", "filter-service", "eval-service"),
            "eval-service", Set.of("clients", "question-service", "generation-service", "filter-service"));
    private static final String TOKEN_SECRET = "thoughtline-token-";
    /** Each service's database, owned by a role of the same name whose password Secret is thoughtline-db-ROLE. */
    private static final Map<String, String> DATABASES = Map.of("question-service", "questions", "generation-service", "generation",
            "filter-service", "filters", "eval-service", "evals");
    private static final Pattern REFERENCE_LIST = Pattern.compile("\\$\\(([A-Z0-9_]+)\\)(,\\$\\(([A-Z0-9_]+)\\))*");
    private static final Pattern REFERENCE = Pattern.compile("\\$\\(([A-Z0-9_]+)\\)");

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
                // a scale-in hands work over: time for preStop, the graceful shutdown and the handover
                assertThat(pod.path("terminationGracePeriodSeconds").asInt()).as(name + " has a grace period for its handover").isGreaterThanOrEqualTo(30);
                assertThat(c0(pod).at("/lifecycle/preStop/sleep/seconds").asInt()).as(name + " leaves the endpoints before SIGTERM").isPositive();
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
            JsonNode env = d.at("/spec/template/spec/containers/0/env");
            for (int i = 0; i < env.size(); i++) {
                JsonNode e = env.get(i);
                String what = d.at("/metadata/name").asText() + " " + e.path("name").asText();
                if (SECRET_NAME.matcher(e.path("name").asText()).matches()) {
                    if (e.has("value")) {
                        // a list Kubernetes composes from variables defined above, each from a Secret
                        assertThat(e.path("value").asText()).as(what + " comes from Secrets").matches(REFERENCE_LIST);
                        for (String ref : references(e.path("value").asText())) {
                            JsonNode from = definedBefore(env, i, ref);
                            assertThat(from).as(what + ": $(" + ref + ") is defined above it").isNotNull();
                            assertThat(from.at("/valueFrom/secretKeyRef").isObject()).as(what + ": " + ref + " comes from a Secret").isTrue();
                        }
                    } else {
                        assertThat(e.at("/valueFrom/secretKeyRef").isObject()).as(what + " comes from a Secret").isTrue();
                    }
                }
            }
        }
        for (String s : SERVICES) {
            JsonNode d = named(docs, "Deployment", s);
            assertThat(d.at("/spec/template/spec/containers/0/envFrom").toString()).as(s).contains(s + "-config");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void eachServiceSendsItsOwnTokenAndAcceptsOnlyItsCallers(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        for (String s : SERVICES) {
            JsonNode env = named(docs, "Deployment", s).at("/spec/template/spec/containers/0/env");
            JsonNode own = definedBefore(env, env.size(), "THOUGHTLINE_AUTH_TOKEN");
            assertThat(own).as(s + " sends a token").isNotNull();
            assertThat(own.at("/valueFrom/secretKeyRef/name").asText()).as(s + " sends its own token").isEqualTo(TOKEN_SECRET + s);
            assertThat(own.at("/valueFrom/secretKeyRef/key").asText()).as(s).isEqualTo("token");

            int at = indexOf(env, "THOUGHTLINE_AUTH_TOKENS");
            assertThat(at).as(s + " accepts tokens").isNotNegative();
            String list = env.get(at).path("value").asText();
            assertThat(list).as(s + ": THOUGHTLINE_AUTH_TOKENS is composed of variables").matches(REFERENCE_LIST);
            Set<String> callers = new java.util.TreeSet<>();
            Set<String> referenced = new java.util.HashSet<>();
            for (String ref : references(list)) {
                JsonNode from = definedBefore(env, at, ref);
                // an undefined $(VAR) stays in the list as the literal text "$(VAR)": a token anyone could send
                assertThat(from).as(s + ": $(" + ref + ") is defined above THOUGHTLINE_AUTH_TOKENS").isNotNull();
                JsonNode ref0 = from.at("/valueFrom/secretKeyRef");
                assertThat(ref0.path("optional").asBoolean(false)).as(s + ": " + ref + " is required, never optional").isFalse();
                assertThat(ref0.path("name").asText()).as(s + ": " + ref + " comes from a caller's token Secret").startsWith(TOKEN_SECRET);
                assertThat(ref0.path("key").asText()).as(s + ": " + ref).isIn("token", "previous");
                callers.add(ref0.path("name").asText().substring(TOKEN_SECRET.length()));
                referenced.add(ref);
            }
            assertThat(callers).as(s + " accepts the tokens of its callers and of no one else").containsExactlyInAnyOrderElementsOf(CALLERS.get(s));
            for (JsonNode e : env) {
                String secret = e.at("/valueFrom/secretKeyRef/name").asText();
                if (secret.startsWith(TOKEN_SECRET) && !e.path("name").asText().equals("THOUGHTLINE_AUTH_TOKEN")) {
                    assertThat(referenced).as(s + ": " + e.path("name").asText() + " is only read into its accepted tokens").contains(e.path("name").asText());
                }
            }
            for (JsonNode from : named(docs, "Deployment", s).at("/spec/template/spec/containers/0/envFrom")) {
                assertThat(from.at("/secretRef/name").asText()).as(s + " takes no token Secret whole").doesNotStartWith(TOKEN_SECRET)
                        .isNotEqualTo("thoughtline-auth");
            }
        }
        for (JsonNode secret : kind(docs, "Secret")) {
            assertThat(secret.path("data").has("THOUGHTLINE_AUTH_TOKENS")).as("no token list shared by all: " + secret.at("/metadata/name")).isFalse();
        }
        if (overlay.equals("dev")) {
            Set<String> tokens = new java.util.HashSet<>();
            for (String caller : List.of("clients", "question-service", "generation-service", "filter-service", "eval-service")) {
                JsonNode secret = named(docs, "Secret", TOKEN_SECRET + caller);
                assertThat(secret.path("data").has("previous")).as(caller).isTrue();
                assertThat(tokens.add(secret.at("/data/token").asText())).as(caller + " has a token of its own").isTrue();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void teacherKeysReachOnlyGenerationAndOnlyUnderTheirPrefix(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        for (JsonNode d : kind(docs, "Deployment")) {
            String name = d.at("/metadata/name").asText();
            for (JsonNode c : d.at("/spec/template/spec/containers")) {
                for (JsonNode from : c.path("envFrom")) {
                    if (from.at("/secretRef/name").asText().equals("thoughtline-teacher-keys")) {
                        assertThat(name).as("teacher keys").isEqualTo("generation-service");
                        assertThat(from.path("prefix").asText()).as("teacher keys' prefix").isEqualTo("THOUGHTLINE_TEACHER_KEY_");
                    }
                }
                for (JsonNode e : c.path("env")) {
                    assertThat(e.at("/valueFrom/secretKeyRef/name").asText()).as(name + " " + e.path("name").asText()).isNotEqualTo("thoughtline-teacher-keys");
                }
            }
        }
        assertThat(named(docs, "Deployment", "generation-service").at("/spec/template/spec/containers/0/envFrom").toString())
                .contains("thoughtline-teacher-keys");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void eachServiceConnectsAsItsOwnRoleOwningOnlyItsDatabase(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        JsonNode cluster = named(docs, "Cluster", "thoughtline-db");
        List<String> sql = new ArrayList<>();
        cluster.at("/spec/bootstrap/initdb/postInitApplicationSQL").forEach(q -> sql.add(q.asText().strip().replaceAll("\\s+", " ")));
        for (String s : SERVICES) {
            String db = DATABASES.get(s);
            String secret = "thoughtline-db-" + db;
            JsonNode env = named(docs, "Deployment", s).at("/spec/template/spec/containers/0/env");
            for (String[] v : new String[][]{{"QUARKUS_DATASOURCE_USERNAME", "username"}, {"QUARKUS_DATASOURCE_PASSWORD", "password"}}) {
                JsonNode e = definedBefore(env, env.size(), v[0]);
                assertThat(e).as(s + " " + v[0]).isNotNull();
                assertThat(e.at("/valueFrom/secretKeyRef/name").asText()).as(s + " " + v[0] + " comes from its own role's Secret").isEqualTo(secret);
                assertThat(e.at("/valueFrom/secretKeyRef/key").asText()).as(s + " " + v[0]).isEqualTo(v[1]);
            }
            assertThat(named(docs, "ConfigMap", s + "-config").at("/data/QUARKUS_DATASOURCE_REACTIVE_URL").asText()).as(s)
                    .matches(".*/" + db + "(\\?.*)?");
            JsonNode role = role(cluster, db);
            assertThat(role.path("login").asBoolean()).as(db + " logs in").isTrue();
            assertThat(role.at("/passwordSecret/name").asText()).as(db).isEqualTo(secret);
            assertUnprivileged(role);
            assertThat(role.path("inRoles")).as(db + " is a member of no role").isEmpty();
            assertThat(sql).as("the database " + db + " is its role's, and no one else connects to it")
                    .contains("CREATE DATABASE " + db + " OWNER " + db, "REVOKE ALL ON DATABASE " + db + " FROM PUBLIC");
        }
        // KEDA's scaler: read-only, and on generation's database only
        JsonNode auth = named(docs, "TriggerAuthentication", named(docs, "ScaledObject", "generation-service").at("/spec/triggers/0/authenticationRef/name").asText());
        for (JsonNode ref : auth.at("/spec/secretTargetRef")) {
            assertThat(ref.path("name").asText()).as("KEDA's credentials").isEqualTo("thoughtline-db-generation-reader");
        }
        JsonNode reader = role(cluster, "generation_reader");
        assertThat(reader.at("/passwordSecret/name").asText()).isEqualTo("thoughtline-db-generation-reader");
        assertUnprivileged(reader);
        assertThat(reader.path("inRoles").toString()).isEqualTo("[\"pg_read_all_data\"]");
        assertThat(sql.stream().filter(q -> q.matches("(?i)GRANT .* TO .*generation_reader.*")))
                .containsExactly("GRANT CONNECT ON DATABASE generation TO generation_reader");
        assertThat(sql).as("no database owned by the CloudNativePG application user").noneMatch(q -> q.matches("(?i).*OWNER app\\b.*"));
        for (JsonNode d : kind(docs, "Deployment")) {
            assertThat(d.toString()).as(d.at("/metadata/name").asText() + " uses a role of its own").doesNotContain("thoughtline-db-app");
        }
        if (overlay.equals("dev")) {
            for (JsonNode r : cluster.at("/spec/managed/roles")) {
                JsonNode secret = named(docs, "Secret", r.at("/passwordSecret/name").asText());
                assertThat(secret.path("type").asText()).isEqualTo("kubernetes.io/basic-auth");
                assertThat(new String(java.util.Base64.getDecoder().decode(secret.at("/data/username").asText()), StandardCharsets.UTF_8))
                        .as("the username of " + secret.at("/metadata/name").asText()).isEqualTo(r.path("name").asText());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void everyServiceKnowsTheSuiteAndRefusesOtherPrivateAddresses(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        Set<String> publicUrls = new java.util.TreeSet<>();
        for (String s : SERVICES) {
            publicUrls.add(environment(docs, s).get("THOUGHTLINE_PUBLIC_URL"));
        }
        Set<String> shared = new java.util.HashSet<>();
        named(docs, "ConfigMap", "thoughtline-config").path("data").fieldNames().forEachRemaining(shared::add);
        for (String s : SERVICES) {
            // envFrom's order decides which of two ConfigMaps wins a key: a service's own repeats none of the suite's
            named(docs, "ConfigMap", s + "-config").path("data").fieldNames()
                    .forEachRemaining(k -> assertThat(shared).as(s + "-config repeats a key of thoughtline-config").doesNotContain(k));
            Map<String, String> env = environment(docs, s);
            assertThat(env.get("THOUGHTLINE_OUTBOUND_SUITE")).as(s + ": the suite's origins").isNotNull();
            assertThat(new java.util.TreeSet<>(List.of(env.get("THOUGHTLINE_OUTBOUND_SUITE").split(","))))
                    .as(s + ": the suite's origins are the services' public URLs").isEqualTo(publicUrls);
            assertThat(env.get("THOUGHTLINE_OUTBOUND_PRIVATE")).as(s).isEqualTo("refuse");
            String allow = env.getOrDefault("THOUGHTLINE_OUTBOUND_ALLOW", "");
            if (s.equals("generation-service")) {
                // the place for an in-cluster teacher (vLLM); teacher-sim only where it runs
                if (overlay.equals("dev")) {
                    assertThat(List.of(allow.split(","))).as("generation-service reaches teacher-sim").contains("teacher-sim");
                } else {
                    assertThat(allow).as("generation-service in " + overlay).doesNotContain("teacher-sim");
                }
            } else {
                assertThat(allow).as(s + " allows no private address beyond the suite").isEmpty();
            }
        }
    }

    /** What a service's container sees: its ConfigMaps (envFrom, a later one winning a key), then its env values. */
    private static Map<String, String> environment(List<JsonNode> docs, String service) {
        Map<String, String> env = new HashMap<>();
        JsonNode c = named(docs, "Deployment", service).at("/spec/template/spec/containers/0");
        for (JsonNode from : c.path("envFrom")) {
            if (from.has("configMapRef")) {
                named(docs, "ConfigMap", from.at("/configMapRef/name").asText()).path("data").fields()
                        .forEachRemaining(e -> env.put(from.path("prefix").asText("") + e.getKey(), e.getValue().asText()));
            }
        }
        for (JsonNode e : c.path("env")) {
            if (e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        }
        return env;
    }

    private static JsonNode role(JsonNode cluster, String name) {
        for (JsonNode r : cluster.at("/spec/managed/roles")) {
            if (r.path("name").asText().equals(name)) {
                return r;
            }
        }
        return fail("the Cluster manages no role " + name);
    }

    private static void assertUnprivileged(JsonNode role) {
        for (String attribute : List.of("superuser", "createdb", "createrole", "replication", "bypassrls")) {
            assertThat(role.path(attribute).asBoolean(false)).as(role.path("name").asText() + " " + attribute).isFalse();
        }
    }

    private static List<String> references(String list) {
        List<String> refs = new ArrayList<>();
        var m = REFERENCE.matcher(list);
        while (m.find()) {
            refs.add(m.group(1));
        }
        return refs;
    }

    private static int indexOf(JsonNode env, String name) {
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).path("name").asText().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** The entry of {@code env} named {@code name} above position {@code before}, or null: what $(name) can expand to. */
    private static JsonNode definedBefore(JsonNode env, int before, String name) {
        int i = indexOf(env, name);
        return i >= 0 && i < before ? env.get(i) : null;
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
            Set<String> admitted = new java.util.TreeSet<>();
            for (JsonNode rule : np.at("/spec/ingress")) {
                for (JsonNode peer : rule.path("from")) {
                    String name = peer.at("/podSelector/matchLabels/app.kubernetes.io~1name").asText();
                    if (services().contains(name) && !peer.has("namespaceSelector")) {
                        admitted.add(name);
                    }
                }
            }
            Set<String> callers = new java.util.TreeSet<>(CALLERS.get(s));
            callers.remove("clients");
            assertThat(admitted).as(s + " admits the services that call it").isEqualTo(callers);
            JsonNode pdb = named(docs, "PodDisruptionBudget", s);
            assertThat(pdb.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo(s);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void egressGoesOnlyWhereEachServiceNeedsAndNeverToLinkLocalOrPrivateAddresses(String overlay) throws Exception {
        List<JsonNode> docs = render(overlay);
        List<JsonNode> policies = kind(docs, "NetworkPolicy");
        for (JsonNode np : policies) {
            for (JsonNode rule : np.at("/spec/egress")) {
                String what = "NetworkPolicy " + np.at("/metadata/name").asText();
                assertThat(rule.path("to")).as(what + ": an egress rule names its destinations").isNotEmpty();
                for (JsonNode peer : rule.path("to")) {
                    if (peer.has("ipBlock")) {
                        assertOutsideOnly(what, peer.path("ipBlock"));
                        assertThat(rule.path("ports")).as(what + ": egress to addresses names its ports").isNotEmpty();
                    } else {
                        assertThat(peer.path("podSelector").isObject() && !peer.path("podSelector").isEmpty())
                                .as(what + ": egress to pods names them: " + peer).isTrue();
                    }
                }
            }
        }
        Map<String, Set<String>> outside = Map.of("generation-service", Set.of("TCP/443", "TCP/80"),
                "question-service", Set.of("TCP/443"), "eval-service", Set.of("TCP/443"), "filter-service", Set.of());
        for (String s : SERVICES) {
            JsonNode pod = named(docs, "Deployment", s).at("/spec/template/metadata/labels");
            List<JsonNode> rules = egress(policies, pod);
            assertThat(rules).as(s + " is under an egress policy").isNotNull();
            Set<String> peers = new java.util.TreeSet<>();
            Set<String> outsidePorts = new java.util.TreeSet<>();
            boolean dns = false;
            boolean db = false;
            for (JsonNode rule : rules) {
                Set<String> ports = ports(rule);
                for (JsonNode peer : rule.path("to")) {
                    String name = peer.at("/podSelector/matchLabels/app.kubernetes.io~1name").asText();
                    if (peer.has("ipBlock")) {
                        outsidePorts.addAll(ports);
                    } else if (peer.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText().equals("kube-system")
                            && peer.at("/podSelector/matchLabels/k8s-app").asText().equals("kube-dns")) {
                        dns |= ports.containsAll(Set.of("UDP/53", "TCP/53"));
                    } else if (peer.at("/podSelector/matchLabels/cnpg.io~1cluster").asText().equals("thoughtline-db")) {
                        db |= ports.equals(Set.of("TCP/5432"));
                    } else if (services().contains(name) && !peer.has("namespaceSelector")) {
                        assertThat(ports).as(s + " to " + name).isEqualTo(Set.of("TCP/8080"));
                        peers.add(name);
                    } else if (!(overlay.equals("dev") && s.equals("generation-service") && name.equals("teacher-sim"))) {
                        fail(s + " has egress to " + peer);
                    }
                }
            }
            assertThat(dns).as(s + " reaches kube-dns on UDP and TCP 53").isTrue();
            assertThat(db).as(s + " reaches PostgreSQL on 5432").isTrue();
            Set<String> callees = new java.util.TreeSet<>();
            CALLERS.forEach((callee, callers) -> {
                if (callers.contains(s)) {
                    callees.add(callee);
                }
            });
            assertThat(peers).as(s + " reaches the services it calls").isEqualTo(callees);
            assertThat(outsidePorts).as(s + ": outside addresses, by port").isEqualTo(outside.get(s));
        }
        if (overlay.equals("dev")) {
            List<JsonNode> rules = egress(policies, named(docs, "Deployment", "teacher-sim").at("/spec/template/metadata/labels"));
            assertThat(rules).as("teacher-sim reaches nothing").isNotNull().isEmpty();
            assertThat(egress(policies, named(docs, "Deployment", "generation-service").at("/spec/template/metadata/labels")).toString())
                    .as("generation-service reaches teacher-sim").contains("teacher-sim");
        }
    }

    /** The egress rules that apply to pods with these labels, or null when no policy restricts their egress. */
    private static List<JsonNode> egress(List<JsonNode> policies, JsonNode labels) {
        List<JsonNode> rules = null;
        for (JsonNode np : policies) {
            if (np.at("/spec/policyTypes").toString().contains("\"Egress\"") && selects(np.at("/spec/podSelector"), labels)) {
                rules = rules == null ? new ArrayList<>() : rules;
                np.at("/spec/egress").forEach(rules::add);
            }
        }
        return rules;
    }

    /** A label selector (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist) against a pod's labels. */
    private static boolean selects(JsonNode selector, JsonNode labels) {
        var it = selector.path("matchLabels").fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!labels.path(e.getKey()).asText("\u0000").equals(e.getValue().asText())) {
                return false;
            }
        }
        for (JsonNode x : selector.path("matchExpressions")) {
            JsonNode value = labels.get(x.path("key").asText());
            boolean in = false;
            for (JsonNode v : x.path("values")) {
                in |= value != null && value.asText().equals(v.asText());
            }
            boolean ok = switch (x.path("operator").asText()) {
                case "In" -> in;
                case "NotIn" -> !in;
                case "Exists" -> value != null;
                case "DoesNotExist" -> value == null;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> ports(JsonNode rule) {
        Set<String> ports = new java.util.TreeSet<>();
        rule.path("ports").forEach(p -> ports.add(p.path("protocol").asText("TCP") + "/" + p.path("port").asText()));
        return ports;
    }

    /** Ranges no egress to addresses may include: private, shared (CGNAT), link-local with the metadata address. */
    private static final List<String> NEVER = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16");

    private static void assertOutsideOnly(String what, JsonNode ipBlock) {
        String cidr = ipBlock.path("cidr").asText();
        assertThat(cidr).as(what + ": IPv4 only").matches("\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+");
        List<String> except = new ArrayList<>();
        ipBlock.path("except").forEach(e -> except.add(e.asText()));
        for (String never : NEVER) {
            if (Cidr.of(cidr).overlaps(Cidr.of(never))) {
                assertThat(except.stream().anyMatch(e -> Cidr.of(e).contains(Cidr.of(never))))
                        .as(what + ": " + cidr + " leaves out " + never).isTrue();
            }
        }
        assertThat(Cidr.of("169.254.169.254/32").overlaps(Cidr.of(cidr)) && except.stream().noneMatch(e -> Cidr.of(e).contains(Cidr.of("169.254.169.254/32"))))
                .as(what + " reaches the metadata address").isFalse();
    }

    /** An IPv4 range. */
    record Cidr(long base, int bits) {
        static Cidr of(String s) {
            String[] parts = s.split("/");
            long a = 0;
            for (String octet : parts[0].split("\\.")) {
                a = (a << 8) | Integer.parseInt(octet);
            }
            int bits = Integer.parseInt(parts[1]);
            return new Cidr(a & mask(bits), bits);
        }

        private static long mask(int bits) {
            return bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        }

        boolean contains(Cidr other) {
            return bits <= other.bits && (other.base & mask(bits)) == base;
        }

        boolean overlaps(Cidr other) {
            return contains(other) || other.contains(this);
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
