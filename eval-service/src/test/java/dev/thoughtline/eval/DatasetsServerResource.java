package dev.thoughtline.eval;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the Hugging Face datasets server's {@code /rows} API (an outside service): dataset
 * {@code test/arith} has 250 rows, served 100 at a time, and its first request answers 503 once; any other dataset
 * is a 404 with the server's message.
 */
public class DatasetsServerResource implements QuarkusTestResourceLifecycleManager {

    static final int ROWS = 250;
    static final AtomicInteger REQUESTS = new AtomicInteger();

    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        AtomicInteger calls = new AtomicInteger();
        server.createContext("/rows", exchange -> {
            REQUESTS.incrementAndGet();
            Map<String, String> q = new java.util.HashMap<>();
            for (String kv : exchange.getRequestURI().getRawQuery().split("&")) {
                String[] p = kv.split("=", 2);
                q.put(p[0], java.net.URLDecoder.decode(p[1], StandardCharsets.UTF_8));
            }
            int status;
            String body;
            if (!"test/arith".equals(q.get("dataset"))) {
                status = 404;
                body = "{\"error\":\"The dataset does not exist on the Hub.\"}";
            } else if (calls.getAndIncrement() == 0) {
                status = 503;
                body = "{\"error\":\"busy\"}";
            } else {
                int offset = Integer.parseInt(q.get("offset"));
                int length = Integer.parseInt(q.get("length"));
                StringBuilder rows = new StringBuilder();
                for (int i = offset; i < Math.min(ROWS, offset + length); i++) {
                    if (rows.length() > 0) {
                        rows.append(',');
                    }
                    rows.append("{\"row_idx\":").append(i).append(",\"row\":{\"uid\":\"hf-").append(i).append("\",\"problem\":\"What is ")
                            .append(i).append(" + ").append(i).append("?\",\"answer\":\"").append(2 * i).append("\"},\"truncated_cells\":[]}");
                }
                status = 200;
                body = "{\"features\":[],\"rows\":[" + rows + "],\"num_rows_total\":" + ROWS + ",\"num_rows_per_page\":100,\"partial\":false}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return Map.of("thoughtline.huggingface.url", "http://localhost:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
