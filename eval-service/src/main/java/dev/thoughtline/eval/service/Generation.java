package dev.thoughtline.eval.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.eval.config.EvalConfig;
import dev.thoughtline.support.ApiException;
import dev.thoughtline.support.GenerationClient;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.http.HttpClient;

/** generation-service, where eval runs sample; refused with a clear 422 when this eval-service has none configured. */
@ApplicationScoped
public class Generation {

    private final GenerationClient client;

    public Generation(EvalConfig config, HttpClient http, ObjectMapper mapper) {
        this.client = config.generationUrl().map(url -> new GenerationClient(url, http, mapper)).orElse(null);
    }

    public GenerationClient client() {
        if (client == null) {
            throw ApiException.unprocessable("eval runs sample through generation-service, and this eval-service has none "
                    + "(set thoughtline.generation-url)");
        }
        return client;
    }
}
