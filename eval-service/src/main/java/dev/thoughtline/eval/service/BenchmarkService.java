package dev.thoughtline.eval.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.contracts.AnswerType;
import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetKind;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.contracts.LineReader;
import dev.thoughtline.contracts.Utf8;
import dev.thoughtline.eval.Benchmark;
import dev.thoughtline.eval.config.EvalConfig;
import dev.thoughtline.eval.repository.EvalRepository;
import dev.thoughtline.eval.rest.BenchmarkRequest;
import dev.thoughtline.eval.rest.BenchmarkView;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.ItemPages;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Benchmarks: imported whole from an NDJSON upload or from the Hugging Face datasets server, checked row by row,
 * stored with their items in one transaction, and served as benchmark datasets of the contract. The same name and
 * the same content again answer the existing benchmark; the same name with other content is a conflict.
 */
@ApplicationScoped
public class BenchmarkService {

    /** The benchmark, and whether this request created it. */
    public record Created(BenchmarkView view, boolean created) {
    }

    private final EvalRepository repository;
    private final ObjectMapper mapper;
    private final EvalConfig config;
    private final HuggingFaceRows huggingFace;

    public BenchmarkService(EvalRepository repository, ObjectMapper mapper, EvalConfig config, java.net.http.HttpClient http) {
        this.repository = repository;
        this.mapper = mapper;
        this.config = config;
        this.huggingFace = new HuggingFaceRows(config.huggingface().url(), System.getenv(config.huggingface().tokenEnv()), http, mapper);
    }

    /** What a benchmark is, resolved from its spec and the request; refuses what cannot work. */
    private record Settings(String name, String spec, AnswerType answerType, int repeats, String promptTemplate,
                            BenchmarkParser.Fields fields) {
    }

    private Settings settings(String name, String specName, String answerType, Integer repeats, String template,
                              BenchmarkRequest.Fields fields) {
        if (name == null || name.isBlank() || name.length() > 200 || !name.matches("[A-Za-z0-9._-]+")) {
            throw ApiException.badRequest("name is required: 1-200 letters, digits, '.', '_' or '-' (it names the benchmark in eval runs)");
        }
        BenchmarkSpec spec = null;
        if (specName != null && !specName.isBlank()) {
            spec = BenchmarkSpec.builtIn(specName);
            if (spec == null) {
                throw ApiException.badRequest("unknown spec '" + specName + "': use one of " + BenchmarkSpec.BUILT_IN.keySet()
                        + ", or none with answerType and repeats");
            }
        }
        AnswerType type;
        if (answerType != null) {
            type = switch (answerType.toLowerCase(Locale.ROOT)) {
                case "integer" -> AnswerType.INTEGER;
                case "expression" -> AnswerType.EXPRESSION;
                case "choice" -> AnswerType.CHOICE;
                default -> throw ApiException.badRequest("answerType must be integer, expression or choice, got '" + answerType + "'");
            };
        } else if (spec != null) {
            type = spec.answerType();
        } else {
            throw ApiException.badRequest("answerType is required for a benchmark without a spec: integer, expression or choice");
        }
        int k = repeats != null ? repeats : spec != null ? spec.repeats() : 1;
        if (k < 1 || k > 1024) {
            throw ApiException.badRequest("repeats must be between 1 and 1024, got " + k);
        }
        String prompt = template != null ? template
                : spec != null ? spec.promptTemplate() : type == AnswerType.CHOICE ? BenchmarkSpec.CHOICE_PROMPT : BenchmarkSpec.MATH_PROMPT;
        if (!prompt.contains("{{text}}")) {
            throw ApiException.badRequest("promptTemplate must contain {{text}}, where the question goes");
        }
        if (fields != null) {
            List<String> named = new ArrayList<>(java.util.Arrays.asList(fields.id(), fields.text(), fields.answer(), fields.correct()));
            if (fields.incorrect() != null) {
                named.addAll(fields.incorrect());
            }
            for (String field : named) {
                if (field != null && !isName(field)) {
                    throw ApiException.badRequest("fields name fields or dotted paths: at most 200 characters, without control characters");
                }
            }
        }
        BenchmarkParser.Fields f = fields == null ? BenchmarkParser.Fields.defaults()
                : new BenchmarkParser.Fields(blankToNull(fields.id()), blankToNull(fields.text()), blankToNull(fields.answer()),
                blankToNull(fields.correct()), fields.incorrect() == null ? List.of() : fields.incorrect());
        return new Settings(name, spec == null ? null : spec.name(), type, k, prompt, f);
    }

    /** A name sent on to the datasets server or looked up in rows: nothing a caller could mean has control characters. */
    private static boolean isName(String s) {
        return s.length() <= 200 && s.chars().noneMatch(Character::isISOControl);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private BenchmarkParser parser(Settings s) {
        try {
            return new BenchmarkParser(mapper, s.name(), s.answerType(), s.fields());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** The longest line of an NDJSON upload: longer ones are skipped to their end, never buffered, and reported. */
    static final int MAX_LINE_BYTES = 1 << 20;

    /**
     * An NDJSON upload (blocking: call on a worker thread). Lines are split from the bytes, so a line that is not
     * UTF-8 is reported with its number rather than read with replacement characters.
     */
    public Uni<Created> upload(String name, String spec, String answerType, Integer repeats, String template,
                               BenchmarkRequest.Fields fields, InputStream body) {
        Settings s = settings(name, spec, answerType, repeats, template, fields);
        BenchmarkParser parser = parser(s);
        try {
            LineReader lines = new LineReader(body, MAX_LINE_BYTES);
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                int n = (int) line.number();
                int bad = line.tooLong() ? -1 : Utf8.firstInvalid(line.bytes(), 0, line.length());
                if (line.tooLong()) {
                    parser.unreadable(n, "the line is longer than " + MAX_LINE_BYTES + " bytes");
                } else if (bad >= 0) {
                    parser.unreadable(n, "invalid UTF-8 at byte " + (bad + 1));
                } else {
                    parser.line(n, new String(line.bytes(), 0, line.length(), StandardCharsets.UTF_8));
                }
                if (parser.rows() > config.huggingface().maxRows()) {
                    throw ApiException.unprocessable("a benchmark has at most " + config.huggingface().maxRows() + " items");
                }
            }
        } catch (IOException e) {
            throw ApiException.badRequest("the body could not be read: " + e.getMessage());
        }
        Map<String, Object> origin = new LinkedHashMap<>();
        origin.put("type", "upload");
        return store(s, parser, origin);
    }

    /** An import from the datasets server (blocking: call on a worker thread). */
    public Uni<Created> importHuggingFace(BenchmarkRequest request) {
        if (request == null) {
            throw ApiException.badRequest("a benchmark import needs a body: {name, spec?, huggingface: {dataset, config, split}}");
        }
        BenchmarkRequest.HuggingFace hf = request.huggingface();
        if (hf == null || hf.dataset() == null || hf.dataset().isBlank()) {
            throw ApiException.badRequest("huggingface.dataset is required (e.g. \"HuggingFaceH4/aime_2024\"); "
                    + "to upload a file, POST it as NDJSON");
        }
        for (String part : new String[] {hf.dataset(), hf.config(), hf.split()}) {
            if (part != null && !isName(part)) {
                throw ApiException.badRequest("huggingface.dataset, config and split are names: at most 200 characters, without control characters");
            }
        }
        Settings s = settings(request.name(), request.spec(), request.answerType(), request.repeats(), request.promptTemplate(), request.fields());
        BenchmarkParser parser = parser(s);
        String configName = hf.config() == null || hf.config().isBlank() ? "default" : hf.config();
        String split = hf.split() == null || hf.split().isBlank() ? "test" : hf.split();
        long offset = hf.offset() == null ? 0 : hf.offset();
        int max = config.huggingface().maxRows();
        int limit = hf.limit() == null ? max : hf.limit();
        if (offset < 0 || limit < 1 || limit > max) {
            throw ApiException.badRequest("huggingface.offset must be >= 0 and limit between 1 and " + max);
        }
        try {
            huggingFace.read(hf.dataset(), configName, split, offset, limit, (row, n) -> parser.row(n, row));
        } catch (HuggingFaceRows.RowsException e) {
            throw ApiException.unprocessable(e.getMessage());
        }
        Map<String, Object> origin = new LinkedHashMap<>();
        origin.put("type", "huggingface");
        origin.put("dataset", hf.dataset());
        origin.put("config", configName);
        origin.put("split", split);
        origin.put("offset", offset);
        return store(s, parser, origin);
    }

    private Uni<Created> store(Settings s, BenchmarkParser parser, Map<String, Object> origin) {
        if (parser.errorCount() > 0) {
            throw new ApiException(422, "Invalid benchmark", parser.errorCount() + " of " + parser.rows()
                    + " rows cannot be benchmark items; nothing was stored (a benchmark is imported whole)", parser.errors());
        }
        if (parser.items().isEmpty()) {
            throw ApiException.unprocessable("the benchmark has no items");
        }
        List<String> ids = new ArrayList<>();
        List<String> items = new ArrayList<>();
        MessageDigest digest = sha256();
        digest.update((s.spec() + "\u0000" + s.answerType() + "\u0000" + s.repeats() + "\u0000" + s.promptTemplate()).getBytes(StandardCharsets.UTF_8));
        for (ObjectNode item : parser.items()) {
            ids.add(item.get("id").asText());
            String json = json(item);
            items.add(json);
            digest.update(json.getBytes(StandardCharsets.UTF_8));
        }
        origin.put("sha256", HexFormat.of().formatHex(digest.digest()));
        String originJson = json(origin);
        String type = s.answerType().name().toLowerCase(Locale.ROOT);
        return repository.insertBenchmark(s.name(), s.spec(), type, s.repeats(), s.promptTemplate(), originJson, ids, items)
                .chain(created -> created != null ? Uni.createFrom().item(new Created(view(created), true))
                        : repository.benchmarkByName(s.name()).map(existing -> {
                            JsonNode o = tree(existing.origin());
                            if (!o.path("sha256").asText().equals(origin.get("sha256"))) {
                                throw ApiException.conflict("a benchmark named '" + s.name() + "' exists with other items or settings");
                            }
                            return new Created(view(existing), false);
                        }));
    }

    // --- views

    public Uni<List<BenchmarkView>> list() {
        return repository.benchmarks().map(list -> list.stream().map(this::view).toList());
    }

    public Uni<BenchmarkView> get(String idOrName) {
        return find(idOrName).map(this::view);
    }

    /** A benchmark by name, or by id when the path is a number. 404 otherwise. */
    public Uni<Benchmark> find(String idOrName) {
        Uni<Benchmark> b = idOrName.matches("\\d{1,18}") ? repository.benchmarkById(Long.parseLong(idOrName)) : repository.benchmarkByName(idOrName);
        return b.map(found -> {
            if (found == null) {
                throw ApiException.notFound("benchmark " + idOrName);
            }
            return found;
        });
    }

    public BenchmarkView view(Benchmark b) {
        return new BenchmarkView(b.id(), b.name(), b.spec(), b.answerType(), b.repeats(), b.promptTemplate(), b.itemCount(),
                ref(b.id()).url(), tree(b.origin()), b.createdAt());
    }

    public DatasetRef ref(long id) {
        return DatasetRef.of(config.publicUrl(), id);
    }

    public Uni<DatasetInfo> dataset(long id) {
        return repository.benchmarkById(id).map(b -> {
            if (b == null) {
                throw ApiException.notFound("dataset " + id);
            }
            return info(b);
        });
    }

    public Uni<List<DatasetInfo>> datasets() {
        return repository.benchmarks().map(list -> list.stream().map(this::info).toList());
    }

    private DatasetInfo info(Benchmark b) {
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("benchmark", b.name());
        if (b.spec() != null) {
            recipe.put("spec", b.spec());
        }
        recipe.put("answerType", b.answerType());
        recipe.put("origin", tree(b.origin()));
        return new DatasetInfo(Long.toString(b.id()), ref(b.id()), b.name(), DatasetKind.BENCHMARK, DatasetStatus.COMPLETE, b.itemCount(),
                List.of(), recipe, b.createdAt().toInstant());
    }

    public Uni<ItemPages.Page> items(long id, String after, String limit) {
        long cursor = ItemPages.cursor(after);
        int size = ItemPages.limit(limit, 1000, 10_000);
        return repository.benchmarkById(id).chain(b -> {
            if (b == null) {
                throw ApiException.notFound("dataset " + id);
            }
            return repository.benchmarkItems(id, cursor, size)
                    .map(rows -> ItemPages.render(mapper.getFactory(), rows, size, (g, r) -> g.writeRawValue(r.getString(1))));
        });
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode tree(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
