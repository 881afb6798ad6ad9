package dev.hellostack.cfn.stacks;

import java.util.List;

/** Every stack, in deploy order. The one place that defines the order; stacks.json and the README follow it. */
public final class Stacks {

    private Stacks() {
    }

    public static List<Stack> all() {
        return List.of(
                new EcrStack());
    }
}
