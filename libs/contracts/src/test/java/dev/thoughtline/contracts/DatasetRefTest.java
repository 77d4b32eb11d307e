package dev.thoughtline.contracts;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetRefTest {

    @Test
    void isAnAbsoluteHttpUrlSerialisedAsAPlainString() throws Exception {
        ObjectMapper m = Json.newMapper();
        DatasetRef ref = DatasetRef.of("http://question-service:8080/api/v1/datasets/17/");
        assertThat(ref.url()).isEqualTo("http://question-service:8080/api/v1/datasets/17");
        assertThat(m.writeValueAsString(ref)).isEqualTo("\"http://question-service:8080/api/v1/datasets/17\"");
        assertThat(m.readValue("\"http://x/api/v1/datasets/2\"", DatasetRef.class)).isEqualTo(DatasetRef.of("http://x/api/v1/datasets/2"));
        assertThat(ref.itemsUri("42", 100).toString()).isEqualTo("http://question-service:8080/api/v1/datasets/17/items?limit=100&after=42");
        assertThat(DatasetRef.of("http://h:1/", 5).url()).isEqualTo("http://h:1/api/v1/datasets/5");
    }

    @Test
    void rejectsWhatIsNotAnAbsoluteHttpUrl() {
        assertThatThrownBy(() -> DatasetRef.of("datasets/17")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetRef.of("ftp://h/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetRef.of("http://bad host/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetRef.of("http://h/api/v1/datasets/1?x=1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetRef.of("http://h/latest/meta-data#")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatasetRef.of("http://user:pw@h/api/v1/datasets/1")).isInstanceOf(IllegalArgumentException.class);
    }
}
