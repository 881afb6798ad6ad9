package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.List;
import java.util.Map;

/**
 * The naming scheme of one environment, as literals: resources are named {@code <app>-<env>}, exports
 * {@code <app>-<env>-<Thing>}, workload roles live under the IAM path {@code /<app>/<env>/}, and every
 * resource carries the tags {@code app} and {@code env} (what the execution role's tag conditions test).
 * App-level resources (the image repository, shared by every environment) are named {@code <app>}.
 */
public final class AppEnv {

    /** The tag keys every resource carries. */
    public static final String APP_TAG = "app";
    public static final String ENV_TAG = "env";

    final Environment env;

    AppEnv(Environment env) {
        this.env = env;
    }

    /** {@code <app>-<env>}. */
    String prefix() {
        return env.prefix();
    }

    /** {@code <app>-<env><suffix>}. */
    String name(String suffix) {
        return env.prefix() + suffix;
    }

    /** The export name {@code <app>-<env>-<thing>}. */
    String exportName(String thing) {
        return env.prefix() + "-" + thing;
    }

    /** Fn::ImportValue of {@code <app>-<env>-<thing>}. */
    Fn.ImportValue importValue(String thing) {
        return Fn.importValue(exportName(thing));
    }

    /** The export name of an app-level stack's output: {@code <app>-<thing>}. */
    String appExportName(String thing) {
        return env.app() + "-" + thing;
    }

    /** Fn::ImportValue of {@code <app>-<thing>} (the image repository). */
    Fn.ImportValue appImportValue(String thing) {
        return Fn.importValue(appExportName(thing));
    }

    /** The IAM path of every workload role: {@code /<app>/<env>/}. */
    String rolePath() {
        return "/" + env.app() + "/" + env.name() + "/";
    }

    /**
     * A workload role {@code <app>-<env><nameSuffix>} under {@link #rolePath()}, with the gitlab-oidc stack's
     * permissions boundary: what the CloudFormation execution role requires of every role it creates. The
     * caller adds Policies.
     */
    Resource workloadRole(Template t, String id, String nameSuffix, String description, Map<String, Object> trust) {
        return t.resource(id, "AWS::IAM::Role")
                .prop("RoleName", name(nameSuffix))
                .prop("Path", rolePath())
                .prop("Description", description)
                .prop("AssumeRolePolicyDocument", trust)
                .prop("PermissionsBoundary", importValue(GitlabOidcStack.BOUNDARY_EXPORT))
                .prop("Tags", tags());
    }

    /** The standard tags, app and env, plus a Name. */
    List<Object> tags(String nameSuffix) {
        return Obj.tags(Map.of(APP_TAG, env.app(), ENV_TAG, env.name(), "Name", name(nameSuffix)));
    }

    /** The standard tags without a Name. */
    List<Object> tags() {
        return Obj.tags(Map.of(APP_TAG, env.app(), ENV_TAG, env.name()));
    }

    /** The tag pair as an IAM condition on keyPrefix ({@code aws:RequestTag} or {@code aws:ResourceTag}). */
    Map<String, Object> tagged(String keyPrefix) {
        return Obj.of("StringEquals", Obj.of(keyPrefix + "/" + APP_TAG, env.app(), keyPrefix + "/" + ENV_TAG, env.name()));
    }

    /** {@code arn:${AWS::Partition}:<service>:${AWS::Region}:${AWS::AccountId}:<rest>} as an Fn::Sub. */
    static Fn.Sub regional(String service, String rest) {
        return Iam.arn(service + ":${AWS::Region}:${AWS::AccountId}:" + rest);
    }
}
