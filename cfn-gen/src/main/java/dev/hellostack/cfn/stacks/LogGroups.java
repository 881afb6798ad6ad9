package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Resource;

/** What every log group of the stacks shares. */
final class LogGroups {

    private LogGroups() {
    }

    /**
     * Keeps the group and its logs when the stack is deleted or the group replaced: logs are the
     * record of what happened, worth most just after a teardown. {@code RetainExceptOnCreate} still
     * deletes a group that a failed first create made, so the pipeline can delete the
     * ROLLBACK_COMPLETE stack and create it again under the same group name. {@code UpdateReplacePolicy}
     * knows no RetainExceptOnCreate; {@code Retain} keeps the old group when a change of name
     * replaces it. A retained group keeps its retention, so its logs still expire; deploying the same
     * AppName and EnvName again after a teardown needs the group deleted first (docs/deploying.md, "Tearing down").
     */
    static Resource keep(Resource logGroup) {
        return logGroup
                .deletionPolicy(Resource.Policy.RetainExceptOnCreate)
                .updateReplacePolicy(Resource.Policy.Retain);
    }
}
