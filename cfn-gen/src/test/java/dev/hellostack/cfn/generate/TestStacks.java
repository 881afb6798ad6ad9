package dev.hellostack.cfn.generate;

import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.stacks.Environment;
import dev.hellostack.cfn.stacks.Environments;
import dev.hellostack.cfn.stacks.Stack;
import java.util.function.BiConsumer;

/** Small made-up stacks for generator tests: the body gets the template and the environment. */
final class TestStacks {

    static final Environment DEV = Environments.named("dev");

    private TestStacks() {
    }

    static Stack stack(String name, BiConsumer<Template, Environment> body) {
        return new Stack() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return "test stack " + name;
            }

            @Override
            public Template template(Environment env) {
                Template t = new Template(name, name);
                body.accept(t, env);
                return t;
            }
        };
    }
}
