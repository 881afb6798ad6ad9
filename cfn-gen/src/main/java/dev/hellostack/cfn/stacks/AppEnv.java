package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Template;
import java.util.List;
import java.util.Map;

/**
 * The two parameters every stack takes, AppName and EnvName, and the naming scheme built on them:
 * export names {@code ${AppName}-${EnvName}-<Thing>}, resource names {@code ${AppName}-${EnvName}}.
 */
public final class AppEnv {

    /**
     * Lower-case letters, digits and hyphens, starting with a letter: valid in stack, ECR and log group
     * names. With AppName at most 20 and EnvName at most 10 characters, the longest name built on them,
     * the role {@code ${AppName}-${EnvName}-task-exec}, has 41 of the 64 characters IAM allows.
     */
    public static final String NAME_PATTERN = "^[a-z][a-z0-9-]*$";
    public static final String NAME_CONSTRAINT = "lower-case letters, digits and hyphens, starting with a letter";
    /**
     * EnvName has no hyphen, so the IAM patterns {@code ${AppName}-${EnvName}-*} of one environment
     * (prod) can never match the names of another (prod-eu would give prod-eu-*).
     */
    public static final String ENV_PATTERN = "^[a-z][a-z0-9]*$";
    public static final String ENV_CONSTRAINT = "lower-case letters and digits, starting with a letter (no hyphen)";

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

    /** The standard tags: Application and Environment, plus a Name. */
    public List<Object> tags(String nameSuffix) {
        return Obj.tags(Map.of(
                "Application", appName.ref(),
                "Environment", envName.ref(),
                "Name", name(nameSuffix)));
    }

    /** The standard tags without a Name. */
    public List<Object> tags() {
        return Obj.tags(Map.of("Application", appName.ref(), "Environment", envName.ref()));
    }
}
