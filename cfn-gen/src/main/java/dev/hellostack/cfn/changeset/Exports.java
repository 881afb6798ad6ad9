package dev.hellostack.cfn.changeset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The export names of every stack, resolved as CloudFormation reports them ({@code hello-prod-VpcId}),
 * by stack name: which stack should provide an export that a change set could not import.
 */
public record Exports(Map<String, List<String>> byStack) {

    /** No stack is known to export anything: every missing export is a failure. */
    public static final Exports NONE = new Exports(Map.of());

    /** Reads {@code {"stack": ["export", ...], ...}}; throws IllegalArgumentException naming the file. */
    public static Exports read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read exports " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object of stack name to export names");
        }
        Map<String, List<String>> byStack = new LinkedHashMap<>();
        for (var e : root.properties()) {
            if (!e.getValue().isArray()) {
                throw new IllegalArgumentException(file + ": exports of stack " + e.getKey() + " must be a list");
            }
            List<String> names = new ArrayList<>();
            e.getValue().forEach(n -> names.add(n.asText()));
            byStack.put(e.getKey(), List.copyOf(names));
        }
        return new Exports(byStack);
    }

    /** The stacks that export this name. */
    public List<String> providers(String export) {
        return byStack.entrySet().stream().filter(e -> e.getValue().contains(export)).map(Map.Entry::getKey).toList();
    }

    /** Why an import of {@code export} failed, for a change set after {@code earlier} in the preview. */
    String whoShouldExport(String export, List<ChangeSet> earlier) {
        List<String> providers = providers(export);
        if (providers.isEmpty()) {
            return "no stack of templates/stacks.json exports " + export + " (a misnamed import?)";
        }
        String stack = providers.get(0);
        boolean previewedBefore = earlier.stream().anyMatch(c -> c.stack().equals(stack));
        if (previewedBefore) {
            return "stack " + stack + " exports it in this template, but its own change set failed (above)";
        }
        return "stack " + stack + " should export it: is " + stack + " deployed (an administrator deploys it; "
                + "docs/deploying.md)?";
    }
}
