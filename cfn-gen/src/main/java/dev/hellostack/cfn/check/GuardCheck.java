package dev.hellostack.cfn.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs cfn-guard with every AWS Control Tower proactive-control rule and our own rules
 * ({@code cfn-gen/guard/rules/*.guard}) over templates, and turns its report into one
 * {@link Failure} per control, template and resource.
 */
public final class GuardCheck {

    /** One control that fails for one resource of one template. */
    public record Failure(String control, String template, String resource, String title, String fix) {

        /** As a finding, for the build's report. */
        public Finding toFinding() {
            return new Finding("guard", template, resource.equals(TEMPLATE_LEVEL) ? resource : "Resources." + resource,
                    control + " " + title + (fix.isEmpty() ? "" : " [FIX: " + fix + "]"));
        }
    }

    /** The resource name used when a failure points at no resource. */
    public static final String TEMPLATE_LEVEL = "(template)";

    private static final Pattern CONTROL = Pattern.compile("\\[([A-Z][A-Z0-9]*(?:\\.[A-Z0-9]+)+)]:\\s*([^\\n]*)");
    private static final Pattern FIX = Pattern.compile("\\[FIX]:\\s*([^\\n]*)");
    private static final Pattern RESOURCE_PATH = Pattern.compile("^/Resources/([^/]+)(/.*)?$");

    private final GuardTool tool;

    public GuardCheck(GuardTool tool) {
        this.tool = tool;
    }

    /** Evaluates every Control Tower rule and our own rules over the templates. */
    public List<Failure> evaluate(List<Path> templates) {
        return evaluate(List.of(tool.controlTowerRules(), tool.ownRules()), templates);
    }

    /** Evaluates the given rule files or folders over the templates. */
    public List<Failure> evaluate(List<Path> rules, List<Path> templates) {
        JsonNode report = tool.validate(rules, templates);
        Map<String, Failure> failures = new LinkedHashMap<>();
        for (JsonNode file : report) {
            String template = Path.of(file.path("name").asText()).getFileName().toString();
            for (JsonNode notCompliant : file.path("not_compliant")) {
                JsonNode rule = notCompliant.path("Rule");
                String ruleName = rule.path("name").asText("unnamed rule");
                List<Failure> found = new ArrayList<>();
                collect(rule, new Control(ruleName, "failed", ""), template, found);
                if (found.isEmpty()) {
                    Control control = firstControl(rule, new Control(ruleName, "failed", ""));
                    found.add(new Failure(control.id(), template, TEMPLATE_LEVEL, control.title(), control.fix()));
                }
                for (Failure f : found) {
                    failures.putIfAbsent(f.control() + "|" + f.template() + "|" + f.resource(), f);
                }
            }
        }
        List<Failure> result = new ArrayList<>(failures.values());
        result.sort(Comparator.comparing(Failure::template).thenComparing(Failure::resource)
                .thenComparing(Failure::control));
        return result;
    }

    private record Control(String id, String title, String fix) {
    }

    /** Walks a rule's report: custom messages name the control, paths under /Resources name the resource. */
    private static void collect(JsonNode node, Control control, String template, List<Failure> out) {
        if (node.isArray()) {
            node.forEach(n -> collect(n, control, template, out));
            return;
        }
        if (!node.isObject()) {
            return;
        }
        Control here = controlOf(node).orElse(control);
        Iterator<Map.Entry<String, JsonNode>> fields = node.properties().iterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (field.getKey().equals("path") && field.getValue().isTextual()) {
                Matcher m = RESOURCE_PATH.matcher(field.getValue().asText());
                if (m.matches()) {
                    out.add(new Failure(here.id(), template, m.group(1), here.title(), here.fix()));
                }
            } else {
                collect(field.getValue(), here, template, out);
            }
        }
    }

    private static Control firstControl(JsonNode node, Control fallback) {
        if (node.isContainerNode()) {
            Optional<Control> here = node.isObject() ? controlOf(node) : Optional.empty();
            if (here.isPresent()) {
                return here.get();
            }
            for (JsonNode child : node) {
                Control found = firstControl(child, null);
                if (found != null) {
                    return found;
                }
            }
        }
        return fallback;
    }

    private static Optional<Control> controlOf(JsonNode node) {
        JsonNode message = node.path("messages").path("custom_message");
        if (!message.isTextual()) {
            return Optional.empty();
        }
        Matcher m = CONTROL.matcher(message.asText());
        if (!m.find()) {
            return Optional.empty();
        }
        Matcher fix = FIX.matcher(message.asText());
        return Optional.of(new Control(m.group(1), m.group(2).trim(), fix.find() ? fix.group(1).trim() : ""));
    }
}
