package dev.hellostack.cfn.check;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads generated templates (long-form {@code Fn::} YAML, no custom tags) as generic trees. */
public final class Templates {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Templates() {
    }

    /** Parses a YAML template; a file that is not valid YAML is reported with its name. */
    public static JsonNode readYaml(Path file) {
        try {
            JsonNode node = YAML.readTree(file.toFile());
            if (node == null || node.isMissingNode()) {
                throw new CheckException(file.getFileName() + ": the template is empty");
            }
            return node;
        } catch (IOException e) {
            throw new CheckException(file.getFileName() + ": not a readable YAML template: " + e.getMessage(), e);
        }
    }

    /** Parses a JSON file. */
    public static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckException(file + ": not readable JSON: " + e.getMessage(), e);
        }
    }

    /** The {@code *.yaml} files directly in {@code dir}, sorted by name; none if the directory is absent. */
    public static List<Path> yamlFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(p))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
