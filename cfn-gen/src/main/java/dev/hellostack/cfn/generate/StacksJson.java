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
import dev.hellostack.cfn.stacks.ServiceLinkedRoles;
import dev.hellostack.cfn.stacks.Stack;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code templates/stacks.json}: for each environment, its stacks in deploy order with their stack names,
 * templates, capabilities, deploy-time parameters (those without a default are required), exports and
 * imports, for the pipeline's scripts and the bootstrap. Shape:
 * {@code {"app", "serviceLinkedRoles": [...], "environments": [{"name", "summary", "terminationProtection",
 * "pushesImages", "stacks": [{"name", "stackName", "template", "deployedBy", "perEnvironment", "capabilities",
 * "parameters": [{"name", "type", "default"?, "required", "description"}], "exports", "imports"}]}]}}.
 */
public final class StacksJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StacksJson() {
    }

    public static String render(List<Stack> stacks, List<Environment> environments) {
        List<Object> envs = new ArrayList<>();
        for (Environment env : environments) {
            List<Object> out = new ArrayList<>();
            for (Stack s : stacks) {
                Template t = s.template(env);
                List<Object> params = new ArrayList<>();
                for (Parameter p : t.parameters()) {
                    Map<String, Object> entry = Obj.of("name", p.id(), "type", p.type());
                    if (p.defaultAsString() != null) {
                        entry.put("default", p.defaultAsString());
                    }
                    entry.put("required", p.defaultAsString() == null);
                    entry.put("description", p.description());
                    params.add(entry);
                }
                out.add(Obj.of(
                        "name", s.name(),
                        "stackName", s.stackName(env),
                        "template", "templates/" + Generator.path(s, env),
                        "deployedBy", s.deployedBy().name(),
                        "perEnvironment", s.perEnvironment(),
                        "capabilities", t.capabilities(),
                        "parameters", params,
                        "exports", t.exportNames(),
                        "imports", t.importNames()));
            }
            envs.add(Obj.of(
                    "name", env.name(),
                    "summary", env.summary(),
                    "terminationProtection", env.pipeline().terminationProtection(),
                    "pushesImages", env.pipeline().pushesImages(),
                    "stacks", out));
        }
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator(""))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return JSON.writer(printer).writeValueAsString(Obj.of(
                    "app", environments.get(0).app(),
                    "serviceLinkedRoles", ServiceLinkedRoles.SERVICES,
                    "environments", envs)) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write stacks.json", e);
        }
    }
}
