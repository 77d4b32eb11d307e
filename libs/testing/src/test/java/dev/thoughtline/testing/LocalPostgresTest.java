package dev.thoughtline.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalPostgresTest {

    @Test
    void startsAServerThatAcceptsConnectionsAndStopsIt() throws IOException {
        int port;
        try (LocalPostgres pg = LocalPostgres.start()) {
            port = pg.port();
            assertThat(pg.reactiveUrl()).isEqualTo("postgresql://localhost:" + port + "/postgres");
            assertThat(pg.quarkusConfig()).containsEntry("quarkus.datasource.reactive.url", pg.reactiveUrl())
                    .containsEntry("quarkus.datasource.devservices.enabled", "false");
            try (Socket s = new Socket("localhost", port)) {
                assertThat(s.isConnected()).isTrue();
            }
        }
        assertThatThrownBy(() -> new Socket("localhost", port).close()).isInstanceOf(IOException.class);
    }
}
