package dev.thoughtline.question.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetInfo;
import dev.thoughtline.contracts.DatasetKind;
import dev.thoughtline.contracts.DatasetRef;
import dev.thoughtline.contracts.DatasetStatus;
import dev.thoughtline.question.QuestionDataset;
import dev.thoughtline.question.config.QuestionConfig;
import dev.thoughtline.question.repository.DatasetRepository;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.ItemPages;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Serves question datasets through the contract: their description, and their items in NDJSON pages. */
@ApplicationScoped
public class DatasetService {

    private static final TypeReference<List<DatasetRef>> REFS = new TypeReference<>() {
    };
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    /** A page of a dataset: where it starts and how long it is. */
    private record PageKey(long dataset, long after, int limit) {
    }

    private final Map<Long, Known> complete = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<PageKey, Uni<ItemPages.Page>> readAhead;
    private final DatasetRepository datasets;
    private final QuestionConfig config;
    private final ObjectMapper mapper;

    public DatasetService(DatasetRepository datasets, QuestionConfig config, ObjectMapper mapper) {
        this.datasets = datasets;
        this.config = config;
        this.mapper = mapper;
        int max = config.items().readAhead();
        this.readAhead = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<PageKey, Uni<ItemPages.Page>> eldest) {
                return size() > max;
            }
        });
    }

    public Uni<DatasetInfo> get(long id) {
        return describe(id).map(Known::info);
    }

    @WithSession
    public Uni<List<DatasetInfo>> list() {
        return datasets.listAll(io.quarkus.panache.common.Sort.by("id")).map(all -> all.stream().map(this::toInfo).toList());
    }

    /**
     * The items after cursor {@code after} (null: from the start), as stored when the dataset was made.
     */
    public Uni<ItemPages.Page> items(long id, String after, String limit) {
        long cursor = ItemPages.cursor(after);
        int asked = ItemPages.limit(limit, config.items().defaultLimit(), config.items().maxLimit());
        return describe(id).chain(known -> {
            DatasetInfo info = known.info();
            // fewer items when they are long, so that a page (and a page read ahead) stays within its budget
            int pageSize = (int) Math.max(1, Math.min(asked, config.items().pageBytes() / Math.max(1, known.maxLineBytes())));
            if (cursor >= info.itemCount()) {
                return Uni.createFrom().item(new ItemPages.Page(io.vertx.core.buffer.Buffer.buffer(), 0, null));
            }
            Uni<ItemPages.Page> ahead = readAhead.remove(new PageKey(id, cursor, pageSize));
            return (ahead != null ? ahead : fetch(info, cursor, pageSize))
                    .invoke(page -> readAhead(info, page, pageSize));
        });
    }

    private Uni<ItemPages.Page> fetch(DatasetInfo info, long cursor, int limit) {
        long id = Long.parseLong(info.id());
        return datasets.page(id, cursor, limit).map(rows -> {
            Buffer body = Buffer.buffer(rows.size() * 512);
            long last = cursor;
            for (Row r : rows) {
                last = r.getLong(0);
                body.appendBuffer(r.getBuffer(1)).appendByte((byte) '\n');
            }
            // positions are dense, 1..itemCount: more remain while the last one served is below the count
            boolean more = rows.size() > 0 && last < info.itemCount();
            return new ItemPages.Page(body.getDelegate(), rows.size(), more ? Long.toString(last) : null);
        });
    }

    /**
     * Starts reading the page after {@code served} while the client receives it: a reader of the contract
     * asks for the pages in order, so the database works while the network does. Only complete datasets
     * qualify (they cannot change); at most {@code thoughtline.items.read-ahead} pages are held, the
     * oldest dropped first.
     */
    private void readAhead(DatasetInfo info, ItemPages.Page served, int limit) {
        if (served.next() == null || info.status() != DatasetStatus.COMPLETE || config.items().readAhead() < 1) {
            return;
        }
        PageKey key = new PageKey(Long.parseLong(info.id()), Long.parseLong(served.next()), limit);
        Uni<ItemPages.Page> next = fetch(info, key.after(), limit).memoize().indefinitely();
        readAhead.put(key, next);
        next.subscribe().with(ignored -> { }, failure -> readAhead.remove(key, next));
    }

    /** A dataset as paging needs it. */
    private record Known(DatasetInfo info, int maxLineBytes) {
    }

    /** The dataset, with complete ones remembered: they never change, and paging asks for every page. */
    private Uni<Known> describe(long id) {
        Known known = complete.get(id);
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return Panache.withSession(() -> datasets.findById(id))
                .onItem().ifNull().failWith(() -> ApiException.notFound("dataset " + id))
                .map(d -> new Known(toInfo(d), d.maxLineBytes))
                .invoke(k -> {
                    if (k.info().status() == DatasetStatus.COMPLETE) {
                        if (complete.size() >= 1024) {
                            complete.clear();
                        }
                        complete.put(id, k);
                    }
                });
    }

    public DatasetInfo toInfo(QuestionDataset d) {
        try {
            return new DatasetInfo(Long.toString(d.id), DatasetRef.of(config.publicUrl(), d.id), d.name,
                    DatasetKind.valueOf(d.kind.toUpperCase(Locale.ROOT)), DatasetStatus.valueOf(d.status.toUpperCase(Locale.ROOT)),
                    d.itemCount, mapper.readValue(d.parents, REFS), mapper.readValue(d.recipe, OBJECT), d.createdAt);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dataset " + d.id + " holds unreadable JSON", e);
        }
    }
}
