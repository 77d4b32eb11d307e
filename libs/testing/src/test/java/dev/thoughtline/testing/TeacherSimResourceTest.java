package dev.thoughtline.testing;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TeacherSimResourceTest {

    @Test
    void startsASimulatorWithTheGivenSettingsAndHandsOutItsUrl() throws Exception {
        TeacherSimResource resource = new TeacherSimResource();
        resource.init(Map.of("model", "sim-under-test"));
        Map<String, String> config = resource.start();
        try {
            String url = config.get("thoughtline.test.teacher-url");
            assertThat(url).startsWith("http://localhost:").endsWith("/v1");
            String models = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/models")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(models).contains("sim-under-test");
            assertThat(TeacherSimResource.current().baseUrl()).isEqualTo(url);
        } finally {
            resource.stop();
        }
        assertThatThrownBy(TeacherSimResource::current).isInstanceOf(IllegalStateException.class);
    }
}
