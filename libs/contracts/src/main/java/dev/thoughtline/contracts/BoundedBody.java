package dev.thoughtline.contracts;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A JDK HTTP client body handler that collects at most {@code maxBytes}: a longer body is cancelled as soon as it
 * passes the limit (the connection is closed, nothing more is read) and fails with {@link TooLarge}. What a server a
 * caller named sends is never buffered without bound.
 */
public final class BoundedBody {

    /** The body passed its limit. */
    public static final class TooLarge extends IOException {
        private final long limit;

        public TooLarge(long limit) {
            super("the response body is larger than " + limit + " bytes");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    private BoundedBody() {
    }

    /** The body as bytes, or a failure with {@link TooLarge} past {@code maxBytes}. */
    public static HttpResponse.BodyHandler<byte[]> ofByteArray(long maxBytes) {
        return info -> {
            long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
            return new Collector(maxBytes, declared);
        };
    }

    /**
     * Collects into one array: sized to the declared length when there is one (a page near its limit is then held
     * once, not grown by doubling and copied at the end), else grown.
     */
    private static final class Collector implements HttpResponse.BodySubscriber<byte[]> {
        private final long max;
        private byte[] buf;
        private int size;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final long declared;
        private Flow.Subscription subscription;

        Collector(long max, long declared) {
            this.max = max;
            this.declared = declared;
            this.buf = new byte[(int) (declared >= 0 && declared <= max ? declared : Math.min(max, 64 * 1024))];
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (declared > max) {
                s.cancel();
                result.completeExceptionally(new TooLarge(max));
                return;
            }
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone()) {
                return;
            }
            for (ByteBuffer b : buffers) {
                int n = b.remaining();
                if ((long) size + n > max) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge(max));
                    return;
                }
                if (size + n > buf.length) {
                    buf = java.util.Arrays.copyOf(buf, (int) Math.min(max, Math.max((long) buf.length * 2, (long) size + n)));
                }
                b.get(buf, size, n);
                size += n;
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(size == buf.length ? buf : java.util.Arrays.copyOf(buf, size));
        }
    }
}
