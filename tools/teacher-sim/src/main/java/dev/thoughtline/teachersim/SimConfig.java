package dev.thoughtline.teachersim;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How the simulated teacher behaves. Every field has a default; {@link #parse(String[])} reads
 * {@code --name=value} arguments with the field names in kebab case ({@code --max-num-seqs=64}).
 *
 * @param port              0 picks a free port
 * @param seed              everything the simulator decides follows from it and the request
 * @param maxNumSeqs        requests generating at once, as vLLM's {@code --max-num-seqs}
 * @param maxWaiting        requests queued behind them; past this, 429
 * @param ttftMs            mean time to first token; {@code ttftSdMs} its standard deviation
 * @param itlMs             mean inter-token latency; {@code itlSdMs} its standard deviation
 * @param loadSlowdown      latencies are multiplied by {@code 1 + loadSlowdown * running / maxNumSeqs}
 * @param tokensMean        mean completion length in tokens; {@code tokensSd} its standard deviation
 * @param accuracy          chance that a question it can solve is answered correctly
 * @param thinkTags         true: reasoning inside {@code <think>...</think>} in the content; false: in {@code reasoning_content}
 * @param rate429           share of requests refused with 429 and {@code Retry-After: retryAfterSeconds}
 * @param rate500           share answered 500; {@code rate503}: 503
 * @param rateDrop          share whose connection is closed half-way through the answer
 * @param rateStall         share that send nothing more for {@code stallMs} half-way through
 * @param rateTruncate      share cut short with finish_reason {@code length}
 */
public record SimConfig(int port, long seed, String model, int maxNumSeqs, int maxWaiting, double ttftMs, double ttftSdMs,
                        double itlMs, double itlSdMs, double loadSlowdown, int tokensMean, int tokensSd, double accuracy,
                        boolean thinkTags, double rate429, double rate500, double rate503, double rateDrop,
                        double rateStall, double rateTruncate, int retryAfterSeconds, long stallMs) {

    public static SimConfig defaults() {
        return new SimConfig(0, 42, "teacher-sim", 256, 1024, 0, 0, 0, 0, 0, 200, 50, 0.8, false,
                0, 0, 0, 0, 0, 0, 1, 120_000);
    }

    /** A copy with the named fields changed; names as in {@link #parse}. */
    public SimConfig with(Map<String, String> changes) {
        Map<String, String> all = new LinkedHashMap<>(asMap());
        for (Map.Entry<String, String> e : changes.entrySet()) {
            if (!all.containsKey(e.getKey())) {
                throw new IllegalArgumentException("unknown setting '" + e.getKey() + "'; known: " + String.join(", ", all.keySet()));
            }
            all.put(e.getKey(), e.getValue());
        }
        try {
            return new SimConfig(Integer.parseInt(all.get("port")), Long.parseLong(all.get("seed")), all.get("model"),
                    Integer.parseInt(all.get("max-num-seqs")), Integer.parseInt(all.get("max-waiting")),
                    Double.parseDouble(all.get("ttft-ms")), Double.parseDouble(all.get("ttft-sd-ms")),
                    Double.parseDouble(all.get("itl-ms")), Double.parseDouble(all.get("itl-sd-ms")),
                    Double.parseDouble(all.get("load-slowdown")), Integer.parseInt(all.get("tokens-mean")),
                    Integer.parseInt(all.get("tokens-sd")), Double.parseDouble(all.get("accuracy")),
                    Boolean.parseBoolean(all.get("think-tags")), Double.parseDouble(all.get("rate-429")),
                    Double.parseDouble(all.get("rate-500")), Double.parseDouble(all.get("rate-503")),
                    Double.parseDouble(all.get("rate-drop")), Double.parseDouble(all.get("rate-stall")),
                    Double.parseDouble(all.get("rate-truncate")), Integer.parseInt(all.get("retry-after-seconds")),
                    Long.parseLong(all.get("stall-ms")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage(), e);
        }
    }

    public SimConfig with(String name, Object value) {
        return with(Map.of(name, String.valueOf(value)));
    }

    /** Reads {@code --name=value} arguments over the defaults. */
    public static SimConfig parse(String[] args) {
        Map<String, String> changes = new LinkedHashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("arguments are --name=value, got '" + a + "'");
            }
            String[] kv = a.substring(2).split("=", 2);
            changes.put(kv[0].toLowerCase(Locale.ROOT), kv[1]);
        }
        return defaults().with(changes);
    }

    Map<String, String> asMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("port", String.valueOf(port));
        m.put("seed", String.valueOf(seed));
        m.put("model", model);
        m.put("max-num-seqs", String.valueOf(maxNumSeqs));
        m.put("max-waiting", String.valueOf(maxWaiting));
        m.put("ttft-ms", String.valueOf(ttftMs));
        m.put("ttft-sd-ms", String.valueOf(ttftSdMs));
        m.put("itl-ms", String.valueOf(itlMs));
        m.put("itl-sd-ms", String.valueOf(itlSdMs));
        m.put("load-slowdown", String.valueOf(loadSlowdown));
        m.put("tokens-mean", String.valueOf(tokensMean));
        m.put("tokens-sd", String.valueOf(tokensSd));
        m.put("accuracy", String.valueOf(accuracy));
        m.put("think-tags", String.valueOf(thinkTags));
        m.put("rate-429", String.valueOf(rate429));
        m.put("rate-500", String.valueOf(rate500));
        m.put("rate-503", String.valueOf(rate503));
        m.put("rate-drop", String.valueOf(rateDrop));
        m.put("rate-stall", String.valueOf(rateStall));
        m.put("rate-truncate", String.valueOf(rateTruncate));
        m.put("retry-after-seconds", String.valueOf(retryAfterSeconds));
        m.put("stall-ms", String.valueOf(stallMs));
        return m;
    }
}
