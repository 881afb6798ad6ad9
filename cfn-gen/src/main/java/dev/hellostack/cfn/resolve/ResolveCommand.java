package dev.hellostack.cfn.resolve;

import dev.hellostack.cfn.check.CheckException;
import dev.hellostack.cfn.check.ResourceSpec;
import dev.hellostack.cfn.check.TemplateChecks;
import dev.hellostack.cfn.model.TemplateWriter;
import dev.hellostack.cfn.stacks.Environment;
import dev.hellostack.cfn.stacks.Environments;
import dev.hellostack.cfn.stacks.Stack;
import dev.hellostack.cfn.stacks.Stacks;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * {@code resolve --env NAME --out DIR [--param STACK.Name=Value]...}: writes every stack's template as a
 * Control Tower hook sees it when the stack is deployed in environment NAME (see {@link Resolver}).
 */
public final class ResolveCommand {

    public static final String USAGE = """
            usage: java -jar cfn-gen.jar resolve --env NAME --out DIR [--param STACK.Name=Value]...
              --env NAME     an environment defined in cfn-gen (%s)
              --out DIR      where to write DIR/<stack>.yaml (created if missing)
              --param S.N=V  the value of parameter N of stack S, over the environment's; required for the
                             parameters an environment leaves to deploy time (prod: alb.CertificateArn)
            """.formatted(String.join(", ", Environments.all().stream().map(Environment::name).toList()));

    private ResolveCommand() {
    }

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        String env = null;
        Path dir = null;
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                out.print(USAGE);
                return 0;
            }
            if (!List.of("--env", "--out", "--param").contains(arg)) {
                err.println("error: unknown option '" + arg + "'");
                err.print(USAGE);
                return 2;
            }
            if (i + 1 >= args.size()) {
                err.println("error: " + arg + " needs a value");
                err.print(USAGE);
                return 2;
            }
            String value = args.get(++i);
            switch (arg) {
                case "--env" -> env = value;
                case "--out" -> dir = Path.of(value);
                default -> {
                    int eq = value.indexOf('=');
                    int dot = value.indexOf('.');
                    if (dot <= 0 || eq < dot + 2) {
                        err.println("error: --param takes STACK.Name=Value, got '" + value + "'");
                        return 2;
                    }
                    params.put(value.substring(0, eq), value.substring(eq + 1));
                }
            }
        }
        if (env == null || dir == null) {
            err.println("error: --env and --out are required");
            err.print(USAGE);
            return 2;
        }
        Environment environment;
        try {
            environment = Environments.named(env);
        } catch (NoSuchElementException e) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        try {
            ResourceSpec spec = ResourceSpec.load(TemplateChecks.findRepoRoot());
            Map<String, Map<String, Object>> templates = new LinkedHashMap<>();
            for (Stack s : Stacks.all()) {
                templates.put(s.name(), s.template().toCfn());
            }
            Map<String, String> files = resolve(environment, templates, params, spec);
            Files.createDirectories(dir);
            for (Map.Entry<String, String> f : files.entrySet()) {
                Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8);
                out.println("wrote " + dir.resolve(f.getKey()));
            }
            return 0;
        } catch (ResolveException | CheckException | IOException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    /**
     * Every stack resolved for the environment: file name ({@code <stack>.yaml}) to YAML.
     *
     * @param params extra values as {@code stack.Name}; every parameter the environment leaves to deploy
     *               time must be among them
     */
    public static Map<String, String> resolve(Environment env, Map<String, Map<String, Object>> templates,
                                              Map<String, String> params, ResourceSpec spec) {
        return resolve(env, templates, params, spec, Map.of());
    }

    /** As {@link #resolve(Environment, Map, Map, ResourceSpec)}, with sample export values (see {@link Resolver}). */
    public static Map<String, String> resolve(Environment env, Map<String, Map<String, Object>> templates,
                                              Map<String, String> params, ResourceSpec spec,
                                              Map<String, String> importsBySuffix) {
        Resolver resolver = new Resolver(spec, importsBySuffix);
        for (String key : params.keySet()) {
            String stack = key.substring(0, key.indexOf('.'));
            if (!templates.containsKey(stack)) {
                throw new ResolveException("--param " + key + ": no stack '" + stack + "' (stacks: " + templates.keySet() + ")");
            }
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> t : templates.entrySet()) {
            String stack = t.getKey();
            Map<String, String> values = env.parameters(stack);
            for (String required : env.requiredParameters(stack)) {
                if (!params.containsKey(stack + "." + required)) {
                    throw new ResolveException("environment " + env.name() + " needs a value for " + stack + "."
                            + required + " (--param " + stack + "." + required + "=...)");
                }
            }
            params.forEach((key, value) -> {
                if (key.startsWith(stack + ".")) {
                    values.put(key.substring(stack.length() + 1), value);
                }
            });
            files.put(stack + ".yaml", TemplateWriter.writeYaml(resolver.resolve(stack + ".yaml", t.getValue(), values)));
        }
        return files;
    }
}
