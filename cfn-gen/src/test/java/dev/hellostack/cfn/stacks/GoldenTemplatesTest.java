package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hellostack.cfn.generate.Generator;
import dev.hellostack.cfn.generate.UnifiedDiff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Golden files: each generated file equals the one committed in templates/. */
class GoldenTemplatesTest {

    /** Surefire runs in the module directory; templates/ sits next to it. */
    private static final Path TEMPLATES = Path.of("..", "templates");

    private static final Map<String, String> GENERATED = Generator.render(Stacks.all());

    static Stream<String> files() {
        return GENERATED.keySet().stream();
    }

    @ParameterizedTest(name = "templates/{0} is up to date")
    @MethodSource("files")
    void committedFileMatchesTheGenerator(String file) throws IOException {
        Path committed = TEMPLATES.resolve(file);
        String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "";
        String actual = GENERATED.get(file);
        assertEquals(expected, actual, () -> "templates/" + file + " differs from the generator; regenerate with "
                + "`java -jar cfn-gen/target/cfn-gen.jar` and commit:\n"
                + UnifiedDiff.diff("templates/" + file, expected, "generated", actual));
    }

    @ParameterizedTest(name = "{0} renders identically twice")
    @MethodSource("files")
    void generatingTwiceGivesIdenticalBytes(String file) {
        assertEquals(GENERATED.get(file), Generator.render(Stacks.all()).get(file));
    }
}
