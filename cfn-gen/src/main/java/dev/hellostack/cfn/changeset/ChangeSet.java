package dev.hellostack.cfn.changeset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The parts of one {@code aws cloudformation describe-change-set} answer that the merge-request
 * preview shows.
 *
 * @param stack the stack's short name in the deploy order (for example {@code network})
 * @param stackName the CloudFormation stack name ({@code StackName})
 * @param newStack whether the change set creates the stack ({@code --change-set-type CREATE})
 * @param status the change set's {@code Status}, for example {@code CREATE_COMPLETE} or {@code FAILED}
 * @param statusReason the change set's {@code StatusReason}, empty when AWS gives none
 * @param changes the resource changes in the order AWS lists them
 * @param outputChanges what the change set would do to the stack's outputs and exports, which
 *                      describe-change-set does not list ("+ Name", "- Name", "+ export X", "- export X"),
 *                      from the new template and the deployed outputs the preview adds to the file
 *                      (keys TemplateFile and DeployedOutputs)
 * @param recreate whether the stack is ROLLBACK_COMPLETE after a failed first create: no change set can be
 *                 made for it (CloudFormation can only delete it), the deploy deletes it and creates it
 *                 again, so the template's resources are shown as added
 */
public record ChangeSet(
        String stack,
        String stackName,
        boolean newStack,
        String status,
        String statusReason,
        List<ResourceChange> changes,
        List<String> outputChanges,
        boolean recreate) {

    /** What the preview writes for a ROLLBACK_COMPLETE stack instead of a change set (with TemplateFile). */
    public static final String RECREATE = "RECREATE";

    public ChangeSet(String stack, String stackName, boolean newStack, String status, String statusReason,
                     List<ResourceChange> changes) {
        this(stack, stackName, newStack, status, statusReason, changes, List.of(), false);
    }

    /** What CloudFormation would do to one resource. */
    public record ResourceChange(
            String action,
            String logicalId,
            String resourceType,
            String replacement,
            List<String> changedProperties) {

        /** True when CloudFormation says it will replace the resource. */
        public boolean replaces() {
            return "True".equals(replacement);
        }

        /** True when the replacement depends on a value CloudFormation only knows while executing. */
        public boolean mayReplace() {
            return "Conditional".equals(replacement);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * CloudFormation refuses to create a change set without changes and marks it FAILED with one of
     * these reasons (the wording differs between a stack update and a nested-stack update).
     */
    private static final List<String> NO_CHANGES_REASONS =
            List.of("didn't contain changes", "no updates are to be performed");

    /** True when nothing would change in the stack: no resource, no output, no export. */
    public boolean noChanges() {
        if (!outputChanges.isEmpty() || recreate) {
            return false;
        }
        if ("FAILED".equals(status)) {
            String reason = statusReason.toLowerCase(Locale.ROOT);
            return NO_CHANGES_REASONS.stream().anyMatch(reason::contains);
        }
        return "CREATE_COMPLETE".equals(status) && changes.isEmpty();
    }

    /** True when the change set could not be created for a reason other than "no changes". */
    public boolean failed() {
        return !recreate && !"CREATE_COMPLETE".equals(status) && !noChanges();
    }

    /**
     * Reads a file written by {@code aws cloudformation describe-change-set --output json}.
     *
     * @throws IllegalArgumentException naming the file and the key when the file is not such an answer
     */
    public static ChangeSet read(String stack, Path file, boolean newStack) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("change set file for stack '" + stack + "' not found: " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "change set file for stack '" + stack + "' is not valid JSON: " + file + ": "
                            + e.getMessage().lines().findFirst().orElse(""));
        }
        return parse(stack, root, newStack, file.toString());
    }

    static ChangeSet parse(String stack, JsonNode root, boolean newStack, String source) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(
                    source + ": expected the JSON object printed by 'aws cloudformation describe-change-set'");
        }
        String status = requiredText(root, "Status", source);
        String stackName = root.path("StackName").asText(stack);
        String reason = root.path("StatusReason").asText("");
        List<ResourceChange> changes = new ArrayList<>();
        JsonNode list = root.path("Changes");
        if (!list.isMissingNode() && !list.isNull() && !list.isArray()) {
            throw new IllegalArgumentException(source + ": key 'Changes' must be a list");
        }
        int index = 0;
        for (JsonNode change : list) {
            String where = source + ": Changes[" + index++ + "]";
            if (!"Resource".equals(change.path("Type").asText("Resource"))) {
                continue; // hook invocations and future change types carry no resource to show
            }
            JsonNode rc = change.path("ResourceChange");
            if (!rc.isObject()) {
                throw new IllegalArgumentException(where + ": missing key 'ResourceChange'");
            }
            changes.add(
                    new ResourceChange(
                            requiredText(rc, "Action", where + ".ResourceChange"),
                            requiredText(rc, "LogicalResourceId", where + ".ResourceChange"),
                            requiredText(rc, "ResourceType", where + ".ResourceChange"),
                            rc.path("Replacement").asText(""),
                            changedProperties(rc)));
        }
        boolean recreate = RECREATE.equals(status);
        JsonNode template = root.has("TemplateFile") ? readTemplate(root.path("TemplateFile").asText(), source) : null;
        if (recreate) {
            if (template == null) {
                throw new IllegalArgumentException(source + ": status " + RECREATE + " needs the key 'TemplateFile'");
            }
            template.path("Resources").properties().forEach(r -> changes.add(new ResourceChange("Add", r.getKey(),
                    r.getValue().path("Type").asText(), "", List.of())));
        }
        List<String> outputs = template != null && root.has("DeployedOutputs") && !recreate
                ? outputChanges(template, root.path("DeployedOutputs")) : List.of();
        return new ChangeSet(stack, stackName, newStack || recreate, status, reason, List.copyOf(changes), outputs, recreate);
    }

    private static JsonNode readTemplate(String path, String source) {
        try {
            return new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(Path.of(path).toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": cannot read TemplateFile " + path + ": " + e.getMessage());
        }
    }

    /**
     * The outputs and exports the template adds or removes against the deployed stack's Outputs (OutputKey,
     * ExportName). An export name in the template is compared as written: cfn-gen writes literal names.
     */
    static List<String> outputChanges(JsonNode template, JsonNode deployed) {
        Set<String> before = new LinkedHashSet<>();
        Set<String> exportsBefore = new LinkedHashSet<>();
        for (JsonNode o : deployed) {
            before.add(o.path("OutputKey").asText());
            if (o.hasNonNull("ExportName")) {
                exportsBefore.add(o.path("ExportName").asText());
            }
        }
        Set<String> after = new LinkedHashSet<>();
        Set<String> exportsAfter = new LinkedHashSet<>();
        template.path("Outputs").properties().forEach(o -> {
            after.add(o.getKey());
            JsonNode name = o.getValue().path("Export").path("Name");
            if (name.isTextual()) {
                exportsAfter.add(name.asText());
            }
        });
        List<String> out = new ArrayList<>();
        after.stream().filter(k -> !before.contains(k)).forEach(k -> out.add("+ output " + k));
        before.stream().filter(k -> !after.contains(k)).forEach(k -> out.add("- output " + k));
        exportsAfter.stream().filter(k -> !exportsBefore.contains(k)).forEach(k -> out.add("+ export " + k));
        exportsBefore.stream().filter(k -> !exportsAfter.contains(k)).forEach(k -> out.add("- export " + k));
        return List.copyOf(out);
    }

    /** Names of the properties (or "Tags", "Metadata", ...) a Modify touches, each once, in order. */
    private static List<String> changedProperties(JsonNode resourceChange) {
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode detail : resourceChange.path("Details")) {
            JsonNode target = detail.path("Target");
            String attribute = target.path("Attribute").asText("");
            String name = target.path("Name").asText("");
            if ("Properties".equals(attribute) && !name.isEmpty()) {
                names.add(name);
            } else if (!attribute.isEmpty()) {
                names.add(attribute);
            }
        }
        return List.copyOf(names);
    }

    private static String requiredText(JsonNode node, String key, String where) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw new IllegalArgumentException(where + ": missing or empty key '" + key + "'");
        }
        return value.asText();
    }
}
