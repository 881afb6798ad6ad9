package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Template;

/** One deployable stack: a template plus what the pipeline needs to know to deploy it. */
public interface Stack {

    /** Who deploys the stack. */
    enum DeployedBy {
        /** The GitLab pipeline, through the deploy role. */
        pipeline,
        /** An administrator, by hand, once (it creates the roles the pipeline uses). */
        administrator
    }

    /** Short name; the template is written to {@code templates/<name>.yaml}. */
    String name();

    /** The CloudFormation stack name, with {@code ${AppName}} and {@code ${EnvName}} placeholders. */
    default String stackName() {
        return "${AppName}-${EnvName}-" + name();
    }

    default DeployedBy deployedBy() {
        return DeployedBy.pipeline;
    }

    /** One line on what the stack holds, for the README and ARCHITECTURE.md. */
    String summary();

    /** Builds a fresh model of the template. */
    Template template();
}
