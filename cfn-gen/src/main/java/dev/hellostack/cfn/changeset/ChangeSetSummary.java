package dev.hellostack.cfn.changeset;

import dev.hellostack.cfn.changeset.ChangeSet.ResourceChange;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code cfn-gen changeset-summary}: renders the change sets a merge-request pipeline created (one
 * {@code aws cloudformation describe-change-set} JSON file per stack, in deploy order) as the
 * Markdown of one merge-request note.
 *
 * <pre>
 * changeset-summary [--context TEXT] [--exports FILE] (--stack NAME=FILE | --new-stack NAME=FILE)...
 * </pre>
 *
 * <p>{@code --new-stack} marks a stack that does not exist yet (its change set was created with
 * {@code --change-set-type CREATE}). {@code --exports} is a JSON object of every stack's export names
 * (resolved, as CloudFormation reports them), by stack name; see {@link #waitsFor}. The note starts with {@link #MARKER}, so the pipeline finds and
 * updates the same note on later pushes. Exit status: 0 when every change set was created (or was
 * empty, or waits for an export of a new stack earlier in the order), 1 when at least one could
 * not be created (the note is still printed and says why), 2 for bad arguments or unreadable files.
 */
public final class ChangeSetSummary {

    /** Hidden first line of the note; {@code scripts/ci/mr-note.sh} looks for it. */
    public static final String MARKER = "<!-- hello-stack:changeset-preview -->";

    static final String USAGE =
            "usage: changeset-summary [--context TEXT] [--exports FILE] (--stack NAME=FILE | --new-stack NAME=FILE)...\n"
                    + "  --stack NAME=FILE      describe-change-set JSON of an existing stack (deploy order)\n"
                    + "  --new-stack NAME=FILE  the same for a stack the change set would create\n"
                    + "  --context TEXT         a line shown under the title (commit, pipeline link)\n"
                    + "  --exports FILE         JSON {\"stack\": [\"export name\", ...]} of every stack, also those\n"
                    + "                         not previewed; without it a missing export is always a failure";

    private static final Pattern NO_EXPORT = Pattern.compile("No export named (\\S+?) found");

    private static final Pattern STACK_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9-]*");

    private ChangeSetSummary() {}

    /** Runs the subcommand; returns the process exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        List<ChangeSet> changeSets = new ArrayList<>();
        String context = "";
        Exports exports = Exports.NONE;
        try {
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--stack", "--new-stack" -> {
                        String value = valueOf(args, i++, arg);
                        int eq = value.indexOf('=');
                        if (eq <= 0 || eq == value.length() - 1) {
                            throw new IllegalArgumentException(arg + " expects NAME=FILE, got '" + value + "'");
                        }
                        String name = value.substring(0, eq);
                        if (!STACK_NAME.matcher(name).matches()) {
                            throw new IllegalArgumentException(
                                    arg + ": stack name '" + name + "' must be letters, digits and '-'");
                        }
                        if (changeSets.stream().anyMatch(c -> c.stack().equals(name))) {
                            throw new IllegalArgumentException(arg + ": stack '" + name + "' given twice");
                        }
                        changeSets.add(
                                ChangeSet.read(name, Path.of(value.substring(eq + 1)), arg.equals("--new-stack")));
                    }
                    case "--context" -> context = valueOf(args, i++, arg);
                    case "--exports" -> exports = Exports.read(Path.of(valueOf(args, i++, arg)));
                    case "-h", "--help" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown argument '" + arg + "'; allowed: --stack, --new-stack, --context, --exports, --help");
                }
            }
            if (changeSets.isEmpty()) {
                throw new IllegalArgumentException("no change sets given: pass at least one --stack or --new-stack");
            }
        } catch (IllegalArgumentException e) {
            err.println("changeset-summary: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        out.print(render(changeSets, context, exports));
        List<String> failed = new ArrayList<>();
        for (int i = 0; i < changeSets.size(); i++) {
            ChangeSet cs = changeSets.get(i);
            if (cs.failed() && waitsFor(changeSets.subList(0, i), cs, exports).isEmpty()) {
                failed.add(cs.stack());
                String missing = missingExport(cs);
                if (missing != null) {
                    err.println("changeset-summary: stack " + cs.stack() + " imports " + missing + ": "
                            + exports.whoShouldExport(missing, changeSets.subList(0, i)));
                }
            }
        }
        if (!failed.isEmpty()) {
            err.println("changeset-summary: change set(s) could not be created for: " + String.join(", ", failed));
            return 1;
        }
        return 0;
    }

    private static String valueOf(List<String> args, int i, String option) {
        if (i + 1 >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args.get(i + 1);
    }

    /** The Markdown note for the given change sets, in the order given, without export names. */
    public static String render(List<ChangeSet> changeSets, String context) {
        return render(changeSets, context, Exports.NONE);
    }

    /** The Markdown note for the given change sets, in the order given. */
    public static String render(List<ChangeSet> changeSets, String context, Exports exports) {
        StringBuilder md = new StringBuilder();
        md.append(MARKER).append('\n');
        md.append("### CloudFormation preview\n\n");
        if (!context.isBlank()) {
            md.append(escapeText(context.strip())).append("\n\n");
        }

        List<String> replaced = new ArrayList<>();
        List<String> mayBeReplaced = new ArrayList<>();
        List<String> releases = new ArrayList<>();
        for (ChangeSet cs : changeSets) {
            for (ResourceChange rc : cs.changes()) {
                String id = "`" + cs.stack() + "/" + rc.logicalId() + "`";
                if (isRelease(cs, rc)) {
                    releases.add(id);
                } else if (rc.replaces()) {
                    replaced.add(id);
                } else if (rc.mayReplace()) {
                    mayBeReplaced.add(id);
                }
            }
        }
        if (!releases.isEmpty()) {
            md.append("**BLUE/GREEN RELEASE:** a new task definition (")
                    .append(String.join(", ", releases))
                    .append("). ECS starts the new revision next to the running one, checks it with test traffic "
                            + "(GET /hello, GET /health) before production moves, keeps both for the bake time and "
                            + "rolls back on a failed check or a release alarm (a rolling update if the service's "
                            + "DeploymentStrategy is ROLLING). The deploy job waits for the outcome.\n\n");
        }
        if (!replaced.isEmpty()) {
            md.append("**REPLACEMENT: ")
                    .append(count(replaced.size(), "resource"))
                    .append(" would be deleted and created again:** ")
                    .append(String.join(", ", replaced))
                    .append("\n\n");
        }
        if (!mayBeReplaced.isEmpty()) {
            md.append("**POSSIBLE REPLACEMENT: ")
                    .append(count(mayBeReplaced.size(), "resource"))
                    .append(" may be replaced, depending on values known only during the deploy:** ")
                    .append(String.join(", ", mayBeReplaced))
                    .append("\n\n");
        }
        if (changeSets.stream().allMatch(ChangeSet::noChanges)) {
            md.append("No changes: deploying this merge request leaves every stack as it is.\n\n");
        }

        md.append("| Stack | CloudFormation stack | Result |\n");
        md.append("|---|---|---|\n");
        for (int i = 0; i < changeSets.size(); i++) {
            ChangeSet cs = changeSets.get(i);
            md.append("| `")
                    .append(cs.stack())
                    .append("` | `")
                    .append(escapeCell(cs.stackName()))
                    .append("` | ")
                    .append(result(cs, changeSets.subList(0, i), exports))
                    .append(" |\n");
        }

        for (ChangeSet cs : changeSets) {
            if (cs.changes().isEmpty()) {
                continue;
            }
            md.append("\n#### `").append(cs.stack()).append("`");
            if (cs.newStack()) {
                md.append(" (new stack)");
            }
            md.append("\n\n");
            md.append("| Action | Logical ID | Resource type | Replacement | Changed |\n");
            md.append("|---|---|---|---|---|\n");
            for (ResourceChange rc : cs.changes()) {
                md.append("| ")
                        .append(escapeCell(rc.action()))
                        .append(isRelease(cs, rc) ? " (blue/green release)" : "")
                        .append(" | `")
                        .append(escapeCell(rc.logicalId()))
                        .append("` | `")
                        .append(escapeCell(rc.resourceType()))
                        .append("` | ")
                        .append(replacementCell(rc))
                        .append(" | ")
                        .append(
                                rc.changedProperties().stream()
                                        .map(p -> "`" + escapeCell(p) + "`")
                                        .collect(Collectors.joining(", ")))
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    /**
     * A changed task definition of an existing stack: the service releases it (blue/green by default). A task
     * definition is immutable, so CloudFormation shows a new revision as a replacement; that is the release,
     * not an outage. In a new stack it is the first deployment, which has nothing to release against.
     */
    static boolean isRelease(ChangeSet cs, ResourceChange rc) {
        return !cs.newStack() && rc.resourceType().equals("AWS::ECS::TaskDefinition")
                && (rc.action().equals("Modify") || rc.action().equals("Add"));
    }

    /**
     * A change set that fails with "No export named X found" waits for stack S when S is earlier in the same
     * preview, its new template exports X (templates/stacks.json of the merge request) and its own change set
     * did not fail: a new stack (the first preview of an environment), or an existing one whose change set adds
     * the export. The deploy runs S first, so the import resolves then. Returns those stacks; an empty list means
     * a real failure, for example an export that a stack outside the preview should provide, or a misnamed one.
     */
    static List<String> waitsFor(List<ChangeSet> earlier, ChangeSet cs, Exports exports) {
        String missing = missingExport(cs);
        if (missing == null) {
            return List.of();
        }
        List<String> providers = exports.providers(missing);
        return earlier.stream()
                .filter(c -> !c.failed() && providers.contains(c.stack()))
                .map(ChangeSet::stack)
                .toList();
    }

    /** The export a failed change set could not import, or null when it failed for another reason. */
    static String missingExport(ChangeSet cs) {
        if (!cs.failed()) {
            return null;
        }
        Matcher m = NO_EXPORT.matcher(cs.statusReason());
        return m.find() ? m.group(1) : null;
    }

    private static String result(ChangeSet cs, List<ChangeSet> earlier, Exports exports) {
        if (cs.noChanges()) {
            return "no changes";
        }
        List<String> waitsFor = waitsFor(earlier, cs, exports);
        if (!waitsFor.isEmpty()) {
            return "cannot be previewed until "
                    + waitsFor.stream().map(s -> "`" + s + "`").collect(Collectors.joining(", "))
                    + " (earlier in this preview) is deployed and exports what it imports; the deploy runs it first: "
                    + escapeCell(cs.statusReason());
        }
        String missing = missingExport(cs);
        if (missing != null) {
            return "**CHANGE SET " + escapeCell(cs.status()) + "**: " + escapeCell(cs.statusReason()) + ": "
                    + escapeCell(exports.whoShouldExport(missing, earlier));
        }
        if (cs.failed()) {
            String reason = cs.statusReason().isBlank() ? "no reason given" : cs.statusReason();
            return "**CHANGE SET " + escapeCell(cs.status()) + "**: " + escapeCell(reason);
        }
        String outputs = cs.outputChanges().isEmpty() ? ""
                : (cs.changes().isEmpty() ? "" : "; ") + "outputs: "
                        + cs.outputChanges().stream().map(o -> "`" + escapeCell(o) + "`").collect(Collectors.joining(", "));
        if (cs.changes().isEmpty()) {
            return outputs + " (no resource changes; the change set is executable and the deploy runs it)";
        }
        Map<String, Integer> byAction = new LinkedHashMap<>();
        for (ResourceChange rc : cs.changes()) {
            byAction.merge(rc.action(), 1, Integer::sum);
        }
        String counts =
                byAction.entrySet().stream()
                        .map(e -> e.getValue() + " " + escapeCell(e.getKey()))
                        .collect(Collectors.joining(", "));
        long replacements = cs.changes().stream().filter(ResourceChange::replaces).count();
        long conditional = cs.changes().stream().filter(ResourceChange::mayReplace).count();
        StringBuilder text = new StringBuilder(cs.recreate()
                ? "**ROLLBACK_COMPLETE** after a failed first create: the deploy deletes it and creates it again: "
                : cs.newStack() ? "new stack: " : "").append(counts);
        if (replacements > 0) {
            text.append(", **").append(replacements).append(" REPLACE**");
        }
        if (conditional > 0) {
            text.append(", **").append(conditional).append(" MAY REPLACE**");
        }
        return text.append(outputs).toString();
    }

    private static String replacementCell(ResourceChange rc) {
        return switch (rc.replacement()) {
            case "True" -> "**REPLACE**";
            case "Conditional" -> "**MAY REPLACE**";
            case "False" -> "no";
            case "" -> "";
            default -> escapeCell(rc.replacement());
        };
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** Text from AWS or the pipeline must not inject HTML (the marker is ours alone). */
    static String escapeText(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** A table cell: one line, no column separators. */
    static String escapeCell(String text) {
        return escapeText(text).replaceAll("\\s*[\\r\\n]+\\s*", " ").replace("|", "\\|");
    }
}
