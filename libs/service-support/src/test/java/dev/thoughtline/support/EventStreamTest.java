package dev.thoughtline.support;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Server-sent events assembled from the pieces a connection delivers. */
class EventStreamTest {

    private static final long NOW = TimeUnit.MILLISECONDS.toNanos(10);

    @Test
    void eventsSplitAnywhereAssembleWhole() {
        String wire = "data:{\"id\":1,\"done\":0}\n\n: a comment\nid: 7\ndata: {\"id\":1,\"done\":5}\r\n\r\ndata:{\"a\":\ndata:1}\n\n";
        byte[] bytes = wire.getBytes(StandardCharsets.UTF_8);
        for (int piece = 1; piece <= bytes.length; piece++) {
            GenerationClient.EventStream stream = subscribed();
            for (int from = 0; from < bytes.length; from += piece) {
                stream.onNext(List.of(ByteBuffer.wrap(bytes, from, Math.min(piece, bytes.length - from))));
            }
            stream.onComplete();
            List<Object> items = drain(stream);
            assertThat(items).as("pieces of %d bytes", piece)
                    .containsExactly("{\"id\":1,\"done\":0}", "{\"id\":1,\"done\":5}", "{\"a\":\n1}", GenerationClient.EventStream.END);
        }
    }

    @Test
    void aBrokenConnectionIsTheLastItemAndNothingArrivingIsNull() {
        GenerationClient.EventStream stream = subscribed();
        assertThat(stream.next(NOW, "test")).isNull();
        stream.onNext(List.of(ByteBuffer.wrap("data:{}\n\ndata:{\"half\"".getBytes(StandardCharsets.UTF_8))));
        stream.onError(new java.io.IOException("connection reset"));
        assertThat(drain(stream)).hasSize(2).first().isEqualTo("{}");
    }

    @Test
    void anEventPastTheLimitEndsTheStreamInsteadOfFillingTheHeap() {
        Cancelled subscription = new Cancelled();
        GenerationClient.EventStream stream = new GenerationClient.EventStream();
        stream.onSubscribe(subscription);
        byte[] chunk = "x".repeat(1 << 20).getBytes(StandardCharsets.UTF_8);
        stream.onNext(List.of(ByteBuffer.wrap("data:".getBytes(StandardCharsets.UTF_8))));
        for (int i = 0; i < 5; i++) {
            stream.onNext(List.of(ByteBuffer.wrap(chunk)));
        }
        assertThat(subscription.cancelled).isTrue();
        assertThat(stream.next(NOW, "test")).isInstanceOf(java.io.IOException.class);
    }

    private static GenerationClient.EventStream subscribed() {
        GenerationClient.EventStream stream = new GenerationClient.EventStream();
        stream.onSubscribe(new Cancelled());
        return stream;
    }

    private static List<Object> drain(GenerationClient.EventStream stream) {
        List<Object> out = new ArrayList<>();
        for (Object o = stream.next(NOW, "test"); o != null; o = stream.next(NOW, "test")) {
            out.add(o);
        }
        return out;
    }

    private static final class Cancelled implements Flow.Subscription {
        volatile boolean cancelled;

        @Override
        public void request(long n) {
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }
}
