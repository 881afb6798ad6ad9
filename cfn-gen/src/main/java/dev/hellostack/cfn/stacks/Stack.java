package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Template;

/** One deployable stack: a template per environment plus what the pipeline needs to know to deploy it. */
public interface Stack {

    /** Who deploys the stack. */
    enum DeployedBy {
        /** The GitLab pipeline, through the deploy role. */
        pipeline,
        /** An administrator, once (it creates what the pipeline may not: its own roles, the image repository). */
        administrator
    }

    /** Short name; the template is written to {@code templates/<env>/<name>.yaml} (or {@code templates/<name>.yaml}). */
    String name();

    /**
     * True (the default) for a stack of its own in every environment; false for an application-level stack
     * shared by every environment (the image repository), written once to {@code templates/<name>.yaml}.
     */
    default boolean perEnvironment() {
        return true;
    }

    /** The CloudFormation stack name in an environment. */
    default String stackName(Environment env) {
        return perEnvironment() ? env.prefix() + "-" + name() : env.app() + "-" + name();
    }

    default DeployedBy deployedBy() {
        return DeployedBy.pipeline;
    }

    /** One line on what the stack holds, for the docs. */
    String summary();

    /** Builds a fresh model of the template for an environment (an app-level stack reads only its app). */
    Template template(Environment env);
}
