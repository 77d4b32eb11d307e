package dev.thoughtline.filter.service.embedding;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;

import java.util.ArrayList;
import java.util.List;

/**
 * all-MiniLM-L6-v2 (384 dimensions) in this JVM through ONNX Runtime: the model ships inside its Maven artifact,
 * its native libraries are extracted to {@code java.io.tmpdir} on first use (an emptyDir under a read-only root
 * in Kubernetes). About 200 texts/s on 2 cores; the model is loaded on the first call, not at startup.
 */
public final class LocalEmbedder implements Embedder {

    private final int batch;
    private volatile AllMiniLmL6V2EmbeddingModel model;

    public LocalEmbedder(int batch) {
        this.batch = batch;
    }

    private AllMiniLmL6V2EmbeddingModel model() {
        AllMiniLmL6V2EmbeddingModel m = model;
        if (m == null) {
            synchronized (this) {
                if (model == null) {
                    model = new AllMiniLmL6V2EmbeddingModel();
                }
                m = model;
            }
        }
        return m;
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        List<float[]> out = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += batch) {
            List<TextSegment> segments = texts.subList(from, Math.min(texts.size(), from + batch)).stream()
                    .map(t -> TextSegment.from(t.isBlank() ? " " : t)).toList();
            model().embedAll(segments).content().forEach(e -> out.add(Embedder.normalise(e.vector())));
        }
        return out;
    }
}
