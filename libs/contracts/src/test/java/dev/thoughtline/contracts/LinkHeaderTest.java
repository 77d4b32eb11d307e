package dev.thoughtline.contracts;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;

class LinkHeaderTest {

    private static final URI BASE = URI.create("http://svc:8080/api/v1/datasets/3/items?limit=10");

    @Test
    void findsTheNextLinkAmongOthersAndResolvesRelativeTargets() {
        assertThat(LinkHeader.findNext("<http://a/x?after=5>; rel=\"next\"", BASE)).isEqualTo(URI.create("http://a/x?after=5"));
        assertThat(LinkHeader.findNext("</first>; rel=\"first\", <items?after=9&limit=10>; rel=\"next\"", BASE))
                .isEqualTo(URI.create("http://svc:8080/api/v1/datasets/3/items?after=9&limit=10"));
        assertThat(LinkHeader.findNext("<http://a/b>; rel=\"prev next\"", BASE)).isEqualTo(URI.create("http://a/b"));
    }

    @Test
    void noNextLinkMeansTheLastPage() {
        assertThat(LinkHeader.findNext(null, BASE)).isNull();
        assertThat(LinkHeader.findNext("<http://a/b>; rel=\"prev\"", BASE)).isNull();
    }

    @Test
    void formatsWhatItParses() {
        URI u = URI.create("http://svc/api/v1/datasets/1/items?after=3&limit=2");
        assertThat(LinkHeader.findNext(LinkHeader.next(u), null)).isEqualTo(u);
    }
}
