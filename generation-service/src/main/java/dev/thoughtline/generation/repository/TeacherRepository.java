package dev.thoughtline.generation.repository;

import dev.thoughtline.generation.Teacher;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Teachers, by id and by name. */
@ApplicationScoped
public class TeacherRepository implements PanacheRepositoryBase<Teacher, Long> {

    public Uni<Teacher> findByName(String name) {
        return find("name", name).firstResult();
    }
}
