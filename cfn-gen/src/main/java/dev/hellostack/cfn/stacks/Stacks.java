package dev.hellostack.cfn.stacks;

import java.util.List;

/**
 * Every stack, in deploy order: the one place that defines the order. templates/stacks.json, the
 * pipeline and the docs follow it, and the generator checks that each stack imports only from stacks
 * before it.
 */
public final class Stacks {

    private Stacks() {
    }

    public static List<Stack> all() {
        return List.of(
                new EcrStack(),
                new GitlabOidcStack(),
                new NetworkStack(),
                new AlbStack(),
                new ServiceStack());
    }
}
