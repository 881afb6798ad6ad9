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
 */
public record ChangeSet(
        String stack,
        String stackName,
        boolean newStack,
        String status,
        String statusReason,
        List<ResourceChange> changes) {

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

    /** True when the change set is empty: nothing would change in the stack. */
    public boolean noChanges() {
        if ("FAILED".equals(status)) {
            String reason = statusReason.toLowerCase(Locale.ROOT);
            return NO_CHANGES_REASONS.stream().anyMatch(reason::contains);
        }
        return "CREATE_COMPLETE".equals(status) && changes.isEmpty();
    }

    /** True when the change set could not be created for a reason other than "no changes". */
    public boolean failed() {
        return !"CREATE_COMPLETE".equals(status) && !noChanges();
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
        return new ChangeSet(stack, stackName, newStack, status, reason, List.copyOf(changes));
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
