package dev.hellostack.cfn.check;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Test fixtures under src/test/resources/check/. */
final class Fixtures {

    private Fixtures() {
    }

    /** The fixture file or folder {@code check/<relative>} on the test class path. */
    static Path path(String relative) {
        URL url = Fixtures.class.getResource("/check/" + relative);
        if (url == null) {
            throw new IllegalArgumentException("no test fixture check/" + relative);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The repository this build runs in. */
    static Path repoRoot() {
        return TemplateChecks.findRepoRoot();
    }
}
