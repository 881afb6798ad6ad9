package dev.hellostack.cfn.generate;

import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.stacks.AppEnv;
import dev.hellostack.cfn.stacks.Stack;
import java.util.function.Consumer;

/** Small made-up stacks for generator tests: AppName/EnvName declared, the rest up to the test. */
final class TestStacks {
    private TestStacks() {
    }

    static Stack stack(String name, Consumer<Template> body) {
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
            public Template template() {
                Template t = new Template(name, name);
                AppEnv.declare(t);
                body.accept(t);
                return t;
            }
        };
    }
}
