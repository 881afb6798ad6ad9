package dev.hellostack.cfn.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.stacks.Environment;
import dev.hellostack.cfn.stacks.Environments;
import dev.hellostack.cfn.stacks.Stack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code templates/stacks.json}: the deploy order and each stack's parameters, capabilities, exports
 * and imports, for the pipeline and the README. Shape:
 * {@code {"stacks":[{"name","template","stackName","deployedBy","capabilities","parameters","exports","imports"}],
 * "environments":[{"name","summary","terminationProtection","parameters":{stack:{Name:value}},"required":{stack:[Name]}}]}}:
 * the named environments (see {@link Environments}), which the pipeline's DEPLOY_ENV selects.
 */
public final class StacksJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StacksJson() {
    }

    public static String render(List<Stack> stacks) {
        List<Object> out = new ArrayList<>();
        for (Stack s : stacks) {
            Template t = s.template();
            List<Object> params = new ArrayList<>();
            for (Parameter p : t.parameters()) {
                Map<String, Object> entry = Obj.of("name", p.id(), "type", p.type());
                if (p.defaultAsString() != null) {
                    entry.put("default", p.defaultAsString());
                }
                entry.put("description", p.description());
                params.add(entry);
            }
            out.add(Obj.of(
                    "name", s.name(),
                    "template", "templates/" + s.name() + ".yaml",
                    "stackName", s.stackName(),
                    "deployedBy", s.deployedBy().name(),
                    "capabilities", t.capabilities(),
                    "parameters", params,
                    "exports", t.exportNames(),
                    "imports", t.importNames()));
        }
        List<Object> environments = new ArrayList<>();
        for (Environment env : Environments.all()) {
            Map<String, Object> values = new TreeMap<>();
            Map<String, Object> required = new TreeMap<>();
            for (Stack s : stacks) {
                Map<String, String> v = new TreeMap<>(env.values().getOrDefault(s.name(), Map.of()));
                if (!v.isEmpty()) {
                    values.put(s.name(), v);
                }
                if (!env.requiredParameters(s.name()).isEmpty()) {
                    required.put(s.name(), env.requiredParameters(s.name()));
                }
            }
            environments.add(Obj.of(
                    "name", env.name(),
                    "summary", env.summary(),
                    "terminationProtection", env.terminationProtection(),
                    "parameters", values,
                    "required", required));
        }
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(Obj.of("stacks", out, "environments", environments)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write stacks.json", e);
        }
    }
}
