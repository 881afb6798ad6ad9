package dev.hellostack.cfn.generate;

import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.model.TemplateException;
import dev.hellostack.cfn.model.TemplateWriter;
import dev.hellostack.cfn.stacks.Environment;
import dev.hellostack.cfn.stacks.Stack;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders every file in {@code templates/}: {@code <env>/<stack>.yaml} for each environment,
 * {@code <stack>.yaml} for the application-level stacks, stacks.json and ARCHITECTURE.md.
 */
public final class Generator {

    private Generator() {
    }

    /** File name (relative to the templates directory) to content, in a stable order. */
    public static Map<String, String> render(List<Stack> stacks, List<Environment> environments) {
        if (environments.isEmpty()) {
            throw new TemplateException("no environments");
        }
        for (Environment env : environments) {
            List<String> problems = env.problems();
            if (!problems.isEmpty()) {
                throw new TemplateException(String.join("; ", problems));
            }
            if (!env.app().equals(environments.get(0).app())) {
                throw new TemplateException("environment '" + env.name() + "': every environment must have the app '"
                        + environments.get(0).app() + "'");
            }
        }
        if (environments.stream().filter(e -> e.pipeline().pushesImages()).count() != 1) {
            throw new TemplateException("exactly one environment pushes the images (Pipeline.pushesImages); the others "
                    + "are promotions of them");
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (Stack s : stacks) {
            if (!s.perEnvironment()) {
                files.put(path(s, environments.get(0)), TemplateWriter.toYaml(s.template(environments.get(0))));
            }
        }
        for (Environment env : environments) {
            checkCrossStack(stacks, env);
            for (Stack s : stacks) {
                if (s.perEnvironment()) {
                    files.put(path(s, env), TemplateWriter.toYaml(s.template(env)));
                }
            }
        }
        files.put("stacks.json", StacksJson.render(stacks, environments));
        files.put("ARCHITECTURE.md", ArchitectureDoc.render(stacks, environments));
        return files;
    }

    /** The template's path relative to templates/: {@code <env>/<stack>.yaml}, or {@code <stack>.yaml} for an app-level stack. */
    public static String path(Stack s, Environment env) {
        return s.perEnvironment() ? env.name() + "/" + s.name() + ".yaml" : s.name() + ".yaml";
    }

    /**
     * In one environment, every Fn::ImportValue must name an export of a stack earlier in the deploy order,
     * and no export name may appear twice.
     */
    static void checkCrossStack(List<Stack> stacks, Environment env) {
        Map<String, String> exporter = new HashMap<>();
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < stacks.size(); i++) {
            Template t = stacks.get(i).template(env);
            for (String name : t.exportNames()) {
                String previous = exporter.putIfAbsent(name, stacks.get(i).name());
                if (previous != null) {
                    throw new TemplateException("environment '" + env.name() + "', stack '" + stacks.get(i).name()
                            + "': export " + name + " is already exported by stack '" + previous + "'");
                }
                position.put(name, i);
            }
        }
        for (int i = 0; i < stacks.size(); i++) {
            Stack s = stacks.get(i);
            for (String name : s.template(env).importNames()) {
                Integer from = position.get(name);
                if (from == null) {
                    throw new TemplateException("environment '" + env.name() + "', stack '" + s.name() + "': imports "
                            + name + ", which no stack exports");
                }
                if (from >= i) {
                    throw new TemplateException("environment '" + env.name() + "', stack '" + s.name() + "': imports "
                            + name + " from stack '" + exporter.get(name) + "', which is not deployed before it");
                }
            }
        }
    }
}
