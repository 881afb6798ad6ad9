package dev.hellostack.cfn.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root: the nearest directory upwards that holds .gitlab-ci.yml. */
final class RepoRoot {
    private RepoRoot() {}

    static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(".gitlab-ci.yml")) && Files.isDirectory(dir.resolve("scripts"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no .gitlab-ci.yml above " + Path.of("").toAbsolutePath());
    }
}
