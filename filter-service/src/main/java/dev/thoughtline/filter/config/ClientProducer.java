package dev.thoughtline.filter.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.thoughtline.contracts.DatasetClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.net.http.HttpClient;
import java.time.Duration;

/** The contract's dataset client, which reads runs' inputs and benchmark datasets. */
@ApplicationScoped
public class ClientProducer {

    @Produces
    @Singleton
    DatasetClient datasetClient(ObjectMapper mapper, FilterConfig config) {
        FilterConfig.Runs runs = config.runs();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        DatasetClient.Options options = DatasetClient.Options.defaults()
                .withPageSize(runs.inputPageSize())
                .withRetries(runs.inputAttempts(), runs.inputBackoff(), runs.inputBackoff().multipliedBy(20));
        return new DatasetClient(http, mapper, options);
    }
}
