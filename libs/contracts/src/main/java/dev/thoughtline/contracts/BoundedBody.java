package dev.thoughtline.contracts;

import java.io.ByteArrayOutputStream;
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

    private static final class Collector implements HttpResponse.BodySubscriber<byte[]> {
        private final long max;
        private final ByteArrayOutputStream out;
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private final long declared;
        private Flow.Subscription subscription;

        Collector(long max, long declared) {
            this.max = max;
            this.declared = declared;
            this.out = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 1024), Math.min(max, 1 << 20)));
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
                if ((long) out.size() + b.remaining() > max) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLarge(max));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                out.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(out.toByteArray());
        }
    }
}
