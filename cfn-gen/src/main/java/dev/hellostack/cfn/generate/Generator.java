package dev.hellostack.cfn.generate;

import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.model.TemplateException;
import dev.hellostack.cfn.model.TemplateWriter;
import dev.hellostack.cfn.stacks.Stack;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders every file in {@code templates/} from the stacks: one YAML per stack, stacks.json, ARCHITECTURE.md. */
public final class Generator {

    private Generator() {
    }

    /** File name (relative to the templates directory) to content, in a stable order. */
    public static Map<String, String> render(List<Stack> stacks) {
        checkCrossStack(stacks);
        Map<String, String> files = new LinkedHashMap<>();
        for (Stack s : stacks) {
            files.put(s.name() + ".yaml", TemplateWriter.toYaml(s.template()));
        }
        files.put("stacks.json", StacksJson.render(stacks));
        files.put("ARCHITECTURE.md", ArchitectureDoc.render(stacks));
        return files;
    }

    /**
     * Every Fn::ImportValue must name an export of a stack earlier in the deploy order; a stack may
     * not export a name another stack already exports.
     */
    static void checkCrossStack(List<Stack> stacks) {
        Map<String, String> exporter = new HashMap<>();
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < stacks.size(); i++) {
            Template t = stacks.get(i).template();
            for (String name : t.exportNames()) {
                String previous = exporter.putIfAbsent(name, stacks.get(i).name());
                if (previous != null) {
                    throw new TemplateException("stack '" + stacks.get(i).name() + "': export " + name
                            + " is already exported by stack '" + previous + "'");
                }
                position.put(name, i);
            }
        }
        for (int i = 0; i < stacks.size(); i++) {
            Stack s = stacks.get(i);
            for (String name : s.template().importNames()) {
                Integer from = position.get(name);
                if (from == null) {
                    throw new TemplateException("stack '" + s.name() + "': imports " + name
                            + ", which no stack exports");
                }
                if (from >= i) {
                    throw new TemplateException("stack '" + s.name() + "': imports " + name + " from stack '"
                            + exporter.get(name) + "', which is not deployed before it");
                }
            }
        }
    }
}
