package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.List;
import java.util.Map;

/**
 * The two parameters every stack takes, AppName and EnvName, and the naming scheme built on them:
 * export names {@code ${AppName}-${EnvName}-<Thing>}, resource names {@code ${AppName}-${EnvName}}.
 */
public final class AppEnv {

    /**
     * Lower-case letters and digits, starting with a letter: valid in stack, bucket, ECR and log group
     * names. Neither AppName nor EnvName may hold a hyphen, so {@code ${AppName}-${EnvName}-} names exactly
     * one application and environment: with hyphens, {@code hello}+{@code prod} and {@code hello-prod}+{@code x}
     * would share the prefix {@code hello-prod-}, and the IAM patterns built on it. With AppName at most 20
     * and EnvName at most 10 characters, the longest name built on them, the role
     * {@code ${AppName}-${EnvName}-task-exec}, has 41 of the 64 characters IAM allows.
     */
    public static final String NAME_PATTERN = "^[a-z][a-z0-9]*$";
    public static final String NAME_CONSTRAINT = "lower-case letters and digits, starting with a letter (no hyphen)";
    public static final String ENV_PATTERN = NAME_PATTERN;
    public static final String ENV_CONSTRAINT = NAME_CONSTRAINT;

    /** The tag keys every resource carries, and the IAM conditions of the execution role test. */
    public static final String APP_TAG = "app";
    public static final String ENV_TAG = "env";

    /** The IAM path of every workload role: {@code /${AppName}/${EnvName}/}, so IAM statements can name "this app's roles". */
    public static final String ROLE_PATH = "/${AppName}/${EnvName}/";

    public final Parameter appName;
    public final Parameter envName;

    private AppEnv(Parameter appName, Parameter envName) {
        this.appName = appName;
        this.envName = envName;
    }

    /** Declares AppName and EnvName as the first two parameters of the template. */
    public static AppEnv declare(Template t) {
        Parameter app = t.parameter("AppName", "String")
                .defaultValue("hello")
                .allowedPattern(NAME_PATTERN)
                .length(1, 20)
                .description("Application name; prefixes stack, repository, log group and export names.")
                .constraintDescription("AppName: 1 to 20 " + NAME_CONSTRAINT + ".");
        Parameter env = t.parameter("EnvName", "String")
                .defaultValue("prod")
                .allowedPattern(ENV_PATTERN)
                .length(1, 10)
                .description("Environment name, such as prod or staging; part of every name and export.")
                .constraintDescription("EnvName: 1 to 10 " + ENV_CONSTRAINT + ".");
        return new AppEnv(app, env);
    }

    /** {@code ${AppName}-${EnvName}-<thing>} as an Fn::Sub, for Export names. */
    public static Fn.Sub exportName(String thing) {
        return Fn.sub(exportPattern(thing));
    }

    /** The export name pattern as text. */
    public static String exportPattern(String thing) {
        return "${AppName}-${EnvName}-" + thing;
    }

    /** Fn::ImportValue of {@code ${AppName}-${EnvName}-<thing>}. */
    public static Fn.ImportValue importValue(String thing) {
        return Fn.importValue(exportName(thing));
    }

    /** {@code ${AppName}-${EnvName}} followed by suffix, as an Fn::Sub. */
    public static Fn.Sub name(String suffix) {
        return Fn.sub("${AppName}-${EnvName}" + suffix);
    }

    /**
     * A workload role {@code ${AppName}-${EnvName}<nameSuffix>} under {@link #ROLE_PATH}, with the gitlab-oidc
     * stack's permissions boundary: what the CloudFormation execution role requires of every role it creates.
     * The caller adds Policies and Tags.
     */
    static Resource workloadRole(Template t, String id, String nameSuffix, String description,
                                 Map<String, Object> trust) {
        return t.resource(id, "AWS::IAM::Role")
                .prop("RoleName", name(nameSuffix))
                .prop("Path", Fn.sub(ROLE_PATH))
                .prop("Description", description)
                .prop("AssumeRolePolicyDocument", trust)
                .prop("PermissionsBoundary", importValue(GitlabOidcStack.BOUNDARY_EXPORT));
    }

    /** The standard tags: app and env (what the execution role's tag conditions test), plus a Name. */
    public List<Object> tags(String nameSuffix) {
        return Obj.tags(Map.of(
                APP_TAG, appName.ref(),
                ENV_TAG, envName.ref(),
                "Name", name(nameSuffix)));
    }

    /** The standard tags without a Name. */
    public List<Object> tags() {
        return Obj.tags(Map.of(APP_TAG, appName.ref(), ENV_TAG, envName.ref()));
    }
}
