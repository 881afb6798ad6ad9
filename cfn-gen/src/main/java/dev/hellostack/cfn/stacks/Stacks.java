package dev.hellostack.cfn.stacks;

import java.util.List;

/**
 * Every stack, in deploy order: the one place that defines the order. templates/stacks.json, the
 * pipeline and the README follow it, and the build checks that each stack imports only from stacks
 * before it.
 */
public final class Stacks {

    private Stacks() {
    }

    public static List<Stack> all() {
        return List.of(
                new GitlabOidcStack(),
                new EcrStack(),
                new NetworkStack(),
                new AlbStack(),
                new ServiceStack());
    }
}
