package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thoughtline.eval.EvalResult;
import dev.thoughtline.eval.EvalRun;
import dev.thoughtline.eval.repository.EvalRepository;
import dev.thoughtline.support.ApiException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Two runs on the same benchmark, item by item: the paired differences of their per-item pass rates, with the
 * standard error of their mean. Pairing removes the spread of item difficulty from the comparison, so it tells two
 * close models apart with fewer items than two separate accuracies would.
 */
@ApplicationScoped
public class ComparisonService {

    private final EvalRepository repository;
    private final EvalRunService runs;
    private final ObjectMapper mapper;

    public ComparisonService(EvalRepository repository, EvalRunService runs, ObjectMapper mapper) {
        this.repository = repository;
        this.runs = runs;
        this.mapper = mapper;
    }

    public Uni<ObjectNode> compare(String a, String b, String benchmark) {
        if (a == null || b == null) {
            throw ApiException.badRequest("compare needs two eval runs: ?a=RUN&b=RUN (ids or names), and ?benchmark= to pick one");
        }
        return runs.find(a).chain(runA -> runs.find(b).chain(runB -> repository.results(runA.id()).chain(resA -> repository.results(runB.id())
                .chain(resB -> {
                    List<EvalResult[]> pairs = new ArrayList<>();
                    for (EvalResult x : resA) {
                        for (EvalResult y : resB) {
                            if (x.benchmarkId() == y.benchmarkId() && (benchmark == null || benchmark.equals(x.benchmark()))) {
                                pairs.add(new EvalResult[]{x, y});
                            }
                        }
                    }
                    if (pairs.isEmpty()) {
                        throw ApiException.unprocessable("runs " + runA.name() + " and " + runB.name() + " share no benchmark"
                                + (benchmark == null ? "" : " named " + benchmark));
                    }
                    for (EvalResult[] p : pairs) {
                        if (!p[0].status().equals("complete") || !p[1].status().equals("complete")) {
                            throw ApiException.conflict("benchmark " + p[0].benchmark() + " is not scored yet in both runs");
                        }
                    }
                    ObjectNode out = mapper.createObjectNode();
                    out.set("a", run(runA));
                    out.set("b", run(runB));
                    ArrayNode list = out.putArray("benchmarks");
                    List<Uni<ObjectNode>> each = pairs.stream().map(p -> pair(runA, runB, p[0])).toList();
                    return Uni.join().all(each).andFailFast().map(nodes -> {
                        nodes.forEach(list::add);
                        return out;
                    });
                }))));
    }

    private ObjectNode run(EvalRun r) {
        ObjectNode o = mapper.createObjectNode().put("id", r.id()).put("name", r.name()).put("teacher", r.teacher());
        if (r.model() != null) {
            o.put("model", r.model());
        }
        return o;
    }

    private Uni<ObjectNode> pair(EvalRun a, EvalRun b, EvalResult result) {
        return repository.passes(a.id(), result.benchmarkId()).chain(pa -> repository.passes(b.id(), result.benchmarkId()).map(pb -> {
            Map<String, EvalRepository.Passes> byId = new HashMap<>();
            pb.forEach(p -> byId.put(p.itemId(), p));
            double[] x = new double[pa.size()];
            double[] y = new double[pa.size()];
            int n = 0;
            for (EvalRepository.Passes p : pa) {
                EvalRepository.Passes q = byId.get(p.itemId());
                if (q != null) {
                    x[n] = (double) p.passes() / p.samples();
                    y[n] = (double) q.passes() / q.samples();
                    n++;
                }
            }
            Metrics.Paired d = Metrics.paired(java.util.Arrays.copyOf(x, n), java.util.Arrays.copyOf(y, n));
            ObjectNode o = mapper.createObjectNode().put("benchmark", result.benchmark()).put("items", d.items())
                    .put("accuracyA", Metrics.round(Metrics.mean(java.util.Arrays.copyOf(x, n))))
                    .put("accuracyB", Metrics.round(Metrics.mean(java.util.Arrays.copyOf(y, n))))
                    .put("meanDifference", Metrics.round(d.meanDifference()));
            if (Double.isNaN(d.stdErr())) {
                o.putNull("stdErr");
            } else {
                o.put("stdErr", Metrics.round(d.stdErr()));
                ArrayNode ci = o.putArray("ci95");
                ci.add(Metrics.round(d.meanDifference() - 1.96 * d.stdErr()));
                ci.add(Metrics.round(d.meanDifference() + 1.96 * d.stdErr()));
            }
            o.put("aBetter", d.aBetter()).put("bBetter", d.bBetter()).put("ties", d.ties());
            return o;
        }));
    }
}
