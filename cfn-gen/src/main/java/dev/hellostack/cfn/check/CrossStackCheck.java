package dev.hellostack.cfn.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the wiring between stacks: every {@code Fn::ImportValue} names an export of a stack that
 * is deployed earlier, and no stack imports from itself or from a later stack.
 *
 * <p>The deploy order comes from {@code templates/stacks.json}
 * ({@code {"stacks": [{"name": "ecr", "template": "templates/ecr.yaml", ...}, ...]}}, in deploy
 * order). A stack's exports are its Outputs' {@code Export.Name}. Export and import names are
 * compared as written: a literal string, or the string of an {@code Fn::Sub} such as
 * {@code ${AppName}-${EnvName}-VpcId} (every stack takes the same AppName and EnvName
 * parameters, so equal text means equal names once deployed).
 */
public final class CrossStackCheck {

    /** The deploy order file, relative to the repository root. */
    public static final String STACKS_FILE = "templates/stacks.json";

    private static final String CHECK = "cross-stack";

    /** One stack in deploy order, with its entry in stacks.json. */
    private record Stack(int order, int index, String name, String templateFile, JsonNode template, JsonNode entry) {
    }

    /** Where a name is exported. */
    private record Export(Stack stack, String output) {
    }

    /** Checks the templates and deploy order under {@code repoRoot}. */
    public List<Finding> check(Path repoRoot) {
        List<Finding> findings = new ArrayList<>();
        Path templatesDir = repoRoot.resolve("templates");
        Path stacksFile = repoRoot.resolve(STACKS_FILE);
        List<Path> yamlFiles = Templates.yamlFiles(templatesDir);
        if (!Files.isRegularFile(stacksFile)) {
            if (!yamlFiles.isEmpty()) {
                findings.add(new Finding(CHECK, "stacks.json", "(file)", STACKS_FILE
                        + " is missing, but templates/ has " + yamlFiles.size()
                        + " template(s); the generator must write the deploy order there"));
            }
            return findings;
        }
        List<Stack> stacks = readStacks(repoRoot, stacksFile, yamlFiles, findings);
        findings.addAll(checkStacks(stacks));
        findings.sort(Finding.ORDER);
        return findings;
    }

    private List<Stack> readStacks(Path repoRoot, Path stacksFile, List<Path> yamlFiles, List<Finding> findings) {
        JsonNode root = Templates.readJson(stacksFile);
        JsonNode list = root.path("stacks");
        List<Stack> stacks = new ArrayList<>();
        if (!list.isArray() || list.isEmpty()) {
            findings.add(new Finding(CHECK, "stacks.json", "stacks", "expected a non-empty list of {name, template} in deploy order"));
            return stacks;
        }
        Set<Path> listed = new LinkedHashSet<>();
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String where = "stacks[" + i + "]";
            String name = entry.path("name").asText("");
            String template = entry.path("template").asText("");
            if (name.isEmpty() || template.isEmpty()) {
                findings.add(new Finding(CHECK, "stacks.json", where, "each stack needs a name and a template path"));
                continue;
            }
            if (!names.add(name)) {
                findings.add(new Finding(CHECK, "stacks.json", where, "stack " + name + " is listed twice"));
                continue;
            }
            Path file = repoRoot.resolve(template).normalize();
            if (!Files.isRegularFile(file)) {
                findings.add(new Finding(CHECK, "stacks.json", where + ".template", template + " does not exist"));
                continue;
            }
            listed.add(file);
            stacks.add(new Stack(stacks.size(), i, name, file.getFileName().toString(), Templates.readYaml(file), entry));
        }
        for (Path yaml : yamlFiles) {
            if (!listed.contains(yaml.normalize())) {
                findings.add(new Finding(CHECK, yaml.getFileName().toString(), "(file)",
                        "the template is not in the deploy order in " + STACKS_FILE));
            }
        }
        return stacks;
    }

    private List<Finding> checkStacks(List<Stack> stacks) {
        List<Finding> findings = new ArrayList<>();
        Map<String, Export> exports = new LinkedHashMap<>();
        for (Stack stack : stacks) {
            stack.template().path("Outputs").properties().forEach(output -> {
                JsonNode exportName = output.getValue().path("Export").path("Name");
                if (exportName.isMissingNode()) {
                    return;
                }
                String location = "Outputs." + output.getKey() + ".Export.Name";
                String name = nameText(exportName);
                if (name == null) {
                    findings.add(new Finding(CHECK, stack.templateFile(), location, unsupported(exportName)));
                    return;
                }
                Export previous = exports.putIfAbsent(name, new Export(stack, output.getKey()));
                if (previous != null) {
                    findings.add(new Finding(CHECK, stack.templateFile(), location, "export name " + name
                            + " is already exported by " + previous.stack().templateFile() + " (Outputs."
                            + previous.output() + "); CloudFormation rejects duplicate export names"));
                }
            });
        }
        String order = String.join(" -> ", stacks.stream().map(Stack::name).toList());
        for (Stack stack : stacks) {
            Set<String> imported = new TreeSet<>();
            forEachImport(stack.template(), "", (location, argument) -> {
                String name = nameText(argument);
                if (name == null) {
                    findings.add(new Finding(CHECK, stack.templateFile(), location, unsupported(argument)));
                    return;
                }
                imported.add(name);
                Export export = exports.get(name);
                if (export == null) {
                    findings.add(new Finding(CHECK, stack.templateFile(), location,
                            "imports " + name + ", which no stack exports"));
                } else if (export.stack() == stack) {
                    findings.add(new Finding(CHECK, stack.templateFile(), location,
                            "imports " + name + ", which this stack exports itself (Outputs." + export.output()
                            + "); use a Ref or GetAtt instead"));
                } else if (export.stack().order() > stack.order()) {
                    findings.add(new Finding(CHECK, stack.templateFile(), location,
                            "imports " + name + " from " + export.stack().name() + " (" + export.stack().templateFile()
                            + "), which is deployed after " + stack.name() + "; deploy order: " + order));
                }
            });
            Set<String> exported = new TreeSet<>();
            exports.forEach((name, export) -> {
                if (export.stack() == stack) {
                    exported.add(name);
                }
            });
            compareDeclared(stack, "exports", exported, findings);
            compareDeclared(stack, "imports", imported, findings);
        }
        return findings;
    }

    /**
     * stacks.json may list each stack's exports and imports for the pipeline and the README;
     * when it does, the lists must be what the template really exports and imports.
     */
    private static void compareDeclared(Stack stack, String field, Set<String> actual, List<Finding> findings) {
        JsonNode declared = stack.entry().path(field);
        if (declared.isMissingNode()) {
            return;
        }
        Set<String> listed = new TreeSet<>();
        declared.forEach(n -> listed.add(n.asText()));
        if (!declared.isArray() || !listed.equals(actual)) {
            findings.add(new Finding(CHECK, "stacks.json", "stacks[" + stack.index() + "]." + field, "lists "
                    + listed + " for " + stack.name() + ", but " + stack.templateFile() + " " + field + " " + actual));
        }
    }

    private interface ImportVisitor {
        void visit(String location, JsonNode argument);
    }

    private static void forEachImport(JsonNode node, String path, ImportVisitor visitor) {
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                forEachImport(node.get(i), path + "[" + i + "]", visitor);
            }
        } else if (node.isObject()) {
            if (node.size() == 1 && node.has("Fn::ImportValue")) {
                visitor.visit(path + ".Fn::ImportValue", node.get("Fn::ImportValue"));
                return;
            }
            node.properties().forEach(e ->
                    forEachImport(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), visitor));
        }
    }

    /** The text an export or import name is compared by: a literal, or an Fn::Sub string without a variable map. */
    private static String nameText(JsonNode name) {
        if (name.isTextual()) {
            return name.asText();
        }
        if (name.isObject() && name.size() == 1 && name.has("Fn::Sub")) {
            JsonNode sub = name.get("Fn::Sub");
            if (sub.isTextual()) {
                return sub.asText();
            }
            if (sub.isArray() && sub.size() == 2 && sub.get(0).isTextual() && sub.get(1).isObject() && sub.get(1).isEmpty()) {
                return sub.get(0).asText();
            }
        }
        return null;
    }

    private static String unsupported(JsonNode name) {
        return "export and import names must be a string or an Fn::Sub string (without a variable map) so they can be "
                + "compared across stacks; got " + name;
    }
}
