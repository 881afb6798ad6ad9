package dev.hellostack.cfn.stacks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hellostack.cfn.generate.Generator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The committed templates as the tests read them: the files under templates/ that the pipeline deploys
 * (the build's drift gate, cfn-gen --check, keeps them equal to the generator's output).
 */
final class TemplateFiles {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Path ROOT = findRoot();

    private TemplateFiles() {
    }

    private static Path findRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("templates")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root above " + Path.of("").toAbsolutePath());
    }

    /** A template of an environment, e.g. {@code of("prod", "service")} reads templates/prod/service.yaml. */
    static JsonNode of(String env, String stack) {
        Stack s = Stacks.all().stream().filter(x -> x.name().equals(stack)).findFirst().orElseThrow();
        return read("templates/" + Generator.path(s, Environments.named(env)));
    }

    static JsonNode read(String path) {
        try {
            return YAML.readTree(ROOT.resolve(path).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every template file, by its path under templates/ (ecr.yaml, dev/alb.yaml, ...). */
    static Map<String, JsonNode> all() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (Environment env : Environments.all()) {
            for (Stack s : Stacks.all()) {
                out.putIfAbsent(Generator.path(s, env), read("templates/" + Generator.path(s, env)));
            }
        }
        return out;
    }

    /** The resources of a template of one type. */
    static Map<String, JsonNode> resources(JsonNode template, String type) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        template.path("Resources").properties().forEach(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                out.put(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    /** The statements of a role's first inline policy, by Sid. */
    static Map<String, JsonNode> statements(JsonNode template, String role) {
        Map<String, JsonNode> bySid = new LinkedHashMap<>();
        for (JsonNode s : template.path("Resources").path(role).path("Properties").path("Policies").get(0)
                .path("PolicyDocument").path("Statement")) {
            bySid.put(s.path("Sid").asText(), s);
        }
        return bySid;
    }

    /** A list or a single value as text: Fn::Sub strings as their template, Fn::ImportValue as "import:NAME". */
    static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : node.isArray() ? node : List.of(node)) {
            if (n.has("Fn::Sub")) {
                out.add(n.path("Fn::Sub").isArray() ? n.path("Fn::Sub").get(0).asText() : n.path("Fn::Sub").asText());
            } else if (n.has("Fn::ImportValue")) {
                out.add("import:" + n.path("Fn::ImportValue").asText());
            } else {
                out.add(n.isTextual() ? n.asText() : n.toString());
            }
        }
        return out;
    }
}
