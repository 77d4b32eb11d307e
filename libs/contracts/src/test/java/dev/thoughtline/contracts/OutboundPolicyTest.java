package dev.thoughtline.contracts;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

/** The outbound policy: what it refuses whatever the configuration, and what the prod defaults refuse. */
class OutboundPolicyTest {

    private static final OutboundPolicy PROD = OutboundPolicy.of(List.of("http://question-service:8080", "http://localhost:8081"),
            List.of(), List.of(), false, false);

    private static void refused(OutboundPolicy p, String url, String reason) {
        assertThatThrownBy(() -> p.check(URI.create(url))).as(url).isInstanceOf(OutboundPolicy.Refused.class).hasMessageContaining(reason);
    }

    @Test
    void metadataAndLinkLocalAddressesAreRefusedEvenWhenPrivateAddressesAreAllowedOrListed() {
        OutboundPolicy open = OutboundPolicy.of(List.of(), List.of("169.254.0.0/16", "169.254.169.254"), List.of(), true, false);
        for (String url : List.of("http://169.254.169.254/latest/meta-data/", "http://169.254.169.254:80/computeMetadata/v1",
                "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/", "http://0.0.0.0:8080/", "http://100.100.100.200/",
                "http://[fd00:ec2::254]/", "http://224.0.0.1/", "http://2852039166/")) {
            refused(open, url, "link-local, metadata or reserved");
            refused(PROD, url, "link-local, metadata or reserved");
        }
    }

    @Test
    void loopbackAndPrivateRangesAreRefusedByTheProdDefaultsHoweverTheyAreSpelled() {
        for (String url : List.of("http://127.0.0.1:5432/", "http://localhost:9000/admin", "http://[::1]/", "http://127.1/",
                "http://2130706433/", "http://0x7f000001/", "http://10.0.0.7/", "http://172.20.1.1/", "http://192.168.1.1/",
                "http://100.64.0.1/", "http://[::ffff:10.0.0.1]/", "http://[fd12::1]/")) {
            assertThatThrownBy(() -> PROD.check(URI.create(url))).as(url).isInstanceOf(OutboundPolicy.Refused.class);
        }
    }

    @Test
    void theSuitesOwnOriginsAreAllowedAndAreTheOnlyOnesThatGetTheToken() {
        assertThatCode(() -> PROD.check(URI.create("http://localhost:8081/api/v1/datasets/3"))).doesNotThrowAnyException();
        assertThat(PROD.isSuite(URI.create("http://localhost:8081/api/v1/datasets/3"))).isTrue();
        assertThat(PROD.isSuite(URI.create("http://QUESTION-SERVICE:8080/api/v1/datasets/3"))).isTrue();
        assertThat(PROD.isSuite(URI.create("http://localhost:8082/api/v1/datasets/3"))).isFalse();
        assertThat(PROD.isSuite(URI.create("https://localhost:8081/"))).isFalse();
        assertThat(PROD.isSuite(URI.create("http://user@localhost:8081/"))).isFalse();
        assertThat(PROD.isSuite(URI.create("http://localhost.attacker.example:8081/"))).isFalse();
    }

    @Test
    void allowEntriesOpenPrivateHostsByNameOriginOrRange() {
        OutboundPolicy p = OutboundPolicy.of(List.of(), List.of("http://localhost:8090", "10.1.0.0/16"), List.of(), false, false);
        assertThatCode(() -> p.check(URI.create("http://localhost:8090/v1"))).doesNotThrowAnyException();
        refused(p, "http://localhost:8091/v1", "private or loopback");
        assertThatCode(() -> p.check(URI.create("http://10.1.2.3/v1"))).doesNotThrowAnyException();
        refused(p, "http://10.2.2.3/v1", "private or loopback");
    }

    @Test
    void denyEntriesWinAndOnlyAllowedRefusesUnlistedPublicHosts() {
        OutboundPolicy deny = OutboundPolicy.of(List.of(), List.of(), List.of("8.8.8.0/24", "*.example"), true, false);
        refused(deny, "http://8.8.8.8/", "denied");
        refused(deny, "http://api.example/", "denied");
        OutboundPolicy only = OutboundPolicy.of(List.of(), List.of("1.1.1.1"), List.of(), false, true);
        refused(only, "http://8.8.8.8/", "not on the outbound allow list");
        assertThatCode(() -> only.check(URI.create("https://1.1.1.1/"))).doesNotThrowAnyException();
    }

    @Test
    void otherSchemesAndUserInfoAreRefused() {
        OutboundPolicy open = OutboundPolicy.permissive();
        refused(open, "file:///etc/passwd", "absolute URL");
        refused(open, "ftp://example.com/x", "only http and https");
        refused(open, "http://user:pw@example.com/", "user info");
    }
}
